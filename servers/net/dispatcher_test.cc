// The network server's socket layer through netproto, as the kernel drives
// it, over lwIP's loopback netif with a fake clock: TCP connect, accept, a
// 1 MiB transfer with every byte checked, end of stream, refused
// connections, UDP with source addresses, dual-stack listeners, and requests
// a broken kernel could send.
#include <errno.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "servers/net/dispatcher.h"
#include "servers/net/icmp_errors.h"
#include "servers/net/interfaces.h"
#include "servers/net/kernel_side_for_test.h"
#include "servers/net/lwip_port/port.h"

namespace netserver {
namespace {

uint64_t g_now_ns = 1'000'000'000;
uint64_t FakeClock() { return g_now_ns; }

std::vector<uint8_t> In4(uint32_t host_order_addr, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(host_order_addr);
  std::vector<uint8_t> v(sizeof a);
  memcpy(v.data(), &a, sizeof a);
  return v;
}

std::vector<uint8_t> In6(const in6_addr& addr, uint16_t port) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  a.sin6_addr = addr;
  std::vector<uint8_t> v(sizeof a);
  memcpy(v.data(), &a, sizeof a);
  return v;
}

class DispatcherTest : public ::testing::Test, public test::KernelSide {
 protected:
  static void SetUpTestSuite() {
    static bool initialised = false;
    if (initialised) return;
    initialised = true;
    lwip_port::SetClockSourceForTesting(FakeClock);
    lwip_init();
  }

  DispatcherTest() : KernelSide(3, 100) {}

  void TearDown() override {
    dispatcher_.CloseAll();
    for (int i = 0; i < 4 * 2 * 60 + 40 && (tcp_active_pcbs != nullptr || tcp_tw_pcbs != nullptr);
         ++i) {
      Pump(250);
    }
    EXPECT_EQ(tcp_active_pcbs, nullptr);
  }

  // One turn of the server's loop, then the batch it would deliver.
  void Pump(uint32_t step_ms = 1) {
    netif_poll_all();
    g_now_ns += uint64_t{step_ms} * 1'000'000;
    sys_check_timeouts();
    Collect();
  }

  uint64_t NewSocket(int family, int type) {
    uint64_t id = ++next_id_;
    auto d = Call(netproto::kSocket, id, {uint64_t(family), uint64_t(type), 0});
    EXPECT_EQ(d.result, 0);
    return id;
  }

  // Pumps until `id`'s readiness has all of `bits` (or gives up).
  bool WaitFor(uint64_t id, uint64_t bits, int turns = 2000) {
    for (int i = 0; i < turns; ++i) {
      if ((readiness_[id] & bits) == bits) return true;
      Pump();
    }
    return false;
  }

