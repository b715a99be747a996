#!/bin/bash
# System test of `mount -t ext2` from the shell (issue 5): boots disk_iso
# (tessera.test=shell) with a copy of the root image as /dev/vda and a copy
# of blk_test_disk as a second virtio-blk disk, /dev/vdb. At busybox sh:
# the block-device nodes read through a driver init starts for the kernel
# (the superblock's magic, aligned and not; blockdev and fdisk -l; the
# mounted root disk gives EBUSY; an unaligned raw write to the boot sector
# reads back and reaches the image; a disk held open is not mounted), fdisk,
# mke2fs, Debian's static e2fsck and a mount of a partition of a third disk
# (/dev/vdc1), losetup and mount -o
# loop of an image on the root, mount's refusals (not a block device, the root
# disk), mount -t ext2 /dev/vdb (init, the mount agent, starts a driver and
# an ext2 server that mount there), /proc/mounts, a known file read, new
# files written, mount namespaces (busybox unshare -m: a tmpfs seen inside
# only, an umount of the copied ext2 mount that leaves the parent's and its
# server up; nsenter into a running one; an agent mount inside one, whose
# server stops when the namespace dies), umount refused while a cwd is
# inside, a second mount of the
# same disk refused, sync, umount (the server flushes and exits, init reaps
# it and its driver), mount -o ro (writes give EROFS), umount, poweroff.
# On the host: e2fsck -fn of both disks, and debugfs reads back the files the
# guest wrote on the second one.
#   mount_test.sh ISO RUNNER ROOT_IMAGE SECOND_IMAGE NOTES_TXT
set -uo pipefail
trap '' PIPE

iso="$1"
runner="$2"
image="$3"
second_image="$4"
notes="$5"
dir="${TEST_TMPDIR:-$(mktemp -d)}"

source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
source "$(dirname "${BASH_SOURCE[0]}")/console.sh"

need_tools mount_test e2fsck debugfs
scratch_disk "$image"
root_disk="$disk"
second="$dir/second.img"
cp --sparse=always "$second_image" "$second"
chmod u+w "$second"

third="$dir/third.img"
rm -f "$third"
truncate -s 16M "$third"

start 1 --disk "$root_disk" --disk2 "$second" --timeout 900 \
  -- -drive "file=$third,if=none,format=raw,id=disk3" -device "virtio-blk-pci,drive=disk3,disable-legacy=on"
