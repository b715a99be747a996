#include "drivers/virtio_net/net_device.h"

#include <gtest/gtest.h>
#include <string.h>

#include <map>
#include <vector>

#include "drivers/virtio/testing/fake_dma.h"
#include "drivers/virtio/testing/fake_virtio_device.h"
#include "drivers/virtio_net/testing/fake_net_backend.h"

namespace virtio_net {
namespace {

using kstd::Error;
using testing::FakeNetBackend;
using virtio::DmaBuffer;
using virtio::FeatureBit;
using virtio::Interrupt;
using virtio::testing::FakeDma;
using virtio::testing::FakeVirtioDevice;

constexpr uint32_t kBuf = 2048;

struct Recorder final : Sink {
  void Received(uint64_t token, uint32_t length) override { received.push_back({token, length}); }
  void RxReturned(uint64_t token) override { returned.push_back(token); }
  void Transmitted(uint64_t token) override { transmitted.push_back(token); }
  std::vector<std::pair<uint64_t, uint32_t>> received;
  std::vector<uint64_t> returned;
  std::vector<uint64_t> transmitted;
};

// A driver over a fake device with a pool of 64 buffers.
struct Rig {
  explicit Rig(FakeNetBackend::Config config = FakeNetBackend::Config(),
               Interrupt::Kind kind = Interrupt::Kind::kMsix)
      : device(virtio::kDeviceTypeNet, dma, kind),
        backend(device, config),
        net(device.config(), device.bars(), dma, device.interrupt()) {
    pool = dma.Allocate(64 * kBuf, 4096).value();
  }
  ~Rig() { dma.Free(pool); }

  uint64_t Address(uint32_t index) const { return pool.device_address + index * kBuf; }
  uint8_t* Cpu(uint32_t index) const { return pool.cpu + index * kBuf; }

  void PostRx(uint32_t first, uint32_t count) {
    for (uint32_t i = first; i < first + count; ++i) {
      ASSERT_TRUE(net.AddRxBuffer(Address(i), kBuf, i).ok());
    }
    net.Kick();
  }
  /// The wire delivers what was injected, then the event loop's interrupt path.
  void ServiceInterrupt() {
    device.Run();
    if (device.interrupt().Wait(0).ok()) (void)net.HandleInterrupt();
  }
  void ExpectClean() {
    for (const auto& e : device.errors()) ADD_FAILURE() << "device: " << e;
    for (const auto& e : backend.errors()) ADD_FAILURE() << "backend: " << e;
    EXPECT_EQ(dma.bad_frees(), 0);
  }

