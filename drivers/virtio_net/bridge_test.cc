// The whole frame path on the host: frameproto::Client (the server's end)
// -> the rings -> Bridge -> Device -> the fake virtio-net device and its
// wire, and back; the kernel played by frameproto's fake Os.

#include "drivers/virtio_net/bridge.h"

#include <gtest/gtest.h>
#include <string.h>

#include <memory>
#include <vector>

#include "drivers/virtio/testing/fake_dma.h"
#include "drivers/virtio/testing/fake_virtio_device.h"
#include "drivers/virtio_net/testing/fake_net_backend.h"
#include "lib/frameproto/client.h"
#include "lib/frameproto/testing/fake_os.h"

namespace virtio_net {
namespace {

using Bytes = kstd::Span<const uint8_t>;
using frameproto::testing::FakeOs;
using testing::FakeNetBackend;
using virtio::testing::FakeDma;
using virtio::testing::FakeVirtioDevice;

constexpr uint32_t kBuffers = 64, kRx = 32, kEntries = 64;

std::vector<uint8_t> Frame(size_t n, uint32_t seed) {
  std::vector<uint8_t> f(n);
  for (size_t i = 0; i < n; ++i) f[i] = static_cast<uint8_t>(seed * 31 + i);
  return f;
}

struct Rig : Bridge::Host {
  explicit Rig(virtio::Interrupt::Kind kind = virtio::Interrupt::Kind::kMsix)
      : device(virtio::kDeviceTypeNet, dma, kind),
        backend(device, FakeNetBackend::Config()),
        net(device.config(), device.bars(), dma, device.interrupt()) {
    pool = dma.Allocate(kBuffers * frameproto::kBufferBytes, 4096).value();
    rings = std::make_shared<std::vector<uint8_t>>((frameproto::RingObjectBytes(kEntries) + 4095) &
                                                   ~size_t{4095});
    Bridge::Memory memory;
    memory.rings = rings->data();
    memory.ring_bytes = rings->size();
    memory.pool_device = pool.device_address;
    memory.layout = {kBuffers, kRx, kEntries};
    bridge = std::make_unique<Bridge>(net, memory, *this);
    EXPECT_TRUE(net.Init(*bridge).ok()) << net.failure_reason();
    os.driver = [this](frameproto::AttachReply* r, std::vector<tessera::handle_t>* hs) {
      auto attached = bridge->Attach(r);
      if (attached.is_error()) {
        *r = frameproto::AttachReply{frameproto::kMagic, frameproto::kAttach,
                                     static_cast<int32_t>(attached.error()), frameproto::kVersion};
        return;
      }
      hs->push_back(os.Add(FakeOs::Raw(pool.cpu, pool.size)));
      hs->push_back(os.Add(FakeOs::Memory(rings)));
      hs->push_back(os.Add(FakeOs::Notification(&to_driver_bits, &to_driver_signals)));
      hs->push_back(os.Add(FakeOs::Notification(&to_client_bits, &to_client_signals)));
    };
    auto c = frameproto::Client::Attach(os.Add(FakeOs::Channel()), os);
    EXPECT_TRUE(c.ok());
    client.reset(c.ok() ? c.value() : nullptr);
  }
  ~Rig() {
    client.reset();
    bridge.reset();
  }

  // Bridge::Host
  void SignalClient() override {
    to_client_bits |= 1;
    ++to_client_signals;
  }
  void SignalSelf() override { to_driver_bits |= 1; }
  void Note(const char* line) override { notes.emplace_back(line); }

  /// The driver's event loop until nothing moves: the client's
  /// notification, the device, its interrupt.
  void RunDriver() {
    for (int i = 0; i < 100; ++i) {
      bool woke = false;
      if (to_driver_bits != 0) {
        to_driver_bits = 0;
        bridge->OnClientNotification();
        woke = true;
      }
      device.Run();
      if (device.interrupt().Wait(0).ok()) {
        bridge->OnInterrupt();
        woke = true;
      }
      if (!woke) return;
    }
  }
  kstd::Result<void> Send(const std::vector<uint8_t>& f) {
    Bytes part(f.data(), f.size());
    return client->Transmit(&part, 1);
  }
  std::vector<std::vector<uint8_t>> ReceiveAll() {
    std::vector<std::vector<uint8_t>> got;
    client->Receive([&](Bytes b) { got.emplace_back(b.begin(), b.end()); });
    return got;
  }
  void ExpectClean() {
    for (const auto& e : device.errors()) ADD_FAILURE() << "device: " << e;
    for (const auto& e : backend.errors()) ADD_FAILURE() << "backend: " << e;
    EXPECT_EQ(client->stats().bad_descriptors, 0u);
    EXPECT_EQ(bridge->port_stats().bad_descriptors, 0u);
  }

