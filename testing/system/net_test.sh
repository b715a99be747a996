#!/bin/bash
# System test of networking (issue 12): boots net_iso (the disk ISO plus the
# virtio-net driver and the network server) with a copy of the root image,
# a virtio-net NIC on QEMU's user network and a host port forwarded to the
# guest's port 80 (bound to 127.0.0.1). Host peers (net_peer.py) listen on
# 127.0.0.1 only; the guest reaches them as 10.0.2.2. Nothing leaves the
# machine.
#
#   - DHCP: the server logs eth0 10.0.2.15 from slirp's DHCP.
#   - guest wget of a 16 MiB file from the host's HTTP server: same SHA-256.
#   - host GET of that file from the guest's busybox httpd through the
#     forwarded port: same SHA-256.
#   - guest nc to a host TCP sink (16 MiB): the host received every byte.
#   - loopback TCP inside the guest (nc -l and nc on 127.0.0.1) and UDP
#     to the host's DNS stub (busybox nslookup).
#   - ip addr / ip link / ip route (rtnetlink) show eth0 as Linux does, ip addr
#     add and ip route del/add default change them; arping and udhcpc work
#     over packet sockets.
#   - kill -9 of virtio_net: init restarts it, the server reattaches, and a
#     new wget works; kill -9 of net_server: init restarts it (the old
#     sockets were reset) and a new wget works.
#   net_test.sh ISO RUNNER ROOT_IMAGE
set -uo pipefail
trap '' PIPE

iso="$1"
runner="$2"
image="$3"
dir="${TEST_TMPDIR:-$(mktemp -d)}"
here="$(dirname "${BASH_SOURCE[0]}")"

source "$here/checks.sh"
source "$here/console.sh"

scratch_disk "$image"

# Host peers.
mkdir -p "$dir/www" "$dir/peer"
head -c $((16 << 20)) /dev/urandom > "$dir/www/big"
big_sum="$(sha256sum "$dir/www/big" | cut -d' ' -f1)"
python3 "$here/net_peer.py" serve "$dir/www" "$dir/peer" &
peer=$!
trap 'kill $peer 2>/dev/null' EXIT
for _ in $(seq 100); do [ -f "$dir/peer/dns_port" ] && break; sleep 0.1; done
http_port="$(cat "$dir/peer/http_port")"
sink_port="$(cat "$dir/peer/sink_port")"
dns_port="$(cat "$dir/peer/dns_port")"
fwd_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

helpers='m() { echo "@@$*@@"; }; pid_of() { for p in /proc/[0-9]*; do read c 2>/dev/null < $p/comm && [ "$c" = "$1" ] && echo "pid=${p#/proc/}"; done; }'
pid_in() { section "$1" | sed -n 's/^pid=\([0-9][0-9]*\)$/\1/p' | head -n 1; }
sum_in() { section "$1" | sed -n 's/^\([0-9a-f]\{64\}\)  .*$/\1/p' | head -n 1; }

