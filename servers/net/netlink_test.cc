// NETLINK_ROUTE sockets through netproto, parsed back with the host's own
// <linux/rtnetlink.h> macros: link, address and route dumps as `ip` reads
// them, address and default-route changes, acks, and malformed messages
// (short, long, huge lengths, attributes past the end) answered with
// NLMSG_ERROR -EINVAL.
#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <string>

#include "servers/net/link_test_harness.h"

namespace netserver::test {
namespace {

struct Message {
  nlmsghdr header;
  std::vector<uint8_t> body;  // after the header
  std::map<int, std::vector<uint8_t>> attrs;
};

// A request: header, fixed body, then attributes (type, bytes).
std::vector<uint8_t> Request(
    uint16_t type, uint16_t flags, uint32_t seq, const std::vector<uint8_t>& body,
    const std::vector<std::pair<uint16_t, std::vector<uint8_t>>>& attrs = {}) {
  std::vector<uint8_t> m(NLMSG_HDRLEN + NLMSG_ALIGN(body.size()), 0);
  if (!body.empty()) memcpy(m.data() + NLMSG_HDRLEN, body.data(), body.size());
  for (auto& [t, v] : attrs) {
    rtattr a{static_cast<unsigned short>(RTA_LENGTH(v.size())), t};
    size_t at = m.size();
    m.resize(at + RTA_SPACE(v.size()), 0);
    memcpy(m.data() + at, &a, sizeof a);
    if (!v.empty()) memcpy(m.data() + at + sizeof a, v.data(), v.size());
  }
  nlmsghdr h{static_cast<uint32_t>(m.size()), type, flags, seq, 0};
  memcpy(m.data(), &h, sizeof h);
  return m;
}

template <typename T>
std::vector<uint8_t> Bytes(const T& v) {
  std::vector<uint8_t> b(sizeof v);
  memcpy(b.data(), &v, sizeof v);
  return b;
}

std::vector<uint8_t> V4(const char* text) {
  in_addr a;
  inet_pton(AF_INET, text, &a);
  return Bytes(a);
}

std::vector<uint8_t> Nl(uint32_t pid = 0) {
  sockaddr_nl a{};
  a.nl_family = AF_NETLINK;
  a.nl_pid = pid;
  return Bytes(a);
}

// Splits a datagram into messages with NLMSG_OK / NLMSG_NEXT, and each
// message's attributes after a fixed body of `fixed` bytes.
std::vector<Message> Split(const std::vector<uint8_t>& datagram) {
  std::vector<Message> out;
  int left = static_cast<int>(datagram.size());
  for (auto* h = reinterpret_cast<const nlmsghdr*>(datagram.data()); NLMSG_OK(h, left);
       h = NLMSG_NEXT(h, left)) {
    Message m;
    m.header = *h;
    auto* p = static_cast<const uint8_t*>(NLMSG_DATA(h));
    m.body.assign(p, p + NLMSG_PAYLOAD(h, 0));
    size_t fixed = 0;
    if (h->nlmsg_type == RTM_NEWLINK) fixed = sizeof(ifinfomsg);
    if (h->nlmsg_type == RTM_NEWADDR) fixed = sizeof(ifaddrmsg);
    if (h->nlmsg_type == RTM_NEWROUTE) fixed = sizeof(rtmsg);
    if (fixed != 0) {
      int alen = static_cast<int>(m.body.size() - NLMSG_ALIGN(fixed));
      for (auto* a = reinterpret_cast<const rtattr*>(m.body.data() + NLMSG_ALIGN(fixed));
           RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
        auto* d = static_cast<const uint8_t*>(RTA_DATA(a));
        m.attrs[a->rta_type].assign(d, d + RTA_PAYLOAD(a));
      }
      EXPECT_EQ(alen, 0) << "stray bytes after the attributes";
    }
    out.push_back(m);
  }
  EXPECT_EQ(left, 0) << "a datagram that does not split into whole messages";
  return out;
}

std::string Str(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()).c_str(); }

template <typename T>
T As(const std::vector<uint8_t>& v) {
  T t{};
  EXPECT_EQ(v.size(), sizeof t);
  memcpy(&t, v.data(), std::min(v.size(), sizeof t));
  return t;
}

std::string Ip(const std::vector<uint8_t>& v) {
  char s[64] = {};
  inet_ntop(v.size() == 4 ? AF_INET : AF_INET6, v.data(), s, sizeof s);
  return s;
}

class NetlinkTest : public LinkHarness {
 protected:
  // A bound NETLINK_ROUTE socket and its port id.
  uint64_t Open(uint32_t* port) {
    uint64_t s = NewSocket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    EXPECT_EQ(Call(netproto::kBind, s, {}, Nl()).result, 0);
    auto name = Call(netproto::kLocalName, s);
    EXPECT_EQ(name.address_length, sizeof(sockaddr_nl));
    sockaddr_nl a;
    memcpy(&a, name.address, sizeof a);
    EXPECT_EQ(a.nl_family, AF_NETLINK);
    EXPECT_NE(a.nl_pid, 0u);
    *port = a.nl_pid;
    return s;
  }

