#!/bin/bash
# run_on_host.sh BENCHSUITE BENCHTINY METRICS_TXT CHECKER
# The oracle: the very benchsuite binary Tessera runs, on the host's Linux.
# Every metric must be measured (disk ones in TEST_TMPDIR with a small file, or
# skipped when that is a RAM file system) and the suite must exit 0.
set -uo pipefail
suite="$1"; tiny="$2"; metrics="$3"; checker="$4"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
log="$tmp/benchsuite-host.log"
"$suite" --tiny "$tiny" --tmp "$tmp" --disk "$tmp" --disk-mib 8 > "$log"
status=$?
cat "$log"
"$checker" "$metrics" "$log" 1 || exit 1
[ "$status" -eq 0 ] || { echo "benchsuite exited with $status" >&2; exit 1; }
