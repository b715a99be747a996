#include "servers/net/interfaces.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "abi/tessera/netproto.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "servers/net/arp_ioctl.h"

namespace netserver {
namespace {

// Linux's ioctl numbers (uapi/linux/sockios.h).
constexpr uint32_t kSiocAddRt = 0x890B;
constexpr uint32_t kSiocDelRt = 0x890C;
constexpr uint32_t kSiocGifName = 0x8910;
constexpr uint32_t kSiocGifConf = 0x8912;
constexpr uint32_t kSiocGifFlags = 0x8913;
constexpr uint32_t kSiocSifFlags = 0x8914;
constexpr uint32_t kSiocGifAddr = 0x8915;
constexpr uint32_t kSiocSifAddr = 0x8916;
constexpr uint32_t kSiocGifBrdAddr = 0x8919;
constexpr uint32_t kSiocGifNetmask = 0x891B;
constexpr uint32_t kSiocSifNetmask = 0x891C;
constexpr uint32_t kSiocGifMetric = 0x891D;
constexpr uint32_t kSiocGifMtu = 0x8921;
constexpr uint32_t kSiocSifMtu = 0x8922;
constexpr uint32_t kSiocGifHwAddr = 0x8927;
constexpr uint32_t kSiocGifIndex = 0x8933;
constexpr uint32_t kSiocGifTxQLen = 0x8942;
constexpr uint32_t kSiocGifMap = 0x8970;

// Interface flags (uapi/linux/if.h).
constexpr uint16_t kIffUp = 0x1;
constexpr uint16_t kIffBroadcast = 0x2;
constexpr uint16_t kIffLoopback = 0x8;
constexpr uint16_t kIffRunning = 0x40;
constexpr uint16_t kIffMulticast = 0x1000;
constexpr uint32_t kIffLowerUp = 0x10000;

constexpr uint16_t kArphrdEther = 1;
constexpr uint16_t kArphrdLoopback = 772;
constexpr uint16_t kRtfUp = 0x1;
constexpr uint16_t kRtfGateway = 0x2;
constexpr uint32_t kIfreqSize = netproto::kIfreqSize;
constexpr uint32_t kRtentrySize = 120;  // struct rtentry on x86-64

void PutSockaddrIn(uint8_t* at, uint32_t network_order) {
  memset(at, 0, 16);
  at[0] = 2;  // AF_INET
  memcpy(at + 4, &network_order, 4);
}

bool GetSockaddrIn(const uint8_t* at, uint32_t* network_order) {
  if (at[0] != 2 || at[1] != 0) return false;
  memcpy(network_order, at + 4, 4);
  return true;
}

uint16_t FlagsOf(const struct netif* n) { return static_cast<uint16_t>(InterfaceFlags(n)); }

// A text builder that stops at the room it has.
class Text {
 public:
  Text(char* out, uint32_t room) : out_(out), room_(room) {}
  void Printf(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    if (full_) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (static_cast<size_t>(n) >= sizeof line) n = sizeof line - 1;
    if (size_ + static_cast<uint32_t>(n) > room_) {
      full_ = true;  // truncated at a line, as a short read of a seq_file
      return;
    }
    memcpy(out_ + size_, line, static_cast<size_t>(n));
    size_ += static_cast<uint32_t>(n);
  }
  // A line padded with spaces to `width` characters, then '\n'.
  void Padded(int width, const char* fmt, ...) __attribute__((format(printf, 3, 4))) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    Printf("%-*s\n", width, line);
  }
  uint32_t size() const { return size_; }