  // A connected pair over 127.0.0.1: {client, accepted}.
  std::pair<uint64_t, uint64_t> Connected(uint16_t port) {
    uint64_t listener = NewSocket(AF_INET, SOCK_STREAM);
    EXPECT_EQ(Call(netproto::kBind, listener, {}, In4(INADDR_LOOPBACK, port)).result, 0);
    EXPECT_EQ(Call(netproto::kListen, listener, {4}).result, 0);
    uint64_t client = NewSocket(AF_INET, SOCK_STREAM);
    EXPECT_EQ(Call(netproto::kConnect, client, {}, In4(INADDR_LOOPBACK, port)).result,
              -EINPROGRESS);
    EXPECT_TRUE(WaitFor(listener, netproto::kReadable));
    uint64_t accepted = ++next_id_;
    auto d = Call(netproto::kAccept, listener, {accepted});
    EXPECT_EQ(d.result, 0);
    EXPECT_EQ(d.address_length, sizeof(sockaddr_in));
    EXPECT_TRUE(WaitFor(client, netproto::kWritable));
    Close(listener);
    return {client, accepted};
  }
};

TEST_F(DispatcherTest, FreshTcpSocketIsWritableAndHungUpAsOnLinux) {
  uint64_t s = NewSocket(AF_INET, SOCK_STREAM);
  EXPECT_EQ(readiness_[s], netproto::kWritable | netproto::kHangup);
  EXPECT_EQ(Call(netproto::kReceive, s, {}, {}, {}, 16).result, -ENOTCONN);
  EXPECT_EQ(Call(netproto::kPeerName, s).result, -ENOTCONN);
  EXPECT_EQ(Call(netproto::kSend, s, {}, {}, {1, 2, 3}).result, -ENOTCONN);
}

TEST_F(DispatcherTest, TcpTransfersAMebibyteAndEndsWithEof) {
  auto [client, server] = Connected(5001);
  std::vector<uint8_t> sent(1 << 20), got;
  for (size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<uint8_t>(i * 7 + (i >> 11));
  size_t offset = 0;
  int turns = 0;
  while ((offset < sent.size() || got.size() < sent.size()) && turns++ < 100000) {
    if (offset < sent.size()) {
      size_t chunk = std::min<size_t>(netproto::kSlotSize, sent.size() - offset);
      auto d = Call(netproto::kSend, client, {}, {},
                    std::vector<uint8_t>(sent.begin() + offset, sent.begin() + offset + chunk));
      if (d.result > 0) {
        ASSERT_LE(static_cast<size_t>(d.result), chunk);
        offset += d.result;
      } else {
        ASSERT_EQ(d.result, -EAGAIN);
        EXPECT_EQ(readiness_[client] & netproto::kWritable, 0u)
            << "EAGAIN while the socket was reported writable";
      }
    }
    auto r = Call(netproto::kReceive, server, {}, {}, {}, netproto::kSlotSize);
    if (r.result > 0) {
      ASSERT_EQ(r.length, static_cast<uint32_t>(r.result));
      got.insert(got.end(), Slot(), Slot() + r.length);
    } else {
      ASSERT_EQ(r.result, -EAGAIN);
      EXPECT_EQ(readiness_[server] & netproto::kReadable, 0u);
    }
    Pump();
  }
  ASSERT_EQ(got.size(), sent.size());
  EXPECT_TRUE(got == sent);
  EXPECT_EQ(Call(netproto::kShutdown, client, {SHUT_WR}).result, 0);
  ASSERT_TRUE(WaitFor(server, netproto::kReadable | netproto::kReadClosed));
  EXPECT_EQ(Call(netproto::kReceive, server, {}, {}, {}, 100).result, 0);
  // The other direction still works after a half close.
  EXPECT_EQ(Call(netproto::kSend, server, {}, {}, {9, 8, 7}).result, 3);
  ASSERT_TRUE(WaitFor(client, netproto::kReadable));
  auto r = Call(netproto::kReceive, client, {}, {}, {}, 100);
  EXPECT_EQ(r.result, 3);
  EXPECT_EQ(Slot()[0], 9);
  EXPECT_EQ(Call(netproto::kSend, client, {}, {}, {1}).result, -EPIPE);
  Close(client);
  Close(server);
}

// More than 64 KiB waiting unread (a pbuf chain's length is 16 bits), then
// read with full-slot receives: every byte, in order.
TEST_F(DispatcherTest, AWindowfulWaitingUnreadReadsBackIntact) {
  auto [client, server] = Connected(5009);
  std::vector<uint8_t> sent;
  for (int round = 0; round < 400 && sent.size() < 120 * 1024; ++round) {
    std::vector<uint8_t> chunk(4096);
    for (size_t i = 0; i < chunk.size(); ++i)
      chunk[i] = static_cast<uint8_t>((sent.size() + i) * 13);
    auto d = Call(netproto::kSend, client, {}, {}, chunk);
    if (d.result > 0) sent.insert(sent.end(), chunk.begin(), chunk.begin() + d.result);
    Pump();
  }
  for (int i = 0; i < 50; ++i) Pump();
  auto queued = Call(netproto::kBytesQueued, server);
  EXPECT_GT(queued.value, 65535u);
  std::vector<uint8_t> got;
  for (int i = 0; i < 100 && got.size() < sent.size(); ++i) {
    auto r = Call(netproto::kReceive, server, {}, {}, {}, netproto::kSlotSize);
    if (r.result > 0) got.insert(got.end(), Slot(), Slot() + r.length);
    Pump();
  }
  ASSERT_EQ(got.size(), sent.size());
  EXPECT_TRUE(got == sent);
  Close(client);
  Close(server);
}

// listen(1) queues backlog + 1 = 2 finished connections, as Linux; a third
// is reset while those wait (half-open ones count against lwIP's larger
// limit only).
TEST_F(DispatcherTest, AcceptQueueHoldsBacklogPlusOne) {
  uint64_t l = NewSocket(AF_INET, SOCK_STREAM);
  ASSERT_EQ(Call(netproto::kBind, l, {}, In4(INADDR_LOOPBACK, 5010)).result, 0);
  ASSERT_EQ(Call(netproto::kListen, l, {1}).result, 0);
  uint64_t c[3];
  for (uint64_t& id : c) {
    id = NewSocket(AF_INET, SOCK_STREAM);
    ASSERT_EQ(Call(netproto::kConnect, id, {}, In4(INADDR_LOOPBACK, 5010)).result, -EINPROGRESS);
    for (int i = 0; i < 20; ++i) Pump();
  }
  EXPECT_TRUE(WaitFor(c[2], netproto::kError));
  EXPECT_EQ(readiness_[c[0]] & netproto::kError, 0u);
  EXPECT_EQ(readiness_[c[1]] & netproto::kError, 0u);
  uint64_t a1 = ++next_id_, a2 = ++next_id_, a3 = ++next_id_;
  EXPECT_EQ(Call(netproto::kAccept, l, {a1}).result, 0);
  EXPECT_EQ(Call(netproto::kAccept, l, {a2}).result, 0);
  EXPECT_EQ(Call(netproto::kAccept, l, {a3}).result, -EAGAIN);
  for (uint64_t id : {a1, a2, c[0], c[1], c[2], l}) Close(id);
}

TEST_F(DispatcherTest, ConnectToAClosedPortIsRefused) {
  uint64_t s = NewSocket(AF_INET, SOCK_STREAM);
  EXPECT_EQ(Call(netproto::kConnect, s, {}, In4(INADDR_LOOPBACK, 5999)).result, -EINPROGRESS);
  ASSERT_TRUE(WaitFor(s, netproto::kError));
  int error = 0;
  auto d = Call(netproto::kGetOption, s, {SOL_SOCKET, SO_ERROR}, {}, {}, sizeof error);
  ASSERT_EQ(d.result, 0);
  memcpy(&error, Slot(), sizeof error);
  EXPECT_EQ(error, ECONNREFUSED);
}

TEST_F(DispatcherTest, PeerCloseWithUnreadDataResets) {
  auto [client, server] = Connected(5002);
  EXPECT_EQ(Call(netproto::kSend, client, {}, {}, {1, 2, 3, 4}).result, 4);
  ASSERT_TRUE(WaitFor(server, netproto::kReadable));
  Close(server);  // unread data: RST, as Linux
  ASSERT_TRUE(WaitFor(client, netproto::kError));
  EXPECT_EQ(Call(netproto::kReceive, client, {}, {}, {}, 16).result, -ECONNRESET);
  EXPECT_EQ(Call(netproto::kSend, client, {}, {}, {1}).result, -EPIPE);
  Close(client);
}

TEST_F(DispatcherTest, BindConflictsAndForeignAddresses) {
  uint64_t a = NewSocket(AF_INET, SOCK_STREAM);
  uint64_t b = NewSocket(AF_INET, SOCK_STREAM);
  EXPECT_EQ(Call(netproto::kBind, a, {}, In4(INADDR_LOOPBACK, 5003)).result, 0);
  EXPECT_EQ(Call(netproto::kBind, b, {}, In4(INADDR_LOOPBACK, 5003)).result, -EADDRINUSE);
  EXPECT_EQ(Call(netproto::kBind, b, {}, In4(0x0a0a0a0a, 5004)).result, -EADDRNOTAVAIL);
  EXPECT_EQ(Call(netproto::kBind, a, {}, In4(INADDR_LOOPBACK, 5005)).result, -EINVAL);
  std::vector<uint8_t> short_address = In4(INADDR_LOOPBACK, 5006);
  short_address.resize(8);
  EXPECT_EQ(Call(netproto::kBind, b, {}, short_address).result, -EINVAL);
  auto named = Call(netproto::kLocalName, a);
  ASSERT_EQ(named.address_length, sizeof(sockaddr_in));
  sockaddr_in sa;
  memcpy(&sa, named.address, sizeof sa);
  EXPECT_EQ(ntohs(sa.sin_port), 5003);
  EXPECT_EQ(ntohl(sa.sin_addr.s_addr), INADDR_LOOPBACK);
}

TEST_F(DispatcherTest, DualStackListenerReportsIpv4PeersAsMapped) {
  uint64_t listener = NewSocket(AF_INET6, SOCK_STREAM);
  EXPECT_EQ(Call(netproto::kBind, listener, {}, In6(in6addr_any, 5007)).result, 0);
  EXPECT_EQ(Call(netproto::kListen, listener, {4}).result, 0);
  uint64_t client = NewSocket(AF_INET, SOCK_STREAM);
  EXPECT_EQ(Call(netproto::kConnect, client, {}, In4(INADDR_LOOPBACK, 5007)).result, -EINPROGRESS);
  ASSERT_TRUE(WaitFor(listener, netproto::kReadable));
  uint64_t accepted = ++next_id_;
  auto d = Call(netproto::kAccept, listener, {accepted});
  ASSERT_EQ(d.result, 0);
  ASSERT_EQ(d.address_length, sizeof(sockaddr_in6));
  sockaddr_in6 peer;
  memcpy(&peer, d.address, sizeof peer);
  EXPECT_TRUE(IN6_IS_ADDR_V4MAPPED(&peer.sin6_addr));
  EXPECT_EQ(peer.sin6_addr.s6_addr[15], 1);
  uint64_t client6 = NewSocket(AF_INET6, SOCK_STREAM);
  EXPECT_EQ(Call(netproto::kConnect, client6, {}, In6(in6addr_loopback, 5007)).result,
            -EINPROGRESS);
  ASSERT_TRUE(WaitFor(listener, netproto::kReadable));
  uint64_t accepted6 = ++next_id_;
  d = Call(netproto::kAccept, listener, {accepted6});
  ASSERT_EQ(d.result, 0);
  memcpy(&peer, d.address, sizeof peer);
  EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&peer.sin6_addr));
  for (uint64_t s : {client, accepted, client6, accepted6, listener}) Close(s);
}

