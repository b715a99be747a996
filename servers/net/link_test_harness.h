#pragma once

// Host harness for the server's netlink and packet sockets: lwIP with a fake
// clock, a fake Ethernet netif that plays main.cc's NIC glue ("eth0",
// 52:54:00:12:34:56, 10.0.2.15/24 via 10.0.2.2, index 2 after lo; the
// frames it sends are kept and go through the outgoing tap), and a
// Dispatcher driven through netproto as the kernel drives it.

#include <errno.h>
#include <gtest/gtest.h>
#include <string.h>

#include <map>
#include <vector>

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "servers/net/dispatcher.h"
#include "servers/net/kernel_side_for_test.h"
#include "servers/net/link_tap.h"
#include "servers/net/lwip_port/port.h"

namespace netserver::test {

inline constexpr uint8_t kMac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

struct FakeEthernet {
  struct netif n = {};
  std::vector<std::vector<uint8_t>> sent;
};

inline FakeEthernet& Eth() {
  static FakeEthernet e;
  return e;
}

inline uint64_t& Now() {
  static uint64_t ns = 1'000'000'000;
  return ns;
}

inline err_t FakeLinkOutput(struct netif* n, struct pbuf* p) {
  std::vector<uint8_t> frame(p->tot_len);
  pbuf_copy_partial(p, frame.data(), p->tot_len, 0);
  Eth().sent.push_back(frame);
  LinkFrameOut(n, p);  // as main.cc's LinkOutput does
  return ERR_OK;
}

inline err_t FakeInit(struct netif* n) {
  n->name[0] = 'e';
  n->name[1] = 'n';
  n->output = etharp_output;
  n->linkoutput = FakeLinkOutput;
  n->mtu = 1500;
  n->hwaddr_len = 6;
  memcpy(n->hwaddr, kMac, 6);
  n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
  return ERR_OK;
}

/// Puts eth0 back as the harness starts it.
inline void ResetEth() {
  ip4_addr_t ip, mask, gw;
  IP4_ADDR(&ip, 10, 0, 2, 15);
  IP4_ADDR(&mask, 255, 255, 255, 0);
  IP4_ADDR(&gw, 10, 0, 2, 2);
  netif_set_addr(&Eth().n, &ip, &mask, &gw);
  Eth().n.mtu = 1500;
  netif_set_default(&Eth().n);
  netif_set_up(&Eth().n);
  netif_set_link_up(&Eth().n);
  Eth().sent.clear();
}

class LinkHarness : public ::testing::Test, public KernelSide {
 protected:
  static void SetUpTestSuite() {
    static bool initialised = false;
    if (initialised) return;
    initialised = true;
    lwip_port::SetClockSourceForTesting([] { return Now(); });
    lwip_init();
    ip4_addr_t any;
    ip4_addr_set_zero(&any);
    ASSERT_NE(netif_add(&Eth().n, &any, &any, &any, nullptr, FakeInit, ethernet_input), nullptr);
    netif_create_ip6_linklocal_address(&Eth().n, 1);
    netif_ip6_addr_set_state(&Eth().n, 0, IP6_ADDR_PREFERRED);
  }

  LinkHarness() : KernelSide(5, 1000) { ResetEth(); }
  ~LinkHarness() override {
    dispatcher_.CloseAll();
    ResetEth();
  }

  // A new socket, or 0 with the error in *error.
  uint64_t NewSocket(int family, int type, int protocol, int* error = nullptr) {
    uint64_t id = ++next_id_;
    auto d = Call(netproto::kSocket, id,
                  {uint64_t(family), uint64_t(type), uint64_t(uint32_t(protocol))});
    if (error != nullptr) {
      *error = d.result;
    } else {
      EXPECT_EQ(d.result, 0);
    }
    return d.result == 0 ? id : 0;
  }

  // The next datagram (empty with *result < 0 when none).
  std::vector<uint8_t> Receive(uint64_t s, netproto::Delivery* reply = nullptr,
                               uint32_t room = netproto::kSlotSize, int flags = 0) {
    auto d = Call(netproto::kReceive, s, {}, {}, {}, room, flags);
    if (reply != nullptr) *reply = d;
    if (d.result < 0) return {};
    return std::vector<uint8_t>(Slot(), Slot() + d.length);
  }
};

}  // namespace netserver::test
