#!/bin/bash
# System test of the core: boots the core ISO (tessera.test=core) in QEMU, where
# init runs the in-guest suite //testing/guest:coretest, and checks the serial
# log: a PASS line for every required test, the suite's total with 0 failed,
# the kernel's kill report for every fault variant (pid, name, address, RIP,
# signal, matched against what the faulting program announced), no other
# process killed, no kernel panic, and QEMU ended by the kernel with status 0.
#   core_test.sh ISO RUNNER
set -uo pipefail

iso="$1"
runner="$2"
log="${TEST_TMPDIR:-/tmp}/serial-core.log"

source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

# The tests coretest must report as passed (testing/guest/coretest.cc).
required=(
  ping-pong accounting sender-stamp preemption
  fault-null-write fault-kernel-read fault-noncanonical-jump fault-ud2 fault-nx-exec
  bad-pointers-native bad-pointers-linux handle-isolation rights
  privilege-holder privilege-plain-process pinned-limit
  peer-close-wakes call-server-exit timeouts notifications threads netproto-hostile-server
  cleanup
)

# QEMU's exit status is (guest code << 1) | 1 via isa-debug-exit; 124 = timeout.
"$runner" --iso "$iso" --timeout 300 --serial-log "$log.raw"
status=$?
tr -d '\r' < "$log.raw" > "$log"
echo "---- serial log ($log) ----"
cat "$log"
echo "---- end of serial log; QEMU exit status $status ----"

check "QEMU ended by the kernel with status 0 (exit 1)" test "$status" -eq 1
check "no kernel panic" lacks 'KERNEL PANIC|KERNEL EXCEPTION'
check "coretest started with the module handles" has '^coretest: starting \(pid [0-9]+\) with [0-9]+ module handle\(s\)'

for name in "${required[@]}"; do
  check "coretest: PASS $name" has "^coretest: PASS $name\$"
done
check "no coretest test failed" lacks '^coretest: FAIL '
total=$(sed -nE 's/^coretest: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$log" | tail -n 1)
passed="${total% *}"
failed="${total#* }"
check "coretest summary: ${total:-none} (want >= ${#required[@]} passed, 0 failed)" \
  test -n "$total" -a "${passed:-0}" -ge "${#required[@]}" -a "${failed:-1}" -eq 0

# Each fault variant announces "fault: pid P VARIANT: RIP R address A expect
# signal S"; the kernel must report exactly that process, instruction and
# address. (A jump to a non-canonical address raises #GP on the jump on
# hardware, with RIP at the jmp; QEMU's TCG reports RIP at the target. Both
# name the same fault, so either RIP is accepted.)
kill_report() {  # kill_report VARIANT PATTERN-AFTER-"killed: "
  local variant="$1" tail="$2" line pid rip
  line=$(grep -E "^fault: pid [0-9]+ $variant: RIP [0-9a-f]+ " "$log" | head -n 1)
  if [ -z "$line" ]; then
    echo "  (no announcement from fault $variant)"
    return 1
  fi
  pid=$(sed -E 's/^fault: pid ([0-9]+) .*/\1/' <<<"$line")
  rip=$(sed -E 's/^.* RIP ([0-9a-f]+) .*/\1/' <<<"$line")
  tail="${tail//@RIP@/$rip}"
  local name="fault_${variant//-/_}"
  local want="^\[proc\] pid $pid \($name\) killed: $tail\$"
  if ! grep -qE -- "$want" "$log"; then
    echo "  (want a line matching: $want)"
    return 1
  fi
}
check "kill report: null write (pid, name, address 0, write, RIP, SIGSEGV)" \
  kill_report null-write 'page fault at address 0 \(not mapped, write\), RIP @RIP@; signal 11'
check "kill report: kernel-half read (address ffff800000000000, protection violation, RIP, SIGSEGV)" \
  kill_report kernel-read 'page fault at address ffff800000000000 \(protection violation, read\), RIP @RIP@; signal 11'
check "kill report: non-canonical jump (#GP, RIP, SIGSEGV)" \
  kill_report noncanonical-jump 'general protection fault \(vector 13, error 0\), RIP (@RIP@|900000000000); signal 11'
check "kill report: ud2 (#UD, RIP, SIGILL)" \
  kill_report ud2 'invalid opcode \(vector 6, error 0\), RIP @RIP@; signal 4'
check "kill report: execute in a data page (NX: protection violation, execute, SIGSEGV)" \
  kill_report nx-exec 'page fault at address @RIP@ \(protection violation, execute\), RIP @RIP@; signal 11'
kills=$(grep -cE '^\[proc\] pid [0-9]+ \(.*\) killed: ' "$log")
check "no process other than the 5 fault variants was killed by a fault (got $kills)" test "$kills" -eq 5

check "coretest ended with exit code 0" has '^init: coretest ended with exit code 0$'
check "init exited cleanly" has '^\[init\] init \(pid 1\) exited with wait status 0x0$'
check "core test reported PASS" has '^\[test\] init test: PASS$'

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