TEST_F(DispatcherTest, UdpDatagramsKeepBoundariesAndSources) {
  uint64_t rx = NewSocket(AF_INET, SOCK_DGRAM);
  uint64_t tx = NewSocket(AF_INET, SOCK_DGRAM);
  EXPECT_EQ(readiness_[tx], netproto::kWritable);
  EXPECT_EQ(Call(netproto::kBind, rx, {}, In4(INADDR_LOOPBACK, 5008)).result, 0);
  EXPECT_EQ(Call(netproto::kSend, tx, {}, {}, {1, 2, 3}).result, -EDESTADDRREQ);
  EXPECT_EQ(Call(netproto::kSend, tx, {}, In4(INADDR_LOOPBACK, 5008), std::vector<uint8_t>(100, 5))
                .result,
            100);
  EXPECT_EQ(Call(netproto::kSend, tx, {}, In4(INADDR_LOOPBACK, 5008), {7, 7}).result, 2);
  ASSERT_TRUE(WaitFor(rx, netproto::kReadable));
  auto d = Call(netproto::kReceive, rx, {}, {}, {}, 10);  // truncated
  EXPECT_EQ(d.result, 10);
  EXPECT_EQ(d.value, 100u);
  sockaddr_in from;
  ASSERT_EQ(d.address_length, sizeof from);
  memcpy(&from, d.address, sizeof from);
  EXPECT_EQ(ntohl(from.sin_addr.s_addr), INADDR_LOOPBACK);
  auto sender = Call(netproto::kLocalName, tx);
  sockaddr_in tx_name;
  memcpy(&tx_name, sender.address, sizeof tx_name);
  EXPECT_EQ(from.sin_port, tx_name.sin_port);
  d = Call(netproto::kReceive, rx, {}, {}, {}, 10, MSG_PEEK);
  EXPECT_EQ(d.result, 2);
  d = Call(netproto::kReceive, rx, {}, {}, {}, 10);
  EXPECT_EQ(d.result, 2);
  EXPECT_EQ(Call(netproto::kReceive, rx, {}, {}, {}, 10).result, -EAGAIN);
  EXPECT_EQ(readiness_[rx] & netproto::kReadable, 0u);
  Close(rx);
  Close(tx);
}

