// libFuzzer target over lwIP's frame input path, the way the net server
// feeds it: an Ethernet netif "en0" (10.0.2.15/24, gateway 10.0.2.2, a
// link-local IPv6 address and SLAAC, DHCP running, IGMP and MLD groups joined)
// with a TCP listener on port 80 that echoes, a UDP echo socket on port 7
// (both IP_ANY_TYPE) and raw ICMP and ICMPv6 sockets. Output frames are read
// (so ASan sees every byte lwIP hands the driver) and discarded.
//
// The input is a sequence of records, each
//   u8 control | u16 length (big-endian) | length bytes of Ethernet frame
// control bit 7: recompute the frame's IPv4 header, TCP, UDP, ICMP, IGMP and ICMPv6
// checksums first (lwIP checks them all, so random bytes would rarely get
// past them); bit 6: the frame's TCP sequence and acknowledgement numbers
// are relative, to the acknowledgement number and the end of the sequence
// space of the last TCP segment lwIP sent (so 0 and 0 is the exact reply:
// handshakes complete, data is acknowledged); bits 0-5: n, after the frame
// the clock advances n*n*10 ms
// (up to ~40 s: DHCP, ARP, ND, reassembly and TCP timers) and
// sys_check_timeouts() runs. A frame is at most 1518 bytes; a truncated
// record ends the input.
//
// Every input starts from the same state as far as lwIP lets us: the clock
// and LWIP_RAND restart (sys_restart_timeouts rebases the timers), TCP
// connections are aborted, ARP and ND caches emptied, the addresses and
// DHCP restarted. The ISN secret is fixed, so the handshake's numbers are a
// function of the input.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/igmp.h"
#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/mld6.h"
#include "lwip/nd6.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"
#include "servers/net/lwip_port/port.h"

// What the TCP echo service did, for frame_input_replay_test.
extern "C" {
uint64_t frame_input_fuzz_accepts = 0;
uint64_t frame_input_fuzz_bytes_echoed = 0;
}