  // As a sender with CAP_NET_ADMIN unless `admin` is false.
  void Send(uint64_t s, const std::vector<uint8_t>& bytes, bool admin = true) {
    auto d = Call(netproto::kSend, s, {admin ? netproto::kSendFromNetAdmin : 0}, Nl(), bytes);
    EXPECT_EQ(d.result, static_cast<int>(bytes.size()));
  }

  // Every message answered so far, datagram by datagram (each from the
  // kernel: nl_pid 0, a 12-byte name).
  std::vector<Message> Drain(uint64_t s) {
    std::vector<Message> all;
    for (;;) {
      netproto::Delivery d;
      auto datagram = Receive(s, &d);
      if (d.result < 0) {
        EXPECT_EQ(d.result, -EAGAIN);
        break;
      }
      EXPECT_EQ(d.address_length, sizeof(sockaddr_nl));
      sockaddr_nl from;
      memcpy(&from, d.address, sizeof from);
      EXPECT_EQ(from.nl_pid, 0u);
      for (auto& m : Split(datagram)) all.push_back(m);
    }
    return all;
  }

  // A dump's messages; checks NLM_F_MULTI, seq, pid and the final DONE.
  std::vector<Message> Dump(uint64_t s, uint32_t port, uint16_t type, uint8_t family) {
    Send(s, Request(type, NLM_F_REQUEST | NLM_F_DUMP, 77, {family, 0, 0, 0}));
    auto all = Drain(s);
    EXPECT_FALSE(all.empty());
    if (all.empty()) return all;
    EXPECT_EQ(all.back().header.nlmsg_type, NLMSG_DONE);
    all.pop_back();
    for (auto& m : all) {
      EXPECT_EQ(m.header.nlmsg_seq, 77u);
      EXPECT_EQ(m.header.nlmsg_pid, port);
      EXPECT_TRUE(m.header.nlmsg_flags & NLM_F_MULTI);
    }
    return all;
  }

  // The single NLMSG_ERROR answer to a request: its error.
  int ErrorOf(uint64_t s, const std::vector<uint8_t>& request, bool admin = true) {
    Send(s, request, admin);
    auto all = Drain(s);
    EXPECT_EQ(all.size(), 1u);
    if (all.size() != 1 || all[0].header.nlmsg_type != NLMSG_ERROR) return 1;
    EXPECT_GE(all[0].body.size(), sizeof(nlmsgerr));
    nlmsgerr e;
    memcpy(&e, all[0].body.data(), sizeof e);
    return e.error;
  }

  static std::vector<uint8_t> Addr(uint8_t prefix, uint32_t index) {
    ifaddrmsg a{};
    a.ifa_family = AF_INET;
    a.ifa_prefixlen = prefix;
    a.ifa_index = index;
    return Bytes(a);
  }

