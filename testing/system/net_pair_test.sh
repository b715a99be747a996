#!/bin/bash
# Two Tessera guests on one wire (issue 12): guest A listens on a unix
# stream socket (--net stream-listen), guest B connects to it (--net stream),
# each with its own copy of the root image. No DHCP on that wire: each sets
# its address with ifconfig (which stops the server's DHCP client). Then B
# pings A, fetches 16 MiB from A's busybox httpd with wget (SHA-256 equal to
# A's) and A sees B in its ARP table. Nothing touches the host's network.
#   net_pair_test.sh ISO RUNNER ROOT_IMAGE
set -uo pipefail
trap '' PIPE

iso="$1"
runner="$2"
image="$3"
dir="${TEST_TMPDIR:-$(mktemp -d)}"

source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
source "$(dirname "${BASH_SOURCE[0]}")/console.sh"

# A unix socket's path must fit sun_path (108 bytes); Bazel's TEST_TMPDIR
# is longer (QEMU 7.2 then crashed), so the wire lives in a short directory.
wire_dir="$(mktemp -d /tmp/tessera-wire.XXXXXX)"
wire="$wire_dir/wire"
trap 'rm -rf "$wire_dir"' EXIT
helpers='m() { echo "@@$*@@"; }'

# console.sh drives one guest at a time (fd 3, $raw, $qemu); each guest's
# console FIFO stays open on its own fd (A: 4, B: 5) and fd 3 is pointed at
# it (a dup: reopening a FIFO whose QEMU has ended would block).
use() {
  local g="$1"
  raw="${raws[$g]}"; qemu="${qemus[$g]}"
  if [ "$g" = a ]; then exec 3>&4; else exec 3>&5; fi
}
declare -A raws qemus

scratch_disk "$image"
cp --sparse=always "$disk" "$dir/disk-a.img"
cp --sparse=always "$disk" "$dir/disk-b.img"

start a --disk "$dir/disk-a.img" --timeout 1200 --net "stream-listen:$wire"
raws[a]="$raw"; qemus[a]="$qemu"
for _ in $(seq 300); do [ -S "$wire" ] && break; sleep 0.1; done
check "guest A's QEMU listens on the wire" test -S "$wire"
exec 4>&3  # keeps A's console FIFO open while B's is fd 3
start b --disk "$dir/disk-b.img" --timeout 1200 --net "stream:$wire"
raws[b]="$raw"; qemus[b]="$qemu"
exec 5>&3  # the same for B

up=0
use a
if booted_to_disk; then
  printf '%s\n' "$helpers" >&3
  run addr 'ifconfig eth0 10.0.3.1 netmask 255.255.255.0 up && dd if=/dev/urandom of=/tmp/big bs=64k count=256 2>/dev/null && mkdir -p /www && cp /tmp/big /www/big && httpd -p 80 -h /www && sha256sum /tmp/big'
  a_sum="$(section addr | sed -n 's/^\([0-9a-f]\{64\}\)  .*$/\1/p' | head -n 1)"
  use b
  if booted_to_disk; then
    up=1
    printf '%s\n' "$helpers" >&3
    run addr 'ifconfig eth0 10.0.3.2 netmask 255.255.255.0 up && echo b-up'
    run ping 'ping -c 3 10.0.3.1'
    check "B pings A over the wire" in_section ping '3 packets transmitted, 3 packets received'
    run wget 'wget -q -O /tmp/big http://10.0.3.1/big && sha256sum /tmp/big'
    b_sum="$(section wget | sed -n 's/^\([0-9a-f]\{64\}\)  .*$/\1/p' | head -n 1)"
    echo "A's file: $a_sum; B's copy: $b_sum"
    check "B fetched A's 16 MiB intact" test -n "$a_sum" -a "$a_sum" = "$b_sum"
    run off 'kill -USR2 1'
  fi
  use a
  run arp 'arp -n'
  check "A learned B's MAC (52:54:00:12:34:57)" in_section arp '\(10\.0\.3\.2\) at 52:54:00:12:34:57'
  run off 'kill -USR2 1'
fi
use b
finish b
use a
finish a
check "both guests booted to their disks" test "$up" -eq 1
check "no kernel panic in either guest" bash -c '! grep -qE "KERNEL PANIC|KERNEL EXCEPTION" "$1" "$2"' _ "$dir/serial-a.log" "$dir/serial-b.log"

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