namespace {

constexpr uint64_t kClockBase = 1'000'000'000'000ull;  // 1000 s after boot
constexpr size_t kMaxFrame = 1518;
constexpr uint8_t kMac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

uint64_t g_now_ns = kClockBase;
uint64_t FakeClock() { return g_now_ns; }

netif g_eth;
uint8_t g_sink[kMaxFrame + 64];
volatile uint32_t g_sunk;

// Of the last TCP segment lwIP sent: its acknowledgement number and the end
// of its sequence space (seq + data + SYN + FIN).
uint32_t g_last_ack;
uint32_t g_last_seq_end;

uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

uint32_t Get32(const uint8_t* p) { return (uint32_t{Get16(p)} << 16) | Get16(p + 2); }

void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

void Put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

// The TCP header of an Ethernet frame (IPv4 or IPv6 without extension
// headers) and the length of the segment from it, or nullptr.
uint8_t* FindTcp(uint8_t* f, size_t len, size_t* seg_len) {
  if (len < 14) return nullptr;
  uint16_t type = Get16(f + 12);
  uint8_t* ip = f + 14;
  size_t avail = len - 14;
  size_t hlen, total;
  if (type == ETHTYPE_IP && avail >= 20 && ip[9] == 6) {
    hlen = (ip[0] & 0x0f) * 4u;
    total = Get16(ip + 2);
  } else if (type == ETHTYPE_IPV6 && avail >= 40 && ip[6] == 6) {
    hlen = 40;
    total = 40u + Get16(ip + 4);
  } else {
    return nullptr;
  }
  if (total > avail || hlen + 20 > total) return nullptr;
  *seg_len = total - hlen;
  return ip + hlen;
}

// The driver's transmit: copy the frame out (touching every byte of the
// chain), note the TCP numbers, drop it.
err_t LinkOutput(netif*, pbuf* p) {
  if (p->tot_len > sizeof(g_sink)) return ERR_IF;
  u16_t n = pbuf_copy_partial(p, g_sink, p->tot_len, 0);
  g_sunk = g_sunk + n + g_sink[n ? n - 1 : 0];
  size_t seg_len;
  if (const uint8_t* tcp = FindTcp(g_sink, n, &seg_len)) {
    size_t data = seg_len - ((tcp[12] >> 4) * 4u);
    if ((tcp[12] >> 4) * 4u > seg_len) data = 0;
    uint32_t flags_len = (tcp[13] & 0x02 ? 1 : 0) + (tcp[13] & 0x01 ? 1 : 0);
    g_last_seq_end = Get32(tcp + 4) + static_cast<uint32_t>(data) + flags_len;
    g_last_ack = Get32(tcp + 8);
  }
  return ERR_OK;
}

void MakeTcpNumbersAbsolute(uint8_t* f, size_t len) {
  size_t seg_len;
  if (uint8_t* tcp = FindTcp(f, len, &seg_len)) {
    Put32(tcp + 4, g_last_ack + Get32(tcp + 4));
    Put32(tcp + 8, g_last_seq_end + Get32(tcp + 8));
  }
}

err_t EthInit(netif* n) {
  n->name[0] = 'e';
  n->name[1] = 'n';
  n->hwaddr_len = ETH_HWADDR_LEN;
  memcpy(n->hwaddr, kMac, sizeof(kMac));
  n->mtu = 1500;
  n->mtu6 = 1500;
  n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_IGMP |
             NETIF_FLAG_MLD6;
  n->output = etharp_output;
  n->output_ip6 = ethip6_output;
  n->linkoutput = LinkOutput;
  return ERR_OK;
}

// ---- Applications -----------------------------------------------------------

err_t EchoRecv(void*, tcp_pcb* pcb, pbuf* p, err_t err) {
  if (p == nullptr) {
    tcp_recv(pcb, nullptr);
    tcp_err(pcb, nullptr);
    if (tcp_close(pcb) != ERR_OK) tcp_abort(pcb);
    return p == nullptr && err == ERR_OK ? ERR_OK : ERR_ABRT;
  }
  uint8_t buf[512];
  u16_t n = pbuf_copy_partial(p, buf, sizeof(buf), 0);
  if (n > tcp_sndbuf(pcb)) n = static_cast<u16_t>(tcp_sndbuf(pcb));
  if (n > 0 && tcp_write(pcb, buf, n, TCP_WRITE_FLAG_COPY) == ERR_OK) {
    frame_input_fuzz_bytes_echoed += n;
  }
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  tcp_output(pcb);
  return ERR_OK;
}

void EchoErr(void*, err_t) {}

err_t Accept(void*, tcp_pcb* pcb, err_t err) {
  if (err != ERR_OK || pcb == nullptr) return ERR_VAL;
  frame_input_fuzz_accepts++;
  tcp_recv(pcb, EchoRecv);
  tcp_err(pcb, EchoErr);
  tcp_keepalive(pcb);
  // A greeting larger than one segment, so sending and acknowledgement
  // paths run.
  static uint8_t greeting[4000];
  tcp_write(pcb, greeting, sizeof(greeting), 0);
  tcp_output(pcb);
  return ERR_OK;
}

void UdpEcho(void*, udp_pcb* pcb, pbuf* p, const ip_addr_t* addr, u16_t port) {
  udp_sendto(pcb, p, addr, port);
  pbuf_free(p);
}

u8_t RawRecv(void*, raw_pcb*, pbuf* p, const ip_addr_t*) {
  uint8_t b[64];
  pbuf_copy_partial(p, b, sizeof(b), 0);
  return 0;  // not eaten: ICMP still answers
}

void SetStaticAddresses() {
  ip4_addr_t ip, mask, gw;
  IP4_ADDR(&ip, 10, 0, 2, 15);
  IP4_ADDR(&mask, 255, 255, 255, 0);
  IP4_ADDR(&gw, 10, 0, 2, 2);
  netif_set_addr(&g_eth, &ip, &mask, &gw);
}

void SetUpOnce() {
  lwip_port::SetClockSourceForTesting(FakeClock);
  const uint8_t isn_key[lwip_port::kSipHashKeyBytes] = {'t', 'e', 's', 's', 'e', 'r', 'a'};
  lwip_port::SetIsnSecretForTesting(isn_key);
  lwip_init();
  netif_add_noaddr(&g_eth, nullptr, EthInit, netif_input);
  SetStaticAddresses();
  netif_create_ip6_linklocal_address(&g_eth, 1);
  netif_set_ip6_autoconfig_enabled(&g_eth, 1);
  netif_set_default(&g_eth);
  netif_set_up(&g_eth);
  netif_set_link_up(&g_eth);

  tcp_pcb* t = tcp_new_ip_type(IPADDR_TYPE_ANY);
  tcp_bind(t, IP_ANY_TYPE, 80);
  t = tcp_listen_with_backlog(t, 8);
  tcp_accept(t, Accept);

  udp_pcb* u = udp_new_ip_type(IPADDR_TYPE_ANY);
  udp_bind(u, IP_ANY_TYPE, 7);
  udp_recv(u, UdpEcho, nullptr);

  raw_pcb* r = raw_new_ip_type(IPADDR_TYPE_V4, IP_PROTO_ICMP);
  raw_recv(r, RawRecv, nullptr);
  // As the server's ping6 sockets: ICMPv6 with the checksum checked by lwIP.
  raw_pcb* r6 = raw_new_ip_type(IPADDR_TYPE_V6, IP6_NEXTH_ICMP6);
  r6->chksum_reqd = 1;
  r6->chksum_offset = 2;
  raw_recv(r6, RawRecv, nullptr);

  ip4_addr_t group;
  IP4_ADDR(&group, 224, 1, 2, 3);
  igmp_joingroup_netif(&g_eth, &group);
  ip6_addr_t group6;
  IP6_ADDR(&group6, PP_HTONL(0xff020000), 0, 0, PP_HTONL(0x00010003));
  mld6_joingroup_netif(&g_eth, &group6);
}

void ResetForInput() {
  g_now_ns = kClockBase;
  sys_restart_timeouts();
  const uint8_t rand_key[lwip_port::kSipHashKeyBytes] = {'r', 'a', 'n', 'd'};
  lwip_port::SetRandomKeyForTesting(rand_key);
  while (tcp_active_pcbs != nullptr) tcp_abort(tcp_active_pcbs);
  while (tcp_tw_pcbs != nullptr) tcp_abort(tcp_tw_pcbs);
  dhcp_stop(&g_eth);
  etharp_cleanup_netif(&g_eth);
  nd6_cleanup_netif(&g_eth);
  for (int i = 1; i < LWIP_IPV6_NUM_ADDRESSES; ++i) {
    netif_ip6_addr_set_state(&g_eth, i, IP6_ADDR_INVALID);
  }
  SetStaticAddresses();
  dhcp_start(&g_eth);
  netif_poll_all();
}

// ---- Checksums, so that mutated frames get past lwIP's checks ---------------

uint32_t SumBytes(const uint8_t* p, size_t n, uint32_t sum) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t{p[i]} << 8) | p[i + 1];
  if (n & 1) sum += uint32_t{p[n - 1]} << 8;
  return sum;
}