  FakeDma dma;
  FakeVirtioDevice device;
  FakeNetBackend backend;
  Device net;
  virtio::DmaBuffer pool;
  std::shared_ptr<std::vector<uint8_t>> rings;
  std::unique_ptr<Bridge> bridge;
  FakeOs os;
  std::unique_ptr<frameproto::Client> client;
  uint64_t to_driver_bits = 0, to_client_bits = 0;
  int to_driver_signals = 0, to_client_signals = 0;
  std::vector<std::string> notes;
};

TEST(Bridge, AttachPostsTheReceiveBuffersAndTellsTheClientTheMac) {
  Rig rig;
  ASSERT_NE(rig.client, nullptr);
  EXPECT_EQ(rig.client->mac()[0], 0x52);
  EXPECT_EQ(rig.client->mac()[5], 0x56);
  EXPECT_TRUE(rig.client->link_up());
  EXPECT_EQ(rig.device.held_chains(), kRx);  // every receive buffer at the device
  EXPECT_EQ(rig.bridge->stats().sessions, 1u);
  rig.ExpectClean();
}

TEST(Bridge, FramesTheClientSendsReachTheWireAndTheBuffersComeBack) {
  Rig rig;
  std::vector<std::vector<uint8_t>> frames;
  for (uint32_t i = 0; i < 200; ++i) frames.push_back(Frame(14 + (i * 37) % 1501, i));
  size_t next = 0;
  while (next < frames.size()) {
    auto r = rig.Send(frames[next]);
    if (r.ok()) {
      ++next;
      continue;
    }
    ASSERT_EQ(r.error(), kstd::Error::kAgain);
    rig.client->Rearm();
    rig.RunDriver();
    rig.ReceiveAll();  // takes the free buffers back
  }
  rig.RunDriver();
  EXPECT_EQ(rig.backend.sent(), frames);
  rig.ReceiveAll();
  EXPECT_EQ(rig.client->tx_free(), kBuffers - kRx);
  // Far fewer notifications than frames, both ways.
  EXPECT_LT(rig.to_driver_signals, 200 / 4);
  EXPECT_EQ(rig.bridge->port_stats().tx_frames, 200u);
  // The client reads the same figures from the shared header.
  frameproto::DriverFigures shown = rig.client->driver_figures();
  EXPECT_EQ(shown.tx_frames, 200u);
  EXPECT_EQ(shown.tx_wakeups, rig.bridge->stats().client_wakeups);
  EXPECT_GT(shown.tx_wakeups, 0u);
  EXPECT_LT(shown.tx_wakeups, 200u / 4);
  rig.ExpectClean();
}

TEST(Bridge, FramesFromTheWireReachTheClientAndItsBuffersAreReused) {
  Rig rig;
  std::vector<std::vector<uint8_t>> frames, got;
  for (uint32_t i = 0; i < 300; ++i) frames.push_back(Frame(60 + (i * 53) % 1455, i));
  for (const auto& f : frames) rig.backend.Inject(f);
  // Only kRx buffers exist: the client must give them back for all 300.
  for (int round = 0; round < 100 && got.size() < frames.size(); ++round) {
    rig.client->Rearm();
    rig.RunDriver();
    for (auto& f : rig.ReceiveAll()) got.push_back(std::move(f));
  }
  EXPECT_EQ(got, frames);
  EXPECT_LE(rig.to_client_signals, 100);
  EXPECT_EQ(rig.net.stats().rx_frames, 300u);
  frameproto::DriverFigures shown = rig.client->driver_figures();
  EXPECT_EQ(shown.rx_frames, 300u);
  EXPECT_EQ(shown.rx_signals, rig.bridge->stats().client_signals);
  EXPECT_GT(shown.interrupts, 0u);
  rig.ExpectClean();
}

TEST(Bridge, TheDriverIsSignaledOnlyWhenAsleep) {
  Rig rig;
  rig.RunDriver();  // the driver sleeps, armed
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(rig.Send(Frame(60, i)).ok());
  EXPECT_EQ(rig.to_driver_signals, 1);  // 20 frames, one notification
  rig.RunDriver();
  EXPECT_EQ(rig.backend.sent().size(), 20u);
  EXPECT_GE(rig.bridge->stats().max_tx_per_wakeup, 20u);
  rig.ExpectClean();
}

TEST(Bridge, LinkChangesReachTheClientWithASignal) {
  Rig rig;
  rig.RunDriver();
  int before = rig.to_client_signals;
  rig.backend.SetLink(false);
  rig.device.ChangeConfig();
  rig.RunDriver();
  EXPECT_FALSE(rig.client->link_up());
  EXPECT_GT(rig.to_client_signals, before);
  rig.backend.SetLink(true);
  rig.device.ChangeConfig();
  rig.RunDriver();
  EXPECT_TRUE(rig.client->link_up());
  ASSERT_EQ(rig.notes.size(), 2u);
  EXPECT_EQ(rig.notes[0], "link down");
  rig.ExpectClean();
}

TEST(Bridge, AUsedLengthPastTheBufferIsDroppedAndTheBufferReused) {
  Rig rig;
  rig.client->Rearm();
  rig.backend.Inject(Frame(60, 1));
  rig.backend.LieAboutNextLength(12 + frameproto::kBufferBytes + 100);
  rig.backend.Inject(Frame(60, 2));
  rig.backend.Inject(Frame(60, 3));
  rig.RunDriver();
  auto got = rig.ReceiveAll();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], Frame(60, 2));
  EXPECT_EQ(got[1], Frame(60, 3));
  EXPECT_EQ(rig.net.stats().rx_bad_length, 1u);
  EXPECT_EQ(rig.client->driver_figures().bad_used_lengths, 1u);
  rig.RunDriver();
  EXPECT_EQ(rig.device.held_chains(), kRx);  // the dropped one was posted again
  rig.ExpectClean();
}