  static std::vector<uint8_t> Route(uint8_t dst_length = 0) {
    rtmsg r{};
    r.rtm_family = AF_INET;
    r.rtm_dst_len = dst_length;
    r.rtm_table = RT_TABLE_MAIN;
    r.rtm_protocol = RTPROT_BOOT;
    r.rtm_type = RTN_UNICAST;
    return Bytes(r);
  }
};

TEST_F(NetlinkTest, LinkDumpShowsLoAndEth0AsLinux) {
  uint32_t port;
  uint64_t s = Open(&port);
  auto links = Dump(s, port, RTM_GETLINK, AF_UNSPEC);
  ASSERT_EQ(links.size(), 2u);
  auto lo = As<ifinfomsg>(
      std::vector<uint8_t>(links[0].body.begin(), links[0].body.begin() + sizeof(ifinfomsg)));
  EXPECT_EQ(lo.ifi_index, 1);
  EXPECT_EQ(lo.ifi_type, ARPHRD_LOOPBACK);
  EXPECT_EQ(lo.ifi_flags, unsigned(IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP));
  EXPECT_EQ(Str(links[0].attrs[IFLA_IFNAME]), "lo");
  EXPECT_EQ(As<uint32_t>(links[0].attrs[IFLA_MTU]), 65536u);
  EXPECT_EQ(links[0].attrs[IFLA_OPERSTATE], std::vector<uint8_t>{IF_OPER_UNKNOWN});
  EXPECT_EQ(links[0].attrs[IFLA_ADDRESS], std::vector<uint8_t>(6, 0));

  auto eth = As<ifinfomsg>(
      std::vector<uint8_t>(links[1].body.begin(), links[1].body.begin() + sizeof(ifinfomsg)));
  EXPECT_EQ(eth.ifi_index, 2);
  EXPECT_EQ(eth.ifi_type, ARPHRD_ETHER);
  EXPECT_EQ(eth.ifi_flags,
            unsigned(IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST | IFF_LOWER_UP));
  EXPECT_EQ(Str(links[1].attrs[IFLA_IFNAME]), "eth0");
  EXPECT_EQ(links[1].attrs[IFLA_ADDRESS], std::vector<uint8_t>(kMac, kMac + 6));
  EXPECT_EQ(links[1].attrs[IFLA_BROADCAST], std::vector<uint8_t>(6, 0xff));
  EXPECT_EQ(As<uint32_t>(links[1].attrs[IFLA_MTU]), 1500u);
  EXPECT_EQ(As<uint32_t>(links[1].attrs[IFLA_TXQLEN]), 1000u);
  EXPECT_EQ(links[1].attrs[IFLA_OPERSTATE], std::vector<uint8_t>{IF_OPER_UP});
  EXPECT_EQ(readiness_[s] & netproto::kReadable, 0u);
}

TEST_F(NetlinkTest, AddressDumpShowsBothFamilies) {
  uint32_t port;
  uint64_t s = Open(&port);
  auto addrs = Dump(s, port, RTM_GETADDR, AF_UNSPEC);
  bool lo4 = false, eth4 = false, lo6 = false, ll6 = false;
  for (auto& m : addrs) {
    ifaddrmsg a;
    memcpy(&a, m.body.data(), sizeof a);
    std::string ip = Ip(m.attrs[IFA_ADDRESS]);
    if (a.ifa_family == AF_INET && ip == "127.0.0.1") {
      lo4 = true;
      EXPECT_EQ(a.ifa_prefixlen, 8);
      EXPECT_EQ(a.ifa_scope, RT_SCOPE_HOST);
      EXPECT_EQ(a.ifa_index, 1u);
      EXPECT_EQ(Str(m.attrs[IFA_LABEL]), "lo");
      EXPECT_EQ(m.attrs.count(IFA_BROADCAST), 0u);
    } else if (a.ifa_family == AF_INET && ip == "10.0.2.15") {
      eth4 = true;
      EXPECT_EQ(a.ifa_prefixlen, 24);
      EXPECT_EQ(a.ifa_scope, RT_SCOPE_UNIVERSE);
      EXPECT_EQ(a.ifa_index, 2u);
      EXPECT_EQ(Ip(m.attrs[IFA_LOCAL]), "10.0.2.15");
      EXPECT_EQ(Ip(m.attrs[IFA_BROADCAST]), "10.0.2.255");
      EXPECT_EQ(Str(m.attrs[IFA_LABEL]), "eth0");
      EXPECT_TRUE(a.ifa_flags & IFA_F_PERMANENT);
    } else if (a.ifa_family == AF_INET6 && ip == "::1") {
      lo6 = true;
      EXPECT_EQ(a.ifa_prefixlen, 128);
      EXPECT_EQ(a.ifa_scope, RT_SCOPE_HOST);
      EXPECT_EQ(a.ifa_flags, IFA_F_PERMANENT) << "::1 is neither deprecated nor tentative";
    } else if (a.ifa_family == AF_INET6 && ip.rfind("fe80::", 0) == 0) {
      ll6 = true;
      EXPECT_EQ(a.ifa_prefixlen, 64);
      EXPECT_EQ(a.ifa_scope, RT_SCOPE_LINK);
      EXPECT_EQ(a.ifa_index, 2u);
    }
  }
  EXPECT_TRUE(lo4 && eth4 && lo6 && ll6) << lo4 << eth4 << lo6 << ll6;
  for (auto& m : Dump(s, port, RTM_GETADDR, AF_INET)) EXPECT_EQ(m.body[0], AF_INET);
}

TEST_F(NetlinkTest, RouteDumpHasTheDefaultAndTheSubnet) {
  uint32_t port;
  uint64_t s = Open(&port);
  auto routes = Dump(s, port, RTM_GETROUTE, AF_INET);
  ASSERT_EQ(routes.size(), 2u);
  rtmsg def, net;
  memcpy(&def, routes[0].body.data(), sizeof def);
  memcpy(&net, routes[1].body.data(), sizeof net);
  EXPECT_EQ(def.rtm_dst_len, 0);
  EXPECT_EQ(def.rtm_table, RT_TABLE_MAIN);
  EXPECT_EQ(def.rtm_protocol, RTPROT_BOOT);
  EXPECT_EQ(def.rtm_scope, RT_SCOPE_UNIVERSE);
  EXPECT_EQ(def.rtm_type, RTN_UNICAST);
  EXPECT_EQ(routes[0].attrs.count(RTA_DST), 0u);
  EXPECT_EQ(Ip(routes[0].attrs[RTA_GATEWAY]), "10.0.2.2");
  EXPECT_EQ(As<uint32_t>(routes[0].attrs[RTA_OIF]), 2u);
  EXPECT_EQ(net.rtm_dst_len, 24);
  EXPECT_EQ(net.rtm_protocol, RTPROT_KERNEL);
  EXPECT_EQ(net.rtm_scope, RT_SCOPE_LINK);
  EXPECT_EQ(Ip(routes[1].attrs[RTA_DST]), "10.0.2.0");
  EXPECT_EQ(Ip(routes[1].attrs[RTA_PREFSRC]), "10.0.2.15");
  EXPECT_EQ(routes[1].attrs.count(RTA_GATEWAY), 0u);
  auto both = Dump(s, port, RTM_GETROUTE, AF_UNSPEC);
  bool link_local = false;
  for (auto& m : both) {
    if (m.body[0] == AF_INET6 && m.attrs.count(RTA_DST) && Ip(m.attrs[RTA_DST]) == "fe80::")
      link_local = true;
  }
  EXPECT_TRUE(link_local);
}

TEST_F(NetlinkTest, MalformedMessagesGetEinvalNeverACrash) {
  uint32_t port;
  uint64_t s = Open(&port);
  auto dump = Request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 5, {AF_UNSPEC, 0, 0, 0});
  auto bad = dump;
  uint32_t length = 8;  // shorter than the header
  memcpy(bad.data(), &length, 4);
  EXPECT_EQ(ErrorOf(s, bad), -EINVAL);
  length = static_cast<uint32_t>(dump.size() + 1);  // past the send
  memcpy(bad.data(), &length, 4);
  EXPECT_EQ(ErrorOf(s, bad), -EINVAL);
  length = 0xffffffffu;
  memcpy(bad.data(), &length, 4);
  EXPECT_EQ(ErrorOf(s, bad), -EINVAL);
  EXPECT_EQ(ErrorOf(s, {1, 2, 3}), -EINVAL);  // not even a header

