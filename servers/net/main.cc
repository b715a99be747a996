// net_server: the network server process (see README.md). lwIP (NO_SYS, raw
// API) on one thread; the kernel's AF_INET/AF_INET6 sockets reach it over
// netproto (dispatcher.h); frames reach it from the virtio-net driver over
// frameproto (lib/frameproto).
//
// Bootstrap handles (from init):
//   net     the kNet resource: NetServe
//   ctl     init's control channel: pings, kAttachFrames (a restarted driver)
//   frames  the driver's service channel (absent: loopback only)
//
// The loop: wait on the kernel's channel, the driver's notification and the
// control channel, with lwIP's next timer as the deadline; then serve every
// request, feed every received frame to lwIP, run the loopback queue and the
// timers, and deliver the replies and readiness events in batches
// (NetDeliver). Nothing in the loop waits on one socket.

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "abi/linux/mman.h"
#include "abi/tessera/controlproto.h"
#include "abi/tessera/netproto.h"
#include "lib/frameproto/client.h"
#include "lib/tessera/bootstrap.h"
#include "lib/tessera/control.h"
#include "lib/tessera/syscalls.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/snmp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "servers/net/dispatcher.h"
#include "servers/net/icmp_errors.h"
#include "servers/net/interfaces.h"
#include "servers/net/link_tap.h"
#include "servers/net/lwip_port/port.h"

namespace {

namespace sys = tessera::sys;
using tessera::handle_t;

constexpr int64_t kMaxSleepNs = 1'000'000'000;
constexpr size_t kMaxGather = 16;

struct Nic {
  frameproto::Client* client = nullptr;
  netif netif_ = {};
  uint64_t tx_dropped = 0;
  bool reported_address = false;
};

Nic g_nic;

// lwIP's link output: one frame, gathered from the pbuf chain into a free
// transmit buffer. When every buffer is in flight, wait a little for the
// driver to hand some back (TCP would recover a dropped frame, but slowly).
err_t LinkOutput(struct netif* n, struct pbuf* p) {
  auto* nic = static_cast<Nic*>(n->state);
  if (nic->client == nullptr || !nic->client->attached()) {
    ++nic->tx_dropped;
    return ERR_IF;
  }
  kstd::Span<const uint8_t> parts[kMaxGather];
  uint8_t flat[1600];
  size_t count = 0;
  if (pbuf_clen(p) <= kMaxGather) {
    for (struct pbuf* q = p; q != nullptr; q = q->next) {
      parts[count++] = kstd::Span<const uint8_t>(static_cast<const uint8_t*>(q->payload), q->len);
    }
  } else {
    if (p->tot_len > sizeof flat) return ERR_BUF;
    pbuf_copy_partial(p, flat, p->tot_len, 0);
    parts[count++] = kstd::Span<const uint8_t>(flat, p->tot_len);
  }
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto sent = nic->client->Transmit(parts, count);
    if (sent.ok()) {
      netserver::LinkFrameOut(n, p);  // packet sockets' outgoing tap
      MIB2_STATS_NETIF_ADD(n, ifoutoctets, p->tot_len);
      if ((static_cast<const uint8_t*>(p->payload)[0] & 1) != 0) {
        MIB2_STATS_NETIF_INC(n, ifoutnucastpkts);
      } else {
        MIB2_STATS_NETIF_INC(n, ifoutucastpkts);
      }
      return ERR_OK;
    }
    if (sent.error() != kstd::Error::kAgain) break;
    nic->client->Rearm();
    uint32_t observed = 0;
    sys::ObjectWaitOne(nic->client->wait_handle(), tessera::kSignalNotified,
                       sys::ClockMonotonic() + 1'000'000, &observed);
  }
  ++nic->tx_dropped;
  MIB2_STATS_NETIF_INC(n, ifoutdiscards);
  return ERR_MEM;
}

