#!/bin/sh
# /init of the Linux reference initramfs (//testing/bench:linux_initramfs):
# Tessera's root file system booted by Debian's kernel. Runs the same
# benchsuite as Tessera's init does (tessera.test=suite), with /tmp a tmpfs
# as on Tessera, then powers off. Lines starting "linux-init:" are read by
# bench_runner.py.
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
/bin/busybox mount -t proc proc /proc
echo "linux-init: reached init uptime=$(/bin/busybox cut -d' ' -f1 /proc/uptime) kernel=$(/bin/busybox uname -r)"
/bin/busybox mount -t tmpfs tmpfs /tmp
/bin/benchsuite
echo "linux-init: benchsuite exit status $?"
/bin/busybox poweroff -f
