#!/bin/bash
# System test of the virtio-blk driver: boots the blk ISO (tessera.test=blk)
# with a copy of the test disk attached as a modern virtio-blk device; init
# starts //drivers/virtio_blk and //testing/guest:blktest, which reads the
# ext2 superblock through the driver, writes a pattern beyond the file system,
# flushes, reads it back and prints figures. Then, on the host: the pattern is
# in the image file (dd + cmp), everything else is unchanged, and e2fsck -fn
# passes. A second boot attaches the disk read-only: the driver reports RO and
# writes fail with EROFS.
#
# MODE msix (the default) attaches the device as QEMU makes it, with MSI-X:
# the driver must use MSI-X. MODE intx gives the device no MSI-X
# (vectors=0), so the driver must take its completions by INTx through the
# IOAPIC; the read-write boot puts the device in slot 6, whose INTA shares
# GSI 22 with the virtio-net NIC in slot 2 (ICH9 routing: PIRQ E + (slot + pin -
# 1) mod 4), the read-only boot leaves it alone on GSI 23 (slot 3).
#   blk_test.sh ISO RUNNER DISK [msix|intx]
set -uo pipefail

iso="$1"
runner="$2"
disk_src="$3"
mode="${4:-msix}"
tmp="${TEST_TMPDIR:-/tmp}"
case "$mode" in
  msix) rw_opts=(); ro_opts=() ;;
  intx) rw_opts=(--disk-intx --disk-slot 6); ro_opts=(--disk-intx) ;;
  *) echo "blk_test.sh: unknown mode '$mode'" >&2; exit 2 ;;
esac

source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

boot() {  # boot NAME [RUNNER ARGS...]: sets $log and $status
  local name="$1"; shift
  log="$tmp/serial-blk-$mode-$name.log"
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
boot rw --disk "$disk" "${rw_opts[@]}"
check "QEMU ended by the kernel with status 0 (exit 1)" test "$status" -eq 1
check "no kernel panic" lacks 'KERNEL PANIC|KERNEL EXCEPTION'
# The kernel's log may cut into init's line (the console does not order the two).
check "init started the driver" has '^init: started virtio_blk for PCI [0-9a-f]{2}:[0-9a-f]{2}\.[0-7]'
check "the driver described the disk (16384 sectors, RW)" \
  has '^virtio_blk: [0-9a-f:.]+: 16384 sectors \(8 MiB\), block size 512, features 0x[0-9a-f]+, RW, flush yes'
check "no driver error" lacks '^virtio_blk: error'
check_interrupts() {  # check_interrupts LABEL SLOT GSI FUNCTIONS-ON-THE-LINE
  if [ "$mode" = msix ]; then
    check "$1the driver uses MSI-X" has '^virtio_blk: [0-9a-f:.]+: .*, interrupts MSI-X$'
    check "$1the kernel routed MSI-X entry 0" has "^\[pci\] 00:$2\.0 MSI-X entry 0 -> vector [0-9]+\$"
  else
    check "$1the driver uses INTx" has '^virtio_blk: [0-9a-f:.]+: .*, interrupts INTx$'
    check "$1the kernel routed INTA to GSI $3, shared by $4 function(s)" \
      has "^\[pci\] 00:$2\.0 INTx pin A -> GSI $3 -> vector [0-9]+ \(level, active low\), $4 function\(s\) on the line\$"
    check "$1no function asserted INTx unowned, no line stormed" lacks 'with no driver bound|masked for good'
  fi
  check "$1every completion came by interrupt" lacks 'completed without an interrupt'
}
if [ "$mode" = msix ]; then check_interrupts "" 03 - -; else check_interrupts "" 06 22 2; fi
for name in open no-dma-right superblock bad-requests-refused write-flush-readback; do
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
boot ro --disk "$ro_disk" --disk-ro "${ro_opts[@]}"
check "read-only: QEMU ended with status 0 (exit 1)" test "$status" -eq 1
check "read-only: the driver reports RO" has '^virtio_blk: [0-9a-f:.]+: 16384 sectors .*, RO, '
check "read-only: blktest sees a read-only disk" has '^blktest: disk of 16384 sectors, .*read-only'
check "read-only: writes fail with EROFS" has '^blktest: PASS readonly-write-erofs$'
check "read-only: the superblock reads" has '^blktest: PASS superblock$'
check "read-only: no blktest check failed" lacks '^blktest: FAIL'
check "read-only: the image is unchanged" cmp "$disk_src" "$ro_disk"
if [ "$mode" = msix ]; then check_interrupts "read-only: " 03 - -; else check_interrupts "read-only: " 03 23 1; fi

echo "---- figures ----"
grep -h '^blktest: .*\(MB/s\|IOPS\)' "$tmp/serial-blk-$mode-rw.log" "$tmp/serial-blk-$mode-ro.log"
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
