#include "servers/net/icmp_errors.h"

#include <errno.h>
#include <string.h>

#include "lwip/ip.h"
#include "lwip/pbuf.h"
#include "lwip/raw.h"

namespace netserver {
namespace {

constexpr uint8_t kIcmpDestUnreachable = 3;
constexpr uint8_t kIcmpPortUnreachable = 3;
constexpr uint8_t kProtoUdp = 17;

Sockets* g_sockets = nullptr;

// An ICMPv4 destination unreachable carries the offending datagram's IP
// header and its first 8 bytes (the UDP header): enough to find the socket.
u8_t OnIcmp(void*, struct raw_pcb*, struct pbuf* p, const ip_addr_t*) {
  uint8_t packet[20 + 60 + 8 + 8];
  uint16_t n = pbuf_copy_partial(p, packet, sizeof packet, 0);
  if (n < 20) return 0;
  unsigned outer = (packet[0] & 0xf) * 4u;
  if (outer < 20 || n < outer + 8 + 20) return 0;
  const uint8_t* icmp = packet + outer;
  if (icmp[0] != kIcmpDestUnreachable || icmp[1] != kIcmpPortUnreachable) return 0;
  const uint8_t* inner = icmp + 8;
  unsigned inner_len = (inner[0] & 0xf) * 4u;
  if ((inner[0] >> 4) != 4 || inner_len < 20 || inner[9] != kProtoUdp) return 0;
  if (outer + 8u + inner_len + 8u > n) return 0;
  const uint8_t* udp = inner + inner_len;
  uint32_t src, dst;
  memcpy(&src, inner + 12, 4);
  memcpy(&dst, inner + 16, 4);
  uint16_t sport = static_cast<uint16_t>((udp[0] << 8) | udp[1]);
  uint16_t dport = static_cast<uint16_t>((udp[2] << 8) | udp[3]);
  ip_addr_t to;
  ip_addr_set_ip4_u32(&to, dst);
  g_sockets->ForEach([&](Socket* s) { s->OnPortUnreachable(to, sport, dport); });
  (void)src;
  return 0;  // lwIP goes on with it
}

}  // namespace

bool WatchIcmpErrors(Sockets* sockets) {
  g_sockets = sockets;
  struct raw_pcb* pcb = raw_new_ip_type(IPADDR_TYPE_V4, IP_PROTO_ICMP);
  if (pcb == nullptr) return false;
  raw_recv(pcb, OnIcmp, nullptr);
  return true;
}

}  // namespace netserver