booted=0
if booted_to_disk; then
  booted=1
  printf '%s\n' 'm() { echo "@@$*@@"; }' >&3
  run nodes 'ls -l /dev/vda /dev/vdb; dd if=/dev/vdb bs=1024 skip=1 count=1 2>/dev/null | od -An -tx1 -j56 -N2;
    dd if=/dev/vdb bs=1 skip=1080 count=2 2>/dev/null | od -An -tx1; echo rc=$?'
  run blockdev 'blockdev --getsize64 /dev/vdb; blockdev --getss /dev/vdb; blockdev --getro /dev/vdb;
    fdisk -l /dev/vdb 2>&1 | head -2; dd if=/dev/vda bs=1024 skip=1 count=1 2>/dev/null | od -An -tx1 -j56 -N2;
    dd if=/dev/zero of=/dev/vda bs=512 count=1 conv=notrunc; echo vda-rc=$?'
  run rawwrite 'printf tessera-raw-write | dd of=/dev/vdb bs=1 seek=100 conv=notrunc,fsync 2>/dev/null; echo write-rc=$?;
    dd if=/dev/vdb bs=1 skip=100 count=17 2>/dev/null; echo; mkdir -p /mnt/d2; exec 4</dev/vdb; mount -t ext2 /dev/vdb /mnt/d2; echo open-mount-rc=$?; exec 4<&-'
  run refusals 'mkdir -p /mnt/d2; mount -t ext2 /dev/null /mnt/d2; echo notblk-rc=$?;
    mount -t ext2 /dev/vda /mnt/d2; echo root-rc=$?; mount -t ext2 /dev/vdb /mnt/nowhere; echo enoent-rc=$?'
  # The type named decides (Linux's ext4 driver under its three names): the
  # journal-less ext2 image is no ext3 (EINVAL), and mounts as ext4, named so.
  run types 'mount -t ext3 /dev/vdb /mnt/d2; echo ext3-rc=$?;
    mount -t ext4 /dev/vdb /mnt/d2 && grep " /mnt/d2 " /proc/mounts; umount /mnt/d2; echo ext4-umount-rc=$?'
  run mount 'mount -t ext2 /dev/vdb /mnt/d2 && echo mount-ok; grep " /mnt/d2 " /proc/mounts'
  run read 'head -1 /mnt/d2/notes.txt; ls /mnt/d2/doc;
    dd if=/dev/vdb bs=1024 skip=1 count=1 2>/dev/null | od -An -tx1 -j56 -N2; echo > /dev/vdb; echo mounted-write-rc=$?'
  run write 'echo "written by tessera" > /mnt/d2/new.txt && mkdir /mnt/d2/dir &&
    dd if=/dev/urandom of=/mnt/d2/dir/big bs=1024 count=300 2>/dev/null && md5sum /mnt/d2/dir/big && echo write-ok'
  run ns 'mkdir -p /mnt/t; readlink /proc/self/ns/mnt;
    unshare -m sh -c "readlink /proc/self/ns/mnt; mount -t tmpfs nstmp /mnt/t && echo inside > /mnt/t/x &&
      grep \"^nstmp /mnt/t \" /proc/mounts; umount /mnt/d2 && echo child-umount-ok; echo child-d2=\$(grep -c \" /mnt/d2 \" /proc/mounts)";
    echo parent-t=$(grep -c " /mnt/t " /proc/mounts); echo parent-files=$(ls /mnt/t | wc -l);
    head -1 /mnt/d2/new.txt; echo parent-d2=$(grep -c " /mnt/d2 " /proc/mounts);
    echo alive > /root/ns-after && cat /root/ns-after && rm /root/ns-after'
  run nsenter 'unshare -m sh -c "mount -t tmpfs held /mnt/t && echo held-file > /mnt/t/y && sleep 60" &
    for i in 1 2 3 4 5 6 7 8 9 10; do grep -q "^held " /proc/$!/mounts && break; sleep 1; done;
    echo theirs=$(grep -c "^held /mnt/t " /proc/$!/mounts) ours=$(grep -c "^held " /proc/mounts);
    nsenter -t $! -m sh -c "cat /mnt/t/y; echo same=\$(test \$(readlink /proc/self/ns/mnt) = \$(readlink /proc/$!/ns/mnt) && echo yes)";
    echo nsenter-rc=$?; kill $!; wait; echo after-kill=$(grep -c "^held " /proc/mounts)'
  run busy 'cd /mnt/d2 && umount /mnt/d2; echo busy-rc=$?; cd /; mount -t ext2 /dev/vdb /tmp; echo again-rc=$?'
  run umount 'sync && umount /mnt/d2 && echo umount-ok; grep -c " /mnt/d2 " /proc/mounts; sleep 2'
  run nsagent 'unshare -m sh -c "mount -t ext2 /dev/vdb /mnt/d2 && echo ns-agent-mount-ok; grep \" /mnt/d2 \" /proc/mounts;
      head -1 /mnt/d2/new.txt; echo written-in-a-namespace > /mnt/d2/ns.txt"; echo parent-after=$(grep -c " /mnt/d2 " /proc/mounts); sleep 2'
  run ro 'mount -t ext2 -o ro /dev/vdb /mnt/d2 && echo ro-mount-ok; grep " /mnt/d2 " /proc/mounts;
    cat /mnt/d2/new.txt; md5sum /mnt/d2/dir/big; touch /mnt/d2/probe; echo touch-rc=$?;
    umount /mnt/d2 && echo ro-umount-ok; sleep 2'
  run loop 'dd if=/dev/zero of=/root/loop.img bs=1024 count=4096 2>/dev/null && mke2fs -F /root/loop.img > /dev/null && echo mkfs-ok;
    losetup /dev/loop0 /root/loop.img && losetup /dev/loop0; blockdev --getsize64 /dev/loop0;
    mkdir -p /mnt/l && mount -t ext2 /dev/loop0 /mnt/l && echo loop-mount-ok; grep " /mnt/l " /proc/mounts;
    echo "inside a loop" > /mnt/l/hello && sync && cat /mnt/l/hello; losetup -d /dev/loop0; echo busy-detach-rc=$?;
    umount /mnt/l && echo loop-umount-ok; sleep 1; losetup /dev/loop0; echo status-rc=$?'
  run loopauto 'mount -o loop /root/loop.img /mnt/l && echo auto-ok; cat /mnt/l/hello; losetup -a;
    umount /mnt/l && sleep 1; losetup -a; echo loopauto-end; sync'
  run part 'printf "n\\np\\n1\\n\\n+8M\\nw\\n" | fdisk /dev/vdc > /dev/null 2>&1; echo fdisk-rc=$?; ls -1 /dev/vdc*;
    fdisk -l /dev/vdc 2>/dev/null | grep "^/dev/vdc1"; blockdev --getsize64 /dev/vdc1'
  run mkfs 'mke2fs -F /dev/vdc1 > /dev/null && echo mke2fs-ok; e2fsck -n /dev/vdc1; echo fsck-rc=$?;
    mkdir -p /mnt/d3 && mount -t ext2 /dev/vdc1 /mnt/d3 && echo made-by-mke2fs > /mnt/d3/f && grep " /mnt/d3 " /proc/mounts &&
    umount /mnt/d3 && echo d3-ok; sleep 1; e2fsck -fn /dev/vdc1; echo fsck2-rc=$?'
  printf '%s\n' 'poweroff' >&3