 private:
  char* out_;
  uint32_t room_;
  uint32_t size_ = 0;
  bool full_ = false;
};

void RenderDev(Text& t) {
  t.Printf("Inter-|   Receive                                                |  Transmit\n");
  t.Printf(
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
      "errs drop fifo colls carrier compressed\n");
  struct netif* n;
  NETIF_FOREACH(n) {
    char name[16];
    InterfaceName(n, name);
    const auto& c = n->mib2_counters;
    t.Printf(
        "%6s:%8lu %7lu %4lu %4lu %4lu %5lu %10lu %9lu %8lu %7lu %4lu %4lu %4lu %5lu %7lu %10lu\n",
        name, static_cast<unsigned long>(c.ifinoctets),
        static_cast<unsigned long>(c.ifinucastpkts + c.ifinnucastpkts),
        static_cast<unsigned long>(c.ifinerrors), static_cast<unsigned long>(c.ifindiscards), 0ul,
        0ul, 0ul, static_cast<unsigned long>(c.ifinnucastpkts),
        static_cast<unsigned long>(c.ifoutoctets),
        static_cast<unsigned long>(c.ifoutucastpkts + c.ifoutnucastpkts),
        static_cast<unsigned long>(c.ifouterrors), static_cast<unsigned long>(c.ifoutdiscards), 0ul,
        0ul, 0ul, 0ul);
  }
}

void RenderRoute(Text& t) {
  t.Padded(127,
           "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT");
  struct netif* n;
  NETIF_FOREACH(n) {
    if (IsLoopbackInterface(n) || !netif_is_up(n)) continue;
    uint32_t ip = ip4_addr_get_u32(netif_ip4_addr(n));
    if (ip == 0) continue;
    char name[16];
    InterfaceName(n, name);
    uint32_t mask = ip4_addr_get_u32(netif_ip4_netmask(n));
    uint32_t gw = ip4_addr_get_u32(netif_ip4_gw(n));
    if (n == netif_default && gw != 0) {
      t.Padded(127, "%s\t%08X\t%08X\t%04X\t%d\t%u\t%d\t%08X\t%d\t%u\t%u", name, 0u, gw,
               kRtfUp | kRtfGateway, 0, 0u, 0, 0u, 0, 0u, 0u);
    }
    t.Padded(127, "%s\t%08X\t%08X\t%04X\t%d\t%u\t%d\t%08X\t%d\t%u\t%u", name, ip & mask, 0u, kRtfUp,
             0, 0u, 0, mask, 0, 0u, 0u);
  }
}

void RenderArp(Text& t) {
  t.Printf("IP address       HW type     Flags       HW address            Mask     Device\n");
  for (size_t i = 0; i < ARP_TABLE_SIZE; ++i) {
    ip4_addr_t* ip = nullptr;
    struct netif* n = nullptr;
    struct eth_addr* mac = nullptr;
    if (etharp_get_entry(i, &ip, &n, &mac) == 0) continue;
    char addr[16], hw[18], name[16];
    ip4addr_ntoa_r(ip, addr, sizeof addr);
    snprintf(hw, sizeof hw, "%02x:%02x:%02x:%02x:%02x:%02x", mac->addr[0], mac->addr[1],
             mac->addr[2], mac->addr[3], mac->addr[4], mac->addr[5]);
    InterfaceName(n, name);
    const int flags = kAtfCom | (IsPermanentArpEntry(ip4_addr_get_u32(ip)) ? kAtfPerm : 0);
    t.Printf("%-16s 0x%-10x0x%-10x%-17s     %-8s %s\n", addr, 1, flags, hw, "*", name);
  }
}

// Linux's TCP states (include/net/tcp_states.h) for lwIP's.
int LinuxTcpState(enum tcp_state s) {
  switch (s) {
    case ESTABLISHED: return 1;
    case SYN_SENT: return 2;
    case SYN_RCVD: return 3;
    case FIN_WAIT_1: return 4;
    case FIN_WAIT_2: return 5;
    case TIME_WAIT: return 6;
    case CLOSED: return 7;
    case CLOSE_WAIT: return 8;
    case LAST_ACK: return 9;
    case LISTEN: return 10;
    case CLOSING: return 11;
  }
  return 7;
}

// "%08X:%04X" (IPv4) or "%08X%08X%08X%08X:%04X" (IPv6), as Linux prints them.
void FormatEndpoint(const ip_addr_t& ip, uint16_t port, bool v6, char* out, size_t room) {
  if (!v6) {
    snprintf(out, room, "%08X:%04X", IP_IS_V4(&ip) ? ip4_addr_get_u32(ip_2_ip4(&ip)) : 0u, port);
    return;
  }
  uint32_t w[4] = {0, 0, 0, 0};
  if (IP_IS_V6(&ip)) memcpy(w, ip_2_ip6(&ip)->addr, 16);
  snprintf(out, room, "%08X%08X%08X%08X:%04X", w[0], w[1], w[2], w[3], port);
}

// Which file a pcb belongs in: an IPv4 one in tcp/udp, IPv6 and dual-stack
// ones in tcp6/udp6.
bool InV6File(const ip_addr_t& local) { return !IP_IS_V4(&local); }

void RenderTcp(Text& t, bool v6) {
  t.Padded(149,
           "  sl  local_address%s rem_address%s   st tx_queue rx_queue tr tm->when retrnsmt"
           "   uid  timeout inode",
           v6 ? "                        " : "", v6 ? "                        " : "");
  int slot = 0;
  auto row = [&](const ip_addr_t& lip, uint16_t lport, const ip_addr_t& rip, uint16_t rport,
                 enum tcp_state state, uint32_t tx_queue) {
    if (InV6File(lip) != v6) return;
    char local[48], remote[48];
    FormatEndpoint(lip, lport, v6, local, sizeof local);
    FormatEndpoint(rip, rport, v6, remote, sizeof remote);
    t.Padded(149,
             "%4d: %s %s %02X %08X:%08X 00:00000000 00000000 %5u %8d %lu 1 0000000000000000 "
             "100 0 0 10 0",
             slot++, local, remote, LinuxTcpState(state), tx_queue, 0u, 0u, 0, 0ul);
  };
  for (struct tcp_pcb_listen* l = tcp_listen_pcbs.listen_pcbs; l != nullptr; l = l->next) {
    ip_addr_t none;
    ip_addr_set_zero(&none);
    IP_SET_TYPE_VAL(none, IP_GET_TYPE(&l->local_ip));
    row(l->local_ip, l->local_port, none, 0, LISTEN, 0);
  }
  for (struct tcp_pcb* p = tcp_active_pcbs; p != nullptr; p = p->next)
    row(p->local_ip, p->local_port, p->remote_ip, p->remote_port, p->state,
        p->snd_lbb - p->lastack);
  for (struct tcp_pcb* p = tcp_tw_pcbs; p != nullptr; p = p->next)
    row(p->local_ip, p->local_port, p->remote_ip, p->remote_port, p->state, 0);
}

void RenderUdp(Text& t, bool v6) {
  t.Padded(127,
           "  sl  local_address%s rem_address%s   st tx_queue rx_queue tr tm->when retrnsmt"
           "   uid  timeout inode ref pointer drops",
           v6 ? "                        " : "", v6 ? "                        " : "");
  int slot = 0;
  for (struct udp_pcb* p = udp_pcbs; p != nullptr; p = p->next) {
    if (InV6File(p->local_ip) != v6) continue;
    char local[48], remote[48];
    FormatEndpoint(p->local_ip, p->local_port, v6, local, sizeof local);
    FormatEndpoint(p->remote_ip, p->remote_port, v6, remote, sizeof remote);
    bool connected = (p->flags & UDP_FLAGS_CONNECTED) != 0;
    t.Padded(127, "%5d: %s %s %02X %08X:%08X 00:00000000 00000000 %5u %8d %lu 2 0000000000000000 0",
             slot++, local, remote, connected ? 1 : 7, 0u, 0u, 0u, 0, 0ul);
  }
}

void RenderIfInet6(Text& t) {
  struct netif* n;
  NETIF_FOREACH(n) {
    char name[16];
    InterfaceName(n, name);
    for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; ++i) {
      if (!ip6_addr_isvalid(netif_ip6_addr_state(n, i))) continue;
      const ip6_addr_t* a = netif_ip6_addr(n, i);
      const uint8_t* b = reinterpret_cast<const uint8_t*>(a->addr);
      char hex[33];
      for (int k = 0; k < 16; ++k) snprintf(hex + 2 * k, 3, "%02x", b[k]);
      int scope = ip6_addr_isloopback(a) ? 0x10 : ip6_addr_islinklocal(a) ? 0x20 : 0x00;
      int prefix = ip6_addr_isloopback(a) ? 128 : 64;
      t.Printf("%s %02x %02x %02x %02x %8s\n", hex, netif_get_index(n), prefix, scope, 0x80, name);
    }
  }
}