  // An attribute whose length runs past the message.
  auto add = Request(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK, 6, Addr(24, 2),
                     {{IFA_LOCAL, V4("10.0.2.16")}});
  auto past = add;
  uint16_t alen = 200;
  memcpy(past.data() + NLMSG_HDRLEN + sizeof(ifaddrmsg), &alen, 2);
  EXPECT_EQ(ErrorOf(s, past), -EINVAL);
  alen = 2;  // shorter than its own header
  memcpy(past.data() + NLMSG_HDRLEN + sizeof(ifaddrmsg), &alen, 2);
  EXPECT_EQ(ErrorOf(s, past), -EINVAL);
  auto stray = add;  // two stray bytes after the last attribute
  stray.push_back(0);
  stray.push_back(0);
  uint32_t stray_length = static_cast<uint32_t>(stray.size());
  memcpy(stray.data(), &stray_length, 4);
  EXPECT_EQ(ErrorOf(s, stray), -EINVAL);
  auto short_body = Request(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK, 7, {AF_INET, 24});
  EXPECT_EQ(ErrorOf(s, short_body), -EINVAL);
  auto empty_dump = Request(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 8, {});
  EXPECT_EQ(ErrorOf(s, empty_dump), -EINVAL);
  EXPECT_EQ(ip4_addr_get_u32(netif_ip4_addr(&Eth().n)), PP_HTONL(0x0a00020f)) << "unchanged";