fi
finish 1

check "the root moved to the disk" test "$booted" -eq 1
check "/dev/vda and /dev/vdb are block devices 254:0 and 254:16; /dev/vdb reads the ext2 magic (aligned and not)" \
  bash -c 'grep -qE "^brw-rw---- .* 254, +0 .*/dev/vda$" <<< "$1" && grep -qE "^brw-rw---- .* 254, +16 .*/dev/vdb$" <<< "$1" &&
    test "$(grep -cx " 53 ef" <<< "$1")" -eq 2 && grep -qx "rc=0" <<< "$1"' _ "$(section nodes)"
second_size=$(stat -c %s "$second")
check "blockdev and fdisk see the disk's size (BLKGETSIZE64, BLKSSZGET, BLKROGET); the mounted root disk reads (its magic) but a write gives EBUSY" \
  bash -c 'grep -qx "$2" <<< "$1" && grep -qx 512 <<< "$1" && grep -qx 0 <<< "$1" &&
    grep -q "^Disk /dev/vdb: .*$2 bytes" <<< "$1" && grep -qx " 53 ef" <<< "$1" &&
    grep -q "Device or resource busy" <<< "$1" && grep -qx "vda-rc=1" <<< "$1"' _ "$(section blockdev)" "$second_size"
check "init gave the kernel a read-only client of the root's and of the mount's drivers" \
  bash -c 'test "$(grep -c "one more read-only client of its driver for the kernel" "$1")" -ge 2' _ "$log"
check "an unaligned write through /dev/vdb reads back; a disk open through its node is not mounted (EBUSY)" \
  bash -c 'grep -qx "write-rc=0" <<< "$1" && grep -q "^tessera-raw-write" <<< "$1" &&
    grep -q "/dev/vdb on /mnt/d2 failed: Device or resource busy" <<< "$1" && grep -qx "open-mount-rc=255" <<< "$1"' \
  _ "$(section rawwrite)"
check "init started a driver alone for the kernel's /dev/vdb" \
  has '^init: PCI [0-9a-f:.]+: virtio_blk pid [0-9]+ serves the kernel.s block device$'
check "host: the raw write reached the disk's boot sector" \
  bash -c 'test "$(dd if="$1" bs=1 skip=100 count=17 2>/dev/null)" = tessera-raw-write' _ "$second"
check "mount refuses a character device (ENOTBLK), the root disk (EBUSY), a missing target (ENOENT)" \
  bash -c 'grep -q "Block device required" <<< "$1" && grep -qx "notblk-rc=255" <<< "$1" &&
    grep -qi "busy" <<< "$1" && grep -qx "root-rc=255" <<< "$1" && grep -qx "enoent-rc=255" <<< "$1"' \
  _ "$(section refusals)"
check "mount -t ext3 of the journal-less image: EINVAL; -t ext4 mounts it, /proc/mounts says ext4" \
  bash -c 'grep -q "Invalid argument" <<< "$1" && grep -qx "ext3-rc=255" <<< "$1" &&
    grep -qx "/dev/vdb /mnt/d2 ext4 rw,relatime 0 0" <<< "$1" && grep -qx "ext4-umount-rc=0" <<< "$1"' \
  _ "$(section types)"
