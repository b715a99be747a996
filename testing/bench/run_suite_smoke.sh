#!/bin/bash
# run_suite_smoke.sh ISO RUN_QEMU METRICS_TXT CHECKER [DISK_IMAGE]
# Boots Tessera with init running /bin/benchsuite (tessera.test=suite) and
# checks that every metric line appears (values are not judged), the suite
# printed "bench: done" and QEMU ended through isa-debug-exit with status 0.
# With DISK_IMAGE a fresh copy of it is the root disk and the disk metrics
# must be measured (not "skipped: no disk") on the ext2 root.
set -uo pipefail
iso="$1"; runner="$2"; metrics="$3"; checker="$4"; image="${5:-}"
log="${TEST_TMPDIR:-/tmp}/suite-serial.log"
disk_args=()
allow_skip=1
if [ -n "$image" ]; then
  disk_args=(--image "$image")
  allow_skip=0
fi
"$runner" --iso "$iso" --timeout 600 --serial-log "$log.raw" "${disk_args[@]}"
status=$?
tr -d '\r' < "$log.raw" > "$log"
grep -E '^bench: |KERNEL PANIC|^init: |^fs: ' "$log"
echo "---- QEMU exit status $status ----"
bad=0
"$checker" "$metrics" "$log" "$allow_skip" || bad=1
if [ -n "$image" ]; then
  grep -q 'init: the root is now the ext2 disk' "$log" || { echo "the root did not move to the disk"; bad=1; }
fi
grep -q 'KERNEL PANIC' "$log" && { echo "kernel panicked"; bad=1; }
[ "$status" -eq 1 ] || { echo "QEMU did not end through isa-debug-exit with 0 (status $status)"; bad=1; }
[ "$bad" -eq 0 ] || { echo "---- serial log tail ----"; tail -n 40 "$log"; }
exit "$bad"