err_t NicInit(struct netif* n) {
  auto* nic = static_cast<Nic*>(n->state);
  n->name[0] = 'e';
  n->name[1] = 'n';
  n->output = etharp_output;
  n->output_ip6 = ethip6_output;
  n->linkoutput = LinkOutput;
  n->mtu = nic->client->mtu() != 0 ? nic->client->mtu() : 1500;
  n->hwaddr_len = ETH_HWADDR_LEN;
  memcpy(n->hwaddr, nic->client->mac(), ETH_HWADDR_LEN);
  n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_IGMP |
             NETIF_FLAG_MLD6;
  return ERR_OK;
}

void OnNetifStatus(struct netif* n) {
  static uint32_t reported = 0;  // the IPv4 address last logged
  if (ip4_addr_isany_val(*netif_ip4_addr(n))) return;
  if (ip4_addr_get_u32(netif_ip4_addr(n)) == reported) return;  // an IPv6 change
  reported = ip4_addr_get_u32(netif_ip4_addr(n));
  char ip[16], mask[16], gw[16];
  ip4addr_ntoa_r(netif_ip4_addr(n), ip, sizeof ip);
  ip4addr_ntoa_r(netif_ip4_netmask(n), mask, sizeof mask);
  ip4addr_ntoa_r(netif_ip4_gw(n), gw, sizeof gw);
  printf("net: eth0 %s netmask %s gateway %s%s\n", ip, mask, gw,
         dhcp_supplied_address(n) ? " (DHCP)" : "");
  fflush(stdout);
}

void InputFrame(kstd::Span<const uint8_t> frame) {
  if (frame.size() > 0xffff) return;
  struct netif* n = &g_nic.netif_;
  struct pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(frame.size()), PBUF_POOL);
  if (p == nullptr) {  // out of pbufs: dropped, as a full NIC would
    MIB2_STATS_NETIF_INC(n, ifindiscards);
    return;
  }
  MIB2_STATS_NETIF_ADD(n, ifinoctets, frame.size());
  if ((frame[0] & 1) != 0) {
    MIB2_STATS_NETIF_INC(n, ifinnucastpkts);
  } else {
    MIB2_STATS_NETIF_INC(n, ifinucastpkts);
  }
  pbuf_take(p, frame.data(), static_cast<u16_t>(frame.size()));
  netserver::LinkFrameIn(n, frame.data(), frame.size());  // packet sockets
  if (g_nic.netif_.input(p, &g_nic.netif_) != ERR_OK) pbuf_free(p);
  lwip_port::ClampPathMtus(netif_mtu6(n));  // before anything is sent (pmtu_guard.cc)
}

// /proc/net/frameproto's figures for eth0 (interfaces.h).
bool NicFigures(const struct netif* n, netserver::LinkFigures* out) {
  if (n != &g_nic.netif_ || g_nic.client == nullptr) return false;
  out->driver = g_nic.client->driver_figures();
  frameproto::Client::Stats s = g_nic.client->stats();
  out->tx_signals = s.notifications_sent;
  out->bad_descriptors = s.bad_descriptors;
  out->tx_dropped = g_nic.tx_dropped;
  return true;
}

bool StartNic(handle_t frames) {
  auto attached = frameproto::Client::Attach(frames);
  if (attached.is_error()) {
    printf("net: error: no frames from the NIC driver (%s): loopback only\n",
           kstd::ErrorName(attached.error()));
    return false;
  }
  g_nic.client = attached.value();
  netserver::SetLinkFiguresSource(NicFigures);
  ip4_addr_t any;
  ip4_addr_set_zero(&any);
  if (netif_add(&g_nic.netif_, &any, &any, &any, &g_nic, NicInit, ethernet_input) == nullptr) {
    printf("net: error: netif_add failed\n");
    return false;
  }
  netif_set_status_callback(&g_nic.netif_, OnNetifStatus);
  netif_set_default(&g_nic.netif_);
  netif_set_up(&g_nic.netif_);
  if (g_nic.client->link_up()) netif_set_link_up(&g_nic.netif_);
  netif_create_ip6_linklocal_address(&g_nic.netif_, 1);
  netif_set_ip6_autoconfig_enabled(&g_nic.netif_, 1);
  dhcp_start(&g_nic.netif_);
  const uint8_t* mac = g_nic.client->mac();
  printf("net: eth0 %02x:%02x:%02x:%02x:%02x:%02x mtu %u, link %s; asking DHCP\n", mac[0], mac[1],
         mac[2], mac[3], mac[4], mac[5], g_nic.netif_.mtu, g_nic.client->link_up() ? "up" : "down");
  fflush(stdout);
  return true;
}

