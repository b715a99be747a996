#!/bin/bash
# System test: boots the real ISO in QEMU (q35, TCG) and checks the serial log.
#   boot_test.sh boot   ISO  - a normal boot: banner, memory map, modules,
#                              timer ticks > 0, the kernel ends QEMU with 0.
#   boot_test.sh fault  ISO  - the kernel takes a deliberate page fault and must
#                              print a readable panic and end QEMU with status 3.
set -uo pipefail

mode="$1"
iso="$2"
runner="$3"
log="${TEST_TMPDIR:-/tmp}/serial-$mode.log"

source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

# QEMU's exit status is (guest code << 1) | 1 via isa-debug-exit; 124 = timeout.
"$runner" --iso "$iso" --timeout 240 --serial-log "$log.raw"
status=$?
# The console ends lines with CR LF (and GRUB adds its own CRs): drop them.
tr -d '\r' < "$log.raw" > "$log"
echo "---- serial log ($log) ----"
cat "$log"
echo "---- end of serial log; QEMU exit status $status ----"

check "banner printed" has '^\[boot\] Tessera [0-9.]+ \(x86-64\) booting'
check "memory map printed with a usable range" has '^\[mem\] +[0-9a-f]{16}-[0-9a-f]{16} usable'
check "usable RAM total" has '^\[mem\] usable RAM: [1-9][0-9]* KiB'
check "kernel page tables installed" has '^\[mm\] kernel page tables'
check "physical page allocator up" has '^\[mm\] physical pages:'

case "$mode" in
  boot)
    check "QEMU ended by the kernel with status 0 (exit 1)" test "$status" -eq 1
    check "init module found and is a valid ELF" has '^\[modules\] +init: .* valid ELF64 executable'
    check "non-ELF module rejected with a reason" has '^\[modules\] +notes: .* not an ELF64 executable: '
    check "modules have their command-line arguments" has '^\[modules\] +init: .*args "init --from-test"'
    ticks=$(sed -nE 's/^\[timer\] ([0-9]+) ticks at ([0-9]+) Hz.*/\1/p' "$log" | head -n 1)
    check "timer tick count > 0 (got '${ticks:-none}')" test "${ticks:-0}" -gt 0
    check "no panic" lacks 'KERNEL PANIC'
    check "scheduler preempts a spinning kernel thread" has '^\[sched\] preemption check: .*preempted: ok'
    check "init started as pid 1" has '^\[init\] started init as pid 1'
    check "init ran in user mode and printed through the Linux ABI" has '^init: Tessera init started with 2 argument\(s\): init --from-test'
    check "init got every module handle" has '^init: 15 boot module\(s\): init echo_client echo_server notes coretest fault handle_peer nop spin unprivileged pci vfs dma sched net$'
    check "init spawned two processes connected by a channel" has '^init: spawned echo_server and echo_client'
    check "200 channel calls echoed byte for byte" has '^echo_client: 200 calls echoed correctly'
    check "server saw its peer close" has '^echo_server: served 200 request\(s\); client closed the channel'
    check "both ended with status 0" has '^init: echo_client ended with exit code 0, echo_server with exit code 0'
    check "init exited cleanly" has '^\[init\] init \(pid 1\) exited with wait status 0x0'
    check "boot test reported PASS" has '^\[test\] init test: PASS'
    ;;
  fault)
    check "QEMU ended by the panic with status 3 (exit 7)" test "$status" -eq 7
    check "fault named" has 'KERNEL EXCEPTION: page fault \(#PF\), vector 14'
    check "faulting address and access decoded" has '^page fault at 0x0000700000000000: page not present, read access, kernel mode'
    check "registers printed" has '^RIP [0-9a-f]{16} +CS 0008'
    check "CR2 printed" has 'CR2 0000700000000000'
    check "backtrace printed" has '^backtrace'
    check "panic line names the fault and the address" has 'KERNEL PANIC: page fault \(#PF\) at RIP 0x[0-9a-f]+ \(address 0x0000700000000000\) in the kernel'
    ;;
  *)
    echo "unknown mode $mode"; exit 2 ;;
esac

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
