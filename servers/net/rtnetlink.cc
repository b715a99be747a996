#include "servers/net/rtnetlink.h"

#include <errno.h>
#include <string.h>

#include "lwip/def.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/priv/nd6_priv.h"
#include "servers/net/interfaces.h"
#include "servers/net/netlink_abi.h"

namespace netserver {
namespace {

constexpr uint8_t kAfUnspec = 0;
constexpr uint8_t kAfInet = 2;
constexpr uint8_t kAfInet6 = 10;
constexpr uint32_t kForever = 0xffffffffu;
constexpr uint32_t kMetricConnected6 = 256;  // Linux's metrics for IPv6 routes
constexpr uint32_t kMetricDefault6 = 1024;

// One outgoing message, built in place: header, fixed body, attributes.
class Message {
 public:
  Message(uint16_t type, uint16_t flags, uint32_t seq, uint32_t port) {
    nl::Header h{0, type, flags, seq, port};
    Append(&h, sizeof h);
  }
  void Body(const void* p, uint32_t n) { Append(p, n); }
  void Attr(uint16_t type, const void* data, uint32_t n) {
    nl::Attr a{static_cast<uint16_t>(sizeof(nl::Attr) + n), type};
    Append(&a, sizeof a);
    Append(data, n);
  }
  void U32(uint16_t type, uint32_t v) { Attr(type, &v, sizeof v); }
  void U8(uint16_t type, uint8_t v) { Attr(type, &v, 1); }
  void String(uint16_t type, const char* s) { Attr(type, s, static_cast<uint32_t>(strlen(s) + 1)); }
  bool Send(NetlinkOutput* out) {
    if (overflow_) return false;
    memcpy(buffer_, &length_, sizeof length_);  // nlmsg_len
    return out->Put(buffer_, length_);
  }

 private:
  void Append(const void* p, uint32_t n) {
    uint32_t padded = nl::Align(n);
    if (length_ + padded > sizeof buffer_) {
      overflow_ = true;
      return;
    }
    memcpy(buffer_ + length_, p, n);
    memset(buffer_ + length_ + n, 0, padded - n);
    length_ += padded;
  }
  uint8_t buffer_[512];
  uint32_t length_ = 0;
  bool overflow_ = false;
};

// A request's attributes by type (the last of a repeated type wins).
constexpr uint16_t kMaxAttr = 32;
struct AttrView {
  const uint8_t* data = nullptr;
  uint32_t length = 0;
  bool present() const { return data != nullptr; }
  bool U32(uint32_t* out) const {
    if (length != 4) return false;
    memcpy(out, data, 4);
    return true;
  }
};
using Attrs = AttrView[kMaxAttr];

// Splits [p, p+n) into attributes. -EINVAL: one shorter than its header,
// past the end, or stray bytes after the last.
int ParseAttrs(const uint8_t* p, uint32_t n, Attrs& table) {
  while (n >= sizeof(nl::Attr)) {
    nl::Attr a;
    memcpy(&a, p, sizeof a);
    if (a.length < sizeof a || a.length > n) return -EINVAL;
    uint16_t type = a.type & 0x3fff;  // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
    if (type < kMaxAttr) table[type] = {p + sizeof a, a.length - uint32_t{sizeof a}};
    uint32_t step = nl::Align(a.length);
    if (step > n) step = n;
    p += step;
    n -= step;
  }
  return n == 0 ? 0 : -EINVAL;
}

struct Request {
  nl::Header header;
  const uint8_t* body;
  uint32_t body_length;
  uint32_t port;
  NetlinkOutput* out;

