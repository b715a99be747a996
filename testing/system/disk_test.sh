#!/bin/bash
# System test of the root on disk (issue 5): boots disk_iso (tessera.test=shell)
# with a copy of the built root image as the virtio-blk disk; init starts the
# driver and the ext2 server, the root moves to the disk. At the shell it
# creates, copies, appends to, renames and deletes files and directories of
# many sizes with busybox, prints their md5sums, runs `sync` and `poweroff`
# (busybox signals init, init calls reboot(2): the kernel has the fs server
# unmount cleanly and ends QEMU). On the host: `e2fsck -fn` must exit 0
# and `debugfs -R 'cat PATH'` must give the bytes whose checksums the guest
# printed. Then it boots again from the same disk and checks in the guest
# that every file reads back with the same checksum, and fscks once more.
#   disk_test.sh ISO RUNNER ROOT_IMAGE
set -uo pipefail
# If QEMU dies early, writes to its console FIFO must fail (and the checks
# report it with the serial log), not kill this script with SIGPIPE.
trap '' PIPE

iso="$1"
runner="$2"
image="$3"
dir="${TEST_TMPDIR:-$(mktemp -d)}"

source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
source "$(dirname "${BASH_SOURCE[0]}")/console.sh"

need_tools disk_test e2fsck debugfs
scratch_disk "$image"

# The files the test leaves on the disk (checksummed in both boots).
FILES="/data/empty /data/one /data/small /data/block /data/buffer /data/indirect /data/double
/data/busybox.copy /data/log /data/moved/c/deep /data/renamed /data/hard /root/notes.txt"

# ---- Boot 1: write.
start 1 --disk "$disk" --timeout 900
booted1=0
if booted_to_disk; then
  booted1=1
  printf '%s\n' 'm() { echo "@@$*@@"; }' >&3
  run mounts 'cat /proc/mounts'
  run mkdir 'mkdir -p /data/a/b/c /data/gone/x/y && echo mkdir-ok'
  run sizes 'touch /data/empty && dd if=/dev/urandom of=/data/one bs=1 count=1 2>/dev/null &&
    dd if=/dev/urandom of=/data/small bs=1000 count=1 2>/dev/null &&
    dd if=/dev/urandom of=/data/block bs=1024 count=4 2>/dev/null &&
    dd if=/dev/urandom of=/data/buffer bs=1000 count=70 2>/dev/null &&
    dd if=/dev/urandom of=/data/indirect bs=4096 count=75 2>/dev/null &&
    dd if=/dev/urandom of=/data/double bs=65536 count=40 2>/dev/null && echo sizes-ok'
  run copy 'cp /bin/busybox /data/busybox.copy && cmp /bin/busybox /data/busybox.copy && echo copy-ok'
  run append 'echo first > /data/log; for i in $(seq 1 300); do echo "line $i of the log" >> /data/log; done;
    cat /data/small >> /data/log; echo append-ok'
  run deep 'dd if=/dev/urandom of=/data/a/b/c/deep bs=512 count=9 2>/dev/null && mv /data/a/b /data/moved &&
    rmdir /data/a && echo deep-ok'
  run rename 'cp /data/small /data/tobe && mv /data/tobe /data/renamed && ln /data/renamed /data/hard && echo rename-ok'
  run links 'ln -s /data/log /data/link && ln -s /data/this/is/a/rather/long/target/that/does/not/fit/in/the/inode/itself/$(seq -s / 1 20) /data/slow &&
    readlink /data/link; readlink /data/slow'
  run delete 'dd if=/dev/urandom of=/data/gone/x/y/f bs=4096 count=40 2>/dev/null && cp /data/double /data/gone/x/dbl &&
    rm -r /data/gone && test ! -e /data/gone && echo delete-ok'
  run overwrite 'echo "notes from boot one" > /root/notes.txt; dd if=/dev/urandom of=/data/block bs=1024 count=4 conv=notrunc 2>/dev/null; echo overwrite-ok'
  run tmpmount 'mkdir -p /data/mnt && mount -t tmpfs -o size=64k none /data/mnt && echo t > /data/mnt/t &&
    grep " /data/mnt " /proc/mounts && umount /data/mnt && rmdir /data/mnt && echo tmpmount-ok'
  run remount 'mount -o remount,ro / && { touch /data/ro-probe; echo rc=$?; mount -o remount,rw /; } &&
    grep " / " /proc/mounts && test ! -e /data/ro-probe && echo remount-ok'
  run sock 'sockname bind /data/sock && ls -l /data/sock | cut -c1 && sockname connect /data/sock'
  run storm 'TEST_TMPDIR=/data posixtest sigalrm_storm; TEST_TMPDIR=/data posixtest fifo_'
  run locks 'for f in lock_ ofd_ proc_locks; do TEST_TMPDIR=/data posixtest $f; done'
  run sums "md5sum $(echo $FILES)"
  run listing 'ls -lR /data; df /'
  run sync 'sync && echo sync-ok'
  printf '%s\n' 'poweroff' >&3
