#!/bin/bash
# System test of the virtio-blk driver: boots the blk ISO (tessera.test=blk)
# with a copy of the test disk attached as a modern virtio-blk device; init
# starts //drivers/virtio_blk and //testing/guest:blktest, which reads the
# ext2 superblock through the driver, writes a pattern beyond the file system,
# flushes, reads it back and prints figures. Then, on the host: the pattern is
# in the image file (dd + cmp), everything else is unchanged, and e2fsck -fn
# passes. A second boot attaches the disk read-only: the driver reports RO and
# writes fail with EROFS.
#   blk_test.sh ISO RUNNER DISK
set -uo pipefail

iso="$1"
runner="$2"
disk_src="$3"
tmp="${TEST_TMPDIR:-/tmp}"

source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

boot() {  # boot NAME [RUNNER ARGS...]: sets $log and $status
  local name="$1"; shift
  log="$tmp/serial-blk-$name.log"
  "$runner" --iso "$iso" --timeout 300 --serial-log "$log.raw" "$@"
  status=$?
  tr -d '\r' < "$log.raw" > "$log"
  echo "---- serial log ($log) ----"
  cat "$log"
  echo "---- end of serial log; QEMU exit status $status ----"
}

e2fsck=$(command -v e2fsck || echo /sbin/e2fsck)
python=$(command -v python3 || echo /usr/bin/python3)
pattern_sector=12288
pattern_sectors=512

# --- read-write --------------------------------------------------------------
disk="$tmp/blk-disk.img"
cp "$disk_src" "$disk" && chmod u+w "$disk"
boot rw --disk "$disk"
check "QEMU ended by the kernel with status 0 (exit 1)" test "$status" -eq 1
check "no kernel panic" lacks 'KERNEL PANIC|KERNEL EXCEPTION'
check "init started the driver" has '^init: started virtio_blk for PCI [0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$'
check "the driver described the disk (16384 sectors, RW)" \
  has '^virtio_blk: [0-9a-f:.]+: 16384 sectors \(8 MiB\), block size 512, features 0x[0-9a-f]+, RW, flush yes'
check "no driver error" lacks '^virtio_blk: error'
for name in open superblock bad-requests-refused write-flush-readback; do
  check "blktest: PASS $name" has "^blktest: PASS $name\$"
done
check "no blktest check failed" lacks '^blktest: FAIL'
check "the superblock was read through the driver" has '^blktest: ext2 superblock: magic 0xef53, 4096 blocks of 1024 bytes$'
check "figures: sequential read" has '^blktest: sequential read, 1 MiB requests: [0-9]+\.[0-9]+ MB/s'
check "figures: random reads" has '^blktest: random 4 KiB reads, 1 in flight: [0-9]+ IOPS'
check "blktest ended with exit code 0" has '^init: blktest ended with exit code 0$'
check "the driver stopped when blktest closed its channel" has '^init: virtio_blk ended with exit code 0$'

expected="$tmp/blk-pattern.bin"
"$python" -c '
import sys
n = int(sys.argv[2]) * 512
sys.stdout.buffer.write(bytes(((i * 31 + (i >> 9) * 7 + 0x5a) & 0xff) for i in range(n)))
' "$pattern_sector" "$pattern_sectors" > "$expected"
actual="$tmp/blk-actual.bin"
dd if="$disk" of="$actual" bs=512 skip="$pattern_sector" count="$pattern_sectors" status=none
check "the pattern landed in the image file (dd + cmp)" cmp "$expected" "$actual"
check "nothing else changed (the file system part is byte-identical)" \
  cmp -n $((pattern_sector * 512)) "$disk_src" "$disk"
check "nothing after the pattern changed" \
  cmp -i $(((pattern_sector + pattern_sectors) * 512)) "$disk_src" "$disk"
check "e2fsck -fn passes on the image" "$e2fsck" -fn "$disk"

# --- read-only ---------------------------------------------------------------
ro_disk="$tmp/blk-disk-ro.img"
cp "$disk_src" "$ro_disk" && chmod u+w "$ro_disk"
boot ro --disk "$ro_disk" --disk-ro
check "read-only: QEMU ended with status 0 (exit 1)" test "$status" -eq 1
check "read-only: the driver reports RO" has '^virtio_blk: [0-9a-f:.]+: 16384 sectors .*, RO, '
check "read-only: blktest sees a read-only disk" has '^blktest: disk of 16384 sectors, .*read-only'
check "read-only: writes fail with EROFS" has '^blktest: PASS readonly-write-erofs$'
check "read-only: the superblock reads" has '^blktest: PASS superblock$'
check "read-only: no blktest check failed" lacks '^blktest: FAIL'
check "read-only: the image is unchanged" cmp "$disk_src" "$ro_disk"

echo "---- figures ----"
grep -h '^blktest: .*\(MB/s\|IOPS\)' "$tmp/serial-blk-rw.log" "$tmp/serial-blk-ro.log"
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