  // The fixed part of the body, then its attributes. -EINVAL: too short or
  // malformed.
  template <typename T>
  int Decode(T* fixed, Attrs& attrs) const {
    if (body_length < sizeof(T)) return -EINVAL;
    memcpy(fixed, body, sizeof(T));
    return ParseAttrs(body + nl::Align(sizeof(T)), body_length - nl::Align(sizeof(T)), attrs);
  }
  uint16_t flags() const { return header.flags; }
};

uint8_t PrefixLength(uint32_t network_order_mask) {
  uint32_t m = lwip_ntohl(network_order_mask);
  uint8_t n = 0;
  while (n < 32 && (m & (0x80000000u >> n)) != 0) ++n;
  return n;
}

uint32_t MaskOf(uint8_t prefix) {
  return prefix == 0 ? 0 : lwip_htonl(0xffffffffu << (32 - prefix));
}

struct netif* ByIndex(uint32_t index) {
  if (index == 0 || index > 255) return nullptr;
  return netif_get_by_index(static_cast<u8_t>(index));
}

// Calls fn(netif) for each netif by index, as Linux lists them (lwIP's
// list has the newest first). Stops at the first false.
template <typename Fn>
bool ForEachByIndex(Fn fn) {
  uint32_t count = 0, seen = 0;
  struct netif* n;
  NETIF_FOREACH(n) { ++count; }
  for (uint32_t index = 1; index <= 255 && seen < count; ++index) {
    if ((n = ByIndex(index)) == nullptr) continue;
    ++seen;
    if (!fn(n)) return false;
  }
  return true;
}

// ---- links ----

bool PutLink(const Request& r, struct netif* n, uint16_t flags) {
  const bool lo = IsLoopbackInterface(n);
  Message m(nl::kNewLink, flags, r.header.seq, r.port);
  nl::IfInfo ifi{};
  ifi.family = kAfUnspec;
  ifi.type = lo ? nl::kArphrdLoopback : nl::kArphrdEther;
  ifi.index = netif_get_index(n);
  ifi.flags = InterfaceFlags(n);
  m.Body(&ifi, sizeof ifi);
  char name[16];
  InterfaceName(n, name);
  m.String(nl::kIflaIfname, name);
  m.U32(nl::kIflaTxqlen, kTxQueueLength);
  uint8_t oper =
      lo ? nl::kOperUnknown : (netif_is_up(n) && netif_is_link_up(n) ? nl::kOperUp : nl::kOperDown);
  m.U8(nl::kIflaOperstate, oper);
  m.U8(nl::kIflaLinkmode, 0);
  m.U32(nl::kIflaMtu, InterfaceMtu(n));
  m.String(nl::kIflaQdisc, "noqueue");  // frames go straight to the driver
  uint8_t mac[6] = {}, broadcast[6] = {};
  if (!lo) {
    memcpy(mac, n->hwaddr, n->hwaddr_len < 6 ? n->hwaddr_len : 6);
    memset(broadcast, 0xff, sizeof broadcast);
  }
  m.Attr(nl::kIflaAddress, mac, sizeof mac);
  m.Attr(nl::kIflaBroadcast, broadcast, sizeof broadcast);
  return m.Send(r.out);
}

int DumpLinks(const Request& r) {
  return ForEachByIndex([&](struct netif* n) { return PutLink(r, n, nl::kFMulti); }) ? 0 : -ENOBUFS;
}

int GetLink(const Request& r) {
  nl::IfInfo ifi;
  Attrs attrs{};
  if (int e = r.Decode(&ifi, attrs); e < 0) return e;
  struct netif* n = nullptr;
  if (ifi.index > 0) {
    n = ByIndex(static_cast<uint32_t>(ifi.index));
  } else if (attrs[nl::kIflaIfname].present()) {
    const AttrView& a = attrs[nl::kIflaIfname];
    char name[17] = {};
    if (a.length == 0 || a.length > 16) return -EINVAL;
    memcpy(name, a.data, a.length);
    n = FindInterface(name);
  } else {
    return -EINVAL;
  }
  if (n == nullptr) return -ENODEV;
  return PutLink(r, n, 0) ? 0 : -ENOBUFS;
}

// RTM_NEWLINK / RTM_SETLINK on an existing link: IFF_UP and IFLA_MTU.
int SetLink(const Request& r) {
  nl::IfInfo ifi;
  Attrs attrs{};
  if (int e = r.Decode(&ifi, attrs); e < 0) return e;
  char name[17] = {};
  const AttrView& named = attrs[nl::kIflaIfname];
  if (named.present()) {
    if (named.length == 0 || named.length > 16 || memchr(named.data, 0, named.length) == nullptr)
      return -EINVAL;
    memcpy(name, named.data, named.length);
  }
  for (uint16_t t = 0; t < kMaxAttr; ++t) {
    if (!attrs[t].present()) continue;
    if (t != nl::kIflaIfname && t != nl::kIflaMtu && t != nl::kIflaExtMask && t != nl::kIflaTxqlen)
      return -EOPNOTSUPP;  // a new MAC, qdisc, master, link info: not here
  }
  struct netif* n = nullptr;
  if (ifi.index > 0) {
    n = ByIndex(static_cast<uint32_t>(ifi.index));
  } else if (named.present()) {
    n = FindInterface(name);
  } else if (r.header.type == nl::kSetLink) {
    return -EINVAL;
  }
  if (n == nullptr) {
    // Creating links (ip link add) needs kinds lwIP does not have.
    return r.header.type == nl::kNewLink && (r.flags() & nl::kFCreate) != 0 ? -EOPNOTSUPP : -ENODEV;
  }
  if (r.header.type == nl::kNewLink && (r.flags() & nl::kFExcl) != 0) return -EEXIST;
  char current[16];
  InterfaceName(n, current);
  if (named.present() && strcmp(current, name) != 0) return -EOPNOTSUPP;  // a rename
  const bool lo = IsLoopbackInterface(n);
  // Decode everything first; then change.
  uint32_t mtu = 0;
  if (attrs[nl::kIflaMtu].present()) {
    if (!attrs[nl::kIflaMtu].U32(&mtu)) return -EINVAL;
    if (lo ? mtu != InterfaceMtu(n) : (mtu < 68 || mtu > 1500)) return lo ? -EOPNOTSUPP : -EINVAL;
  }
  uint32_t qlen;
  if (attrs[nl::kIflaTxqlen].present()) {
    if (!attrs[nl::kIflaTxqlen].U32(&qlen)) return -EINVAL;
    if (qlen != kTxQueueLength) return -EOPNOTSUPP;
  }
  // Linux: with ifi_change 0 the flags are taken as they are (0: no change).
  const uint32_t now = InterfaceFlags(n);
  bool set_up = false, set_down = false;
  if (ifi.change != 0) {
    uint32_t wanted = (ifi.flags & ifi.change) | (now & ~ifi.change);
    // IFF_UP is the only flag one can set here; the others are the stack's.
    constexpr uint32_t kDerived = nl::kIffRunning | nl::kIffLowerUp;
    if (((wanted ^ now) & ~(nl::kIffUp | kDerived)) != 0) return -EOPNOTSUPP;
    set_up = (wanted & nl::kIffUp) != 0 && (now & nl::kIffUp) == 0;
    set_down = (wanted & nl::kIffUp) == 0 && (now & nl::kIffUp) != 0;
  } else if (ifi.flags != 0) {
    set_up = (ifi.flags & nl::kIffUp) != 0 && (now & nl::kIffUp) == 0;
    set_down = (ifi.flags & nl::kIffUp) == 0 && (now & nl::kIffUp) != 0;
  }
  if (set_down && lo) return -EOPNOTSUPP;
  if (mtu != 0 && !lo) n->mtu = static_cast<u16_t>(mtu);
  if (set_up) netif_set_up(n);
  if (set_down) netif_set_down(n);
  return 0;
}

// ---- addresses ----

bool PutAddress4(const Request& r, struct netif* n) {
  uint32_t ip = ip4_addr_get_u32(netif_ip4_addr(n));
  if (ip == 0) return true;
  const bool lo = IsLoopbackInterface(n);
  uint32_t mask = ip4_addr_get_u32(netif_ip4_netmask(n));
  Message m(nl::kNewAddr, nl::kFMulti, r.header.seq, r.port);
  nl::IfAddr ifa{};
  ifa.family = kAfInet;
  ifa.prefix_length = PrefixLength(mask);
  ifa.flags = static_cast<uint8_t>(nl::kIfaFPermanent);
  ifa.scope = lo ? nl::kScopeHost : nl::kScopeUniverse;
  ifa.index = netif_get_index(n);
  m.Body(&ifa, sizeof ifa);
  m.Attr(nl::kIfaAddress, &ip, 4);
  m.Attr(nl::kIfaLocal, &ip, 4);
  if (!lo) {
    uint32_t broadcast = (ip & mask) | ~mask;
    m.Attr(nl::kIfaBroadcast, &broadcast, 4);
  }
  char name[16];
  InterfaceName(n, name);
  m.String(nl::kIfaLabel, name);
  m.U32(nl::kIfaFlags, nl::kIfaFPermanent);
  nl::IfaCacheinfo ci{kForever, kForever, 0, 0};
  m.Attr(nl::kIfaCacheinfo, &ci, sizeof ci);
  return m.Send(r.out);
}

bool PutAddresses6(const Request& r, struct netif* n) {
  for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; ++i) {
    u8_t state = netif_ip6_addr_state(n, i);
    if (!ip6_addr_isvalid(state) && !ip6_addr_istentative(state)) continue;
    const ip6_addr_t* a = netif_ip6_addr(n, i);
    uint32_t flags = 0;
    if (ip6_addr_istentative(state)) flags |= nl::kIfaFTentative;
    nl::IfaCacheinfo ci{kForever, kForever, 0, 0};
    u32_t valid = netif_ip6_addr_valid_life(n, i);
    if (ip6_addr_life_isstatic(valid)) {
      // lwIP marks static addresses (::1) just "valid", the value it also
      // uses for deprecated; a static address never lapses.
      flags |= nl::kIfaFPermanent;
    } else {
      if (ip6_addr_isdeprecated(state)) flags |= nl::kIfaFDeprecated;
      ci.valid = valid;
      ci.preferred = netif_ip6_addr_pref_life(n, i);
    }
    Message m(nl::kNewAddr, nl::kFMulti, r.header.seq, r.port);
    nl::IfAddr ifa{};
    ifa.family = kAfInet6;
    ifa.prefix_length = ip6_addr_isloopback(a) ? 128 : 64;
    ifa.flags = static_cast<uint8_t>(flags);
    ifa.scope = ip6_addr_isloopback(a)    ? nl::kScopeHost
                : ip6_addr_islinklocal(a) ? nl::kScopeLink
                                          : nl::kScopeUniverse;
    ifa.index = netif_get_index(n);
    m.Body(&ifa, sizeof ifa);
    m.Attr(nl::kIfaAddress, a->addr, 16);
    m.Attr(nl::kIfaCacheinfo, &ci, sizeof ci);
    m.U32(nl::kIfaFlags, flags);
    if (!m.Send(r.out)) return false;
  }
  return true;
}

// The family a dump asks for: AF_INET, AF_INET6, or anything else for both.
bool Wants(uint8_t asked, uint8_t family) {
  return (asked != kAfInet && asked != kAfInet6) || asked == family;
}

int DumpAddresses(const Request& r, uint8_t family) {
  if (Wants(family, kAfInet) && !ForEachByIndex([&](struct netif* n) { return PutAddress4(r, n); }))
    return -ENOBUFS;
  if (Wants(family, kAfInet6) &&
      !ForEachByIndex([&](struct netif* n) { return PutAddresses6(r, n); }))
    return -ENOBUFS;
  return 0;
}

// RTM_NEWADDR / RTM_DELADDR: the IPv4 address of an Ethernet netif.
int ChangeAddress(const Request& r) {
  nl::IfAddr ifa;
  Attrs attrs{};
  if (int e = r.Decode(&ifa, attrs); e < 0) return e;
  if (ifa.family != kAfInet) return -EOPNOTSUPP;
  struct netif* n = ByIndex(ifa.index);
  if (n == nullptr) return -ENODEV;
  if (ifa.prefix_length > 32) return -EINVAL;
  uint32_t local = 0, address = 0;
  const bool has_local = attrs[nl::kIfaLocal].present();
  const bool has_address = attrs[nl::kIfaAddress].present();
  if (has_local && !attrs[nl::kIfaLocal].U32(&local)) return -EINVAL;
  if (has_address && !attrs[nl::kIfaAddress].U32(&address)) return -EINVAL;
  uint32_t current = ip4_addr_get_u32(netif_ip4_addr(n));
  uint8_t current_prefix = PrefixLength(ip4_addr_get_u32(netif_ip4_netmask(n)));
  if (r.header.type == nl::kDelAddr) {
    // Linux: the first address that matches what is given.
    bool match = current != 0;
    if (has_local && local != current) match = false;
    if (has_address && (ifa.prefix_length != current_prefix ||
                        ((address ^ current) & MaskOf(current_prefix)) != 0))
      match = false;
    if (!match) return -EADDRNOTAVAIL;
    if (IsLoopbackInterface(n)) return -EOPNOTSUPP;
    // Routes through the address go with it, as on Linux.
    netif_set_addr(n, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4);
    return 0;
  }
  if (!has_local) {
    if (!has_address) return -EINVAL;
    local = address;
  } else if (has_address && address != local) {
    return -EOPNOTSUPP;  // a point-to-point peer
  }
  if (local == 0) return -EINVAL;
  if (local == current && ifa.prefix_length == current_prefix)
    return (r.flags() & nl::kFReplace) != 0 ? 0 : -EEXIST;
  if (IsLoopbackInterface(n)) return -EOPNOTSUPP;
  ip4_addr_t ip, mask;
  ip4_addr_set_u32(&ip, local);
  ip4_addr_set_u32(&mask, MaskOf(ifa.prefix_length));
  netif_set_addr(n, &ip, &mask, netif_ip4_gw(n));  // one address per netif: replaced
  return 0;
}

// ---- routes ----

bool PutRoute(const Request& r, uint8_t family, uint8_t dst_length, const void* dst,
              const void* gateway, const void* source, struct netif* n, uint8_t protocol,
              uint8_t scope, uint32_t metric) {
  const uint32_t size = family == kAfInet ? 4 : 16;
  Message m(nl::kNewRoute, nl::kFMulti, r.header.seq, r.port);
  nl::RtMsg rt{};
  rt.family = family;
  rt.dst_length = dst_length;
  rt.table = nl::kTableMain;
  rt.protocol = protocol;
  rt.scope = scope;
  rt.type = nl::kRtnUnicast;
  m.Body(&rt, sizeof rt);
  m.U32(nl::kRtaTable, nl::kTableMain);
  if (metric != 0) m.U32(nl::kRtaPriority, metric);
  if (dst_length != 0) m.Attr(nl::kRtaDst, dst, size);
  if (source != nullptr) m.Attr(nl::kRtaPrefsrc, source, size);
  if (gateway != nullptr) m.Attr(nl::kRtaGateway, gateway, size);
  m.U32(nl::kRtaOif, netif_get_index(n));
  return m.Send(r.out);
}

bool PutRoutes4(const Request& r) {
  struct netif* d = netif_default;  // the default route first, as Linux lists it
  if (d != nullptr && !IsLoopbackInterface(d) && netif_is_up(d) &&
      ip4_addr_get_u32(netif_ip4_gw(d)) != 0 && ip4_addr_get_u32(netif_ip4_addr(d)) != 0) {
    uint32_t gw = ip4_addr_get_u32(netif_ip4_gw(d));
    if (!PutRoute(r, kAfInet, 0, nullptr, &gw, nullptr, d, nl::kProtBoot, nl::kScopeUniverse, 0))
      return false;
  }
  return ForEachByIndex([&](struct netif* n) {  // lo's 127/8 is in Linux's local table
    uint32_t ip = ip4_addr_get_u32(netif_ip4_addr(n));
    if (IsLoopbackInterface(n) || !netif_is_up(n) || ip == 0) return true;
    uint32_t mask = ip4_addr_get_u32(netif_ip4_netmask(n));
    uint32_t net = ip & mask;
    return PutRoute(r, kAfInet, PrefixLength(mask), &net, nullptr, &ip, n, nl::kProtKernel,
                    nl::kScopeLink, 0);
  });
}

bool PutRoutes6(const Request& r) {
  bool ok = ForEachByIndex([&](struct netif* n) {
    if (!netif_is_up(n)) return true;
    bool link_local = false;
    for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; ++i) {
      if (!ip6_addr_isvalid(netif_ip6_addr_state(n, i))) continue;
      const ip6_addr_t* a = netif_ip6_addr(n, i);
      if (ip6_addr_isloopback(a)) {
        if (!PutRoute(r, kAfInet6, 128, a->addr, nullptr, nullptr, n, nl::kProtKernel,
                      nl::kScopeUniverse, kMetricConnected6))
          return false;
      } else if (ip6_addr_islinklocal(a) && !link_local) {
        link_local = true;
        uint32_t prefix[4] = {lwip_htonl(0xfe800000u), 0, 0, 0};
        if (!PutRoute(r, kAfInet6, 64, prefix, nullptr, nullptr, n, nl::kProtKernel,
                      nl::kScopeUniverse, kMetricConnected6))
          return false;
      }
    }
    return true;
  });
  if (!ok) return false;
  for (int i = 0; i < LWIP_ND6_NUM_PREFIXES; ++i) {  // on-link prefixes from RAs
    const nd6_prefix_list_entry& p = prefix_list[i];
    if (p.netif == nullptr || p.invalidation_timer == 0) continue;
    if (!PutRoute(r, kAfInet6, 64, p.prefix.addr, nullptr, nullptr, p.netif, nl::kProtRa,
                  nl::kScopeUniverse, kMetricConnected6))
      return false;
  }
  for (int i = 0; i < LWIP_ND6_NUM_ROUTERS; ++i) {  // default routers from RAs
    const nd6_router_list_entry& d = default_router_list[i];
    if (d.neighbor_entry == nullptr || d.neighbor_entry->netif == nullptr) continue;
    if (!PutRoute(r, kAfInet6, 0, nullptr, d.neighbor_entry->next_hop_address.addr, nullptr,
                  d.neighbor_entry->netif, nl::kProtRa, nl::kScopeUniverse, kMetricDefault6))
      return false;
  }
  return true;
}

