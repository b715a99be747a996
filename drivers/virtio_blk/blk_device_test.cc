#include "drivers/virtio_blk/blk_device.h"

#include <gtest/gtest.h>
#include <string.h>

#include <map>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include "drivers/virtio/testing/fake_dma.h"
#include "drivers/virtio/testing/fake_virtio_device.h"
#include "drivers/virtio/testing/word_dump.h"
#include "drivers/virtio_blk/testing/fake_blk_backend.h"

namespace virtio_blk {
namespace {

using kstd::Error;
using testing::FakeBlkBackend;
using virtio::DmaBuffer;
using virtio::DmaSegment;
using virtio::FeatureBit;
using virtio::Interrupt;
using virtio::testing::FakeDma;
using virtio::testing::FakeVirtioDevice;
using Span = kstd::Span<const DmaSegment>;

constexpr Interrupt::Kind kMsix = Interrupt::Kind::kMsix;
constexpr Interrupt::Kind kIntx = Interrupt::Kind::kIntx;

// A driver over a fake device and its block backend.
struct Rig {
  explicit Rig(FakeBlkBackend::Config config = FakeBlkBackend::Config(),
               Interrupt::Kind kind = kMsix,
               FakeVirtioDevice::Layout layout = FakeVirtioDevice::Layout())
      : device(virtio::kDeviceTypeBlock, dma, kind, layout),
        backend(device, config),
        blk(device.config(), device.bars(), dma, device.interrupt()) {}

  ~Rig() {
    for (auto& b : buffers) dma.Free(b);
  }

  /// A client buffer (what the fs server would share), filled with `fill`.
  DmaBuffer Buffer(size_t size, uint8_t fill = 0) {
    DmaBuffer b = dma.Allocate(size, 512).value();
    memset(b.cpu, fill, size);
    buffers.push_back(b);
    return b;
  }

  /// Every rule the fakes check held.
  void ExpectClean() {
    for (const auto& e : device.errors()) ADD_FAILURE() << "device: " << e;
    for (const auto& e : backend.errors()) ADD_FAILURE() << "backend: " << e;
    EXPECT_EQ(dma.bad_frees(), 0);
  }

  /// The event loop's interrupt path: wait (the device runs), then handle.
  void ServiceInterrupt() {
    if (device.interrupt().Wait(0).ok()) (void)blk.HandleInterrupt();
  }

  FakeDma dma;
  FakeVirtioDevice device;
  FakeBlkBackend backend;
  Device blk;
  std::vector<DmaBuffer> buffers;
};

DmaSegment Seg(const DmaBuffer& b, size_t offset, uint32_t length) {
  return DmaSegment{b.device_address + offset, length};
}

// Async completions recorded by request number.
struct Tracker {
  struct Entry {
    Tracker* tracker;
    int id;
  };
  std::map<int, kstd::Result<void>> results;
  std::vector<std::unique_ptr<Entry>> entries;