TEST(Bridge, ABrokenDeviceIsResetAndFramesFlowAgain) {
  Rig rig;
  rig.client->Rearm();
  rig.device.CorruptNextUsedId(999);
  rig.backend.Inject(Frame(60, 1));
  rig.RunDriver();
  EXPECT_EQ(rig.bridge->stats().recoveries, 1u);
  EXPECT_TRUE(rig.net.ready());
  rig.backend.Inject(Frame(70, 2));
  rig.client->Rearm();
  rig.RunDriver();
  auto got = rig.ReceiveAll();
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back(), Frame(70, 2));
  ASSERT_TRUE(rig.Send(Frame(60, 3)).ok());
  rig.RunDriver();
  ASSERT_FALSE(rig.backend.sent().empty());
  EXPECT_EQ(rig.backend.sent().back(), Frame(60, 3));
}

TEST(Bridge, ASecondAttachResetsTheDeviceAndStartsAfresh) {
  Rig rig;
  ASSERT_TRUE(rig.Send(Frame(60, 1)).ok());
  int resets = rig.device.resets();
  ASSERT_TRUE(rig.client->Reattach(rig.os.Add(FakeOs::Channel())).ok());
  EXPECT_GT(rig.device.resets(), resets);
  EXPECT_EQ(rig.bridge->stats().sessions, 2u);
  EXPECT_EQ(rig.device.held_chains(), kRx);
  EXPECT_EQ(rig.client->tx_free(), kBuffers - kRx);
  ASSERT_TRUE(rig.Send(Frame(80, 2)).ok());
  rig.RunDriver();
  ASSERT_FALSE(rig.backend.sent().empty());
  EXPECT_EQ(rig.backend.sent().back(), Frame(80, 2));
  rig.ExpectClean();
}

TEST(Bridge, WorksWithIntx) {
  Rig rig(virtio::Interrupt::Kind::kIntx);
  rig.client->Rearm();
  rig.backend.Inject(Frame(100, 7));
  rig.RunDriver();
  auto got = rig.ReceiveAll();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], Frame(100, 7));
  EXPECT_FALSE(rig.device.intx_asserted());
  rig.ExpectClean();
}

}  // namespace
}  // namespace virtio_net
