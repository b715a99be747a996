// Packet sockets through netproto over the fake Ethernet link: frames
// injected as main.cc injects the NIC's come back with the sockaddr_ll
// Linux gives (checked with the host's <linux/if_packet.h>), SOCK_DGRAM
// sends get their Ethernet header, the outgoing tap, classic BPF filters.
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include "servers/net/link_test_harness.h"

namespace netserver::test {
namespace {

const uint8_t kPeer[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};

std::vector<uint8_t> Frame(const uint8_t* dst, const uint8_t* src, uint16_t type,
                           std::vector<uint8_t> payload) {
  std::vector<uint8_t> f(dst, dst + 6);
  f.insert(f.end(), src, src + 6);
  f.push_back(static_cast<uint8_t>(type >> 8));
  f.push_back(static_cast<uint8_t>(type));
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

std::vector<uint8_t> Ll(int ifindex, uint16_t protocol, const uint8_t* addr = nullptr) {
  sockaddr_ll a{};
  a.sll_family = AF_PACKET;
  a.sll_protocol = htons(protocol);
  a.sll_ifindex = ifindex;
  if (addr != nullptr) {
    a.sll_halen = 6;
    memcpy(a.sll_addr, addr, 6);
  }
  std::vector<uint8_t> v(sizeof a);
  memcpy(v.data(), &a, sizeof a);
  return v;
}

class PacketTest : public LinkHarness {
 protected:
  uint64_t Open(int type, uint16_t protocol, int ifindex = 2) {
    uint64_t s = NewSocket(AF_PACKET, type, htons(protocol));
    if (ifindex != 0) {
      EXPECT_EQ(Call(netproto::kBind, s, {}, Ll(ifindex, protocol)).result, 0);
    }
    return s;
  }
  void Inject(const std::vector<uint8_t>& frame) {
    LinkFrameIn(&Eth().n, frame.data(), frame.size());
    Collect();
  }
  sockaddr_ll From(const netproto::Delivery& d) {
    EXPECT_EQ(d.address_length, sizeof(sockaddr_ll));
    sockaddr_ll a;
    memcpy(&a, d.address, sizeof a);
    return a;
  }
};

const uint8_t kBroadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

TEST_F(PacketTest, AnInjectedArpFrameArrivesWithItsSockaddrLl) {
  uint64_t arp = Open(SOCK_DGRAM, ETH_P_ARP);
  uint64_t all = Open(SOCK_RAW, ETH_P_ALL, 0);
  std::vector<uint8_t> body = {0, 1, 8, 0, 6, 4, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8};
  auto frame = Frame(kBroadcast, kPeer, ETH_P_ARP, body);
  Inject(frame);
  Inject(Frame(kMac, kPeer, ETH_P_IP, {0x45, 0, 0, 20}));
  EXPECT_NE(readiness_[arp] & netproto::kReadable, 0u);
  netproto::Delivery d;
  auto got = Receive(arp, &d);
  EXPECT_EQ(got, body) << "SOCK_DGRAM: the payload only";
  sockaddr_ll from = From(d);
  EXPECT_EQ(from.sll_family, AF_PACKET);
  EXPECT_EQ(from.sll_protocol, htons(ETH_P_ARP));
  EXPECT_EQ(from.sll_ifindex, 2);
  EXPECT_EQ(from.sll_hatype, 1);  // ARPHRD_ETHER
  EXPECT_EQ(from.sll_pkttype, PACKET_BROADCAST);
  EXPECT_EQ(from.sll_halen, 6);
  EXPECT_EQ(memcmp(from.sll_addr, kPeer, 6), 0);
  EXPECT_EQ(Receive(arp, &d).size(), 0u);
  EXPECT_EQ(d.result, -EAGAIN) << "the IPv4 frame is not ETH_P_ARP";

  EXPECT_EQ(Receive(all, &d), frame) << "SOCK_RAW: the whole frame";
  got = Receive(all, &d);
  EXPECT_EQ(got.size(), 18u);
  EXPECT_EQ(From(d).sll_pkttype, PACKET_HOST);
  EXPECT_EQ(From(d).sll_protocol, htons(ETH_P_IP));
  const uint8_t other[6] = {0x02, 0, 0, 0, 0, 9};
  const uint8_t group[6] = {0x01, 0, 0x5e, 0, 0, 1};
  Inject(Frame(other, kPeer, ETH_P_IP, {1}));
  Inject(Frame(group, kPeer, ETH_P_IP, {1}));
  Receive(all, &d);
  EXPECT_EQ(From(d).sll_pkttype, PACKET_OTHERHOST);
  Receive(all, &d);
  EXPECT_EQ(From(d).sll_pkttype, PACKET_MULTICAST);
  Inject({1, 2, 3});  // a runt: nobody sees it
  EXPECT_EQ(Receive(all, &d).size(), 0u);

  tpacket_stats st{};
  auto opt = Call(netproto::kGetOption, all, {SOL_PACKET, PACKET_STATISTICS}, {}, {}, sizeof st);
  ASSERT_EQ(opt.result, 0);
  memcpy(&st, Slot(), sizeof st);
  EXPECT_EQ(st.tp_packets, 4u);
  EXPECT_EQ(st.tp_drops, 0u);
}

TEST_F(PacketTest, SendsGoThroughTheLinkAndTheOutgoingTap) {
  uint64_t arp = Open(SOCK_DGRAM, ETH_P_ARP);
  uint64_t raw = Open(SOCK_RAW, ETH_P_ALL);
  uint64_t watcher = Open(SOCK_RAW, ETH_P_ALL, 0);
  auto name = Call(netproto::kLocalName, arp);
  EXPECT_EQ(name.address_length, 18u);  // offsetof(sll_addr) + halen, as Linux
  sockaddr_ll me;
  memcpy(&me, name.address, sizeof me);
  EXPECT_EQ(me.sll_hatype, 1);
  EXPECT_EQ(me.sll_halen, 6);
  EXPECT_EQ(memcmp(me.sll_addr, kMac, 6), 0);
  EXPECT_EQ(me.sll_protocol, htons(ETH_P_ARP));

  std::vector<uint8_t> request(28, 7);
  auto d = Call(netproto::kSend, arp, {}, Ll(2, ETH_P_ARP, kBroadcast), request);
  EXPECT_EQ(d.result, 28);
  ASSERT_EQ(Eth().sent.size(), 1u);
  EXPECT_EQ(Eth().sent[0], Frame(kBroadcast, kMac, ETH_P_ARP, request));
  netproto::Delivery got;
  EXPECT_EQ(Receive(watcher, &got), Eth().sent[0]);
  EXPECT_EQ(From(got).sll_pkttype, PACKET_OUTGOING);
  EXPECT_EQ(memcmp(From(got).sll_addr, kMac, 6), 0);
  EXPECT_EQ(Receive(raw, &got), Eth().sent[0]) << "every ETH_P_ALL socket but the sender";

  auto frame = Frame(kPeer, kMac, 0x88b5, {1, 2, 3, 4});
  EXPECT_EQ(Call(netproto::kSend, raw, {}, {}, frame).result, static_cast<int>(frame.size()));
  ASSERT_EQ(Eth().sent.size(), 2u);
  EXPECT_EQ(Eth().sent[1], frame);
  Receive(raw, &got);
  EXPECT_EQ(got.result, -EAGAIN) << "a socket does not see its own frames";
  EXPECT_EQ(Receive(watcher, &got), frame);

  EXPECT_EQ(Call(netproto::kSend, raw, {}, {}, {1, 2, 3}).result, -EINVAL);
  EXPECT_EQ(Call(netproto::kSend, raw, {}, {}, std::vector<uint8_t>(1515)).result, -EMSGSIZE);
  EXPECT_EQ(Call(netproto::kSend, arp, {}, {}, request).result, -EDESTADDRREQ);
  EXPECT_EQ(Call(netproto::kSend, watcher, {}, {}, frame).result, -ENXIO) << "unbound";
  EXPECT_EQ(Call(netproto::kSend, arp, {}, Ll(1, ETH_P_ARP, kBroadcast), request).result,
            -EOPNOTSUPP)
      << "lo";

  // lwIP's own frames are tapped too: an ARP request for a new neighbour.
  Eth().sent.clear();
  uint64_t udp = NewSocket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  to.sin_addr.s_addr = htonl(0x0a000203);
  std::vector<uint8_t> address(sizeof to);
  memcpy(address.data(), &to, sizeof to);
  EXPECT_EQ(Call(netproto::kSend, udp, {}, address, {1}).result, 1);
  ASSERT_FALSE(Eth().sent.empty());
  auto tapped = Receive(watcher, &got);
  ASSERT_GE(tapped.size(), 14u);
  EXPECT_EQ(tapped[12] << 8 | tapped[13], ETH_P_ARP);
}

TEST_F(PacketTest, ClassicBpfFiltersWhatIsQueued) {
  uint64_t s = Open(SOCK_DGRAM, ETH_P_IP);
  // IPv4 UDP to port 68, whole packet; all else dropped (offsets from the
  // IP header: SOCK_DGRAM data).
  sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 4),
      BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
      BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 68, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, 0xffff),
      BPF_STMT(BPF_RET | BPF_K, 0),
  };
  std::vector<uint8_t> value(16 + sizeof code, 0);
  uint16_t count = sizeof code / sizeof code[0];
  memcpy(value.data(), &count, 2);
  memcpy(value.data() + 16, code, sizeof code);
  ASSERT_EQ(Call(netproto::kSetOption, s, {SOL_SOCKET, SO_ATTACH_FILTER}, {}, value).result, 0);
  std::vector<uint8_t> ip(28, 0);
  ip[0] = 0x45;
  ip[9] = IPPROTO_UDP;
  ip[22] = 0;
  ip[23] = 68;
  Inject(Frame(kBroadcast, kPeer, ETH_P_IP, ip));
  ip[23] = 67;
  Inject(Frame(kBroadcast, kPeer, ETH_P_IP, ip));
  ip[9] = IPPROTO_TCP;
  Inject(Frame(kBroadcast, kPeer, ETH_P_IP, ip));
  netproto::Delivery d;
  auto got = Receive(s, &d);
  ASSERT_EQ(got.size(), 28u);
  EXPECT_EQ(got[23], 68);
  Receive(s, &d);
  EXPECT_EQ(d.result, -EAGAIN);

