#!/bin/bash
# run_suite_smoke.sh ISO RUN_QEMU METRICS_TXT CHECKER
# Boots Tessera with init running /bin/benchsuite (tessera.test=suite) and
# checks that every metric line appears (values are not judged), the suite
# printed "bench: done" and QEMU ended through isa-debug-exit with status 0.
set -uo pipefail
iso="$1"; runner="$2"; metrics="$3"; checker="$4"
log="${TEST_TMPDIR:-/tmp}/suite-serial.log"
"$runner" --iso "$iso" --timeout 600 --serial-log "$log.raw"
status=$?
tr -d '\r' < "$log.raw" > "$log"
grep -E '^bench: |KERNEL PANIC|^init: ' "$log"
echo "---- QEMU exit status $status ----"
bad=0
"$checker" "$metrics" "$log" 1 || bad=1
grep -q 'KERNEL PANIC' "$log" && { echo "kernel panicked"; bad=1; }
[ "$status" -eq 1 ] || { echo "QEMU did not end through isa-debug-exit with 0 (status $status)"; bad=1; }
[ "$bad" -eq 0 ] || { echo "---- serial log tail ----"; tail -n 40 "$log"; }
exit "$bad"