uint16_t Fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// Sets the transport checksum of `l4[0, len)` for protocol `proto` given the
// pseudo-header sum (0 and no pseudo header for ICMPv4 and IGMP).
void FixTransport(uint8_t proto, uint8_t* l4, size_t len, uint32_t pseudo) {
  size_t at;
  switch (proto) {
    case 6:  // TCP
      at = 16;
      break;
    case 17:  // UDP
      at = 6;
      break;
    case 1:   // ICMP
    case 2:   // IGMP
    case 58:  // ICMPv6
      at = 2;
      break;
    default: return;
  }
  if (len < at + 2) return;
  Put16(l4 + at, 0);
  uint16_t c = Fold(SumBytes(l4, len, pseudo));
  if (proto == 17 && c == 0) c = 0xffff;
  Put16(l4 + at, c);
}

void FixChecksums(uint8_t* f, size_t len) {
  if (len < 14) return;
  uint16_t type = static_cast<uint16_t>((f[12] << 8) | f[13]);
  uint8_t* ip = f + 14;
  size_t avail = len - 14;
  if (type == ETHTYPE_IP && avail >= 20) {
    size_t ihl = (ip[0] & 0x0f) * 4u;
    if (ihl < 20 || ihl > avail) return;
    Put16(ip + 10, 0);
    Put16(ip + 10, Fold(SumBytes(ip, ihl, 0)));
    size_t total = (size_t{ip[2]} << 8) | ip[3];
    if (total > avail || total < ihl) return;
    bool fragment = (ip[6] & 0x3f) != 0 || ip[7] != 0;
    if (fragment) return;
    uint8_t proto = ip[9];
    size_t l4len = total - ihl;
    uint32_t pseudo = 0;
    if (proto != 1 && proto != 2)
      pseudo = SumBytes(ip + 12, 8, proto + static_cast<uint32_t>(l4len));
    FixTransport(proto, ip + ihl, l4len, pseudo);
  } else if (type == ETHTYPE_IPV6 && avail >= 40) {
    size_t plen = (size_t{ip[4]} << 8) | ip[5];
    if (plen > avail - 40) return;
    uint8_t nh = ip[6];
    uint32_t pseudo = SumBytes(ip + 8, 32, nh + static_cast<uint32_t>(plen));
    FixTransport(nh, ip + 40, plen, pseudo);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool set_up = false;
  if (!set_up) {
    set_up = true;
    SetUpOnce();
  }
  ResetForInput();
  g_last_ack = 0;
  g_last_seq_end = 0;
  uint8_t frame[kMaxFrame];
  while (size >= 3) {
    const uint8_t control = data[0];
    size_t len = (size_t{data[1]} << 8) | data[2];
    data += 3;
    size -= 3;
    if (len > size) break;
    if (len <= kMaxFrame) {
      memcpy(frame, data, len);
      if (control & 0x40) MakeTcpNumbersAbsolute(frame, len);
      if (control & 0x80) FixChecksums(frame, len);
      pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(len), PBUF_POOL);
      if (p != nullptr) {
        pbuf_take(p, frame, static_cast<u16_t>(len));
        if (g_eth.input(p, &g_eth) != ERR_OK) pbuf_free(p);
        lwip_port::ClampPathMtus(netif_mtu6(&g_eth));  // as the server does
      }
    }
    data += len;
    size -= len;
    const uint64_t n = control & 0x3f;
    g_now_ns += n * n * 10'000'000ull;
    netif_poll_all();
    sys_check_timeouts();
  }
  return 0;
}
