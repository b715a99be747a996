// The IPv6 path-MTU guard (port.h: ClampPathMtus), for a fault
// frame_input_fuzz found: lwIP 2.1.3 takes the MTU of an ICMPv6 Packet Too
// Big message as it comes (nd6.c), even below IPv6's minimum of 1280
// (RFC 8200 5: every link carries 1280; RFC 8201: a node never lowers a
// path MTU below it). With a tiny path MTU, ip6_frag cuts a retransmitted
// TCP segment into pieces its loop does not survive: it walks off the end
// of the pbuf chain (ip6_frag.c, a null pbuf dereferenced), which crashes
// the server. It also takes MTUs above the link's (RFC 8201 5.4: a Packet
// Too Big never raises the estimate), so TCP sizes its segments for a path
// the link cannot carry. Clamping every cached path MTU into [1280, the
// link's MTU] after each received frame, before anything is sent, keeps
// both out.

#include "lwip/opt.h"
#include "lwip/priv/nd6_priv.h"
#include "servers/net/lwip_port/port.h"

namespace lwip_port {

constexpr uint16_t kIpv6MinimumMtu = 1280;

void ClampPathMtus(uint16_t link_mtu) {
  for (int i = 0; i < LWIP_ND6_NUM_DESTINATIONS; ++i) {
    u16_t& pmtu = destination_cache[i].pmtu;
    if (pmtu == 0) continue;
    if (pmtu < kIpv6MinimumMtu) pmtu = kIpv6MinimumMtu;
    if (link_mtu >= kIpv6MinimumMtu && pmtu > link_mtu) pmtu = link_mtu;
  }
}

}  // namespace lwip_port
