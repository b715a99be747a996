#!/bin/sh
# /init of the Linux reference initramfs (//testing/bench:linux_initramfs):
# Tessera's root file system booted by Debian's kernel. Runs the same
# benchsuite as Tessera's init does (tessera.test=suite) in the same place:
# on the virtio disk (a copy of //testing/bench:bench_disk, the same contents
# Tessera's root disk has), mounted as ext2 and made the root with chroot,
# with /tmp a tmpfs as on Tessera; then unmounts it and powers off. Lines
# starting "linux-init:" are read by bench_runner.py.
#
# Debian builds virtio_blk, virtio_net and ext4 as modules: bench_runner.py
# appends them to this initramfs at run time under /lib/modules/bench/, with
# the file "order" listing them in load order (dependencies first).
#
# The network: QEMU's user network as Tessera gets it by DHCP, set
# statically (eth0 10.0.2.15/24, default route through 10.0.2.2, lo up).
# bench.peer=A.B.C.D:PORT on the kernel's command line is the host peer of
# the network benchmarks (passed to the suite as --peer).
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
/bin/busybox mount -t proc proc /proc
echo "linux-init: reached init uptime=$(/bin/busybox cut -d' ' -f1 /proc/uptime) kernel=$(/bin/busybox uname -r)"

mods=/lib/modules/bench
if [ -f "$mods/order" ]; then
  while read -r ko; do
    /bin/busybox insmod "$mods/$ko" || echo "linux-init: insmod $ko failed"
  done < "$mods/order"
fi
# The disk's node appears once virtio_blk has probed the device.
i=0
while [ ! -b /dev/vda ] && [ "$i" -lt 100 ]; do
  /bin/busybox sleep 0.1
  i=$((i + 1))
done
# eth0 appears once virtio_net has probed the NIC.
i=0
while ! /bin/busybox ip link show eth0 >/dev/null 2>&1 && [ "$i" -lt 100 ]; do
  /bin/busybox sleep 0.1
  i=$((i + 1))
done
/bin/busybox ip link set lo up
if /bin/busybox ip addr add 10.0.2.15/24 dev eth0 && /bin/busybox ip link set eth0 up &&
  /bin/busybox ip route add default via 10.0.2.2; then
  echo "linux-init: eth0 10.0.2.15/24 gateway 10.0.2.2"
else
  echo "linux-init: no network (eth0 not configured)"
fi
peer=""
for word in $(/bin/busybox cat /proc/cmdline); do
  case "$word" in bench.peer=*) peer="--peer ${word#bench.peer=}" ;; esac
done

root=/mnt
if [ -b /dev/vda ] && /bin/busybox mount -t ext2 /dev/vda "$root"; then
  echo "linux-init: the root is now the ext2 disk /dev/vda"
  /bin/busybox mount -t devtmpfs devtmpfs "$root/dev"
  /bin/busybox mount -t proc proc "$root/proc"
  /bin/busybox mount -t tmpfs tmpfs "$root/tmp"
  # $peer is empty or two words.
  # shellcheck disable=SC2086
  /bin/busybox chroot "$root" /bin/benchsuite $peer
  status=$?
  echo "linux-init: benchsuite exit status $status"
  /bin/busybox umount "$root/tmp" "$root/proc" "$root/dev"
  /bin/busybox umount "$root" || echo "linux-init: cannot unmount the disk"
else
  echo "linux-init: no ext2 disk at /dev/vda; the suite runs on the initramfs"
  /bin/busybox mount -t tmpfs tmpfs /tmp
  # shellcheck disable=SC2086
  /bin/benchsuite $peer
  echo "linux-init: benchsuite exit status $?"
fi
/bin/busybox sync
/bin/busybox poweroff -f