  Request Make(Op op, uint64_t sector, Span data, int id) {
    entries.push_back(std::make_unique<Entry>(Entry{this, id}));
    Request r;
    r.op = op;
    r.sector = sector;
    r.data = data;
    r.context = entries.back().get();
    r.done = [](void* c, kstd::Result<void> result) {
      auto* e = static_cast<Entry*>(c);
      EXPECT_EQ(e->tracker->results.count(e->id), 0u) << "completed twice";
      e->tracker->results.emplace(e->id, result);
    };
    return r;
  }
};

FakeBlkBackend::Config FullConfig() {
  FakeBlkBackend::Config c;
  c.seg_max = 126;
  c.size_max = 65536;
  c.blk_size = 4096;
  c.topology = true;
  return c;
}

TEST(BlkInit, NegotiatesAndReadsTheConfiguration) {
  Rig rig(FullConfig());
  ASSERT_TRUE(rig.blk.Init().ok()) << rig.blk.failure_reason();
  const Info& info = rig.blk.info();
  EXPECT_EQ(info.capacity_sectors, 2048u);
  EXPECT_EQ(info.block_size, 4096u);
  EXPECT_EQ(info.max_segments, 126u);
  EXPECT_EQ(info.max_segment_bytes, 65536u);
  EXPECT_EQ(info.physical_block_exp, 3);
  EXPECT_EQ(info.opt_io_size, 64u);
  EXPECT_TRUE(info.flush);
  EXPECT_TRUE(info.event_idx);
  EXPECT_FALSE(info.read_only);
  EXPECT_TRUE(info.msix);
  EXPECT_EQ(info.queue_size, 256);
  EXPECT_EQ(info.max_in_flight, 128);
  using namespace virtio::status;
  EXPECT_EQ(rig.device.status_writes(),
            (std::vector<uint8_t>{0, kAcknowledge, kAcknowledge | kDriver,
                                  kAcknowledge | kDriver | kFeaturesOk,
                                  kAcknowledge | kDriver | kFeaturesOk | kDriverOk}));
  EXPECT_EQ(rig.device.queue_msix_vector(0), 3);  // the interrupt object's entry
  EXPECT_EQ(rig.device.config_msix_vector(), 3);
  EXPECT_EQ(rig.device.driver_features(), rig.device.offered_features);
  EXPECT_TRUE(rig.blk.ready());
  rig.ExpectClean();
}

TEST(BlkInit, NeverAcceptsFeaturesItDoesNotImplement) {
  FakeBlkBackend::Config c = FullConfig();
  using namespace virtio::feature;
  c.extra_features = FeatureBit(kIndirectDesc) | FeatureBit(kRingPacked) | FeatureBit(kInOrder) |
                     FeatureBit(kNotificationData) | FeatureBit(kRingReset) | FeatureBit(kSrIov) |
                     FeatureBit(feature::kMq) | FeatureBit(feature::kDiscard) |
                     FeatureBit(feature::kWriteZeroes) | FeatureBit(feature::kConfigWce) |
                     FeatureBit(feature::kGeometry) | FeatureBit(feature::kLifetime) |
                     FeatureBit(feature::kSecureErase) | FeatureBit(27) | FeatureBit(24) |
                     FeatureBit(kAccessPlatform);
  Rig rig(c);
  ASSERT_TRUE(rig.blk.Init().ok());
  EXPECT_EQ(rig.device.driver_features() & c.extra_features, FeatureBit(kAccessPlatform));
  rig.ExpectClean();
}

TEST(BlkInit, RealQemuConfigurationStructure) {
  std::vector<uint8_t> cfg =
      virtio::testing::ReadWordDump("drivers/virtio/testdata/qemu72_virtio_blk_device_config.txt");
  ASSERT_EQ(cfg.size(), 64u);
  FakeBlkBackend::Config c;
  c.capacity_sectors = 16384;
  Rig rig(c);
  rig.device.device_config = cfg;
  // What QEMU 7.2 offers a modern virtio-blk (low word as the capture shows it).
  rig.device.offered_features |= FeatureBit(feature::kSegMax) | FeatureBit(feature::kGeometry) |
                                 FeatureBit(feature::kBlkSize) | FeatureBit(feature::kTopology) |
                                 FeatureBit(feature::kConfigWce) | FeatureBit(feature::kDiscard) |
                                 FeatureBit(feature::kWriteZeroes);
  ASSERT_TRUE(rig.blk.Init().ok()) << rig.blk.failure_reason();
  EXPECT_EQ(rig.blk.info().capacity_sectors, 16384u);
  EXPECT_EQ(rig.blk.info().max_segments, 254u);
  EXPECT_EQ(rig.blk.info().block_size, 512u);
  EXPECT_EQ(rig.blk.info().max_segment_bytes, UINT32_MAX);  // SIZE_MAX not offered
  EXPECT_EQ(rig.blk.info().physical_block_exp, 0);
  rig.ExpectClean();
}

TEST(BlkInit, DeviceRejectingFeaturesOkFails) {
  Rig rig;
  rig.device.reject_features_ok = true;
  EXPECT_EQ(rig.blk.Init().error(), Error::kIo);
  EXPECT_STREQ(rig.blk.failure_reason(), "device refused FEATURES_OK");
  EXPECT_TRUE(rig.device.status() & virtio::status::kFailed);
  EXPECT_FALSE(rig.blk.ready());
  DmaBuffer b = rig.Buffer(512);
  DmaSegment s[] = {Seg(b, 0, 512)};
  EXPECT_EQ(rig.blk.Read(0, Span(s)).error(), Error::kIo);
}

TEST(BlkInit, RefusesWhatIsNotAModernBlockDevice) {
  {
    Rig rig;
    rig.device.offered_features = 0;  // no VERSION_1
    EXPECT_EQ(rig.blk.Init().error(), Error::kNotSupported);
    EXPECT_TRUE(rig.device.status() & virtio::status::kFailed);
  }
  {
    Rig rig;
    rig.device.config().Put16(virtio::pci::kDeviceId, 0x1041);  // a network device
    EXPECT_EQ(rig.blk.Init().error(), Error::kNotSupported);
    EXPECT_STREQ(rig.blk.failure_reason(), "not a virtio block device");
    EXPECT_TRUE(rig.device.status_writes().empty());  // never touched
  }
  {
    Rig rig;
    rig.device.config().Put8(0x40 + 1, 0x40);  // capability loop
    EXPECT_EQ(rig.blk.Init().error(), Error::kBadMessage);
  }
  {
    FakeVirtioDevice::Layout layout;
    layout.device_length = 4;  // no room for the capacity
    Rig rig(FakeBlkBackend::Config(), kMsix, layout);
    EXPECT_EQ(rig.blk.Init().error(), Error::kBadMessage);
  }
  {
    Rig rig;
    rig.device.queue_max_size = 2;
    EXPECT_EQ(rig.blk.Init().error(), Error::kNotSupported);
    EXPECT_TRUE(rig.device.status() & virtio::status::kFailed);
  }
  {
    Rig rig;
    rig.device.refuse_msix = true;
    EXPECT_EQ(rig.blk.Init().error(), Error::kBusy);
    EXPECT_STREQ(rig.blk.failure_reason(), "device refused the MSI-X vector");
  }
}

TEST(BlkInit, FeaturesNeedTheirConfigurationFields) {
  FakeVirtioDevice::Layout layout;
  layout.device_length = 12;  // capacity and size_max only
  Rig rig(FullConfig(), kMsix, layout);
  ASSERT_TRUE(rig.blk.Init().ok());
  uint64_t f = rig.device.driver_features();
  EXPECT_TRUE(f & FeatureBit(feature::kSizeMax));
  EXPECT_FALSE(f & FeatureBit(feature::kSegMax));
  EXPECT_FALSE(f & FeatureBit(feature::kBlkSize));
  EXPECT_FALSE(f & FeatureBit(feature::kTopology));
  EXPECT_EQ(rig.blk.info().block_size, 512u);
  EXPECT_EQ(rig.blk.info().max_segments, 254u);  // the queue's own limit
  rig.ExpectClean();
}

TEST(BlkInit, OutOfMemoryFailsCleanly) {
  for (int ok_allocations : {0, 1}) {
    Rig rig;
    rig.dma.FailAfter(ok_allocations);
    EXPECT_EQ(rig.blk.Init().error(), Error::kNoMemory);
    EXPECT_TRUE(rig.device.status() & virtio::status::kFailed);
    EXPECT_EQ(rig.dma.live_allocations(), static_cast<size_t>(ok_allocations));
    // Memory comes back: a second Init succeeds and I/O works.
    rig.dma.FailAfter(-1);
    ASSERT_TRUE(rig.blk.Init().ok()) << rig.blk.failure_reason();
    DmaBuffer b = rig.Buffer(512);
    DmaSegment s[] = {Seg(b, 0, 512)};
    EXPECT_TRUE(rig.blk.Read(0, Span(s)).ok());
    rig.ExpectClean();
  }
}

TEST(BlkInit, ConfigurationReadRetriesWhileGenerationMoves) {
  Rig rig;
  rig.device.generation_bumps = 5;
  ASSERT_TRUE(rig.blk.Init().ok());
  EXPECT_EQ(rig.blk.info().capacity_sectors, 2048u);
  Rig never;
  never.device.generation_bumps = 1 << 30;
  EXPECT_EQ(never.blk.Init().error(), Error::kAgain);
}

TEST(BlkIo, SyncReadWriteFlushGetId) {
  Rig rig(FullConfig());
  ASSERT_TRUE(rig.blk.Init().ok());
  DmaBuffer out = rig.Buffer(4096);
  for (int i = 0; i < 4096; ++i) out.cpu[i] = static_cast<uint8_t>(i ^ 0x5A);
  DmaSegment w[] = {Seg(out, 0, 4096)};
  ASSERT_TRUE(rig.blk.Write(8, Span(w)).ok());
  EXPECT_EQ(memcmp(rig.backend.disk().data() + 8 * 512, out.cpu, 4096), 0);

  DmaBuffer in = rig.Buffer(4096, 0xEE);
  DmaSegment r[] = {Seg(in, 0, 1024), Seg(in, 1024, 3072)};  // two segments
  ASSERT_TRUE(rig.blk.Read(8, Span(r)).ok());
  EXPECT_EQ(memcmp(in.cpu, out.cpu, 4096), 0);

  ASSERT_TRUE(rig.blk.Flush().ok());
  EXPECT_EQ(rig.backend.flushes(), 1);
  char id[kIdBytes + 1];
  ASSERT_TRUE(rig.blk.GetId(id).ok());
  EXPECT_STREQ(id, "tessera-disk-0");
  EXPECT_EQ(rig.backend.reads(), 1);
  EXPECT_EQ(rig.backend.writes(), 1);
  rig.ExpectClean();
}

TEST(BlkIo, GetIdOfTwentyBytesHasNoTerminatorOnTheWire) {
  FakeBlkBackend::Config c;
  c.id = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";  // longer than 20: the device sends 20
  Rig rig(c);
  ASSERT_TRUE(rig.blk.Init().ok());
  char id[kIdBytes + 1];
  ASSERT_TRUE(rig.blk.GetId(id).ok());
  EXPECT_STREQ(id, "ABCDEFGHIJKLMNOPQRST");
  // The asynchronous form writes into a caller's 20-byte buffer.
  DmaBuffer b = rig.Buffer(20);
  Tracker t;
  DmaSegment s[] = {Seg(b, 0, 20)};
  ASSERT_TRUE(rig.blk.Submit(t.Make(Op::kGetId, 0, Span(s), 1)).ok());
  rig.ServiceInterrupt();
  ASSERT_EQ(t.results.count(1), 1u);
  ASSERT_TRUE(t.results.at(1).ok());
  EXPECT_EQ(memcmp(b.cpu, "ABCDEFGHIJKLMNOPQRST", 20), 0);
  DmaSegment short_id[] = {Seg(b, 0, 19)};
  EXPECT_EQ(rig.blk.Submit(t.Make(Op::kGetId, 0, Span(short_id), 2)).error(), Error::kInvalid);
  rig.ExpectClean();
}

TEST(BlkIo, SegmentsAreSplitAtSizeMaxAndBoundedBySegMax) {
  FakeBlkBackend::Config c;
  c.size_max = 1024;
  c.seg_max = 8;
  Rig rig(c);
  ASSERT_TRUE(rig.blk.Init().ok());
  DmaBuffer b = rig.Buffer(64 * 1024, 0x11);
  DmaSegment two[] = {Seg(b, 0, 2048), Seg(b, 4096, 2048)};  // 4 descriptors
  ASSERT_TRUE(rig.blk.Write(0, Span(two)).ok());
  EXPECT_EQ(rig.backend.max_data_descriptors(), 4u);
  DmaSegment eight[] = {Seg(b, 0, 8192)};  // exactly 8 descriptors
  ASSERT_TRUE(rig.blk.Read(0, Span(eight)).ok());
  EXPECT_EQ(rig.backend.max_data_descriptors(), 8u);
  DmaSegment nine[] = {Seg(b, 0, 3072), Seg(b, 8192, 3072), Seg(b, 16384, 3072)};
  EXPECT_EQ(rig.blk.Read(0, Span(nine)).error(), Error::kInvalid);
  rig.ExpectClean();
}

TEST(BlkIo, RequestsAreBoundsChecked) {
  Options options;
  options.max_request_bytes = 64 * 1024;
  Rig rig;
  ASSERT_TRUE(rig.blk.Init(options).ok());
  DmaBuffer b = rig.Buffer(128 * 1024);
  uint64_t cap = rig.blk.info().capacity_sectors;
  auto read = [&](uint64_t sector, std::vector<DmaSegment> segs) {
    return rig.blk.Read(sector, Span(segs.data(), segs.size()));
  };
  EXPECT_EQ(read(0, {}).error(), Error::kInvalid);                    // no data
  EXPECT_EQ(read(0, {Seg(b, 0, 100)}).error(), Error::kInvalid);      // not whole sectors
  EXPECT_EQ(read(0, {Seg(b, 0, 256), Seg(b, 512, 256)}).ok(), true);  // whole in total
  EXPECT_EQ(read(0, {Seg(b, 0, 512), Seg(b, 512, 0)}).error(), Error::kInvalid);  // empty segment
  EXPECT_EQ(read(cap, {Seg(b, 0, 512)}).error(), Error::kInvalid);                // past the end
  EXPECT_EQ(read(cap - 1, {Seg(b, 0, 1024)}).error(), Error::kInvalid);  // runs past the end
  EXPECT_EQ(read(UINT64_MAX, {Seg(b, 0, 512)}).error(), Error::kInvalid);
  EXPECT_EQ(read(UINT64_MAX - 1, {Seg(b, 0, 1024)}).error(), Error::kInvalid);
  EXPECT_TRUE(read(cap - 1, {Seg(b, 0, 512)}).ok());                      // the last sector
  EXPECT_EQ(read(0, {Seg(b, 0, 65536 + 512)}).error(), Error::kInvalid);  // over the bound
  EXPECT_TRUE(read(0, {Seg(b, 0, 65536)}).ok());
  Request no_callback;
  EXPECT_EQ(rig.blk.Submit(no_callback).error(), Error::kInvalid);
  Tracker t;
  DmaSegment s[] = {Seg(b, 0, 512)};
  EXPECT_EQ(rig.blk.Submit(t.Make(Op::kFlush, 0, Span(s), 1)).error(), Error::kInvalid);
  EXPECT_TRUE(t.results.empty());
  rig.ExpectClean();
}

TEST(BlkIo, ReadOnlyDeviceRefusesWrites) {
  FakeBlkBackend::Config c;
  c.read_only = true;
  Rig rig(c);
  ASSERT_TRUE(rig.blk.Init().ok());
  EXPECT_TRUE(rig.blk.info().read_only);
  DmaBuffer b = rig.Buffer(4096, 0x77);
  DmaSegment s[] = {Seg(b, 0, 4096)};
  EXPECT_EQ(rig.blk.Write(0, Span(s)).error(), Error::kReadOnlyFs);
  Tracker t;
  EXPECT_EQ(rig.blk.Submit(t.Make(Op::kWrite, 0, Span(s), 1)).error(), Error::kReadOnlyFs);
  EXPECT_EQ(static_cast<int>(Error::kReadOnlyFs), 30);
  EXPECT_STREQ(kstd::ErrorName(Error::kReadOnlyFs), "EROFS");
  EXPECT_TRUE(rig.blk.Read(0, Span(s)).ok());
  EXPECT_TRUE(rig.blk.Flush().ok());
  EXPECT_EQ(rig.backend.writes(), 0);  // nothing reached the device
  EXPECT_TRUE(t.results.empty());
  rig.ExpectClean();
}

TEST(BlkIo, DeviceStatusMapsToErrors) {
  FakeBlkBackend::Config c;
  c.get_id = false;
  Rig rig(c);
  ASSERT_TRUE(rig.blk.Init().ok());
  rig.backend.bad_sectors().insert(5);
  DmaBuffer b = rig.Buffer(4096);
  DmaSegment four[] = {Seg(b, 0, 2048)};
  EXPECT_EQ(rig.blk.Read(4, Span(four)).error(), Error::kIo);
  EXPECT_EQ(rig.blk.Write(2, Span(four)).error(), Error::kIo);
  EXPECT_TRUE(rig.blk.Read(6, Span(four)).ok());
  char id[kIdBytes + 1];
  EXPECT_EQ(rig.blk.GetId(id).error(), Error::kNotSupported);
  EXPECT_EQ(rig.backend.unsupported(), 1);
  EXPECT_TRUE(rig.blk.ready());  // request errors do not fail the device
  rig.ExpectClean();
}

TEST(BlkIo, FlushWithoutTheFeature) {
  FakeBlkBackend::Config c;
  c.flush = false;
  Rig rig(c);
  ASSERT_TRUE(rig.blk.Init().ok());
  EXPECT_FALSE(rig.blk.info().flush);
  EXPECT_TRUE(rig.blk.Flush().ok());
  Tracker t;
  EXPECT_EQ(rig.blk.Submit(t.Make(Op::kFlush, 0, Span(), 1)).error(), Error::kNotSupported);
  EXPECT_EQ(rig.backend.flushes(), 0);
  rig.ExpectClean();
}

TEST(BlkIo, IntxInterruptsReadTheIsr) {
  Rig rig(FakeBlkBackend::Config(), kIntx);
  ASSERT_TRUE(rig.blk.Init().ok());
  EXPECT_FALSE(rig.blk.info().msix);
  EXPECT_EQ(rig.device.config_msix_vector(), virtio::kNoMsixVector);
  EXPECT_EQ(rig.device.queue_msix_vector(0), virtio::kNoMsixVector);
  rig.device.auto_process = false;  // the device works while the driver waits
  DmaBuffer b = rig.Buffer(512);
  DmaSegment s[] = {Seg(b, 0, 512)};
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(rig.blk.Read(i, Span(s)).ok());
  EXPECT_EQ(rig.device.interrupt().acks(), 10);
  EXPECT_FALSE(rig.device.interrupt().fired());  // the ISR read deasserted the line
  EXPECT_EQ(memcmp(b.cpu, rig.backend.disk().data() + 9 * 512, 512), 0);
  rig.ExpectClean();
}

// Up to max_in_flight requests outstanding, completed in random order, 70000
// of them so that the 16-bit ring indexes wrap.
TEST(BlkAsync, ManyInFlightOutOfOrderWithWrapAround) {
  Rig rig;
  rig.device.auto_process = false;
  rig.device.order = FakeVirtioDevice::Order::kRandom;
  rig.device.Seed(3);
  Options options;
  options.max_queue_size = 16;
  ASSERT_TRUE(rig.blk.Init(options).ok());
  ASSERT_EQ(rig.blk.info().max_in_flight, 8);
  DmaBuffer b = rig.Buffer(8 * 4096);
  std::mt19937 rng(9);
  Tracker t;
  int submitted = 0, completed = 0;
  const int kTotal = 70000;
  int busy_seen = 0;
  while (completed < kTotal) {
    while (submitted < kTotal) {
      // Reads into a shared scratch buffer, in 1 to 3 segments, so chains of
      // 3 to 5 descriptors fragment the free list.
      uint32_t pieces = 1 + rng() % 3;
      DmaSegment s[3];
      for (uint32_t i = 0; i < pieces; ++i) s[i] = Seg(b, i * 4096, 512 * (1 + rng() % 8));
      auto r = rig.blk.Queue(t.Make(Op::kRead, rng() % 2000, Span(s, pieces), submitted));
      if (r.is_error()) {
        ASSERT_EQ(r.error(), Error::kAgain);
        ++busy_seen;
        break;
      }
      ++submitted;
    }
    rig.blk.Kick();
    rig.device.max_chains_per_run = 1 + rng() % 5;
    rig.ServiceInterrupt();
    completed = static_cast<int>(t.results.size());
  }
  for (auto& [id, result] : t.results) ASSERT_TRUE(result.ok()) << id;
  EXPECT_EQ(rig.device.completed_chains(), static_cast<size_t>(kTotal));
  EXPECT_GE(rig.device.max_outstanding(), 4u);  // 16 descriptors, 3 to 5 per request
  EXPECT_GT(busy_seen, 1000);
  EXPECT_GT(rig.device.scattered_chains(), 1000u);  // chains from a fragmented free list
  EXPECT_GT(rig.device.wrapped_chains(), 1000u);    // ... that jump back in the table
  EXPECT_EQ(rig.device.used_idx(0), static_cast<uint16_t>(kTotal));
  rig.ExpectClean();
}

TEST(BlkAsync, CallbacksMaySubmitMoreRequests) {
  Rig rig;
  ASSERT_TRUE(rig.blk.Init().ok());
  DmaBuffer b = rig.Buffer(512);
  struct Chain {
    Device* blk;
    DmaSegment seg;
    int left;
    int done = 0;
  } chain{&rig.blk, Seg(b, 0, 512), 50};
  Request r;
  r.op = Op::kRead;
  r.data = Span(&chain.seg, 1);
  r.context = &chain;
  r.done = [](void* c, kstd::Result<void> result) {
    auto* ch = static_cast<Chain*>(c);
    ASSERT_TRUE(result.ok());
    ++ch->done;
    if (--ch->left > 0) {
      Request next;
      next.op = Op::kRead;
      next.sector = static_cast<uint64_t>(ch->left);
      next.data = Span(&ch->seg, 1);
      next.context = ch;
      next.done = [](void* c2, kstd::Result<void> res) {
        EXPECT_TRUE(res.ok());
        ++static_cast<Chain*>(c2)->done;
      };
      ASSERT_TRUE(ch->blk->Submit(next).ok());
    }
  };
  ASSERT_TRUE(rig.blk.Submit(r).ok());
  // The device completes synchronously on notify; the first callback queued
  // a second request, which completed too.
  for (int i = 0; i < 5; ++i) rig.ServiceInterrupt();
  EXPECT_EQ(chain.done, 2);
  rig.ExpectClean();
}

TEST(BlkAsync, QueueThenOneKick) {
  FakeBlkBackend::Config c;
  c.event_idx = false;
  Rig rig(c);
  rig.device.auto_process = false;
  ASSERT_TRUE(rig.blk.Init().ok());
  DmaBuffer b = rig.Buffer(512);
  DmaSegment s[] = {Seg(b, 0, 512)};
  Tracker t;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(rig.blk.Queue(t.Make(Op::kRead, i, Span(s), i)).ok());
  EXPECT_EQ(rig.device.notifications(), 0);
  rig.blk.Kick();
  EXPECT_EQ(rig.device.notifications(), 1);
  rig.blk.Kick();  // nothing new: no notification
  EXPECT_EQ(rig.device.notifications(), 1);
  rig.ServiceInterrupt();
  EXPECT_EQ(t.results.size(), 5u);
  rig.ExpectClean();
}

TEST(BlkAsync, NotificationSuppression) {
  for (int mode = 0; mode < 3; ++mode) {
    FakeBlkBackend::Config c;
    c.event_idx = mode == 0;
    Rig rig(c);
    rig.device.auto_process = false;
    rig.device.set_no_notify = mode == 2;
    ASSERT_TRUE(rig.blk.Init().ok());
    DmaBuffer b = rig.Buffer(512);
    DmaSegment s[] = {Seg(b, 0, 512)};
    Tracker t;
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(rig.blk.Submit(t.Make(Op::kRead, i, Span(s), i)).ok());
    // EVENT_IDX: the device has not caught up, so only the first publish
    // passes avail_event. Flags: every publish notifies unless NO_NOTIFY.
    int expected[] = {1, 8, 0};
    EXPECT_EQ(rig.device.notifications(), expected[mode]) << mode;
    rig.ServiceInterrupt();
    EXPECT_EQ(t.results.size(), 8u);
    rig.ExpectClean();
  }
}

TEST(BlkAsync, RenotifyReachesADeviceThatSaidNotToNotify) {
  // A notification the device never got (here: NO_NOTIFY without EVENT_IDX,
  // so Kick stays silent) leaves the request waiting; Renotify notifies
  // whatever the device asked, and the request completes.
  FakeBlkBackend::Config c;
  c.event_idx = false;
  Rig rig(c);
  rig.device.set_no_notify = true;
  ASSERT_TRUE(rig.blk.Init().ok());
  DmaBuffer b = rig.Buffer(512);
  DmaSegment s[] = {Seg(b, 0, 512)};
  Tracker t;
  ASSERT_TRUE(rig.blk.Submit(t.Make(Op::kRead, 3, Span(s), 7)).ok());
  EXPECT_EQ(rig.device.notifications(), 0);
  EXPECT_EQ(rig.device.completed_chains(), 0u);
  rig.blk.Renotify();
  EXPECT_EQ(rig.device.notifications(), 1);
  rig.ServiceInterrupt();
  EXPECT_EQ(t.results.size(), 1u);
  rig.ExpectClean();
}

TEST(BlkAsync, InterruptSuppression) {
  for (bool event_idx : {true, false}) {
    FakeBlkBackend::Config c;
    c.event_idx = event_idx;
    Rig rig(c);
    rig.device.auto_process = false;
    ASSERT_TRUE(rig.blk.Init().ok());
    DmaBuffer b = rig.Buffer(512);
    DmaSegment s[] = {Seg(b, 0, 512)};
    Tracker t;
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(rig.blk.Submit(t.Make(Op::kRead, i, Span(s), i)).ok());
    // Completions arrive one at a time while the driver has not drained yet.
    rig.device.max_chains_per_run = 1;
    for (int i = 0; i < 4; ++i) rig.device.Run();
    // EVENT_IDX: used_event asked for the first completion only. Flags: the
    // driver left interrupts on, so each completion interrupts.
    EXPECT_EQ(rig.device.interrupts(), event_idx ? 1 : 4);
    rig.ServiceInterrupt();
    EXPECT_EQ(t.results.size(), 4u);
    // After draining, the next completion interrupts again.
    ASSERT_TRUE(rig.blk.Submit(t.Make(Op::kRead, 9, Span(s), 9)).ok());
    rig.device.Run();
    EXPECT_EQ(rig.device.interrupts(), event_idx ? 2 : 5);
    rig.ServiceInterrupt();
    EXPECT_EQ(t.results.size(), 5u);
    rig.ExpectClean();
  }
}

TEST(BlkRecovery, DeviceNeedsReset) {
  for (Interrupt::Kind kind : {kMsix, kIntx}) {
    Rig rig(FakeBlkBackend::Config(), kind);
    rig.device.auto_process = false;
    ASSERT_TRUE(rig.blk.Init().ok());
    DmaBuffer b = rig.Buffer(512);
    DmaSegment s[] = {Seg(b, 0, 512)};
    Tracker t;
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(rig.blk.Submit(t.Make(Op::kRead, i, Span(s), i)).ok());
    rig.device.SetNeedsReset();
    ASSERT_TRUE(rig.device.interrupt().fired());
    ASSERT_TRUE(rig.device.interrupt().Wait(0).ok());
    EXPECT_EQ(rig.blk.HandleInterrupt().error(), Error::kIo);
    ASSERT_EQ(t.results.size(), 3u);
    for (auto& [id, r] : t.results) EXPECT_EQ(r.error(), Error::kIo);
    EXPECT_FALSE(rig.blk.ready());
    EXPECT_STREQ(rig.blk.failure_reason(), "device needs reset");
    EXPECT_EQ(rig.blk.Submit(t.Make(Op::kRead, 0, Span(s), 10)).error(), Error::kIo);
    if (kind == kIntx) {
      // An interrupt of the failed device still has its ISR read: else the
      // Ack would unmask a line that keeps asserting (an interrupt storm).
      rig.device.SetNeedsReset();
      ASSERT_TRUE(rig.device.interrupt().Wait(0).ok());
      EXPECT_EQ(rig.blk.HandleInterrupt().error(), Error::kNotSupported);
      EXPECT_FALSE(rig.device.intx_asserted());
      EXPECT_FALSE(rig.device.interrupt().fired());
    }
    int resets = rig.device.resets();
    ASSERT_TRUE(rig.blk.Recover().ok()) << rig.blk.failure_reason();
    EXPECT_GT(rig.device.resets(), resets);
    EXPECT_TRUE(rig.blk.Read(7, Span(s)).ok());
    rig.ExpectClean();
  }
}

TEST(BlkRecovery, DeviceBreakingTheRingProtocol) {
  Rig rig;
  rig.device.auto_process = false;
  ASSERT_TRUE(rig.blk.Init().ok());
  DmaBuffer b = rig.Buffer(512);
  DmaSegment s[] = {Seg(b, 0, 512)};
  Tracker t;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(rig.blk.Submit(t.Make(Op::kRead, i, Span(s), i)).ok());
  rig.device.CorruptNextUsedId(200);  // a head the driver never made available
  rig.device.Run();
  ASSERT_TRUE(rig.device.interrupt().Wait(0).ok());
  EXPECT_EQ(rig.blk.HandleInterrupt().error(), Error::kIo);
  EXPECT_STREQ(rig.blk.failure_reason(), "device broke the virtqueue protocol");
  ASSERT_EQ(t.results.size(), 3u);
  for (auto& [id, r] : t.results) EXPECT_EQ(r.error(), Error::kIo);
  ASSERT_TRUE(rig.blk.Recover().ok());
  rig.device.auto_process = true;
  EXPECT_TRUE(rig.blk.Read(1, Span(s)).ok());

  rig.device.CorruptNextUsedIdx(40);  // the device claims 41 completions for 1 request
  EXPECT_EQ(rig.blk.Read(1, Span(s)).error(), Error::kIo);
  ASSERT_TRUE(rig.blk.Recover().ok());
  EXPECT_TRUE(rig.blk.Read(1, Span(s)).ok());
}

TEST(BlkRecovery, SynchronousWaitTimesOut) {
  Rig rig;
  ASSERT_TRUE(rig.blk.Init().ok());
  DmaBuffer b = rig.Buffer(512);
  DmaSegment s[] = {Seg(b, 0, 512)};
  Tracker t;
  rig.device.stalled = true;
  ASSERT_TRUE(rig.blk.Submit(t.Make(Op::kRead, 3, Span(s), 1)).ok());
  EXPECT_EQ(rig.blk.Read(0, Span(s)).error(), Error::kTimedOut);
  EXPECT_EQ(t.results.at(1).error(), Error::kTimedOut);  // everything in flight failed
  EXPECT_STREQ(rig.blk.failure_reason(), "device did not complete a request in time");
  rig.device.stalled = false;
  ASSERT_TRUE(rig.blk.Recover().ok());
  EXPECT_TRUE(rig.blk.Read(0, Span(s)).ok());
}

TEST(BlkRecovery, ConfigurationChangeUpdatesCapacity) {
  Rig rig;
  ASSERT_TRUE(rig.blk.Init().ok());
  DmaBuffer b = rig.Buffer(512);
  DmaSegment s[] = {Seg(b, 0, 512)};
  EXPECT_EQ(rig.blk.Read(3000, Span(s)).error(), Error::kInvalid);
  rig.backend.SetCapacity(4096);
  rig.device.ChangeConfig();
  rig.ServiceInterrupt();
  EXPECT_EQ(rig.blk.info().capacity_sectors, 4096u);
  EXPECT_TRUE(rig.blk.Read(3000, Span(s)).ok());
  rig.ExpectClean();
}

TEST(BlkRecovery, NothingLeaksAcrossRecoveryAndDestruction) {
  FakeDma* dma;
  {
    auto rig = std::make_unique<Rig>();
    dma = &rig->dma;
    ASSERT_TRUE(rig->blk.Init().ok());
    size_t driver_allocations = rig->dma.live_allocations();
    EXPECT_EQ(driver_allocations, 2u);  // rings + request headers
    rig->device.SetNeedsReset();
    rig->ServiceInterrupt();
    ASSERT_TRUE(rig->blk.Recover().ok());
    ASSERT_TRUE(rig->blk.Recover().ok());
    EXPECT_EQ(rig->dma.live_allocations(), driver_allocations);
    rig->blk.~Device();
    EXPECT_EQ(rig->dma.live_allocations(), 0u);
    EXPECT_EQ(rig->device.status(), 0);  // reset before its memory went away
    new (&rig->blk)
        Device(rig->device.config(), rig->device.bars(), rig->dma, rig->device.interrupt());
  }
  (void)dma;
}

// A random stream of reads, writes and flushes, asynchronous and
// synchronous, with random segmentation, completed in random order, checked
// against a model of the disk; interrupts are the only way completions are
// taken (a lost interrupt stalls the test).
TEST(BlkModel, RandomStreamMatchesTheModel) {
  struct Variant {
    bool event_idx;
    Interrupt::Kind kind;
    uint32_t size_max;
    uint16_t queue;
  };
  for (Variant v : {Variant{true, kMsix, 0, 64}, Variant{false, kMsix, 4096, 32},
                    Variant{true, kIntx, 1024, 16}, Variant{false, kIntx, 0, 128}}) {
    FakeBlkBackend::Config c;
    c.event_idx = v.event_idx;
    c.size_max = v.size_max;
    c.seg_max = 64;
    c.capacity_sectors = 4096;
    Rig rig(c, v.kind);
    rig.device.auto_process = false;
    rig.device.order = FakeVirtioDevice::Order::kRandom;
    rig.device.Seed(v.queue);
    Options options;
    options.max_queue_size = v.queue;
    ASSERT_TRUE(rig.blk.Init(options).ok()) << rig.blk.failure_reason();
    std::vector<uint8_t> model = rig.backend.disk();
    std::mt19937 rng(v.queue * 31 + v.event_idx);

    struct Pending {
      Op op;
      uint64_t sector;
      uint32_t bytes;
      DmaBuffer buffer;
    };
    std::map<int, Pending> pending;
    std::set<uint64_t> busy_sectors;
    Tracker t;
    int next_id = 0, checked = 0;
    auto retire = [&]() {
      for (auto it = t.results.begin(); it != t.results.end();) {
        Pending& p = pending.at(it->first);
        ASSERT_TRUE(it->second.ok()) << it->first;
        if (p.op == Op::kRead) {
          ASSERT_EQ(memcmp(p.buffer.cpu, model.data() + p.sector * 512, p.bytes), 0) << it->first;
        }
        for (uint64_t s = p.sector; s < p.sector + p.bytes / 512; ++s) busy_sectors.erase(s);
        rig.dma.Free(p.buffer);
        pending.erase(it->first);
        it = t.results.erase(it);
        ++checked;
      }
    };
    for (int step = 0; step < 6000; ++step) {
      int what = static_cast<int>(rng() % 100);
      if (what < 70) {
        bool write = rng() % 2;
        uint32_t sectors = 1 + rng() % 24;
        uint64_t sector = rng() % (c.capacity_sectors - sectors + 1);
        bool clash = false;
        for (uint64_t s = sector; s < sector + sectors; ++s) clash |= busy_sectors.count(s) > 0;
        if (clash) continue;  // overlapping in-flight requests have no defined order
        uint32_t bytes = sectors * 512;
        DmaBuffer buf = rig.dma.Allocate(bytes + 4096, 512).value();
        // Random segmentation: up to 6 pieces, sizes in whole bytes.
        std::vector<DmaSegment> segs;
        uint32_t at = 0;
        while (at < bytes) {
          uint32_t piece = segs.size() == 5 ? bytes - at : 1 + rng() % (bytes - at);
          segs.push_back({buf.device_address + at, piece});
          at += piece;
        }
        if (write) {
          for (uint32_t i = 0; i < bytes; ++i) buf.cpu[i] = static_cast<uint8_t>(rng());
        }
        Op op = write ? Op::kWrite : Op::kRead;
        bool sync = rng() % 10 == 0;
        if (sync) {
          auto r = write ? rig.blk.Write(sector, Span(segs.data(), segs.size()))
                         : rig.blk.Read(sector, Span(segs.data(), segs.size()));
          if (r.is_error() && (r.error() == Error::kAgain || r.error() == Error::kInvalid)) {
            rig.dma.Free(buf);  // queue full, or too fragmented for seg_max
            continue;
          }
          ASSERT_TRUE(r.ok()) << kstd::ErrorName(r.error());
          if (write) {
            memcpy(model.data() + sector * 512, buf.cpu, bytes);
          } else {
            ASSERT_EQ(memcmp(buf.cpu, model.data() + sector * 512, bytes), 0);
          }
          rig.dma.Free(buf);
          retire();
          continue;
        }
        int id = next_id++;
        auto r = rig.blk.Submit(t.Make(op, sector, Span(segs.data(), segs.size()), id));
        if (r.is_error()) {
          ASSERT_TRUE(r.error() == Error::kAgain || r.error() == Error::kInvalid);
          rig.dma.Free(buf);
          continue;
        }
        // The model changes at submission: no overlapping request is in flight.
        if (write) memcpy(model.data() + sector * 512, buf.cpu, bytes);
        pending[id] = Pending{op, sector, bytes, buf};
        for (uint64_t s = sector; s < sector + sectors; ++s) busy_sectors.insert(s);
      } else if (what < 75) {
        int id = next_id++;
        auto r = rig.blk.Submit(t.Make(Op::kFlush, 0, Span(), id));
        if (r.is_error()) continue;
        // A placeholder buffer keeps retire() uniform.
        pending[id] = Pending{Op::kFlush, 0, 0, rig.dma.Allocate(1, 1).value()};
      } else {
        rig.device.max_chains_per_run = 1 + rng() % 8;
        rig.ServiceInterrupt();
        retire();
      }
    }
    // Drain through interrupts only.
    for (int i = 0; i < 10000 && !pending.empty(); ++i) {
      rig.device.max_chains_per_run = SIZE_MAX;
      rig.ServiceInterrupt();
      retire();
    }
    SCOPED_TRACE(::testing::Message() << "queue " << v.queue);
    EXPECT_TRUE(pending.empty());
    EXPECT_GT(checked, 1000);
    EXPECT_EQ(rig.backend.disk(), model);
    EXPECT_GE(rig.device.max_outstanding(), 3u);
    EXPECT_GT(rig.device.scattered_chains(), 0u);
    rig.ExpectClean();
  }
}

}  // namespace
}  // namespace virtio_blk