fi
finish 1
sums1="$(section sums)"
log1="$log"
status1=$status

check "boot 1: the root moved to the disk" test "$booted1" -eq 1
check "boot 1: the fs server reported the mount (clean image)" \
  grep -qE '^fs: ext4 on virtio-blk: 67108864 bytes .* block size 1024, .*, clean, mount 1$' "$log1"
check "boot 1: / is ext4 (the image's type, as blkid names it; served by fs_server) with /dev, /tmp, /proc moved into it" \
  bash -c 'grep -qx "fs_server / ext4 rw,relatime 0 0" <<< "$1" && grep -qx "devtmpfs /dev devtmpfs rw,relatime,mode=755 0 0" <<< "$1" &&
    grep -q "^tmpfs /tmp tmpfs " <<< "$1" && grep -qx "proc /proc proc rw,relatime 0 0" <<< "$1"' \
  _ "$(section mounts)"
check "boot 1: mount -t tmpfs on a directory of the ext2 root, and umount" \
  bash -c 'grep -qx "none /data/mnt tmpfs rw,relatime,size=64k 0 0" <<< "$1" && grep -qx tmpmount-ok <<< "$1"' \
  _ "$(section tmpmount)"
check "boot 1: remount / read-only (writes give EROFS), then read-write" \
  bash -c 'grep -q "Read-only file system" <<< "$1" && grep -qx "rc=1" <<< "$1" &&
    grep -qx "fs_server / ext4 rw,relatime 0 0" <<< "$1" && grep -qx remount-ok <<< "$1"' \
  _ "$(section remount)"
for step in mkdir sizes copy append deep rename delete overwrite sync; do
  check "boot 1: $step" in_section "$step" "^$step-ok\$"
done
check "boot 1: symlinks" bash -c 'grep -qx "/data/log" <<< "$1" && grep -q "^/data/this/is/a/rather/long/target/.*/20$" <<< "$1"' \
  _ "$(section links)"
check "boot 1: bind makes a socket node on ext2; with its socket closed, connect is refused" \
  bash -c 'grep -qx "bound /data/sock" <<< "$1" && grep -qx s <<< "$1" && grep -qx "connect: ECONNREFUSED" <<< "$1"' \
  _ "$(section sock)"
check "boot 1: path calls on the ext2 root never fail with EINTR under a SIGALRM storm (SA_RESTART)" \
  in_section storm '^posix: PASS sigalrm_storm_path_calls$'
check "boot 1: fifos on the ext2 root (open rules, a blocking open, EPIPE, 1 MiB through)" \
  bash -c 'grep -qx "posix: PASS fifo_open_rules" <<< "$1" && grep -qx "posix: PASS fifo_blocking_open_waits" <<< "$1" &&
    grep -qx "posix: PASS fifo_epipe_and_large_transfer" <<< "$1"' _ "$(section storm)"
