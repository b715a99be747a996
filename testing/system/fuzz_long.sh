#!/bin/bash
# The long run of the system-call fuzzer (issue 14), a program outside CI:
# boots the shell ISO, types `syscallfuzz --children N` at the prompt
# (default 8000 children of 250 calls: 2,000,000 calls; hours under TCG),
# follows its progress lines and prints the summary, the kernel's messages
# and whether the system survived (the fuzzer's final fork/exec/wait, no
# panic, the shell still answering).
#   bazel run //testing/system:fuzz_long [-- CHILDREN]
# A failure at child N replays alone with `syscallfuzz --first N` at a
# shell (when it does not depend on what the earlier children left behind).
set -uo pipefail
trap '' PIPE
iso="$1"
runner="$2"
children="${3:-8000}"
dir="$(mktemp -d)"
here="$(dirname "${BASH_SOURCE[0]}")"
[ -f "$here/checks.sh" ] || here=testing/system  # bazel run: the runfiles tree
source "$here/checks.sh"
source "$here/console.sh"

# FUZZ_LONG_QEMU_ARGS: more QEMU options, e.g. "-d cpu_reset,guest_errors
# -D /tmp/reset.log" to record the CPU state if the guest resets (QEMU runs
# with -no-reboot: a silent exit status 0 is a reset, e.g. a triple fault).
extra=()
if [ -n "${FUZZ_LONG_QEMU_ARGS:-}" ]; then
  read -r -a qemu_args <<< "$FUZZ_LONG_QEMU_ARGS"
  extra=(-- "${qemu_args[@]}")
fi
start long --timeout 43200 "${extra[@]}"
if ! wait_for 'tessera:.*# ' 300; then
  echo "fuzz_long: no shell prompt"
  exit 1
fi
began=$SECONDS
printf '%s\n' "syscallfuzz --children $children; echo fuzz-exit=\$?" >&3
shown=0
while kill -0 "$qemu" 2> /dev/null; do
  lines="$(clean | grep -aE '^fuzz: ')"
  count=$(grep -c . <<< "$lines")
  if [ "$count" -gt "$shown" ]; then
    tail -n "$((count - shown))" <<< "$lines" | sed "s/^/[$((SECONDS - began)) s] /"
    shown=$count
  fi
  clean | grep -aqE '^fuzz-exit=' && break
  sleep 10
done
printf '%s\n' 'echo still-alive' 'exit 0' >&3
wait_for '^still-alive$' 60
alive=$?
finish long > /dev/null
# 1: the kernel ended QEMU (isa-debug-exit 0); anything else (a triple fault
# ends QEMU too, -no-reboot) is worth a look with `-- -d cpu_reset`.
echo "QEMU exit status $status"
echo "---- kernel messages (count, masked) ----"
grep -aE '^\[' "$log" | sed -E 's/[0-9a-f]{5,}/X/g; s/pid [0-9]+/pid N/g' | sort | uniq -c | sort -rn | head -25
check "the fuzzer finished and its final fork/exec/wait worked" grep -aq '^fuzz: PASS' "$log"
check "no kernel panic or oops" bash -c '! grep -aqiE "KERNEL PANIC|kernel oops" "$1"' _ "$log"
check "the shell still answered afterwards" test "$alive" -eq 0
echo "fuzz_long: $((SECONDS - began)) s; serial log $log"
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