check "the fs server said why ext3 was refused" has '^fs: error: ext2: not mounting as ext3: the image has no journal'
check "mount -t ext2 /dev/vdb /mnt/d2; /proc/mounts shows /dev/vdb as ext2" \
  bash -c 'grep -qx mount-ok <<< "$1" && grep -qx "/dev/vdb /mnt/d2 ext2 rw,relatime 0 0" <<< "$1"' _ "$(section mount)"
check "init served the request: a driver and a server for PCI of /dev/vdb" \
  has '^init: /dev/vdb: mounted \(fs_server pid [0-9]+, virtio_blk pid [0-9]+\)$'
check "the known file reads back; the mounted /dev/vdb reads through its node, a write gives EBUSY" \
  bash -c 'grep -qxF "$(head -1 "$2")" <<< "$1" && grep -qx virtio_blk.md <<< "$1" && grep -qx " 53 ef" <<< "$1" &&
    grep -q "Device or resource busy" <<< "$1" && grep -qx "mounted-write-rc=1" <<< "$1"' _ "$(section read)" "$notes"
check "new files written" in_section write '^write-ok$'
big_sum="$(section write | grep -oE '^[0-9a-f]{32}' | head -1)"
ns_ids="$(section ns | grep -oE '^mnt:\[[0-9]+\]$')"
check "unshare -m: a new mount namespace id; its tmpfs is seen inside only; its umount of the copied /mnt/d2 leaves the parent's mount and the disk's server up; the root disk still writes after the namespace died" \
  bash -c 'test "$(sort -u <<< "$2" | wc -l)" -eq 2 && grep -q "^nstmp /mnt/t tmpfs rw" <<< "$1" &&
    grep -qx child-umount-ok <<< "$1" && grep -qx child-d2=0 <<< "$1" && grep -qx parent-t=0 <<< "$1" &&
    grep -qx parent-files=0 <<< "$1" && grep -qx "written by tessera" <<< "$1" && grep -qx parent-d2=1 <<< "$1" &&
    grep -qx alive <<< "$1"' _ "$(section ns)" "$ns_ids"
check "nsenter -t PID -m: setns into a running unshare -m shell's namespace sees its tmpfs; /proc/PID/mounts shows it, /proc/mounts does not (nor after it died)" \
  bash -c 'grep -qx "theirs=1 ours=0" <<< "$1" && grep -qx held-file <<< "$1" && grep -qx same=yes <<< "$1" &&
    grep -qx nsenter-rc=0 <<< "$1" && grep -qx after-kill=0 <<< "$1"' _ "$(section nsenter)"
check "umount refused while a cwd is inside (EBUSY); a second mount of the disk refused (EBUSY)" \
  bash -c 'grep -qx "busy-rc=1" <<< "$1" && grep -qx "again-rc=255" <<< "$1"' _ "$(section busy)"
check "sync and umount; the mount is gone" \
  bash -c 'grep -qx umount-ok <<< "$1" && grep -qx 0 <<< "$1"' _ "$(section umount)"
check "the server flushed and exited; init reaped it and the driver" \
  bash -c 'grep -q "^fs: unmounted cleanly$" "$1" && grep -qE "^init: fs_server \(pid [0-9]+\) for /dev/vdb ended with exit code 0$" "$1" &&
    grep -qE "^init: virtio_blk \(pid [0-9]+\) for /dev/vdb ended with exit code 0$" "$1"' _ "$log"
check "mount -t ext2 in an unshare -m shell: init's server mounts itself in that shell's namespace, not its own; the parent does not see it; the namespace's death flushes and stops the server (the disk mounts again below)" \
  bash -c 'grep -qx ns-agent-mount-ok <<< "$1" && grep -qx "/dev/vdb /mnt/d2 ext2 rw,relatime 0 0" <<< "$1" &&
    grep -qx "written by tessera" <<< "$1" && grep -qx parent-after=0 <<< "$1" &&
    test "$(grep -cE "^init: fs_server \(pid [0-9]+\) for /dev/vdb ended with exit code 0$" "$2")" -ge 3' _ "$(section nsagent)" "$log"
check "mount -o ro: read-only in /proc/mounts, files read back, writes give EROFS, umount" \
  bash -c 'grep -qx ro-mount-ok <<< "$1" && grep -qx "/dev/vdb /mnt/d2 ext2 ro,relatime 0 0" <<< "$1" &&
    grep -qx "written by tessera" <<< "$1" && grep -q "^$2  /mnt/d2/dir/big$" <<< "$1" &&
    grep -q "Read-only file system" <<< "$1" && grep -qx "touch-rc=1" <<< "$1" && grep -qx ro-umount-ok <<< "$1"' \
  _ "$(section ro)" "$big_sum"
