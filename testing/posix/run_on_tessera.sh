#!/bin/bash
# Boots Tessera with init running posixtest (tessera.test=posix) and checks
# that every case passed (cases marked EXPECTED-FAIL on Tessera may be XFAIL)
# and the kernel stayed up.
set -uo pipefail
iso="$1"
runner="$2"
log="${TEST_TMPDIR:-/tmp}/posix-serial.log"
"$runner" --iso "$iso" --timeout 800 --serial-log "$log.raw"
status=$?
tr -d '\r' < "$log.raw" > "$log"
grep -E '^posix: |KERNEL PANIC|^\[proc\]' "$log"
echo "---- QEMU exit status $status ----"
summary=$(grep -E '^posix: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
if [ -z "$summary" ]; then
  echo "no summary line: the suite did not finish"; tail -n 30 "$log"; exit 1
fi
grep -q 'KERNEL PANIC' "$log" && { echo "kernel panicked"; exit 1; }
echo "$summary" | grep -qE ' 0 failed(,|$)' || exit 1
[ "$status" -eq 1 ] || { echo "QEMU did not end through isa-debug-exit with 0"; exit 1; }
