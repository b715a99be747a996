// nettest: the in-guest test of the virtio-net driver and the frame path
// (tessera.test=net, //testing/system:net_driver_test). init starts and
// supervises the driver and gives this program what the network server
// would get: the client end of the driver's service channel ("net"), plus,
// for the restart check, the driver's process ("driver") and the channel on
// which init sends a restarted driver's channel ("frames", controlproto
// kAttachFrames). It plays a tiny network server through
// frameproto::Client, talking only to QEMU's user-mode network (slirp) at
// 10.0.2.2: nothing leaves the machine.
//
// Checks in order: attach, link, a short frame refused, ARP with 10.0.2.2,
// DHCP DISCOVER/OFFER, the driver killed and a restarted one reattached
// (ARP again), the driver hung (init's hang detection restarts it; ARP
// again), a burst of 2,000 ARP requests. One line per check
// ("nettest: PASS name" / "nettest: FAIL name: why") and figures
// ("nettest: burst: ..."). Exit status 0 when every check passed.

#include <stdio.h>
#include <string.h>

#include "abi/tessera/controlproto.h"
#include "abi/tessera/frameproto.h"
#include "lib/frameproto/client.h"
#include "lib/tessera/bootstrap.h"
#include "lib/tessera/control.h"
#include "lib/tessera/process.h"
#include "lib/tessera/syscalls.h"