check "boot 1: file locks on the ext2 root (fcntl, OFD, flock, /proc/locks), keyed by the server's inode" \
  bash -c '! grep -q "^posix: FAIL" <<< "$1" && grep -qx "posix: PASS lock_released_by_closing_any_fd" <<< "$1" &&
    grep -qx "posix: PASS flock_per_description" <<< "$1" && grep -qx "posix: PASS ofd_locks_belong_to_the_description" <<< "$1" &&
    grep -qx "posix: PASS lock_setlkw_deadlock_edeadlk" <<< "$1" && grep -qx "posix: PASS proc_locks_lists_every_kind" <<< "$1"' \
  _ "$(section locks)"
check "boot 1: a checksum for every file ($(wc -w <<< "$FILES"))" \
  test "$(grep -cE '^[0-9a-f]{32}  /' <<< "$sums1")" -eq "$(wc -w <<< "$FILES")"
check "boot 1: no kernel panic" bash -c '! grep -qE "KERNEL PANIC|KERNEL EXCEPTION" "$1"' _ "$log1"
check "boot 1: poweroff reached the kernel" grep -q 'power off requested by pid 1 (init)' "$log1"
# The shell's prompt may share the line (it prints while the server logs).
check "boot 1: the fs server unmounted cleanly at power-off" grep -q 'fs: unmounted cleanly$' "$log1"
check "boot 1: QEMU ended by the kernel's power-off (exit 1)" test "$status1" -eq 1

# ---- On the host: e2fsck and debugfs.
fsck_disk "after boot 1"
debugfs_sums "$(grep -E '^[0-9a-f]{32}  /' <<< "$sums1")"
check "host: /data/sock is a socket inode" \
  bash -c 'debugfs -R "stat /data/sock" "$1" 2>&1 | grep -q "Type: socket"' _ "$disk"
check "host: /data/gone was removed" bash -c '! debugfs -R "stat /data/gone" "$1" 2>&1 | grep -q "Inode:"' _ "$disk"
check "host: /data/link is a symlink to /data/log" \
  bash -c 'debugfs -R "stat /data/link" "$1" 2>&1 | grep -q "Fast link dest: \"/data/log\""' _ "$disk"
check "host: /data/hard and /data/renamed are one inode with 2 links" \
  bash -c 'a=$(debugfs -R "stat /data/hard" "$1" 2>&1 | grep -o "Inode: [0-9]*"); b=$(debugfs -R "stat /data/renamed" "$1" 2>&1 | grep -o "Inode: [0-9]*"); [ -n "$a" ] && [ "$a" = "$b" ] && debugfs -R "stat /data/hard" "$1" 2>&1 | grep -q "Links: 2"' _ "$disk"

# ---- Boot 2: read back from the same disk.
start 2 --disk "$disk" --timeout 900
booted2=0
if booted_to_disk; then
  booted2=1
  printf '%s\n' 'm() { echo "@@$*@@"; }' >&3
  run sums "md5sum $(echo $FILES)"
  run after 'readlink /data/link; test -e /data/gone || echo gone-ok; ls /data/moved/c; cat /root/notes.txt'
  run sock 'ls -l /data/sock | cut -c1; sockname connect /data/sock'
  printf '%s\n' 'exit 0' >&3
fi
finish 2
sums2="$(section sums)"
check "boot 2: the root moved to the disk again" test "$booted2" -eq 1
check "boot 2: the mount is counted and the disk was left clean" \
  grep -qE '^fs: ext4 on virtio-blk: .*, clean, mount 2$' "$log"
check "boot 2: every file reads back with the checksum of boot 1" \
  test -n "$sums1" -a "$(grep -E '^[0-9a-f]{32}  /' <<< "$sums2")" = "$(grep -E '^[0-9a-f]{32}  /' <<< "$sums1")"
check "boot 2: names, links and contents" \
  bash -c 'grep -qx /data/log <<< "$1" && grep -qx gone-ok <<< "$1" && grep -qx deep <<< "$1" && grep -qx "notes from boot one" <<< "$1"' \
  _ "$(section after)"
check "boot 2: the socket node survived the reboot (ls -l shows s); nobody listens: refused" \
  bash -c 'grep -qx s <<< "$1" && grep -qx "connect: ECONNREFUSED" <<< "$1"' _ "$(section sock)"
check "boot 2: QEMU ended by the kernel (exit 1)" test "$status" -eq 1
fsck_disk "after boot 2"

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
