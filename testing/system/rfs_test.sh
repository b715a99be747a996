#!/bin/bash
# System test of user-space file systems: boots the rfs ISO (tessera.test=rfs),
# where init runs //testing/guest:rfstest. It mounts the toy server on
# /mnt/test with fs_mount and works on files through it, unmounts it, and
# mounts servers that reply garbage, exit mid-call or stall (their callers
# must get EIO); a new server takes a dead one's mount over (fs_mount
# kFsMountReplace), which is refused while the old one lives, for a path
# that is no mount's root and with bad flags. Checks every PASS line, no
# FAIL, no kernel panic, and a clean QEMU exit through isa-debug-exit.
#   rfs_test.sh ISO RUNNER
set -uo pipefail

iso="$1"
runner="$2"
log="${TEST_TMPDIR:-/tmp}/serial-rfs.log"

source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

required=(
  mount create-write-read append-truncate mkdir-list rename links unlink-rmdir big-file umount
  garbage-reply server-exits-mid-call server-stalls reattach-refusals reattach mount-needs-right
)

"$runner" --iso "$iso" --timeout 240 --serial-log "$log.raw"
status=$?
tr -d '\r' < "$log.raw" > "$log"
echo "---- serial log ($log) ----"
cat "$log"
echo "---- end of serial log; QEMU exit status $status ----"

check "QEMU ended by the kernel with status 0 (exit 1)" test "$status" -eq 1
check "no kernel panic" lacks 'KERNEL PANIC|KERNEL EXCEPTION'
for name in "${required[@]}"; do
  check "rfstest: PASS $name" has "^rfstest: PASS $name\$"
done
check "no rfstest check failed" lacks '^rfstest: FAIL '
check "the small-read figure was printed" has '^rfstest: 5-byte pread: remote fs [0-9]+ ns, tmpfs [0-9]+ ns'
check "rfstest ended with exit code 0" has '^init: rfstest ended with exit code 0$'

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
