#!/bin/bash
# System test: the system-call fuzzer (//testing/guest:syscallfuzz, init's
# tessera.test=fuzz) calls every Linux and native system call with random
# arguments from short-lived children. Passes when the fuzzer's summary and
# "fuzz: PASS" (a final fork/exec/wait worked) appear, the kernel never
# panicked or oopsed, and QEMU ended through isa-debug-exit with status 0.
#   fuzz_test.sh ISO RUNNER
set -uo pipefail
iso="$1"
runner="$2"
log="${TEST_TMPDIR:-/tmp}/serial-fuzz.log"

"$runner" --iso "$iso" --timeout 600 --serial-log "$log.raw"
status=$?
tr -d '\r' < "$log.raw" > "$log"
grep -E '^fuzz: |KERNEL PANIC|oops|^init: ' "$log" | head -40
# What the kernel said meanwhile, most frequent first (addresses masked).
echo "---- kernel messages (count, masked) ----"
grep -E '^\[' "$log" | sed -E 's/[0-9a-f]{5,}/X/g; s/pid [0-9]+/pid N/g' | sort | uniq -c | sort -rn | head -25
bad=0
grep -qE '^fuzz: [0-9]+ children, [0-9]+ calls' "$log" || { echo "FAIL: no fuzz summary"; bad=1; }
grep -q '^fuzz: PASS' "$log" || { echo "FAIL: no 'fuzz: PASS'"; bad=1; }
if grep -qiE 'KERNEL PANIC|kernel oops' "$log"; then echo "FAIL: the kernel panicked"; bad=1; fi
[ "$status" -eq 1 ] || { echo "FAIL: QEMU did not end through isa-debug-exit with 0 (status $status)"; bad=1; }
if [ "$bad" -ne 0 ]; then
  echo "---- serial log tail ----"
  tail -n 60 "$log"
  echo "1 failed"
  exit 1
fi
echo "ok: the fuzzer ran and the kernel survived"
exit 0