  FakeDma dma;
  FakeVirtioDevice device;
  FakeNetBackend backend;
  Device net;
  Recorder sink;
  DmaBuffer pool;
};

std::vector<uint8_t> Frame(size_t n, uint8_t seed) {
  std::vector<uint8_t> f(n);
  for (size_t i = 0; i < n; ++i) f[i] = static_cast<uint8_t>(seed + i * 7);
  return f;
}

TEST(NetDevice, NegotiatesOnlyVersionMacAndStatus) {
  FakeNetBackend::Config c;
  // Offloads, merged buffers, a control queue, event_idx: all refused.
  c.extra_features = FeatureBit(0) | FeatureBit(1) | FeatureBit(7) | FeatureBit(11) |
                     FeatureBit(feature::kMrgRxbuf) | FeatureBit(17) | FeatureBit(22) |
                     FeatureBit(feature::kMtu) | FeatureBit(virtio::feature::kEventIdx) |
                     FeatureBit(virtio::feature::kRingPacked);
  Rig rig(c);
  ASSERT_TRUE(rig.net.Init(rig.sink).ok()) << rig.net.failure_reason();
  EXPECT_EQ(rig.device.driver_features(), FeatureBit(virtio::feature::kVersion1) |
                                              FeatureBit(feature::kMac) |
                                              FeatureBit(feature::kStatus));
  const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
  EXPECT_EQ(memcmp(rig.net.info().mac, mac, 6), 0);
  EXPECT_TRUE(rig.net.info().mac_from_device);
  EXPECT_TRUE(rig.net.link_up());
  EXPECT_TRUE(rig.net.info().msix);
  const uint16_t entry = rig.device.interrupt().msix_entry();
  EXPECT_EQ(rig.device.queue_msix_vector(0), entry);
  EXPECT_EQ(rig.device.queue_msix_vector(1), entry);
  EXPECT_EQ(rig.device.config_msix_vector(), entry);
  EXPECT_TRUE(rig.device.status() & virtio::status::kDriverOk);
  rig.ExpectClean();
}

TEST(NetDevice, WithoutMacAndStatusMakesUpAnAddressAndTheLinkIsUp) {
  FakeNetBackend::Config c;
  c.offer_mac = false;
  c.offer_status = false;
  c.link_up = false;  // not negotiated: the field means nothing
  Rig rig(c);
  ASSERT_TRUE(rig.net.Init(rig.sink).ok());
  EXPECT_FALSE(rig.net.info().mac_from_device);
  EXPECT_EQ(rig.net.info().mac[0] & 0x03, 0x02);  // locally administered unicast
  EXPECT_TRUE(rig.net.link_up());
  rig.ExpectClean();
}

TEST(NetDevice, RefusesOtherDevicesAndDevicesWithoutVersion1) {
  FakeDma dma;
  FakeVirtioDevice blk(virtio::kDeviceTypeBlock, dma);
  Device net(blk.config(), blk.bars(), dma, blk.interrupt());
  Recorder sink;
  EXPECT_EQ(net.Init(sink).error(), Error::kNotSupported);

  Rig rig;
  rig.device.offered_features &= ~FeatureBit(virtio::feature::kVersion1);
  EXPECT_EQ(rig.net.Init(rig.sink).error(), Error::kNotSupported);
  EXPECT_TRUE(rig.device.status() & virtio::status::kFailed);
}

TEST(NetDevice, ReceivesFramesIntoTheCallersBuffers) {
  Rig rig;
  ASSERT_TRUE(rig.net.Init(rig.sink).ok());
  rig.PostRx(0, 8);
  std::vector<uint8_t> a = Frame(60, 1), b = Frame(1514, 2), c = Frame(42, 3);
  rig.backend.Inject(a);
  rig.backend.Inject(b);
  rig.backend.Inject(c);
  rig.ServiceInterrupt();
  ASSERT_EQ(rig.sink.received.size(), 3u);
  EXPECT_EQ(rig.sink.received[0], (std::pair<uint64_t, uint32_t>{0, 60}));
  EXPECT_EQ(rig.sink.received[1], (std::pair<uint64_t, uint32_t>{1, 1514}));
  EXPECT_EQ(rig.sink.received[2], (std::pair<uint64_t, uint32_t>{2, 42}));
  // The frames sit at the start of the buffers: the header went elsewhere.
  EXPECT_EQ(memcmp(rig.Cpu(0), a.data(), a.size()), 0);
  EXPECT_EQ(memcmp(rig.Cpu(1), b.data(), b.size()), 0);
  EXPECT_EQ(memcmp(rig.Cpu(2), c.data(), c.size()), 0);
  EXPECT_EQ(rig.net.stats().rx_frames, 3u);
  EXPECT_EQ(rig.device.held_chains(), 5u);  // the other buffers wait for frames
  rig.ExpectClean();
}

TEST(NetDevice, UsedLengthLargerThanTheBufferIsDroppedAndCounted) {
  Rig rig;
  ASSERT_TRUE(rig.net.Init(rig.sink).ok());
  rig.PostRx(0, 2);
  rig.backend.Inject(Frame(100, 1));
  rig.backend.LieAboutNextLength(12 + kBuf + 1);
  rig.backend.Inject(Frame(100, 2));
  rig.ServiceInterrupt();
  EXPECT_EQ(rig.net.stats().rx_bad_length, 1u);
  ASSERT_EQ(rig.sink.returned.size(), 1u);
  EXPECT_EQ(rig.sink.returned[0], 0u);
  ASSERT_EQ(rig.sink.received.size(), 1u);
  EXPECT_EQ(rig.sink.received[0].first, 1u);
  EXPECT_TRUE(rig.net.ready());
  rig.ExpectClean();
}

TEST(NetDevice, UsedLengthsTooShortOrTooLongForAFrameAreDropped) {
  Rig rig;
  ASSERT_TRUE(rig.net.Init(rig.sink).ok());
  rig.PostRx(0, 3);
  const uint32_t lies[] = {0, 12 + 13, 12 + 1514 + 4 + 1};
  for (uint32_t lie : lies) {
    rig.backend.LieAboutNextLength(lie);
    rig.backend.Inject(Frame(64, 9));
    rig.ServiceInterrupt();
  }
  EXPECT_EQ(rig.net.stats().rx_bad_length, 3u);
  EXPECT_EQ(rig.sink.returned.size(), 3u);
  EXPECT_TRUE(rig.sink.received.empty());
  rig.ExpectClean();
}

TEST(NetDevice, TransmitsFramesAndGivesTheBuffersBack) {
  Rig rig;
  ASSERT_TRUE(rig.net.Init(rig.sink).ok());
  std::vector<uint8_t> a = Frame(42, 5), b = Frame(1514, 6);
  memcpy(rig.Cpu(10), a.data(), a.size());
  memcpy(rig.Cpu(11), b.data(), b.size());
  ASSERT_TRUE(rig.net.AddTxFrame(rig.Address(10), 42, 10).ok());
  ASSERT_TRUE(rig.net.AddTxFrame(rig.Address(11), 1514, 11).ok());
  rig.net.Kick();
  rig.ServiceInterrupt();
  ASSERT_EQ(rig.backend.sent().size(), 2u);
  EXPECT_EQ(rig.backend.sent()[0], a);
  EXPECT_EQ(rig.backend.sent()[1], b);
  EXPECT_EQ(rig.sink.transmitted, (std::vector<uint64_t>{10, 11}));
  EXPECT_EQ(rig.net.stats().tx_frames, 2u);
  EXPECT_EQ(rig.device.notifications(), 1);  // one kick for both
  rig.ExpectClean();
}

TEST(NetDevice, RefusesFramesOfIllegalSize) {
  Rig rig;
  ASSERT_TRUE(rig.net.Init(rig.sink).ok());
  EXPECT_EQ(rig.net.AddTxFrame(rig.Address(0), 13, 0).error(), Error::kInvalid);
  EXPECT_EQ(rig.net.AddTxFrame(rig.Address(0), 1515, 0).error(), Error::kInvalid);
  EXPECT_EQ(rig.net.AddRxBuffer(rig.Address(0), 1000, 0).error(), Error::kInvalid);
  rig.ExpectClean();
}

TEST(NetDevice, QueueFullIsAgain) {
  Rig rig;
  ASSERT_TRUE(rig.net.Init(rig.sink, Options{8}).ok());
  EXPECT_EQ(rig.net.rx_room(), 4);
  for (uint32_t i = 0; i < 4; ++i) ASSERT_TRUE(rig.net.AddRxBuffer(rig.Address(i), kBuf, i).ok());
  EXPECT_EQ(rig.net.rx_room(), 0);
  EXPECT_EQ(rig.net.AddRxBuffer(rig.Address(5), kBuf, 5).error(), Error::kAgain);
  for (uint32_t i = 0; i < 4; ++i) ASSERT_TRUE(rig.net.AddTxFrame(rig.Address(i), 60, i).ok());
  EXPECT_EQ(rig.net.AddTxFrame(rig.Address(5), 60, 5).error(), Error::kAgain);
  rig.ExpectClean();
}

TEST(NetDevice, LinkChangesComeFromConfigurationChanges) {
  for (Interrupt::Kind kind : {Interrupt::Kind::kMsix, Interrupt::Kind::kIntx}) {
    Rig rig(FakeNetBackend::Config(), kind);
    ASSERT_TRUE(rig.net.Init(rig.sink).ok());
    EXPECT_TRUE(rig.net.link_up());
    rig.backend.SetLink(false);
    rig.device.ChangeConfig();
    rig.ServiceInterrupt();
    EXPECT_FALSE(rig.net.link_up());
    rig.backend.SetLink(true);
    rig.device.ChangeConfig();
    rig.ServiceInterrupt();
    EXPECT_TRUE(rig.net.link_up());
    EXPECT_EQ(rig.net.stats().link_changes, 2u);
    EXPECT_EQ(rig.net.stats().config_changes, 2u);
    rig.ExpectClean();
  }
}

TEST(NetDevice, IntxReadsTheIsrAndAcks) {
  Rig rig(FakeNetBackend::Config(), Interrupt::Kind::kIntx);
  ASSERT_TRUE(rig.net.Init(rig.sink).ok());
  EXPECT_FALSE(rig.net.info().msix);
  EXPECT_EQ(rig.device.queue_msix_vector(0), virtio::kNoMsixVector);
  rig.PostRx(0, 4);
  rig.backend.Inject(Frame(60, 1));
  rig.ServiceInterrupt();
  EXPECT_EQ(rig.sink.received.size(), 1u);
  EXPECT_FALSE(rig.device.intx_asserted());
  EXPECT_GE(rig.device.interrupt().acks(), 1);
  rig.ExpectClean();
}

TEST(NetDevice, ABrokenDeviceGivesEveryBufferBackAndInitRecovers) {
  Rig rig;
  ASSERT_TRUE(rig.net.Init(rig.sink).ok());
  rig.PostRx(0, 4);
  ASSERT_TRUE(rig.net.AddTxFrame(rig.Address(9), 60, 9).ok());
  rig.device.stalled = true;
  rig.net.Kick();
  rig.device.stalled = false;
  rig.device.CorruptNextUsedId(200);
  rig.backend.Inject(Frame(60, 1));
  rig.device.Run();
  auto r = rig.net.Poll();
  ASSERT_TRUE(r.is_error());
  EXPECT_EQ(r.error(), Error::kIo);
  EXPECT_FALSE(rig.net.ready());
  // Every buffer came back, received or not.
  std::map<uint64_t, int> back;
  for (auto t : rig.sink.returned) ++back[t];
  for (auto p : rig.sink.received) ++back[p.first];
  for (auto t : rig.sink.transmitted) ++back[t];
  EXPECT_EQ(back.size(), 5u);
  ASSERT_TRUE(rig.net.Init(rig.sink).ok());
  EXPECT_TRUE(rig.net.ready());
  rig.PostRx(0, 4);
  rig.backend.Inject(Frame(60, 2));
  size_t before = rig.sink.received.size();
  rig.ServiceInterrupt();
  EXPECT_EQ(rig.sink.received.size(), before + 1);
}

}  // namespace
}  // namespace virtio_net