int DumpRoutes(const Request& r, uint8_t family) {
  if (Wants(family, kAfInet) && !PutRoutes4(r)) return -ENOBUFS;
  if (Wants(family, kAfInet6) && !PutRoutes6(r)) return -ENOBUFS;
  return 0;
}

// RTM_NEWROUTE / RTM_DELROUTE: only the IPv4 default route, which lwIP
// keeps as the default netif's gateway.
int ChangeRoute(const Request& r) {
  nl::RtMsg rt;
  Attrs attrs{};
  if (int e = r.Decode(&rt, attrs); e < 0) return e;
  if (rt.family != kAfInet) return -EOPNOTSUPP;
  uint32_t table = rt.table, dst = 0, gw = 0, oif = 0, source = 0;
  if (attrs[nl::kRtaTable].present() && !attrs[nl::kRtaTable].U32(&table)) return -EINVAL;
  if (attrs[nl::kRtaDst].present() && !attrs[nl::kRtaDst].U32(&dst)) return -EINVAL;
  const bool has_gw = attrs[nl::kRtaGateway].present();
  if (has_gw && !attrs[nl::kRtaGateway].U32(&gw)) return -EINVAL;
  const bool has_oif = attrs[nl::kRtaOif].present();
  if (has_oif && !attrs[nl::kRtaOif].U32(&oif)) return -EINVAL;
  if (attrs[nl::kRtaPrefsrc].present() && !attrs[nl::kRtaPrefsrc].U32(&source)) return -EINVAL;
  if (rt.dst_length > 32) return -EINVAL;
  if (table != nl::kTableMain && table != nl::kTableUnspec) return -EOPNOTSUPP;
  if (rt.dst_length != 0 || dst != 0) return -EOPNOTSUPP;  // subnet routes follow addresses
  struct netif* n = nullptr;
  if (has_oif) {
    n = ByIndex(oif);
    if (n == nullptr) return -ENODEV;
  }
  if (r.header.type == nl::kDelRoute) {
    struct netif* d = netif_default;
    if (d == nullptr || ip4_addr_get_u32(netif_ip4_gw(d)) == 0) return -ESRCH;
    if ((has_gw && gw != ip4_addr_get_u32(netif_ip4_gw(d))) || (n != nullptr && n != d))
      return -ESRCH;
    netif_set_gw(d, IP4_ADDR_ANY4);
    return 0;
  }
  if (rt.type != nl::kRtnUnicast && rt.type != nl::kRtnUnspec) return -EOPNOTSUPP;
  if (!has_gw || gw == 0) return -EOPNOTSUPP;  // lwIP routes off-link only through a gateway
  if (n == nullptr) {                          // the netif whose subnet holds the gateway
    struct netif* m;
    NETIF_FOREACH(m) {
      uint32_t ip = ip4_addr_get_u32(netif_ip4_addr(m));
      uint32_t mask = ip4_addr_get_u32(netif_ip4_netmask(m));
      if (!IsLoopbackInterface(m) && ip != 0 && (ip & mask) == (gw & mask)) {
        n = m;
        break;
      }
    }
    if (n == nullptr) return -ENETUNREACH;
  }
  if (IsLoopbackInterface(n)) return -EOPNOTSUPP;
  uint32_t ip = ip4_addr_get_u32(netif_ip4_addr(n));
  uint32_t mask = ip4_addr_get_u32(netif_ip4_netmask(n));
  if (ip == 0 || (ip & mask) != (gw & mask)) return -ENETUNREACH;  // Linux: gateway not on-link
  if (source != 0 && source != ip) return -EINVAL;
  const bool exists =
      netif_default != nullptr && ip4_addr_get_u32(netif_ip4_gw(netif_default)) != 0;
  if (exists && (r.flags() & nl::kFReplace) == 0) return -EEXIST;
  if (!exists && (r.flags() & nl::kFCreate) == 0) return -ENOENT;
  // The metric (RTA_PRIORITY) is accepted and not kept: there is one default route.
  if (exists && netif_default != n) netif_set_gw(netif_default, IP4_ADDR_ANY4);
  ip4_addr_t g;
  ip4_addr_set_u32(&g, gw);
  netif_set_gw(n, &g);
  netif_set_default(n);
  return 0;
}

}  // namespace