namespace {

using Bytes = kstd::Span<const uint8_t>;
using tessera::handle_t;
namespace sys = tessera::sys;

constexpr int64_t kSecond = 1'000'000'000;
const uint8_t kGuestIp[4] = {10, 0, 2, 15};
const uint8_t kGatewayIp[4] = {10, 0, 2, 2};
const uint8_t kSlirpMac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
const uint8_t kBroadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
constexpr uint32_t kDhcpXid = 0x54455353;  // "TESS"
constexpr int kBurst = 2000;

int g_failures = 0;

void Pass(const char* name) { printf("nettest: PASS %s\n", name); }
void Fail(const char* name, const char* why, long long value = 0) {
  printf("nettest: FAIL %s: %s (%lld)\n", name, why, value);
  ++g_failures;
}

void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

// An ARP request "who has 10.0.2.2? tell 10.0.2.15" (RFC 826), 42 bytes.
size_t ArpRequest(const uint8_t* mac, uint8_t* f) {
  memcpy(f, kBroadcast, 6);
  memcpy(f + 6, mac, 6);
  Put16(f + 12, 0x0806);
  Put16(f + 14, 1);       // Ethernet
  Put16(f + 16, 0x0800);  // IPv4
  f[18] = 6;
  f[19] = 4;
  Put16(f + 20, 1);  // request
  memcpy(f + 22, mac, 6);
  memcpy(f + 28, kGuestIp, 4);
  memset(f + 32, 0, 6);
  memcpy(f + 38, kGatewayIp, 4);
  return 42;
}

bool IsArpReplyFromGateway(Bytes f, const uint8_t* mac) {
  if (f.size() < 42 || Get16(f.data() + 12) != 0x0806 || Get16(f.data() + 20) != 2) return false;
  return memcmp(f.data() + 22, kSlirpMac, 6) == 0 && memcmp(f.data() + 28, kGatewayIp, 4) == 0 &&
         memcmp(f.data(), mac, 6) == 0;
}

uint16_t Checksum(const uint8_t* p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += Get16(p + i);
  if (n & 1) sum += static_cast<uint32_t>(p[n - 1]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// A DHCP DISCOVER (RFC 2131) from 0.0.0.0:68 to 255.255.255.255:67.
size_t DhcpDiscover(const uint8_t* mac, uint8_t* f) {
  memset(f, 0, 342);
  memcpy(f, kBroadcast, 6);
  memcpy(f + 6, mac, 6);
  Put16(f + 12, 0x0800);
  uint8_t* ip = f + 14;
  uint8_t* udp = ip + 20;
  uint8_t* bootp = udp + 8;
  // BOOTP: op, htype, hlen, hops, xid, secs, flags, 4 addresses, chaddr,
  // sname, file, then the options after the magic cookie.
  bootp[0] = 1;
  bootp[1] = 1;
  bootp[2] = 6;
  bootp[4] = kDhcpXid >> 24;
  bootp[5] = (kDhcpXid >> 16) & 0xff;
  bootp[6] = (kDhcpXid >> 8) & 0xff;
  bootp[7] = kDhcpXid & 0xff;
  Put16(bootp + 10, 0x8000);  // broadcast reply
  memcpy(bootp + 28, mac, 6);
  uint8_t* opt = bootp + 236;
  const uint8_t options[] = {99, 130, 83, 99,     // magic cookie
                             53, 1,   1,          // DHCPDISCOVER
                             55, 3,   1,  3,  6,  // subnet, router, DNS
                             255};
  memcpy(opt, options, sizeof options);
  size_t bootp_len = 300;
  size_t udp_len = 8 + bootp_len;
  Put16(udp, 68);
  Put16(udp + 2, 67);
  Put16(udp + 4, static_cast<uint16_t>(udp_len));
  Put16(udp + 6, 0);  // no UDP checksum (allowed for IPv4)
  ip[0] = 0x45;
  Put16(ip + 2, static_cast<uint16_t>(20 + udp_len));
  Put16(ip + 4, 1);
  ip[8] = 64;
  ip[9] = 17;
  memset(ip + 12, 0, 4);
  memset(ip + 16, 0xff, 4);
  Put16(ip + 10, Checksum(ip, 20));
  return 14 + 20 + udp_len;
}

// An OFFER for us: UDP 67 -> 68, BOOTP reply with our xid, yiaddr, type 2.
bool IsDhcpOffer(Bytes f, uint8_t* yiaddr) {
  if (f.size() < 14 + 20 + 8 + 240 || Get16(f.data() + 12) != 0x0800) return false;
  const uint8_t* ip = f.data() + 14;
  size_t ihl = (ip[0] & 0x0f) * 4u;
  if (ip[9] != 17 || ihl < 20 || f.size() < 14 + ihl + 8 + 240) return false;
  const uint8_t* udp = ip + ihl;
  if (Get16(udp) != 67 || Get16(udp + 2) != 68) return false;
  const uint8_t* bootp = udp + 8;
  uint32_t xid = static_cast<uint32_t>(bootp[4]) << 24 | bootp[5] << 16 | bootp[6] << 8 | bootp[7];
  if (bootp[0] != 2 || xid != kDhcpXid) return false;
  const uint8_t* opt = bootp + 240;
  const uint8_t* end = f.data() + f.size();
  bool offer = false;
  while (opt < end && *opt != 255) {
    if (*opt == 0) {
      ++opt;
      continue;
    }
    if (opt + 2 > end || opt + 2 + opt[1] > end) break;
    if (opt[0] == 53 && opt[1] == 1 && opt[2] == 2) offer = true;
    opt += 2 + opt[1];
  }
  memcpy(yiaddr, bootp + 16, 4);
  return offer;
}

// Waits for the driver's signal (after Rearm) until `deadline`; true when it came.
bool WaitForDriver(frameproto::Client& c, int64_t deadline) {
  c.Rearm();
  uint32_t observed = 0;
  return sys::ObjectWaitOne(c.wait_handle(), tessera::kSignalNotified, deadline, &observed) == 0;
}

// Receives until `match` accepts a frame or the deadline passes.
template <typename Match>
bool Await(frameproto::Client& c, int64_t timeout, Match match) {
  int64_t deadline = tessera::NowNs() + timeout;
  bool found = false;
  for (;;) {
    c.Receive([&](Bytes f) {
      if (!found && match(f)) found = true;
    });
    if (found || tessera::NowNs() >= deadline) return found;
    WaitForDriver(c, deadline);
  }
}

// Transmits one frame, waiting for a free buffer if there is none.
bool Send(frameproto::Client& c, const uint8_t* frame, size_t n) {
  Bytes part(frame, n);
  int64_t deadline = tessera::NowNs() + 5 * kSecond;
  for (;;) {
    auto r = c.Transmit(&part, 1);
    if (r.ok()) return true;
    if (r.error() != kstd::Error::kAgain || tessera::NowNs() >= deadline) return false;
    c.Receive([](Bytes) {});
    if (c.tx_free() == 0) WaitForDriver(c, deadline);
  }
}

bool ArpCheck(frameproto::Client& c, const char* name) {
  uint8_t frame[64];
  size_t n = ArpRequest(c.mac(), frame);
  if (!Send(c, frame, n)) {
    Fail(name, "the ARP request could not be sent");
    return false;
  }
  if (!Await(c, 5 * kSecond, [&](Bytes f) { return IsArpReplyFromGateway(f, c.mac()); })) {
    Fail(name, "no ARP reply from 10.0.2.2 (52:55:0a:00:02:02) within 5 s");
    return false;
  }
  Pass(name);
  return true;
}

void Burst(frameproto::Client& c) {
  frameproto::Client::Stats before = c.stats();
  uint8_t frame[64];
  size_t n = ArpRequest(c.mac(), frame);
  int replies = 0;
  auto count = [&](Bytes f) {
    if (IsArpReplyFromGateway(f, c.mac())) ++replies;
  };
  int64_t start = tessera::NowNs();
  int sent = 0;
  for (; sent < kBurst; ++sent) {
    Bytes part(frame, n);
    auto r = c.Transmit(&part, 1);
    if (r.ok()) continue;
    if (r.error() != kstd::Error::kAgain) break;
    // No free buffer: take what came back (and the replies), sleep if still none.
    c.Receive(count);
    if (c.tx_free() == 0 && !WaitForDriver(c, tessera::NowNs() + 5 * kSecond)) break;
    --sent;
  }
  int64_t deadline = tessera::NowNs() + 10 * kSecond;
  while (replies < sent && tessera::NowNs() < deadline) {
    c.Receive(count);
    if (replies < sent) WaitForDriver(c, tessera::NowNs() + kSecond / 2);
  }
  int64_t ms = (tessera::NowNs() - start) / 1'000'000;
  frameproto::Client::Stats after = c.stats();
  uint64_t tx = after.tx_frames - before.tx_frames;
  uint64_t sent_notes = after.notifications_sent - before.notifications_sent;
  uint64_t rx = after.rx_frames - before.rx_frames;
  uint64_t woken = after.notifications_received - before.notifications_received;
  auto per = [](uint64_t a, uint64_t b) { return b == 0 ? static_cast<double>(a) : 1.0 * a / b; };
  printf(
      "nettest: burst: %d ARP requests sent in %lld ms with %llu notifications to the driver "
      "(%.1f frames per notification); %d replies, %llu frames received on %llu wake-ups (%.1f "
      "frames per notification)\n",
      sent, static_cast<long long>(ms), static_cast<unsigned long long>(sent_notes),
      per(tx, sent_notes), replies, static_cast<unsigned long long>(rx),
      static_cast<unsigned long long>(woken), per(rx, woken));
  if (sent != kBurst) {
    Fail("burst-sent", "not every frame of the burst could be sent", sent);
  } else {
    Pass("burst-sent");
  }
  if (sent_notes == 0 || per(tx, sent_notes) <= 1.0) {
    Fail("burst-batched", "no more than one frame per notification to the driver",
         static_cast<long long>(sent_notes));
  } else {
    Pass("burst-batched");
  }
  // slirp answers every request; a few may be lost in QEMU's queues.
  if (replies < kBurst * 9 / 10) {
    Fail("burst-replies", "fewer than 90% of the ARP requests were answered", replies);
  } else {
    Pass("burst-replies");
  }
}

// Waits up to `timeout` for init's kAttachFrames on `frames`; the channel or
// kInvalidHandle.
handle_t AwaitNewChannel(handle_t frames, int64_t timeout) {
  int64_t deadline = tessera::NowNs() + timeout;
  handle_t fresh = tessera::kInvalidHandle;
  while (fresh == tessera::kInvalidHandle && tessera::NowNs() < deadline) {
    uint32_t observed = 0;
    if (sys::ObjectWaitOne(frames, tessera::kSignalReadable | tessera::kSignalPeerClosed, deadline,
                           &observed) < 0)
      break;
    controlproto::Message m{};
    int64_t r = tessera::ReadControl(frames, &m, &fresh);
    if (r < 0) break;
    if (r == 1 && m.op != controlproto::kAttachFrames && fresh != tessera::kInvalidHandle) {
      sys::HandleClose(fresh);
      fresh = tessera::kInvalidHandle;
    }
  }
  return fresh;
}

// Has init hang the driver (kHang on "frames", this test mode only): init's
// pings go unanswered, it kills the driver after its deadline and starts a
// new one, whose channel comes back here.
void Hang(frameproto::Client& c, handle_t frames) {
  const controlproto::Message hang = controlproto::Make(controlproto::kHang);
  if (frames == tessera::kInvalidHandle ||
      sys::ChannelWrite(frames, &hang, sizeof hang, nullptr, 0, 0) < 0) {
    Fail("hang-restart", "cannot ask init to hang the driver");
    return;
  }
  printf("nettest: asked init to hang the driver; waiting for a new channel\n");
  fflush(stdout);
  handle_t fresh = AwaitNewChannel(frames, 30 * kSecond);
  if (fresh == tessera::kInvalidHandle) {
    Fail("hang-restart", "no channel to a restarted driver within 30 s");
    return;
  }
  auto r = c.Reattach(fresh);
  if (r.is_error()) {
    Fail("hang-restart", kstd::ErrorName(r.error()));
    return;
  }
  ArpCheck(c, "hang-restart");
}

void Restart(frameproto::Client& c, handle_t driver, handle_t frames) {
  if (driver == tessera::kInvalidHandle || frames == tessera::kInvalidHandle) {
    Fail("restart-reattach", "no \"driver\"/\"frames\" handles");
    return;
  }
  int64_t killed = sys::ProcessKill(driver, 0);
  if (killed < 0) {
    Fail("restart-reattach", "cannot kill the driver", killed);
    return;
  }
  (void)tessera::WaitForExit(driver, tessera::NowNs() + 5 * kSecond);
  printf("nettest: killed the driver; waiting for init's new channel\n");
  fflush(stdout);
  // The old driver is gone: transmitting still "works" (the rings are ours)
  // but nothing answers; the new channel comes over "frames".
  handle_t fresh = AwaitNewChannel(frames, 20 * kSecond);
  if (fresh == tessera::kInvalidHandle) {
    Fail("restart-reattach", "no channel to a restarted driver within 20 s");
    return;
  }
  auto r = c.Reattach(fresh);
  if (r.is_error()) {
    Fail("restart-reattach", kstd::ErrorName(r.error()));
    return;
  }
  printf("nettest: attached to the restarted driver\n");
  ArpCheck(c, "restart-reattach");
}

}  // namespace

// Built -ffreestanding like the driver (kstd headers), where main has no
// implicit C linkage.
extern "C" int main() {
  tessera::Bootstrap boot;
  if (boot.Load() < 0) {
    printf("nettest: FAIL bootstrap: no bootstrap handles\n");
    return 1;
  }
  handle_t net = boot.Take("net");
  handle_t driver = boot.Take("driver");
  handle_t frames = boot.Take("frames");
  if (net == tessera::kInvalidHandle) {
    printf("nettest: FAIL attach: no driver channel (no NIC or no driver)\n");
    return 1;
  }
  if (boot.Find("dma") != tessera::kInvalidHandle)
    Fail("no-dma-right", "the client got a dma resource");
  // A malformed request is refused with EINVAL and no handles, and the
  // driver carries on.
  {
    const uint8_t junk[5] = {1, 2, 3, 4, 5};
    frameproto::AttachReply reply{};
    handle_t got[4] = {};
    tessera::ChannelCallArgs call{};
    call.write_bytes = junk;
    call.write_num_bytes = sizeof junk;
    call.read_bytes = &reply;
    call.read_bytes_capacity = sizeof reply;
    call.read_handles = got;
    call.read_handles_capacity = 4;
    call.deadline = tessera::NowNs() + 5 * kSecond;
    int64_t r = sys::ChannelCall(net, &call);
    if (r < 0 || call.actual_bytes != sizeof reply || reply.error != 22 ||
        call.actual_handles != 0) {
      Fail("bad-request-refused", "a malformed request was not refused with EINVAL", r);
    } else {
      Pass("bad-request-refused");
    }
    for (uint32_t i = 0; r >= 0 && i < call.actual_handles && i < 4; ++i) sys::HandleClose(got[i]);
  }
  auto attached = frameproto::Client::Attach(net);
  if (attached.is_error()) {
    printf("nettest: FAIL attach: %s\n", kstd::ErrorName(attached.error()));
    return 1;
  }
  frameproto::Client& c = *attached.value();
  const uint8_t* mac = c.mac();
  printf("nettest: attached: MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u, link %s, %u tx buffers\n",
         mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], c.mtu(), c.link_up() ? "up" : "down",
         c.tx_free());
  Pass("attach");
  if (c.link_up()) {
    Pass("link-up");
  } else {
    Fail("link-up", "the driver reports the link down");
  }

  // Bad input is refused, never sent.
  uint8_t tiny[13] = {};
  Bytes part(tiny, sizeof tiny);
  auto bad = c.Transmit(&part, 1);
  if (bad.is_error() && bad.error() == kstd::Error::kInvalid) {
    Pass("short-frame-refused");
  } else {
    Fail("short-frame-refused", "a 13-byte frame was not refused with EINVAL");
  }

  ArpCheck(c, "arp-reply");

  uint8_t frame[400];
  size_t n = DhcpDiscover(c.mac(), frame);
  uint8_t yiaddr[4] = {};
  if (!Send(c, frame, n)) {
    Fail("dhcp-offer", "the DISCOVER could not be sent");
  } else if (!Await(c, 5 * kSecond, [&](Bytes f) { return IsDhcpOffer(f, yiaddr); })) {
    Fail("dhcp-offer", "no DHCP OFFER within 5 s");
  } else if (memcmp(yiaddr, kGuestIp, 4) != 0) {
    printf("nettest: offered %u.%u.%u.%u\n", yiaddr[0], yiaddr[1], yiaddr[2], yiaddr[3]);
    Fail("dhcp-offer", "the OFFER is not for 10.0.2.15");
  } else {
    printf("nettest: DHCP OFFER of 10.0.2.15\n");
    Pass("dhcp-offer");
  }

  // The restart first, so the driver that sees the burst is the one that
  // logs its own figures when this program closes the channel.
  Restart(c, driver, frames);
  Hang(c, frames);
  Burst(c);

  frameproto::Client::Stats s = c.stats();
  printf(
      "nettest: client stats: tx %llu frames, rx %llu frames, %llu notifications sent, %llu "
      "received, %llu bad descriptors\n",
      static_cast<unsigned long long>(s.tx_frames), static_cast<unsigned long long>(s.rx_frames),
      static_cast<unsigned long long>(s.notifications_sent),
      static_cast<unsigned long long>(s.notifications_received),
      static_cast<unsigned long long>(s.bad_descriptors));
  if (s.bad_descriptors != 0) Fail("no-bad-descriptors", "the driver sent bad descriptors");
  delete attached.value();  // closes the channel: the driver logs its figures and stops
  printf("nettest: %s (%d failure(s))\n", g_failures == 0 ? "all passed" : "FAILED", g_failures);
  return g_failures == 0 ? 0 : 1;
}