  // The error echoes the request's header; the rest of the send after a bad
  // length is dropped, the messages before it answered.
  auto two = dump;
  two.insert(two.end(), bad.begin(), bad.end());
  Send(s, two);
  auto all = Drain(s);
  ASSERT_GE(all.size(), 2u);
  EXPECT_EQ(all[all.size() - 2].header.nlmsg_type, NLMSG_DONE);
  EXPECT_EQ(all.back().header.nlmsg_type, NLMSG_ERROR);
  nlmsgerr e;
  memcpy(&e, all.back().body.data(), sizeof e);
  EXPECT_EQ(e.error, -EINVAL);
  EXPECT_EQ(e.msg.nlmsg_len, 0xffffffffu);
  EXPECT_EQ(e.msg.nlmsg_seq, 5u);
}

TEST_F(NetlinkTest, NewAddrAndDefaultRouteChangeTheStack) {
  uint32_t port;
  uint64_t s = Open(&port);
  const uint16_t create = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
  // ip addr add 10.0.2.16/24 dev eth0: one IPv4 address per netif, replaced.
  EXPECT_EQ(ErrorOf(s, Request(RTM_NEWADDR, create, 9, Addr(24, 2),
                               {{IFA_LOCAL, V4("10.0.2.16")}, {IFA_ADDRESS, V4("10.0.2.16")}})),
            0);
  EXPECT_EQ(ip4_addr_get_u32(netif_ip4_addr(&Eth().n)), PP_HTONL(0x0a000210));
  EXPECT_EQ(ip4_addr_get_u32(netif_ip4_gw(&Eth().n)), PP_HTONL(0x0a000202)) << "gateway kept";
  bool seen = false;
  for (auto& m : Dump(s, port, RTM_GETADDR, AF_INET))
    if (Ip(m.attrs[IFA_LOCAL]) == "10.0.2.16") seen = true;
  EXPECT_TRUE(seen);
  EXPECT_EQ(
      ErrorOf(s, Request(RTM_NEWADDR, create, 10, Addr(24, 2), {{IFA_LOCAL, V4("10.0.2.16")}})),
      -EEXIST);
  EXPECT_EQ(
      ErrorOf(s, Request(RTM_NEWADDR, create, 11, Addr(24, 9), {{IFA_LOCAL, V4("10.0.2.17")}})),
      -ENODEV);
  EXPECT_EQ(
      ErrorOf(s, Request(RTM_NEWADDR, create, 11, Addr(8, 1), {{IFA_LOCAL, V4("127.0.0.2")}})),
      -EOPNOTSUPP);

  // ip route del default; ip route add default via 10.0.2.2
  EXPECT_EQ(ErrorOf(s, Request(RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK, 12, Route())), 0);
  EXPECT_EQ(ip4_addr_get_u32(netif_ip4_gw(&Eth().n)), 0u);
  EXPECT_EQ(Dump(s, port, RTM_GETROUTE, AF_INET).size(), 1u) << "the subnet route only";
  EXPECT_EQ(ErrorOf(s, Request(RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK, 13, Route())), -ESRCH);
  EXPECT_EQ(
      ErrorOf(s, Request(RTM_NEWROUTE, create, 14, Route(), {{RTA_GATEWAY, V4("192.0.2.1")}})),
      -ENETUNREACH);
  EXPECT_EQ(ErrorOf(s, Request(RTM_NEWROUTE, create, 15, Route(24),
                               {{RTA_DST, V4("10.0.3.0")}, {RTA_GATEWAY, V4("10.0.2.2")}})),
            -EOPNOTSUPP);
  EXPECT_EQ(ErrorOf(s, Request(RTM_NEWROUTE, create, 16, Route(), {{RTA_GATEWAY, V4("10.0.2.2")}})),
            0);
  EXPECT_EQ(ip4_addr_get_u32(netif_ip4_gw(&Eth().n)), PP_HTONL(0x0a000202));
  EXPECT_EQ(ErrorOf(s, Request(RTM_NEWROUTE, create, 17, Route(), {{RTA_GATEWAY, V4("10.0.2.3")}})),
            -EEXIST);

  // ip addr del 10.0.2.16/24 dev eth0
  EXPECT_EQ(ErrorOf(s, Request(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, 18, Addr(24, 2),
                               {{IFA_LOCAL, V4("10.0.2.99")}})),
            -EADDRNOTAVAIL);
  EXPECT_EQ(ErrorOf(s, Request(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, 19, Addr(24, 2),
                               {{IFA_LOCAL, V4("10.0.2.16")}})),
            0);
  EXPECT_EQ(ip4_addr_get_u32(netif_ip4_addr(&Eth().n)), 0u);
}