check "losetup binds a file on the ext3 root to /dev/loop0 (4 MiB); mount -t ext2 /dev/loop0 writes and reads; umount" \
  bash -c 'grep -qx mkfs-ok <<< "$1" && grep -q "^/dev/loop0: 0 /root/loop.img" <<< "$1" && grep -qx 4194304 <<< "$1" &&
    grep -qx loop-mount-ok <<< "$1" && grep -qx "/dev/loop0 /mnt/l ext2 rw,relatime 0 0" <<< "$1" &&
    grep -qx "inside a loop" <<< "$1" && grep -qx loop-umount-ok <<< "$1"' _ "$(section loop)"
check "losetup -d of a mounted loop detaches it only after umount (autoclear); then it is free" \
  bash -c 'grep -qx "busy-detach-rc=0" <<< "$1" && grep -qx "status-rc=1" <<< "$1"' _ "$(section loop)"
check "mount -o loop finds a free loop device, losetup -a lists it, umount frees it" \
  bash -c 'grep -qx auto-ok <<< "$1" && grep -qx "inside a loop" <<< "$1" &&
    test "$(grep -c "^/dev/loop0: 0 /root/loop.img" <<< "$1")" -eq 1 && grep -qx loopauto-end <<< "$1"' _ "$(section loopauto)"
check "fdisk writes an MBR on /dev/vdc; BLKRRPART makes /dev/vdc1 (8 MiB)" \
  bash -c 'grep -qx fdisk-rc=0 <<< "$1" && grep -qx /dev/vdc1 <<< "$1" && grep -qx 8388608 <<< "$1"' _ "$(section part)"
check "mke2fs /dev/vdc1, then Debian's e2fsck -n in the guest finds it clean, before and after a mount of the partition wrote a file" \
  bash -c 'grep -qx mke2fs-ok <<< "$1" && grep -qx fsck-rc=0 <<< "$1" && grep -q "^/dev/vdc1 /mnt/d3 ext2 " <<< "$1" &&
    grep -qx d3-ok <<< "$1" && grep -qx fsck2-rc=0 <<< "$1"' _ "$(section mkfs)"
check "no server's flush failed (a namespace's death flushes in a kernel thread, not the dying one)" lacks "the server's flush failed"
check "no kernel panic" lacks "KERNEL PANIC|KERNEL EXCEPTION"
check "QEMU ended by the kernel's power-off (exit 1)" test "$status" -eq 1

disk="$second"
fsck_disk "of the second disk"
check "host: debugfs reads /ns.txt, written in a mount namespace whose death unmounted the disk" \
  bash -c 'test "$(debugfs -R "cat /ns.txt" "$1" 2> /dev/null)" = written-in-a-namespace' _ "$second"
check "host: debugfs reads /new.txt back" \
  bash -c 'test "$(debugfs -R "cat /new.txt" "$1" 2> /dev/null)" = "written by tessera"' _ "$second"
debugfs_sums "$big_sum /dir/big"
disk="$root_disk"
fsck_disk "of the root disk"
debugfs -R "dump /root/loop.img $dir/loop.img" "$root_disk" 2> /dev/null
disk="$dir/loop.img"
fsck_disk "of the loop image the guest made and wrote through /dev/loop0"
check "host: debugfs reads /hello of the loop image" \
  bash -c 'test "$(debugfs -R "cat /hello" "$1" 2> /dev/null)" = "inside a loop"' _ "$dir/loop.img"
# The partition, cut out of the third disk where the guest's fdisk put it.
read -r part_start part_sectors <<< "$(section part | awk '$1 == "/dev/vdc1" && NF >= 7 { print $4, $6 }')"
dd if="$third" of="$dir/part.img" bs=512 skip="${part_start:-0}" count="${part_sectors:-0}" 2> /dev/null
check "host: the partition starts past the table and has 16384 sectors" \
  bash -c 'test "${1:-0}" -ge 1 && test "${2:-0}" -eq 16384' _ "$part_start" "$part_sectors"
disk="$dir/part.img"
fsck_disk "of /dev/vdc1, made by the guest's mke2fs"
check "host: debugfs reads /f of /dev/vdc1" \
  bash -c 'test "$(debugfs -R "cat /f" "$1" 2> /dev/null)" = made-by-mke2fs' _ "$dir/part.img"

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