// Delivers what the loopback queues hold, including what that delivery
// queues in turn (an ACK for a segment, a reply to a ping), so a turn of the
// loop never leaves a packet for the next timer.
void PollLoopback() {
  for (int round = 0; round < 64; ++round) {
    bool pending = false;
    struct netif* n;
    NETIF_FOREACH(n) {
      if (n->loop_first != nullptr) pending = true;
    }
    if (!pending) return;
    netif_poll_all();
  }
}

// The kernel's hello: the data area.
uint8_t* ReceiveHello(handle_t server_end) {
  for (;;) {
    uint32_t observed = 0;
    sys::ObjectWaitOne(server_end, tessera::kSignalReadable | tessera::kSignalPeerClosed,
                       sys::ClockMonotonic() + 5'000'000'000, &observed);
    netproto::Request hello{};
    handle_t handles[1] = {tessera::kInvalidHandle};
    tessera::ChannelReadArgs args{};
    args.bytes = &hello;
    args.bytes_capacity = sizeof hello;
    args.handles = handles;
    args.handles_capacity = 1;
    int64_t r = sys::ChannelRead(server_end, &args);
    if (r == -EAGAIN) continue;
    if (r < 0) return nullptr;
    if (args.actual_bytes != sizeof hello || hello.magic != netproto::kMagic ||
        hello.op != netproto::kHello || hello.version != netproto::kVersion ||
        args.actual_handles != 1) {
      printf("net: error: a malformed hello from the kernel\n");
      return nullptr;
    }
    int64_t addr =
        sys::VmoMap(handles[0], 0, netproto::kDataAreaSize,
                    linux_abi::kProtRead | linux_abi::kProtWrite, 0, tessera::kVmoMapShared);
    sys::HandleClose(handles[0]);
    if (addr < 0) return nullptr;
    return reinterpret_cast<uint8_t*>(addr);
  }
}

// Reads every queued request. Returns false when the kernel's end closed.
bool ServeRequests(handle_t server_end, netserver::Dispatcher& dispatcher) {
  for (;;) {
    uint8_t message[sizeof(netproto::Request) + 8];
    handle_t handles[4];
    tessera::ChannelReadArgs args{};
    args.bytes = message;
    args.bytes_capacity = sizeof message;
    args.handles = handles;
    args.handles_capacity = 4;
    int64_t r = sys::ChannelRead(server_end, &args);
    if (r == -EAGAIN) return true;
    if (r < 0) return r != -EPIPE && r != -EBADF ? true : false;
    for (uint32_t i = 0; i < args.actual_handles; ++i) sys::HandleClose(handles[i]);
    dispatcher.Handle(message, args.actual_bytes, args.txid);
  }
}

void Deliver(handle_t server_end, netserver::Dispatcher& dispatcher) {
  static netproto::Delivery batch[netproto::kMaxDeliveries];
  for (;;) {
    size_t n = dispatcher.TakeBatch(batch, netproto::kMaxDeliveries);
    if (n == 0) return;
    int64_t r = sys::NetDeliver(server_end, batch, static_cast<uint32_t>(n));
    if (r < 0) {
      printf("net: error: NetDeliver failed (%lld)\n", static_cast<long long>(r));
      fflush(stdout);
    }
  }
}

// init's control channel: pings, and a restarted driver's channel.
void ServeControl(handle_t& ctl) {
  while (ctl != tessera::kInvalidHandle) {
    controlproto::Message m{};
    handle_t handle = tessera::kInvalidHandle;
    int64_t r = tessera::ReadControl(ctl, &m, &handle);
    if (r == -EAGAIN) return;
    if (r < 0) {
      sys::HandleClose(ctl);
      ctl = tessera::kInvalidHandle;
      return;
    }
    if (r == 0) continue;
    if (m.op == controlproto::kPing) {
      (void)tessera::AnswerPing(ctl, m.txid);
    } else if (m.op == controlproto::kAttachFrames && handle != tessera::kInvalidHandle) {
      if (g_nic.client == nullptr) {
        if (!StartNic(handle)) sys::HandleClose(handle);
        continue;
      }
      auto again = g_nic.client->Reattach(handle);
      printf("net: %s the restarted NIC driver\n",
             again.ok() ? "reattached to" : "could not reattach to");
      fflush(stdout);
      if (again.ok() && g_nic.client->link_up()) netif_set_link_up(&g_nic.netif_);
    } else if (handle != tessera::kInvalidHandle) {
      sys::HandleClose(handle);
    }
  }
}

}  // namespace

