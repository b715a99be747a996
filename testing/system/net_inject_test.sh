#!/bin/bash
# Malformed input on the wire (issue 12): boots net_iso with a copy of the
# root image and its NIC connected (--net stream:SOCKET) to net_inject.py,
# which listens on SOCKET and plays 10.0.9.1. At the shell the guest becomes
# 10.0.9.2 (ifconfig, which stops the server's DHCP client) and serves a
# small file with busybox httpd. The harness sends DHCP replies with bad
# options while the guest's DHCP client runs, then 1,000,000 seeded malformed
# (and some well-formed) frames in bursts, probing ARP, ICMP echo and TCP
# SYN to port 80 every 20,000 frames; after a restart of net_server it types
# the ifconfig and httpd again. Passes when the kernel did not panic, every
# probe at the end succeeded and the guest still works (wget over loopback,
# /proc/net/snmp). Crashes and lwIP assertions are findings: the harness
# saves the bursts before each as incident-K.pcap in the test's outputs and
# the test fails. Frame rates are printed, never asserted.
#   net_inject_test.sh ISO RUNNER ROOT_IMAGE [FRAMES]
set -uo pipefail
trap '' PIPE

iso="$1"
runner="$2"
image="$3"
frames="${4:-1000000}"
shift 3; [ "$#" -gt 0 ] && shift
extra=("$@")  # more harness options (--empty-frame-check)
dir="${TEST_TMPDIR:-$(mktemp -d)}"
out="${TEST_UNDECLARED_OUTPUTS_DIR:-$dir/out}"
here="$(dirname "${BASH_SOURCE[0]}")"

source "$here/checks.sh"
source "$here/console.sh"

scratch_disk "$image"
mkdir -p "$out"
wire="$dir/wire.sock"
if [ "${#wire}" -gt 100 ]; then  # sockaddr_un holds 108 bytes
  wire="$(mktemp -d /tmp/net_inject.XXXXXX)/wire.sock"
fi
rm -f "$wire" "$dir/ready"
python3 "$here/net_inject.py" --socket "$wire" --serial "$dir/serial-1.raw" \
  --console "$dir/console-in-1" --ready "$dir/ready" --out "$out" --frames "$frames" "${extra[@]+"${extra[@]}"}" &
harness=$!
trap 'kill $harness 2>/dev/null' EXIT
for _ in $(seq 100); do [ -S "$wire" ] && break; sleep 0.1; done

helpers='m() { echo "@@$*@@"; }'
start 1 --disk "$disk" --timeout 1500 --net "stream:$wire"
booted=0
harness_rc=1
if booted_to_disk; then
  booted=1
  printf '%s\n' "$helpers" >&3
  run setup 'ifconfig eth0 10.0.9.2 netmask 255.255.255.0 up && mkdir -p /www && echo tessera-inject-ok > /www/hello.txt && httpd -p 80 -h /www && echo setup-done'
  check "ifconfig eth0 10.0.9.2 and httpd -p 80" in_section setup '^setup-done$'
  touch "$dir/ready"
  wait "$harness"
  harness_rc=$?
  run wget 'wget -q -O - http://127.0.0.1/hello.txt'
  check "after the injection: wget over loopback returns the file" in_section wget '^tessera-inject-ok$'
  run snmp 'cat /proc/net/snmp'
  check "after the injection: /proc/net/snmp prints" in_section snmp '^Ip: [0-9]'
  run ifconfig 'ifconfig eth0; netstat -tan'
  run off 'kill -USR2 1'
fi
kill "$harness" 2> /dev/null
finish 1
summary="$out/summary.txt"
value() { sed -n "s/^$1=//p" "$summary" 2> /dev/null; }
echo "---- harness summary ($summary) ----"
cat "$summary" 2> /dev/null
check "boot: the root moved to the disk and the shell came up" test "$booted" -eq 1
check "the harness ended well (every final probe succeeded)" test "$harness_rc" -eq 0
check "at least $frames frames were injected" test "$(value frames)" -ge "$frames" 2> /dev/null
check "the final probes (ARP, ICMP echo, TCP SYN) all succeeded" \
  bash -c '[ -n "$1" ] && [ "${1%/*}" = "${1#*/}" ]' _ "$(value final_probes)"
check "at every probe point the probes answered again (within 30 rounds)" \
  test "$(value probe_points_unrecovered)" = 0
check "no kernel panic" lacks 'KERNEL PANIC|KERNEL EXCEPTION'
# Findings: the server or the driver crashed, hung or hit an lwIP assertion
# (the frames before each are in incident-K.pcap).
check "no lwIP assertion fired" lacks 'lwIP assertion failed'
check "net_server neither crashed nor hung (init restarted it $(value server_restarts) times)" \
  lacks '^init: net_server \(pid [0-9]+\) (crashed|ended)'
check "virtio_net neither crashed nor hung (init restarted it $(value driver_restarts) times)" \
  lacks '^init: virtio_net \(pid [0-9]+\) (crashed|ended)'
echo "injected $(value frames) frames in $(value seconds) s: $(value frames_per_second) frames/s" \
  "($(value frames_per_second_between_probes) frames/s between probe rounds);" \
  "probes ARP $(value probes_arp_ok) ok/$(value probes_arp_failed) failed," \
  "ICMP $(value probes_icmp_ok)/$(value probes_icmp_failed), TCP $(value probes_tcp_ok)/$(value probes_tcp_failed)"

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