// Linux's rtnetlink_rcv_msg: a sender without CAP_NET_ADMIN may ask
// (RTM_GET*) but not change (EPERM, the stack untouched).
TEST_F(NetlinkTest, ChangesNeedCapNetAdmin) {
  uint32_t port;
  uint64_t s = Open(&port);
  const uint16_t create = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
  const uint32_t before = ip4_addr_get_u32(netif_ip4_addr(&Eth().n));
  EXPECT_EQ(ErrorOf(s, Request(RTM_NEWADDR, create, 9, Addr(24, 2), {{IFA_LOCAL, V4("10.0.2.16")}}),
                    /*admin=*/false),
            -EPERM);
  EXPECT_EQ(ip4_addr_get_u32(netif_ip4_addr(&Eth().n)), before);
  EXPECT_EQ(ErrorOf(s, Request(RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK, 10, Route()),
                    /*admin=*/false),
            -EPERM);
  EXPECT_NE(ip4_addr_get_u32(netif_ip4_gw(&Eth().n)), 0u);
  ifinfomsg down{};
  down.ifi_index = 2;
  down.ifi_change = IFF_UP;
  EXPECT_EQ(ErrorOf(s, Request(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, 11, Bytes(down)),
                    /*admin=*/false),
            -EPERM);
  EXPECT_TRUE(netif_is_up(&Eth().n));
  // Asking needs nothing: a dump as the same unprivileged sender.
  Send(s, Request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 12, {AF_UNSPEC, 0, 0, 0}),
       /*admin=*/false);
  auto all = Drain(s);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back().header.nlmsg_type, NLMSG_DONE);
}

TEST_F(NetlinkTest, LinkUpAndDownAndUnknownTypes) {
  uint32_t port;
  uint64_t s = Open(&port);
  ifinfomsg down{};
  down.ifi_index = 2;
  down.ifi_change = IFF_UP;
  EXPECT_EQ(ErrorOf(s, Request(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 20, Bytes(down))), 0);
  EXPECT_FALSE(netif_is_up(&Eth().n));
  ifinfomsg up = down;
  up.ifi_flags = IFF_UP;
  EXPECT_EQ(ErrorOf(s, Request(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, 21, Bytes(up))), 0);
  EXPECT_TRUE(netif_is_up(&Eth().n));
  ifinfomsg lo_down{};
  lo_down.ifi_index = 1;
  lo_down.ifi_change = IFF_UP;
  EXPECT_EQ(ErrorOf(s, Request(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 22, Bytes(lo_down))),
            -EOPNOTSUPP);
  ifinfomsg create{};
  EXPECT_EQ(ErrorOf(s, Request(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE, 23,
                               Bytes(create), {{IFLA_IFNAME, {'d', 'u', 'm', '0', 0}}})),
            -EOPNOTSUPP);
  ifinfomsg by_name{};
  auto one = Request(RTM_GETLINK, NLM_F_REQUEST, 24, Bytes(by_name),
                     {{IFLA_IFNAME, {'e', 't', 'h', '0', 0}}});
  Send(s, one);
  auto got = Drain(s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].header.nlmsg_type, RTM_NEWLINK);
  EXPECT_EQ(Str(got[0].attrs[IFLA_IFNAME]), "eth0");
  EXPECT_EQ(ErrorOf(s, Request(RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, 25, {AF_UNSPEC, 0, 0, 0})),
            -EOPNOTSUPP);
  EXPECT_EQ(ErrorOf(s, Request(NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, 26, {})), 0);
  Send(s, Request(RTM_GETLINK, NLM_F_DUMP, 27, {0, 0, 0, 0}));  // not a request: ignored
  EXPECT_TRUE(Drain(s).empty());
}