void RenderSnmp(Text& t) {
  const auto& m = lwip_stats.mib2;
  t.Printf(
      "Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams "
      "InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout "
      "ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates\n");
  t.Printf("Ip: 2 %d %u %u %u %u %u %u %u %u %u %u 0 %u %u %u %u %u %u\n", IP_DEFAULT_TTL,
           m.ipinreceives, m.ipinhdrerrors, m.ipinaddrerrors, m.ipforwdatagrams,
           m.ipinunknownprotos, m.ipindiscards, m.ipindelivers, m.ipoutrequests, m.ipoutdiscards,
           m.ipoutnoroutes, m.ipreasmreqds, m.ipreasmoks, m.ipreasmfails, m.ipfragoks,
           m.ipfragfails, m.ipfragcreates);
  t.Printf(
      "Icmp: InMsgs InErrors InDestUnreachs InTimeExcds InEchos InEchoReps OutMsgs OutErrors "
      "OutDestUnreachs OutTimeExcds OutEchos OutEchoReps\n");
  t.Printf("Icmp: %u %u %u %u %u %u %u %u %u %u %u %u\n", m.icmpinmsgs, m.icmpinerrors,
           m.icmpindestunreachs, m.icmpintimeexcds, m.icmpinechos, m.icmpinechoreps, m.icmpoutmsgs,
           m.icmpouterrors, m.icmpoutdestunreachs, m.icmpouttimeexcds, m.icmpoutechos,
           m.icmpoutechoreps);
  uint32_t established = 0;
  for (struct tcp_pcb* p = tcp_active_pcbs; p != nullptr; p = p->next)
    if (p->state == ESTABLISHED || p->state == CLOSE_WAIT) ++established;
  t.Printf(
      "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails "
      "EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n");
  t.Printf("Tcp: 1 200 120000 -1 %u %u %u %u %u %u %u %u %u %u 0\n", m.tcpactiveopens,
           m.tcppassiveopens, m.tcpattemptfails, m.tcpestabresets, established, m.tcpinsegs,
           m.tcpoutsegs, m.tcpretranssegs, m.tcpinerrs, m.tcpoutrsts);
  t.Printf(
      "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors "
      "InCsumErrors IgnoredMulti MemErrors\n");
  t.Printf("Udp: %u %u %u %u 0 0 0 0 0\n", m.udpindatagrams, m.udpnoports, m.udpinerrors,
           m.udpoutdatagrams);
}