// A raw ICMP socket sees the echo request it sent to 127.0.0.1 and the
// reply lwIP made, each with its IPv4 header, as ping expects.
TEST_F(DispatcherTest, RawIcmpSocketSeesEchoAndReplyWithHeaders) {
  uint64_t raw = ++next_id_;
  ASSERT_EQ(Call(netproto::kSocket, raw, {AF_INET, SOCK_RAW, IPPROTO_ICMP}).result, 0);
  // An echo request: type 8, code 0, checksum, id 0x1234, sequence 1.
  std::vector<uint8_t> echo = {8, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g'};
  uint32_t sum = 0;
  for (size_t i = 0; i < echo.size(); i += 2) sum += (echo[i] << 8) | echo[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  echo[2] = static_cast<uint8_t>(~sum >> 8);
  echo[3] = static_cast<uint8_t>(~sum);
  EXPECT_EQ(Call(netproto::kSend, raw, {}, In4(INADDR_LOOPBACK, 0), echo).result,
            static_cast<int>(echo.size()));
  bool saw_reply = false;
  for (int i = 0; i < 10 && !saw_reply; ++i) {
    Pump();
    auto d = Call(netproto::kReceive, raw, {}, {}, {}, 200);
    if (d.result <= 0) continue;
    ASSERT_GE(d.result, 20 + 12);
    EXPECT_EQ(Slot()[0] >> 4, 4);  // the IPv4 header comes first
    int header = (Slot()[0] & 0xf) * 4;
    if (Slot()[header] == 0 /* echo reply */) {
      saw_reply = true;
      EXPECT_EQ(Slot()[header + 4], 0x12);
      EXPECT_EQ(memcmp(Slot() + header + 8, "ping", 4), 0);
    }
  }
  EXPECT_TRUE(saw_reply);
  Close(raw);
}

TEST_F(DispatcherTest, UdpBindsToADevice) {
  uint64_t s = NewSocket(AF_INET, SOCK_DGRAM);
  std::vector<uint8_t> lo = {'l', 'o', 0};
  EXPECT_EQ(Call(netproto::kSetOption, s, {SOL_SOCKET, SO_BINDTODEVICE}, {}, lo).result, 0);
  auto d = Call(netproto::kGetOption, s, {SOL_SOCKET, SO_BINDTODEVICE}, {}, {}, 16);
  ASSERT_EQ(d.result, 0);
  EXPECT_EQ(d.length, 3u);
  EXPECT_STREQ(reinterpret_cast<const char*>(Slot()), "lo");
  std::vector<uint8_t> none = {'e', 't', 'h', '7', 0};
  EXPECT_EQ(Call(netproto::kSetOption, s, {SOL_SOCKET, SO_BINDTODEVICE}, {}, none).result, -ENODEV);
  // Connected to 127.0.0.1 from the wildcard: getsockname names 127.0.0.1.
  EXPECT_EQ(Call(netproto::kConnect, s, {}, In4(INADDR_LOOPBACK, 9)).result, 0);
  auto name = Call(netproto::kLocalName, s);
  sockaddr_in a;
  memcpy(&a, name.address, sizeof a);
  EXPECT_EQ(ntohl(a.sin_addr.s_addr), INADDR_LOOPBACK);
  EXPECT_NE(a.sin_port, 0);
  Close(s);
}

TEST_F(DispatcherTest, InterfaceIoctlsSeeTheLoopback) {
  uint64_t s = NewSocket(AF_INET, SOCK_DGRAM);
  auto conf = Call(netproto::kIoctl, s, {0x8912 /* SIOCGIFCONF */}, {}, {}, 400);
  ASSERT_EQ(conf.result, 0);
  ASSERT_EQ(conf.length, netproto::kIfreqSize);  // lo only: no NIC here
  EXPECT_STREQ(reinterpret_cast<const char*>(Slot()), "lo");
  sockaddr_in a;
  memcpy(&a, Slot() + 16, sizeof a);
  EXPECT_EQ(ntohl(a.sin_addr.s_addr), INADDR_LOOPBACK);
  std::vector<uint8_t> req(netproto::kIfreqSize, 0);
  memcpy(req.data(), "lo", 3);
  auto flags = Call(netproto::kIoctl, s, {0x8913 /* SIOCGIFFLAGS */}, {}, req);
  ASSERT_EQ(flags.result, 0);
  uint16_t f;
  memcpy(&f, Slot() + 16, 2);
  EXPECT_EQ(f & 0x9, 0x9);  // IFF_UP | IFF_LOOPBACK
  memcpy(req.data(), "eth7", 5);
  EXPECT_EQ(Call(netproto::kIoctl, s, {0x8913}, {}, req).result, -ENODEV);
  memcpy(req.data(), "lo\0\0", 5);
  EXPECT_EQ(Call(netproto::kIoctl, s, {0x89ff}, {}, req).result, -ENOTTY);
  Close(s);
}

TEST_F(DispatcherTest, ProcNetTcpListsAListener) {
  uint64_t l = NewSocket(AF_INET, SOCK_STREAM);
  ASSERT_EQ(Call(netproto::kBind, l, {}, In4(INADDR_LOOPBACK, 0x1F90)).result, 0);
  ASSERT_EQ(Call(netproto::kListen, l, {8}).result, 0);
  auto d = Call(netproto::kProcNet, 0, {netproto::kProcNetTcp}, {}, {}, 4096);
  ASSERT_EQ(d.result, 0);
  std::string text(reinterpret_cast<const char*>(Slot()), d.length);
  EXPECT_NE(text.find("local_address rem_address"), std::string::npos) << text;
  EXPECT_NE(text.find("0100007F:1F90 00000000:0000 0A"), std::string::npos) << text;
  d = Call(netproto::kProcNet, 0, {netproto::kProcNetDev}, {}, {}, 4096);
  text.assign(reinterpret_cast<const char*>(Slot()), d.length);
  EXPECT_NE(text.find("    lo:"), std::string::npos) << text;
  EXPECT_EQ(Call(netproto::kProcNet, 0, {999}, {}, {}, 4096).result, -EINVAL);
  EXPECT_EQ(Call(netproto::kProcNet, 0, {netproto::kProcNetFileCount}, {}, {}, 4096).result,
            -EINVAL);
  Close(l);
}

// Tessera's /proc/net/frameproto: a line per interface the source knows, with
// frames per notification in tenths; interfaces without a driver are left out.
TEST_F(DispatcherTest, ProcNetFrameprotoShowsTheDriversFigures) {
  auto d = Call(netproto::kProcNet, 0, {netproto::kProcNetFrameproto}, {}, {}, 4096);
  std::string text(reinterpret_cast<const char*>(Slot()), d.length);
  EXPECT_EQ(text.find("Iface      tx_frames   tx_wakeups tx_per_wakeup"), 0u) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;  // no source: the header
  SetLinkFiguresSource([](const struct netif* n, LinkFigures* out) {
    if (!IsLoopbackInterface(n)) return false;  // this fixture's only netif stands in for a NIC
    out->driver.tx_frames = 250;
    out->driver.tx_wakeups = 20;
    out->driver.rx_frames = 7;
    out->driver.rx_signals = 0;
    out->driver.interrupts = 9;
    out->tx_signals = 21;
    return true;
  });
  d = Call(netproto::kProcNet, 0, {netproto::kProcNetFrameproto}, {}, {}, 4096);
  SetLinkFiguresSource(nullptr);
  text.assign(reinterpret_cast<const char*>(Slot()), d.length);
  EXPECT_NE(text.find("\n   lo:          250           20          12.5            7            0"
                      "           0.0            9 "),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("           21            0\n"), std::string::npos) << text;
}

TEST_F(DispatcherTest, ConnectedUdpHearsPortUnreachable) {
  static bool watching = WatchIcmpErrors(&dispatcher_.sockets());
  ASSERT_TRUE(watching);
  uint64_t s = NewSocket(AF_INET, SOCK_DGRAM);
  ASSERT_EQ(Call(netproto::kConnect, s, {}, In4(INADDR_LOOPBACK, 5999)).result, 0);
  EXPECT_EQ(Call(netproto::kSend, s, {}, {}, {1, 2, 3}).result, 3);
  ASSERT_TRUE(WaitFor(s, netproto::kError | netproto::kReadable));
  EXPECT_EQ(Call(netproto::kReceive, s, {}, {}, {}, 16).result, -ECONNREFUSED);
  EXPECT_EQ(Call(netproto::kReceive, s, {}, {}, {}, 16).result, -EAGAIN);
  Close(s);
}

TEST_F(DispatcherTest, MalformedRequestsGetEinval) {
  uint64_t s = NewSocket(AF_INET, SOCK_STREAM);
  netproto::Request r{};
  r.magic = netproto::kMagic;
  r.op = netproto::kReceive;
  r.socket = s;
  r.slot = netproto::kSlotCount;  // past the area
  r.length = 10;
  dispatcher_.Handle(reinterpret_cast<const uint8_t*>(&r), sizeof r, 77);
  r.slot = 0;
  r.length = netproto::kSlotSize + 1;
  dispatcher_.Handle(reinterpret_cast<const uint8_t*>(&r), sizeof r, 78);
  r.length = 1;
  r.magic = 0;
  dispatcher_.Handle(reinterpret_cast<const uint8_t*>(&r), sizeof r, 79);
  r.magic = netproto::kMagic;
  r.op = 999;
  dispatcher_.Handle(reinterpret_cast<const uint8_t*>(&r), sizeof r, 80);
  dispatcher_.Handle(reinterpret_cast<const uint8_t*>(&r), sizeof r - 1, 81);
  r.op = netproto::kSocket;
  r.arg[0] = AF_INET;
  r.arg[1] = SOCK_STREAM;
  dispatcher_.Handle(reinterpret_cast<const uint8_t*>(&r), sizeof r, 82);  // id in use
  Collect();
  for (uint32_t txid = 77; txid <= 82; ++txid) {
    ASSERT_EQ(replies_.count(txid), 1u) << txid;
    EXPECT_EQ(replies_[txid].result, -EINVAL) << txid;
  }
  EXPECT_EQ(Call(netproto::kSocket, ++next_id_, {AF_INET, SOCK_RAW, IPPROTO_TCP}).result,
            -EPROTONOSUPPORT);
  EXPECT_EQ(Call(netproto::kSocket, ++next_id_, {AF_INET, SOCK_SEQPACKET, 0}).result,
            -ESOCKTNOSUPPORT);
  EXPECT_EQ(Call(netproto::kSocket, ++next_id_, {AF_INET, SOCK_STREAM, IPPROTO_UDP}).result,
            -EPROTONOSUPPORT);
  Close(s);
}

}  // namespace
}  // namespace netserver