TEST_F(NetlinkTest, SocketsBindsAndDatagramTruncation) {
  int error = 0;
  EXPECT_EQ(NewSocket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC, &error), 0u);
  EXPECT_EQ(error, -EPROTONOSUPPORT);
  EXPECT_EQ(NewSocket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE, &error), 0u);
  EXPECT_EQ(error, -ESOCKTNOSUPPORT);
  uint64_t a = NewSocket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
  uint64_t b = NewSocket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  EXPECT_EQ(Call(netproto::kBind, a, {}, Nl(4242)).result, 0);
  EXPECT_EQ(Call(netproto::kBind, b, {}, Nl(4242)).result, -EADDRINUSE);
  EXPECT_EQ(Call(netproto::kBind, b, {}, std::vector<uint8_t>(4, 0)).result, -EINVAL);
  EXPECT_EQ(Call(netproto::kSend, a, {}, Nl(99),
                 Request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 1, {0, 0, 0, 0}))
                .result,
            -EOPNOTSUPP);
  Send(a, Request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 2, {0, 0, 0, 0}));
  EXPECT_NE(readiness_[a] & netproto::kReadable, 0u);
  netproto::Delivery d;
  auto peek = Receive(a, &d, 16, MSG_PEEK);
  EXPECT_EQ(d.result, 16);
  EXPECT_GT(d.value, 16u);  // the datagram's full size, for MSG_TRUNC
  auto whole = Receive(a, &d);
  EXPECT_EQ(whole.size(), d.value);
  nlmsghdr h;
  memcpy(&h, whole.data(), sizeof h);
  EXPECT_EQ(h.nlmsg_pid, 4242u);
}

TEST_F(NetlinkTest, AnUnreadQueueOverrunsWithEnobufs) {
  uint32_t port;
  uint64_t s = Open(&port);
  auto dump = Request(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 1, {0, 0, 0, 0});
  for (int i = 0; i < 2000 && (readiness_[s] & netproto::kError) == 0; ++i)
    Call(netproto::kSend, s, {}, {}, dump);
  ASSERT_NE(readiness_[s] & netproto::kError, 0u);
  int result = 0;
  for (int i = 0; i < 5000 && result >= 0; ++i) {
    netproto::Delivery d;
    Receive(s, &d);
    result = d.result;
  }
  EXPECT_EQ(result, -ENOBUFS);
}

// Random requests (valid headers, random types, flags, bodies and
// attributes) against a live stack: every one is answered, nothing crashes
// (run under --config=asan too), and eth0 stays reachable by name.
TEST_F(NetlinkTest, RandomRequestsAreAnsweredAndNeverCrash) {
  uint32_t port;
  uint64_t s = Open(&port);
  uint32_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
  };
  const uint16_t types[] = {RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK,  RTM_SETLINK,  RTM_NEWADDR,
                            RTM_DELADDR, RTM_GETADDR, RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE,
                            NLMSG_NOOP,  NLMSG_ERROR, RTM_GETNEIGH};
  for (int round = 0; round < 3000; ++round) {
    std::vector<uint8_t> body(next() % 24);
    for (auto& b : body) b = static_cast<uint8_t>(next());
    if (!body.empty() && next() % 2 == 0) body[0] = next() % 2 ? AF_INET : AF_INET6;
    std::vector<std::pair<uint16_t, std::vector<uint8_t>>> attrs;
    for (uint32_t i = next() % 4; i > 0; --i) {
      std::vector<uint8_t> v(next() % 3 == 0 ? 4 : next() % 20);
      for (auto& b : v) b = static_cast<uint8_t>(next());
      attrs.push_back({static_cast<uint16_t>(next() % 20), v});
    }
    auto m = Request(types[next() % (sizeof types / sizeof types[0])],
                     static_cast<uint16_t>(NLM_F_REQUEST | (next() & 0x70f)), round, body, attrs);
    if (next() % 4 == 0 && m.size() > 16) {  // and sometimes a corrupted length
      m[16 + next() % (m.size() - 16)] ^= static_cast<uint8_t>(next());
      uint32_t length = next() % 3 == 0 ? next() : static_cast<uint32_t>(m.size());
      memcpy(m.data(), &length, 4);
    }
    Call(netproto::kSend, s, {}, {}, m);
    Drain(s);
    ResetEth();
  }
  auto links = Dump(s, port, RTM_GETLINK, AF_UNSPEC);
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(Str(links[1].attrs[IFLA_IFNAME]), "eth0");
}

}  // namespace
}  // namespace netserver::test