  sock_filter escape[] = {BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 5, 0),
                          BPF_STMT(BPF_RET | BPF_K, 0)};
  std::vector<uint8_t> bad(16 + sizeof escape, 0);
  count = 2;
  memcpy(bad.data(), &count, 2);
  memcpy(bad.data() + 16, escape, sizeof escape);
  EXPECT_EQ(Call(netproto::kSetOption, s, {SOL_SOCKET, SO_ATTACH_FILTER}, {}, bad).result, -EINVAL);
  bad.resize(20);  // a count that does not match the instructions
  EXPECT_EQ(Call(netproto::kSetOption, s, {SOL_SOCKET, SO_ATTACH_FILTER}, {}, bad).result, -EINVAL);
  EXPECT_EQ(Call(netproto::kSetOption, s, {SOL_SOCKET, SO_DETACH_FILTER}, {}, {0, 0, 0, 0}).result,
            0);
  EXPECT_EQ(Call(netproto::kSetOption, s, {SOL_SOCKET, SO_DETACH_FILTER}, {}, {0, 0, 0, 0}).result,
            -ENOENT);
  // Today's kernel forwards only the sock_fprog (a pointer): accepted, and
  // frames come unfiltered.
  std::vector<uint8_t> by_pointer(16, 0);
  by_pointer[0] = 7;
  by_pointer[8] = 0x10;
  EXPECT_EQ(Call(netproto::kSetOption, s, {SOL_SOCKET, SO_ATTACH_FILTER}, {}, by_pointer).result,
            0);
  Inject(Frame(kBroadcast, kPeer, ETH_P_IP, ip));
  EXPECT_EQ(Receive(s, &d).size(), 28u);
}

