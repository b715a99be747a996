#!/bin/bash
# System test of the virtio-net driver and the frame path: boots the net ISO
# (tessera.test=net) with a modern virtio-net NIC on QEMU's user-mode network
# with restrict=on (slirp answers for 10.0.2.2 and DHCP; nothing leaves this
# machine). init starts and supervises //drivers/virtio_net and runs
# //testing/guest:nettest with the driver's client channel: it attaches
# through frameproto::Client, sends an ARP request for 10.0.2.2 and a DHCP
# DISCOVER and checks slirp's ARP reply (52:55:0a:00:02:02) and an OFFER of
# 10.0.2.15, kills the driver: init restarts it and hands the new channel on
# (controlproto kAttachFrames), the client reattaches and frames flow again;
# has init hang the driver (kHang): init's pings go unanswered, it kills and
# restarts it, the client reattaches again; then a burst of 2,000 ARP requests, which must move at more than one frame
# per notification (the client's figures and the driver's, logged at exit).
#
# MODE msix (default): the NIC as QEMU makes it; the driver must use MSI-X.
# MODE intx: the NIC without MSI-X (vectors=0): INTx through the IOAPIC.
#   net_driver_test.sh ISO RUNNER [msix|intx]
set -uo pipefail

iso="$1"
runner="$2"
mode="${3:-msix}"
tmp="${TEST_TMPDIR:-/tmp}"
case "$mode" in
  msix) opts=() ;;
  intx) opts=(--nic-intx) ;;
  *) echo "net_driver_test.sh: unknown mode '$mode'" >&2; exit 2 ;;
esac

source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

log="$tmp/serial-net-$mode.log"
"$runner" --iso "$iso" --timeout 300 --serial-log "$log.raw" --net restricted "${opts[@]}"
status=$?
tr -d '\r' < "$log.raw" > "$log"
echo "---- serial log ($log) ----"
cat "$log"
echo "---- end of serial log; QEMU exit status $status ----"

check "QEMU ended by the kernel with status 0 (exit 1)" test "$status" -eq 1
check "no kernel panic" lacks 'KERNEL PANIC|KERNEL EXCEPTION'
check "init started the driver" has '^init: started virtio_net for PCI 00:02\.0'
check "the driver described the NIC (slirp's guest MAC, link up)" \
  has '^virtio_net: 00:02\.0: MAC 52:54:00:12:34:56, link up, features 0x[0-9a-f]+, rx queue [0-9]+, tx queue [0-9]+'
check "no driver error" lacks '^virtio_net: error'
if [ "$mode" = msix ]; then
  check "the driver uses MSI-X" has '^virtio_net: 00:02\.0: .*, interrupts MSI-X$'
  check "the kernel routed MSI-X entry 0" has '^\[pci\] 00:02\.0 MSI-X entry 0 -> vector [0-9]+$'
else
  check "the driver uses INTx" has '^virtio_net: 00:02\.0: .*, interrupts INTx$'
  check "the kernel routed INTA to GSI 22" \
    has '^\[pci\] 00:02\.0 INTx pin A -> GSI 22 -> vector [0-9]+ \(level, active low\)'
  check "no function asserted INTx unowned, no line stormed" lacks 'with no driver bound|masked for good'
fi
for name in bad-request-refused attach link-up short-frame-refused arp-reply dhcp-offer restart-reattach \
    hang-restart burst-sent burst-batched burst-replies; do
  check "nettest: PASS $name" has "^nettest: PASS $name\$"
done
check "no nettest check failed" lacks '^nettest: FAIL'
check "the OFFER is for 10.0.2.15" has '^nettest: DHCP OFFER of 10\.0\.2\.15$'
check "init restarted the killed driver" has '^init: virtio_net restarted \(pid [0-9]+\); its channel went to the network server$'
check "init found the hung driver" has '^init: virtio_net \(pid [0-9]+\) did not answer for 5 s: killed, restarting$'
check "and restarted it" has '^init: virtio_net \(pid [0-9]+\) ended with killed by signal 9 \(killed: it did not answer\)$'
check "two restarts in all" test "$(grep -c '^init: virtio_net restarted' "$log")" -eq 2
check "nettest ended with exit code 0" has '^init: nettest ended with exit code 0$'
check "the driver logged its figures and stopped" \
  has '^virtio_net: 00:02\.0: the client closed the channel; stopping: tx [0-9]+ frames on [0-9]+ client notifications'
# init sees the driver's exit either after nettest's (its last wait) or
# before it (supervision: a clean stop, restarted for the next client).
check "the driver stopped when nettest closed its channel" \
  has '^init: virtio_net (ended with exit code 0|\(pid [0-9]+\) ended with exit code 0: its client closed the channel)$'
# The figures: more than one frame per notification, both ways, on the client's
# side and the driver's (the restarted driver saw the whole burst).
client_tx=$(sed -nE 's/^nettest: burst: .*\(([0-9.]+) frames per notification\); .*/\1/p' "$log" | head -n 1)
driver_tx=$(sed -nE 's/^virtio_net: .*stopping: tx [0-9]+ frames on [0-9]+ client notifications \(([0-9.]+) per notification.*/\1/p' "$log" | head -n 1)
driver_rx=$(sed -nE 's/^virtio_net: .*stopping: .* rx [0-9]+ frames with [0-9]+ notifications to the client \(([0-9.]+) per notification.*/\1/p' "$log" | head -n 1)
more_than_one() { [ -n "$1" ] && awk -v x="$1" 'BEGIN { exit !(x > 1.0) }'; }
check "client: more than one frame per notification to the driver ($client_tx)" more_than_one "$client_tx"
check "driver: more than one frame per client notification ($driver_tx)" more_than_one "$driver_tx"
check "driver: more than one frame per notification to the client ($driver_rx)" more_than_one "$driver_rx"

echo "---- figures ----"
grep -h '^nettest: burst\|^virtio_net: .*stopping' "$log"
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