start 1 --disk "$disk" --timeout 1500 --hostfwd "tcp:$fwd_port-:80"
booted=0
if booted_to_disk; then
  booted=1
  printf '%s\n' "$helpers" >&3
  check "the server got a DHCP lease for eth0" wait_for 'net: eth0 10\.0\.2\.15 netmask 255\.255\.255\.0 gateway 10\.0\.2\.2 \(DHCP\)' 120

  run wget "wget -q -O /tmp/big http://10.0.2.2:$http_port/big && sha256sum /tmp/big"
  check "guest wget of 16 MiB from the host: same SHA-256" test "$(sum_in wget)" = "$big_sum"

  # The driver's batching, live: over 16 MiB moved many frames per signal
  # to the server (rx_per_signal, column 7) and per wake-up (column 4).
  run frames "cat /proc/net/frameproto; awk 'NR == 2 && \$5 > 10000 && \$7 > 1.5 && \$4 >= 1.0 { print \"frames-batched\" }' /proc/net/frameproto"
  check "/proc/net/frameproto: eth0's driver moved the 16 MiB at over 1.5 frames per signal" in_section frames '^frames-batched$'

  run httpd 'mkdir -p /www && cp /tmp/big /www/big && httpd -p 80 -h /www && echo httpd-up'
  got="$(python3 "$here/net_peer.py" get "http://127.0.0.1:$fwd_port/big" 2>&1)"
  echo "host GET through hostfwd: $got"
  check "host GET of 16 MiB from guest httpd: same SHA-256 and size" \
    test "$got" = "$big_sum $((16 << 20))"

  run hostname 'hostname tessera-net && hostname && uname -n'
  check "hostname NAME sets the name uname reports" test "$(section hostname | grep -c '^tessera-net$')" -eq 2

  run ping 'ping -c 3 10.0.2.2'
  check "ping -c 3 10.0.2.2: three replies" in_section ping '3 packets transmitted, 3 packets received, 0% packet loss'
  run ping-lo 'ping -c 2 127.0.0.1'
  check "ping -c 2 127.0.0.1: two replies" in_section ping-lo '2 packets transmitted, 2 packets received'

  run ifconfig 'ifconfig'
  check "ifconfig counts eth0's traffic (over 16 MiB received)" in_section ifconfig 'RX bytes:[0-9]{8,} '
  check "ifconfig shows eth0 with 10.0.2.15 and its MAC" in_section ifconfig 'inet addr:10\.0\.2\.15 +Bcast:10\.0\.2\.255 +Mask:255\.255\.255\.0'
  check "ifconfig shows eth0's hardware address" in_section ifconfig 'eth0 +Link encap:Ethernet +HWaddr 52:54:00:12:34:56'
  check "ifconfig shows lo" in_section ifconfig 'inet addr:127\.0\.0\.1 +Mask:255\.0\.0\.0'
  run route 'route -n'
  check "route -n shows the default route through 10.0.2.2" in_section route '^0\.0\.0\.0 +10\.0\.2\.2 +0\.0\.0\.0 +UG .* eth0$'
  run netstat 'netstat -tln'
  check "netstat -tln shows httpd listening on port 80" in_section netstat '^tcp +0 +0 :::80 +:::\* +LISTEN'
  run arp 'arp -n'
  check "arp -n shows the gateway's MAC" in_section arp '10\.0\.2\.2.* 52:55:0a:00:02:02 '
  run arp-set 'arp -s 10.0.2.77 02:00:00:aa:bb:cc && arp -n && grep 10.0.2.77 /proc/net/arp; arp -d 10.0.2.77 && arp -n | grep -c 10.0.2.77; su -s /bin/sh -c "arp -s 10.0.2.78 02:00:00:aa:bb:cd; ifconfig lo mtu 1280" user; ip link show lo'
  check "arp -s adds a permanent entry (PERM, flags 0x6 in /proc/net/arp)" in_section arp-set '\(10\.0\.2\.77\) at 02:00:00:aa:bb:cc \[ether\] PERM on eth0'
  check "/proc/net/arp shows the permanent entry's flags" in_section arp-set '^10\.0\.2\.77 +0x1 +0x6 +02:00:00:aa:bb:cc'
  check "arp -d removes it" in_section arp-set '^0$'
  check "a user's arp -s and ifconfig mtu are refused (CAP_NET_ADMIN)" \
    in_section arp-set 'Operation not permitted'
  check "lo's MTU is unchanged after the user's try" in_section arp-set '^1: lo: .* mtu 65536 '

  run sink "nc 10.0.2.2 $sink_port < /tmp/big; echo nc-done"
  for _ in $(seq 100); do [ -f "$dir/peer/sink-1" ] && break; sleep 0.2; done
  check "guest nc of 16 MiB to the host: every byte arrived" \
    test "$(cat "$dir/peer/sink-1" 2> /dev/null)" = "$big_sum $((16 << 20))"

  run loopback 'head -c 300000 /tmp/big > /tmp/part; (sleep 20 | nc -l -p 7000 > /tmp/lo &); sleep 1; nc 127.0.0.1 7000 < /tmp/part; sleep 1; wc -c /tmp/lo; cmp /tmp/part /tmp/lo && echo loopback-same'
  check "loopback TCP in the guest moves 300000 bytes intact" in_section loopback '^loopback-same$'

  run dns "nslookup tessera.test 10.0.2.2:$dns_port"
  check "nslookup over UDP against the host's DNS stub" in_section dns '192\.0\.2\.7'

  # rtnetlink and packet sockets (busybox ip, arping, udhcpc).
  run ip-addr 'ip addr'
  check "ip addr shows 10.0.2.15/24 on eth0" in_section ip-addr '^ +inet 10\.0\.2\.15/24 brd 10\.0\.2\.255 scope global eth0'
  check "ip addr shows lo's 127.0.0.1/8" in_section ip-addr '^ +inet 127\.0\.0\.1/8 scope host lo'
  run ip-link 'ip link'
  check "ip link shows eth0 up with its MAC" in_section ip-link '^2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500'
  check "ip link shows eth0's hardware address" in_section ip-link 'link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff'
  run ip-route 'ip route'
  check "ip route shows default via 10.0.2.2 dev eth0" in_section ip-route '^default via 10\.0\.2\.2 dev eth0'
  check "ip route shows the subnet route" in_section ip-route '^10\.0\.2\.0/24 dev eth0 .*scope link +src 10\.0\.2\.15'
  run ip-route-change 'ip route del default && ip route && ip route add default via 10.0.2.2 && echo route-changed && ip route'
  check "ip route del default removes it (one default listed, after the add)" \
    test "$(section ip-route-change | grep -cE '^default via')" -eq 1
  check "ip route add default via 10.0.2.2 puts it back" in_section ip-route-change '^route-changed$'
  check "ip route shows the new default route" in_section ip-route-change '^default via 10\.0\.2\.2 dev eth0'
  run arping 'arping -c 2 -I eth0 10.0.2.2'
  check "arping -c 2 -I eth0 10.0.2.2 gets two replies" in_section arping 'Received 2 response'
  run udhcpc 'printf "#!/bin/sh\necho dhcp-\$1 \$ip \$router\n[ \"\$1\" = bound ] && ifconfig \$interface \$ip netmask \$subnet && route add default gw \$router\nexit 0\n" > /tmp/dhcp.sh; chmod +x /tmp/dhcp.sh; udhcpc -i eth0 -n -q -s /tmp/dhcp.sh; ip route'
  check "udhcpc -i eth0 -n -q gets the lease of 10.0.2.15" in_section udhcpc 'lease of 10\.0\.2\.15 obtained'
  check "udhcpc's script configured 10.0.2.15 via 10.0.2.2" in_section udhcpc '^dhcp-bound 10\.0\.2\.15 10\.0\.2\.2$'
  check "the default route is there after udhcpc" in_section udhcpc '^default via 10\.0\.2\.2 dev eth0'
  # ip finds eth0's index with SIOCGIFINDEX on an AF_UNIX socket (glibc's
  # if_nametoindex): interface ioctls work on any socket, as on Linux.
  run ip-addr-add 'ip addr add 10.0.2.16/24 dev eth0 && ip addr show dev eth0 && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2; ip addr show dev eth0'
  check "ip addr add 10.0.2.16/24 dev eth0 shows the new address" in_section ip-addr-add '^ +inet 10\.0\.2\.16/24 '
  check "and 10.0.2.15 is back afterwards" in_section ip-addr-add '^ +inet 10\.0\.2\.15/24 '

  run drv-pid 'pid_of virtio_net'
  drv_pid="$(pid_in drv-pid)"
  # A transfer in flight survives the driver's death: TCP retransmits
  # while init restarts the driver and the server reattaches.
  run kill-driver "wget -q -O - http://10.0.2.2:$http_port/big | sha256sum & usleep 100000; kill -9 $drv_pid; wait"
  check "init restarted virtio_net after kill -9" wait_for 'init: virtio_net restarted' 30
  check "the server reattached to the new driver" wait_for 'net: reattached to the restarted NIC driver' 30
  check "a wget running across the driver's kill completes intact" test "$(sum_in kill-driver)" = "$big_sum"

  run srv-pid 'pid_of net_server'
  srv_pid="$(pid_in srv-pid)"
  # The server's death resets its sockets: an upload in progress ends with
  # an error; new sockets go to the restarted server.
  run kill-server "(nc 10.0.2.2 $sink_port < /dev/zero > /dev/null 2> /tmp/nc.err; echo nc-status=\$? > /tmp/nc.status) & sleep 2; kill -9 $srv_pid; sleep 5; cat /tmp/nc.status /tmp/nc.err; wget -q -O - http://10.0.2.2:$http_port/big | sha256sum"
  check "init restarted net_server after kill -9" wait_for 'init: net_server restarted' 30
  check "the upload in flight ended with an error (its socket was reset)" in_section kill-server '^nc-status=[1-9]'
  check "a wget after the server's restart: same SHA-256" test "$(sum_in kill-server)" = "$big_sum"

  run off 'kill -USR2 1'
fi
finish 1
check "boot: the root moved to the disk and the shell came up" test "$booted" -eq 1
check "no kernel panic" bash -c '! grep -qE "KERNEL PANIC|KERNEL EXCEPTION" "$1"' _ "$log"

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