TEST_F(PacketTest, OptionsTypesAndBinds) {
  int error = 0;
  EXPECT_EQ(NewSocket(AF_PACKET, 10 /* SOCK_PACKET */, htons(ETH_P_ALL), &error), 0u);
  EXPECT_EQ(error, -ESOCKTNOSUPPORT);
  uint64_t s = NewSocket(AF_PACKET, SOCK_DGRAM, 0);
  Inject(Frame(kBroadcast, kPeer, ETH_P_ARP, {1, 2}));
  netproto::Delivery d;
  Receive(s, &d);
  EXPECT_EQ(d.result, -EAGAIN) << "protocol 0: nothing until bound with one";
  EXPECT_EQ(Call(netproto::kBind, s, {}, Ll(1, ETH_P_ARP)).result, -EOPNOTSUPP);
  EXPECT_EQ(Call(netproto::kBind, s, {}, Ll(9, ETH_P_ARP)).result, -ENODEV);
  EXPECT_EQ(Call(netproto::kBind, s, {}, std::vector<uint8_t>(12, 0)).result, -EINVAL);
  int one = 1;
  std::vector<uint8_t> v(sizeof one);
  memcpy(v.data(), &one, sizeof one);
  EXPECT_EQ(Call(netproto::kSetOption, s, {SOL_PACKET, PACKET_AUXDATA}, {}, v).result, 0);
  packet_mreq m{};
  m.mr_ifindex = 2;
  m.mr_type = PACKET_MR_PROMISC;
  std::vector<uint8_t> mv(sizeof m);
  memcpy(mv.data(), &m, sizeof m);
  EXPECT_EQ(Call(netproto::kSetOption, s, {SOL_PACKET, PACKET_ADD_MEMBERSHIP}, {}, mv).result, 0);
  m.mr_ifindex = 42;
  memcpy(mv.data(), &m, sizeof m);
  EXPECT_EQ(Call(netproto::kSetOption, s, {SOL_PACKET, PACKET_ADD_MEMBERSHIP}, {}, mv).result,
            -ENODEV);
  EXPECT_EQ(Call(netproto::kSetOption, s, {SOL_PACKET, PACKET_RX_RING}, {}, mv).result,
            -ENOPROTOOPT);
  EXPECT_EQ(Call(netproto::kPeerName, s).result, -EOPNOTSUPP);
}

}  // namespace
}  // namespace netserver::test