int SetDefaultRoute(uint32_t request, const uint8_t* rt, uint32_t length) {
  if (length < kRtentrySize) return -EINVAL;
  uint32_t dst = 0, gw = 0, mask = 0;
  if (!GetSockaddrIn(rt + 8, &dst) || !GetSockaddrIn(rt + 40, &mask)) return -EAFNOSUPPORT;
  uint16_t flags;
  memcpy(&flags, rt + 56, 2);
  // Only the default route: lwIP routes by the interfaces' subnets and
  // one gateway on the default interface.
  if (dst != 0 || mask != 0 || netif_default == nullptr) return -EINVAL;
  if (request == kSiocAddRt) {
    if ((flags & kRtfGateway) == 0 || !GetSockaddrIn(rt + 24, &gw) || gw == 0) return -EINVAL;
    ip4_addr_t g;
    ip4_addr_set_u32(&g, gw);
    netif_set_gw(netif_default, &g);
    return 0;
  }
  if (ip4_addr_get_u32(netif_ip4_gw(netif_default)) == 0) return -ESRCH;
  netif_set_gw(netif_default, IP4_ADDR_ANY4);
  return 0;
}

}  // namespace

void InterfaceName(const struct netif* n, char (&out)[16]) {
  if (IsLoopbackInterface(n)) {
    snprintf(out, sizeof out, "lo");
  } else {
    int eth = 0;
    const struct netif* m;
    NETIF_FOREACH(m) {
      if (m == n) break;
      if (!IsLoopbackInterface(m)) ++eth;
    }
    snprintf(out, sizeof out, "eth%d", eth);
  }
}

struct netif* FindInterface(const char* name) {
  struct netif* n;
  NETIF_FOREACH(n) {
    char mine[16];
    InterfaceName(n, mine);
    if (strncmp(mine, name, 16) == 0) return n;
  }
  return nullptr;
}

bool IsLoopbackInterface(const struct netif* n) { return n->name[0] == 'l' && n->name[1] == 'o'; }