int HandleRouteRequest(const uint8_t* message, uint32_t length, uint32_t port, NetlinkOutput* out,
                       bool* dumped) {
  *dumped = false;
  Request r;
  memcpy(&r.header, message, sizeof r.header);
  r.body = message + sizeof r.header;
  r.body_length = length - uint32_t{sizeof r.header};
  r.port = port;
  r.out = out;
  const uint16_t type = r.header.type;
  const bool get = type == nl::kGetLink || type == nl::kGetAddr || type == nl::kGetRoute;
  if (get && (r.flags() & nl::kFDump) == nl::kFDump) {
    // A dump needs the family (struct rtgenmsg); a full fixed header may
    // carry filter attributes, which must be well formed.
    if (r.body_length < 1) return -EINVAL;
    const uint8_t family = r.body[0];
    const uint32_t fixed = type == nl::kGetLink   ? sizeof(nl::IfInfo)
                           : type == nl::kGetAddr ? sizeof(nl::IfAddr)
                                                  : sizeof(nl::RtMsg);
    if (r.body_length >= fixed) {
      Attrs attrs{};
      if (int e = ParseAttrs(r.body + fixed, r.body_length - fixed, attrs); e < 0) return e;
    }
    *dumped = true;
    if (type == nl::kGetLink) return DumpLinks(r);
    if (type == nl::kGetAddr) return DumpAddresses(r, family);
    return DumpRoutes(r, family);
  }
  switch (type) {
    case nl::kGetLink: return GetLink(r);
    case nl::kNewLink:
    case nl::kSetLink: return SetLink(r);
    case nl::kNewAddr:
    case nl::kDelAddr: return ChangeAddress(r);
    case nl::kNewRoute:
    case nl::kDelRoute: return ChangeRoute(r);
    default: return -EOPNOTSUPP;  // RTM_GETADDR/GETROUTE without a dump, neighbours, rules...
  }
}

}  // namespace netserver
