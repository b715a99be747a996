#include "drivers/virtio/pci_transport.h"

#include <gtest/gtest.h>

#include "drivers/virtio/testing/fake_dma.h"
#include "drivers/virtio/testing/fake_virtio_device.h"
#include "drivers/virtio/virtqueue.h"

namespace virtio {
namespace {

using testing::FakeDma;
using testing::FakeVirtioDevice;

constexpr uint64_t kV1 = FeatureBit(feature::kVersion1);
constexpr uint64_t kEventIdx = FeatureBit(feature::kEventIdx);

struct Rig {
  explicit Rig(FakeVirtioDevice::Layout layout = FakeVirtioDevice::Layout())
      : device(1, dma, Interrupt::Kind::kMsix, layout) {}

  kstd::Result<void> Bind() {
    BarSizes sizes;
    for (int i = 0; i < pci::kBarCount; ++i) {
      sizes.size[i] = device.bars()[i] ? device.bars()[i]->size() : 0;
    }
    auto caps = ParseCapabilities(device.config(), sizes);
    if (caps.is_error()) return caps.error();
    return transport.Init(caps.value(), device.bars());
  }

  FakeDma dma;
  FakeVirtioDevice device;
  PciTransport transport;
};

TEST(PciTransport, NegotiationFollowsTheInitSequence) {
  Rig rig;
  rig.device.offered_features = kV1 | kEventIdx | FeatureBit(5) | FeatureBit(feature::kRingPacked);
  ASSERT_TRUE(rig.Bind().ok());
  EXPECT_EQ(rig.transport.DeviceFeatures(), rig.device.offered_features);
  auto accepted = rig.transport.NegotiateFeatures(kEventIdx | FeatureBit(7), kV1);
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(accepted.value(), kV1 | kEventIdx);  // bit 7 was not offered
  EXPECT_EQ(rig.device.driver_features(), kV1 | kEventIdx);
  using namespace status;
  EXPECT_EQ(rig.device.status_writes(),
            (std::vector<uint8_t>{0, kAcknowledge, kAcknowledge | kDriver,
                                  kAcknowledge | kDriver | kFeaturesOk}));
  rig.transport.SetDriverOk();
  EXPECT_EQ(rig.device.status(), kAcknowledge | kDriver | kFeaturesOk | kDriverOk);
  EXPECT_TRUE(rig.device.errors().empty()) << rig.device.errors()[0];
}

TEST(PciTransport, MissingVersion1Fails) {
  Rig rig;
  rig.device.offered_features = kEventIdx;  // a legacy-only device
  ASSERT_TRUE(rig.Bind().ok());
  EXPECT_EQ(rig.transport.NegotiateFeatures(kEventIdx, 0).error(), kstd::Error::kNotSupported);
  EXPECT_TRUE(rig.device.status() & status::kFailed);
  EXPECT_FALSE(rig.device.status() & status::kFeaturesOk);
}

TEST(PciTransport, RefusedFeaturesOkFails) {
  Rig rig;
  rig.device.reject_features_ok = true;
  ASSERT_TRUE(rig.Bind().ok());
  EXPECT_EQ(rig.transport.NegotiateFeatures(0, 0).error(), kstd::Error::kIo);
  EXPECT_TRUE(rig.device.status() & status::kFailed);
}

TEST(PciTransport, ResetThatNeverCompletesTimesOut) {
  Rig rig;
  rig.device.never_finish_reset = true;
  ASSERT_TRUE(rig.Bind().ok());
  EXPECT_EQ(rig.transport.Reset().error(), kstd::Error::kTimedOut);
  EXPECT_EQ(rig.transport.NegotiateFeatures(0, 0).error(), kstd::Error::kTimedOut);
}

TEST(PciTransport, QueueSetupProgramsTheDevice) {
  Rig rig;
  rig.device.queue_max_size = 64;
  ASSERT_TRUE(rig.Bind().ok());
  ASSERT_TRUE(rig.transport.NegotiateFeatures(0, 0).ok());
  EXPECT_EQ(rig.transport.NumQueues(), 1);
  EXPECT_EQ(rig.transport.QueueMaxSize(0).value(), 64);
  EXPECT_EQ(rig.transport.QueueMaxSize(1).error(), kstd::Error::kNotFound);

  SplitVirtqueue q;
  ASSERT_TRUE(q.Init(rig.dma, 32, false).ok());
  QueueConfig qc;
  qc.size = 32;
  qc.desc = q.desc_address();
  qc.driver = q.driver_address();
  qc.device = q.device_address();
  qc.msix_vector = 3;
  for (uint16_t bad : {0, 48, 128}) {
    QueueConfig b = qc;
    b.size = bad;
    EXPECT_EQ(rig.transport.EnableQueue(0, b).error(), kstd::Error::kInvalid) << bad;
  }
  ASSERT_TRUE(rig.transport.SetConfigMsixVector(3).ok());
  auto n = rig.transport.EnableQueue(0, qc);
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(rig.device.queue_enabled(0));
  EXPECT_EQ(rig.device.queue_size(0), 32);
  EXPECT_EQ(rig.device.queue_msix_vector(0), 3);
  EXPECT_EQ(rig.device.config_msix_vector(), 3);
  EXPECT_EQ(n.value().offset, 0x3000u);  // notify cap offset + 0 * multiplier
  EXPECT_EQ(rig.transport.QueueMaxSize(0).error(), kstd::Error::kBusy);  // already enabled
  rig.transport.SetDriverOk();
  PciTransport::Notify(n.value());
  EXPECT_EQ(rig.device.notifications(), 1);
  EXPECT_TRUE(rig.device.errors().empty()) << rig.device.errors()[0];
}

TEST(PciTransport, RefusedMsixVectorIsReported) {
  Rig rig;
  rig.device.refuse_msix = true;
  ASSERT_TRUE(rig.Bind().ok());
  ASSERT_TRUE(rig.transport.NegotiateFeatures(0, 0).ok());
  EXPECT_EQ(rig.transport.SetConfigMsixVector(1).error(), kstd::Error::kBusy);
  EXPECT_TRUE(rig.transport.SetConfigMsixVector(kNoMsixVector).ok());
  SplitVirtqueue q;
  ASSERT_TRUE(q.Init(rig.dma, 8, false).ok());
  QueueConfig qc{8, q.desc_address(), q.driver_address(), q.device_address(), 1};
  EXPECT_EQ(rig.transport.EnableQueue(0, qc).error(), kstd::Error::kBusy);
}

TEST(PciTransport, NotifyRegisterOutsideTheStructureIsRejected) {
  FakeVirtioDevice::Layout layout;
  layout.notify_length = 2;  // room for queue 0's register only
  Rig rig(layout);
  rig.device.num_queues = 2;
  ASSERT_TRUE(rig.Bind().ok());
  ASSERT_TRUE(rig.transport.NegotiateFeatures(0, 0).ok());
  SplitVirtqueue q0, q1;
  ASSERT_TRUE(q0.Init(rig.dma, 8, false).ok());
  ASSERT_TRUE(q1.Init(rig.dma, 8, false).ok());
  QueueConfig c0{8, q0.desc_address(), q0.driver_address(), q0.device_address(), kNoMsixVector};
  QueueConfig c1{8, q1.desc_address(), q1.driver_address(), q1.device_address(), kNoMsixVector};
  EXPECT_TRUE(rig.transport.EnableQueue(0, c0).ok());
  EXPECT_EQ(rig.transport.EnableQueue(1, c1).error(), kstd::Error::kBadMessage);
}

TEST(PciTransport, DeviceConfigReadsAreBoundedAndConsistent) {
  Rig rig;
  rig.device.device_config = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  ASSERT_TRUE(rig.Bind().ok());
  EXPECT_EQ(rig.transport.device_config_length(), 0x1000u);
  EXPECT_EQ(rig.transport.DeviceRead8(1), 2);
  EXPECT_EQ(rig.transport.DeviceRead16(2), 0x0403);
  EXPECT_EQ(rig.transport.DeviceRead32(4), 0x08070605u);
  EXPECT_EQ(rig.transport.DeviceRead64(0), 0x0807060504030201ull);
  EXPECT_EQ(rig.transport.DeviceRead32(0x1000), 0xFFFFFFFFu);  // past the structure
  EXPECT_EQ(rig.transport.DeviceRead64(0xFFC), ~uint64_t{0});
  EXPECT_EQ(rig.transport.DeviceRead32(0xFFFFFFFCu), 0xFFFFFFFFu);

  int calls = 0;
  rig.device.generation_bumps = 3;  // the first reads see the generation move
  EXPECT_TRUE(rig.transport
                  .ReadConfigConsistently([&]() -> kstd::Result<void> {
                    ++calls;
                    return kstd::Ok();
                  })
                  .ok());
  EXPECT_GT(calls, 1);
  rig.device.generation_bumps = 100000;  // a device that never settles
  EXPECT_EQ(rig.transport.ReadConfigConsistently([&]() -> kstd::Result<void> { return kstd::Ok(); })
                .error(),
            kstd::Error::kAgain);
  EXPECT_TRUE(rig.device.errors().empty()) << rig.device.errors()[0];
}

TEST(PciTransport, BindingNeedsTheMappedBars) {
  Rig rig;
  BarSizes sizes;
  sizes.size[4] = 0x4000;
  auto caps = ParseCapabilities(rig.device.config(), sizes);
  ASSERT_TRUE(caps.ok());
  Mmio* none[pci::kBarCount] = {};
  EXPECT_EQ(rig.transport.Init(caps.value(), none).error(), kstd::Error::kInvalid);
  MappedMmio small(nullptr, 0x2000);  // mapped smaller than the structures
  Mmio* bars[pci::kBarCount] = {nullptr, nullptr, nullptr, nullptr, &small, nullptr};
  EXPECT_EQ(rig.transport.Init(caps.value(), bars).error(), kstd::Error::kInvalid);
  EXPECT_FALSE(rig.transport.bound());
}

TEST(MappedMmio, AccessesStayInsideTheMapping) {
  alignas(8) uint8_t bytes[16] = {};
  MappedMmio m(bytes, sizeof(bytes));
  m.Write32(4, 0xAABBCCDD);
  EXPECT_EQ(m.Read32(4), 0xAABBCCDDu);
  EXPECT_EQ(m.Read8(5), 0xCC);
  m.Write64(8, 0x1122334455667788ull);
  EXPECT_EQ(m.Read64(8), 0x1122334455667788ull);
  m.Write32(16, 1);  // past the end: dropped
  m.Write16(15, 1);  // straddles the end: dropped
  m.Write32(2, 1);   // misaligned: dropped
  EXPECT_EQ(m.Read32(16), 0xFFFFFFFFu);
  EXPECT_EQ(m.Read16(15), 0xFFFF);
  EXPECT_EQ(m.Read32(2), 0xFFFFFFFFu);
  EXPECT_EQ(m.Read32(0), 0u);
  MappedMmio none;
  EXPECT_EQ(none.Read8(0), 0xFF);
}

}  // namespace
}  // namespace virtio
