#!/bin/bash
# `bazel run //testing/bench:core [-- OPTIONS]`: boots the benchmark ISO
# (tessera.test=bench: init runs corebench) in QEMU under TCG and prints the
# corebench lines. OPTIONS go to run_qemu.sh (e.g. --smp 2, --mem 1024).
# Exits non-zero if a metric is missing or the guest did not end cleanly.
# Also run as //testing/bench:core_smoke_test.
set -uo pipefail

runfiles="${RUNFILES_DIR:-${TEST_SRCDIR:-$0.runfiles}}/tessera"
[ -d "$runfiles" ] || runfiles="$PWD"
iso="$runfiles/testing/bench/core_iso.iso"
runner="$runfiles/platform/qemu-q35/run_qemu.sh"
tmp="${TEST_TMPDIR:-${TMPDIR:-/tmp}}"
log="$(mktemp "$tmp/corebench.XXXXXX")"
trap 'rm -f "$log" "$log.txt"' EXIT

metrics=(
  ipc_call_64B
  null_syscall_getpid
  null_syscall_clock
  thread_switch_notify
  thread_switch_yield
  process_spawn_exit_wait
)

# QEMU's exit status is (guest code << 1) | 1 via isa-debug-exit; 124 = timeout.
"$runner" --iso "$iso" --timeout 600 --serial-log "$log" "$@"
status=$?
tr -d '\r' < "$log" > "$log.txt"

grep -E '^corebench: ' "$log.txt"
missing=0
for m in "${metrics[@]}"; do
  if ! grep -qE "^corebench: $m median=[0-9]+ min=[0-9]+ max=[0-9]+ iterations=[1-9][0-9]*\$" "$log.txt"; then
    echo "run_core.sh: metric $m missing" >&2
    missing=$((missing + 1))
  fi
done
if [ "$missing" -ne 0 ] || [ "$status" -ne 1 ]; then
  echo "run_core.sh: $missing metric(s) missing; QEMU exit status $status (want 1). Serial log tail:" >&2
  tail -n 40 "$log.txt" >&2
  exit 1
fi
# QEMU's TCG runs the guest on one host thread: a busy host slows every figure.
echo "corebench: all ${#metrics[@]} metrics measured (host load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown))"
