#!/bin/bash
# Stress of threads ending together (issue 14's intermittent guest reset):
# boots the procfs ISO (tessera.test=shell, the initramfs root) and runs the
# POSIX case threads_exiting_together 120 times at the shell (150 rounds of a
# child whose 6 threads end by exit_group or after pthread_join, each run).
# Before the fix (core/proc/process.cc, OnThreadExit) about one run in 20
# switched an exiting thread back onto its process's destroyed page table
# and the machine triple-faulted: QEMU ended with no end marker. Checks that
# every run passed, the shell answered after them, and the kernel did not
# panic. Ends with `exit 0`, which ends QEMU.
#   thread_exit_test.sh ISO RUNNER
set -uo pipefail
trap '' PIPE

iso="$1"
runner="$2"
dir="${TEST_TMPDIR:-$(mktemp -d)}"

source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
source "$(dirname "${BASH_SOURCE[0]}")/console.sh"

runs=120
start 1 --timeout 1200
up=0
if wait_for '^init: starting /bin/sh' 240 && wait_for '# ' 60; then
  up=1
  printf '%s\n' 'm() { echo "@@$*@@"; }' >&3
  run stress "i=0; while [ \$i -lt $runs ]; do posixtest threads_exiting_together | tail -1; i=\$((i+1)); done; echo runs=\$i"
  printf '%s\n' 'exit 0' >&3
fi
finish 1

check "the shell came up" test "$up" -eq 1
check "all $runs runs of threads_exiting_together passed" \
  bash -c 'test "$(grep -cx "posix: 1 passed, 0 failed" <<< "$1")" -eq "$2" && grep -qx "runs=$2" <<< "$1"' \
  _ "$(section stress)" "$runs"
check "no kernel panic" lacks "KERNEL PANIC|KERNEL EXCEPTION"
check "QEMU ended through the shell's exit (not a reset)" test "$status" -eq 1

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