int main() {
  tessera::Bootstrap boot;
  if (boot.Load() < 0) {
    printf("net: error: no bootstrap handles\n");
    return 1;
  }
  handle_t net = boot.Take("net");
  handle_t ctl = boot.Take("ctl");
  handle_t frames = boot.Take("frames");
  if (!lwip_port::InitSecrets()) {
    printf("net: error: getrandom gave nothing for the TCP secrets\n");
    return 1;
  }
  lwip_init();

  handle_t server_end, kernel_end;
  if (sys::ChannelCreate(&server_end, &kernel_end) < 0) return 1;
  int64_t served = sys::NetServe(net, kernel_end);
  if (served < 0) {
    printf("net: error: NetServe refused (%lld)\n", static_cast<long long>(served));
    return 1;
  }
  uint8_t* area = ReceiveHello(server_end);
  if (area == nullptr) return 1;
  static netserver::Dispatcher dispatcher(area);
  if (!netserver::WatchIcmpErrors(&dispatcher.sockets()))
    printf("net: no raw pcb for ICMP errors: UDP sockets will not hear of them\n");

  if (frames != tessera::kInvalidHandle) {
    if (!StartNic(frames)) sys::HandleClose(frames);
  } else {
    printf("net: no NIC: loopback only\n");
    fflush(stdout);
  }

  for (;;) {
    if (g_nic.client != nullptr) g_nic.client->Rearm();
    tessera::WaitItem items[3];
    uint32_t count = 0;
    items[count++] = {server_end, tessera::kSignalReadable | tessera::kSignalPeerClosed, 0, 0};
    if (g_nic.client != nullptr && g_nic.client->attached())
      items[count++] = {g_nic.client->wait_handle(), tessera::kSignalNotified, 0, 0};
    if (ctl != tessera::kInvalidHandle)
      items[count++] = {ctl, tessera::kSignalReadable | tessera::kSignalPeerClosed, 0, 0};
    int64_t sleep_ns = kMaxSleepNs;
    u32_t next_ms = sys_timeouts_sleeptime();
    if (next_ms != SYS_TIMEOUTS_SLEEPTIME_INFINITE && int64_t{next_ms} * 1'000'000 < sleep_ns)
      sleep_ns = int64_t{next_ms} * 1'000'000;
    sys::ObjectWaitMany(items, count, sys::ClockMonotonic() + sleep_ns);

    if (!ServeRequests(server_end, dispatcher)) {
      printf("net: the kernel closed the socket channel; exiting\n");
      return 0;
    }
    if (g_nic.client != nullptr) g_nic.client->Receive(InputFrame);
    sys_check_timeouts();
    PollLoopback();
    Deliver(server_end, dispatcher);
    ServeControl(ctl);
  }
}