uint32_t InterfaceFlags(const struct netif* n) {
  uint32_t f = kIffMulticast;
  if (netif_is_up(n)) f |= kIffUp;
  if (netif_is_up(n) && netif_is_link_up(n)) f |= kIffRunning | kIffLowerUp;
  if (IsLoopbackInterface(n)) {
    f = (f & ~uint32_t{kIffMulticast}) | kIffLoopback;
  } else {
    f |= kIffBroadcast;
  }
  return f;
}

uint32_t InterfaceMtu(const struct netif* n) { return IsLoopbackInterface(n) ? 65536 : n->mtu; }

int InterfaceIoctl(uint32_t request, uint8_t* data, uint32_t length, bool only_length,
                   uint32_t* out_length) {
  *out_length = 0;
  if (request == kSiocGifConf) {
    uint32_t used = 0;
    struct netif* n;
    NETIF_FOREACH(n) {
      uint32_t ip = ip4_addr_get_u32(netif_ip4_addr(n));
      if (ip == 0 && !IsLoopbackInterface(n)) continue;
      if (!only_length) {
        if (used + kIfreqSize > length) break;
        uint8_t* r = data + used;
        memset(r, 0, kIfreqSize);
        char name[16];
        InterfaceName(n, name);
        memcpy(r, name, sizeof name);
        PutSockaddrIn(r + 16, ip);
      }
      used += kIfreqSize;
    }
    *out_length = used;
    return 0;
  }
  if (request == kSiocAddRt || request == kSiocDelRt) return SetDefaultRoute(request, data, length);
  if (request == kSiocSArp || request == kSiocDArp || request == kSiocGArp) {
    return ArpIoctl(request, data, length, out_length);
  }
  if (length < kIfreqSize) return -EINVAL;
  if (request == kSiocGifName) {
    int index;
    memcpy(&index, data + 16, sizeof index);
    struct netif* n =
        index > 0 && index < 256 ? netif_get_by_index(static_cast<u8_t>(index)) : nullptr;
    if (n == nullptr) return -ENODEV;
    char name[16];
    InterfaceName(n, name);
    memcpy(data, name, sizeof name);
    *out_length = kIfreqSize;
    return 0;
  }
  char name[17];
  memcpy(name, data, 16);
  name[16] = 0;
  struct netif* n = FindInterface(name);
  if (n == nullptr) return -ENODEV;
  uint8_t* u = data + 16;  // the union after ifr_name
  uint32_t v = 0;
  switch (request) {
    case kSiocGifFlags: {
      uint16_t f = FlagsOf(n);
      memcpy(u, &f, 2);
      break;
    }
    case kSiocSifFlags: {
      uint16_t f;
      memcpy(&f, u, 2);
      if (f & kIffUp) {
        netif_set_up(n);
      } else if (!IsLoopbackInterface(n)) {
        netif_set_down(n);
      }
      return 0;
    }
    case kSiocGifAddr:
      if (ip4_addr_get_u32(netif_ip4_addr(n)) == 0) return -EADDRNOTAVAIL;
      PutSockaddrIn(u, ip4_addr_get_u32(netif_ip4_addr(n)));
      break;
    case kSiocGifNetmask:
      if (ip4_addr_get_u32(netif_ip4_addr(n)) == 0) return -EADDRNOTAVAIL;
      PutSockaddrIn(u, ip4_addr_get_u32(netif_ip4_netmask(n)));
      break;
    case kSiocGifBrdAddr: {
      if (ip4_addr_get_u32(netif_ip4_addr(n)) == 0 || IsLoopbackInterface(n)) return -EADDRNOTAVAIL;
      uint32_t ip = ip4_addr_get_u32(netif_ip4_addr(n));
      uint32_t mask = ip4_addr_get_u32(netif_ip4_netmask(n));
      PutSockaddrIn(u, (ip & mask) | ~mask);
      break;
    }
    case kSiocSifAddr:
    case kSiocSifNetmask: {
      if (IsLoopbackInterface(n)) return -EPERM;
      if (!GetSockaddrIn(u, &v)) return -EINVAL;
      ip4_addr_t a;
      ip4_addr_set_u32(&a, v);
      if (request == kSiocSifAddr) {
        dhcp_stop(n);  // the address is the user's now, as with Linux's ifconfig
        netif_set_ipaddr(n, &a);
      } else {
        netif_set_netmask(n, &a);
      }
      return 0;
    }
    case kSiocGifMtu: {
      int mtu = static_cast<int>(InterfaceMtu(n));
      memcpy(u, &mtu, sizeof mtu);
      break;
    }
    case kSiocSifMtu: {
      int mtu;
      memcpy(&mtu, u, sizeof mtu);
      if (IsLoopbackInterface(n) || mtu < 68 || mtu > 1500) return -EINVAL;
      n->mtu = static_cast<u16_t>(mtu);
      return 0;
    }
    case kSiocGifHwAddr: {
      memset(u, 0, 16);
      uint16_t type = IsLoopbackInterface(n) ? kArphrdLoopback : kArphrdEther;
      memcpy(u, &type, 2);
      if (!IsLoopbackInterface(n)) memcpy(u + 2, n->hwaddr, n->hwaddr_len);
      break;
    }
    case kSiocGifIndex: {
      int index = netif_get_index(n);
      memcpy(u, &index, sizeof index);
      break;
    }
    case kSiocGifMetric: {
      int metric = 0;
      memcpy(u, &metric, sizeof metric);
      break;
    }
    case kSiocGifTxQLen: {
      int qlen = kTxQueueLength;
      memcpy(u, &qlen, sizeof qlen);
      break;
    }
    case kSiocGifMap: memset(u, 0, kIfreqSize - 16); break;
    default: return -ENOTTY;
  }
  *out_length = kIfreqSize;
  return 0;
}

namespace {

LinkFiguresSource g_link_figures = nullptr;

// Tenths of a / b ("12.5"), for frames per notification.
void PrintRatio(Text& t, uint64_t a, uint64_t b) {
  uint64_t tenths = b == 0 ? 0 : a * 10 / b;
  t.Printf(" %11llu.%llu", static_cast<unsigned long long>(tenths / 10),
           static_cast<unsigned long long>(tenths % 10));
}

void RenderFrameproto(Text& t) {
  t.Printf(
      "Iface      tx_frames   tx_wakeups tx_per_wakeup    rx_frames   rx_signals rx_per_signal"
      "   interrupts bad_used_len   tx_refused   recoveries drv_bad_desc srv_bad_desc"
      "   srv_tx_sig   tx_dropped\n");
  if (g_link_figures == nullptr) return;
  struct netif* n;
  NETIF_FOREACH(n) {
    LinkFigures f{};
    if (!g_link_figures(n, &f)) continue;
    char name[16];
    InterfaceName(n, name);
    const frameproto::DriverFigures& d = f.driver;
    auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
    t.Printf("%5s: %12llu %12llu", name, u(d.tx_frames), u(d.tx_wakeups));
    PrintRatio(t, d.tx_frames, d.tx_wakeups);
    t.Printf(" %12llu %12llu", u(d.rx_frames), u(d.rx_signals));
    PrintRatio(t, d.rx_frames, d.rx_signals);
    t.Printf(" %12llu %12llu %12llu %12llu %12llu %12llu %12llu %12llu\n", u(d.interrupts),
             u(d.bad_used_lengths), u(d.tx_refused), u(d.recoveries), u(d.bad_descriptors),
             u(f.bad_descriptors), u(f.tx_signals), u(f.tx_dropped));
  }
}

}  // namespace

void SetLinkFiguresSource(LinkFiguresSource source) { g_link_figures = source; }

int RenderProcNet(uint32_t file, char* out, uint32_t room) {
  Text t(out, room);
  switch (file) {
    case netproto::kProcNetDev: RenderDev(t); break;
    case netproto::kProcNetRoute: RenderRoute(t); break;
    case netproto::kProcNetArp: RenderArp(t); break;
    case netproto::kProcNetTcp: RenderTcp(t, false); break;
    case netproto::kProcNetTcp6: RenderTcp(t, true); break;
    case netproto::kProcNetUdp: RenderUdp(t, false); break;
    case netproto::kProcNetUdp6: RenderUdp(t, true); break;
    case netproto::kProcNetIfInet6: RenderIfInet6(t); break;
    case netproto::kProcNetSnmp: RenderSnmp(t); break;
    case netproto::kProcNetFrameproto: RenderFrameproto(t); break;
    default: return -EINVAL;
  }
  return static_cast<int>(t.size());
}

}  // namespace netserver
