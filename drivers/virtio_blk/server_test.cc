// The block service (server.{h,cc}) over the fake virtio-blk device: request
// validation, splitting to the device's limits, many requests in flight,
// flush ordering, read-only devices, device errors and recovery.

#include "drivers/virtio_blk/server.h"

#include <gtest/gtest.h>
#include <string.h>

#include <map>
#include <vector>

#include "drivers/virtio/testing/fake_dma.h"
#include "drivers/virtio/testing/fake_virtio_device.h"
#include "drivers/virtio_blk/testing/fake_blk_backend.h"

namespace virtio_blk {
namespace {

using testing::FakeBlkBackend;
using virtio::DmaBuffer;
using virtio::DmaSegment;
using virtio::testing::FakeDma;
using virtio::testing::FakeVirtioDevice;

constexpr int32_t EINVAL_ = 22, EBADF_ = 9, EBUSY_ = 16, EROFS_ = 30, ENOSYS_ = 38, EIO_ = 5;

struct Sent {
  blkproto::Reply reply;
  uint32_t txid;
};

class Recorder final : public ReplySink {
 public:
  void Send(const blkproto::Reply& reply, uint32_t txid) override { sent.push_back({reply, txid}); }
  /// The reply for request `id` (exactly one expected).
  const blkproto::Reply* For(uint64_t id) const {
    const blkproto::Reply* found = nullptr;
    for (const Sent& s : sent) {
      if (s.reply.id != id) continue;
      EXPECT_EQ(found, nullptr) << "two replies for request " << id;
      found = &s.reply;
    }
    return found;
  }
  std::vector<Sent> sent;
};

struct Rig {
  explicit Rig(FakeBlkBackend::Config config = FakeBlkBackend::Config(),
               Options options = Options(), uint16_t queue_max = 256)
      : device(virtio::kDeviceTypeBlock, dma),
        backend(device, config),
        blk(device.config(), device.bars(), dma, device.interrupt()),
        server(blk, sink) {
    device.queue_max_size = queue_max;
    EXPECT_TRUE(blk.Init(options).ok()) << blk.failure_reason();
  }
  ~Rig() {
    if (shared.valid()) dma.Free(shared);
  }

  /// The client's shared buffer, registered.
  void Register(size_t bytes = 256 * 1024) {
    shared = dma.Allocate(bytes, 4096).value();
    DmaSegment seg{shared.device_address, static_cast<uint32_t>(bytes)};
    EXPECT_TRUE(
        server.Handle(Req(blkproto::kRegister, 1000, 0, 0, static_cast<uint32_t>(bytes)), 7, &seg));
    const blkproto::Reply* r = sink.For(1000);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->error, 0);
  }

  static blkproto::Request Req(uint32_t op, uint64_t id, uint64_t sector = 0, uint32_t offset = 0,
                               uint32_t length = 0) {
    blkproto::Request r{};
    r.op = op;
    r.id = id;
    r.sector = sector;
    r.offset = offset;
    r.length = length;
    return r;
  }

  /// Sends a request; returns its immediate error (-1: still in flight).
  int32_t Send(const blkproto::Request& r, uint32_t txid = 0) {
    server.Handle(r, txid, nullptr);
    const blkproto::Reply* reply = sink.For(r.id);
    return reply == nullptr ? -1 : reply->error;
  }

  /// Runs the event loop's interrupt path until nothing is in flight.
  void Drain(int rounds = 1000) {
    for (int i = 0; i < rounds && server.in_flight() > 0; ++i) {
      if (device.interrupt().Wait(0).ok()) {
        EXPECT_TRUE(server.OnInterrupt().ok());
      }
    }
    EXPECT_EQ(server.in_flight(), 0u);
  }

  int32_t Result(uint64_t id) const {
    const blkproto::Reply* r = sink.For(id);
    return r == nullptr ? -1 : r->error;
  }

  void ExpectClean() {
    for (const auto& e : device.errors()) ADD_FAILURE() << "device: " << e;
    for (const auto& e : backend.errors()) ADD_FAILURE() << "backend: " << e;
  }

  FakeDma dma;
  FakeVirtioDevice device;
  FakeBlkBackend backend;
  Device blk;
  Recorder sink;
  Server server;
  DmaBuffer shared;
};

TEST(BlkServer, RegisterReportsTheGeometry) {
  FakeBlkBackend::Config c;
  c.capacity_sectors = 4096;
  Rig rig(c);
  rig.Register(64 * 1024);
  const blkproto::Reply* r = rig.sink.For(1000);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(rig.sink.sent[0].txid, 7u);
  EXPECT_EQ(r->op, blkproto::kRegister);
  EXPECT_EQ(r->info.capacity_sectors, 4096u);
  EXPECT_EQ(r->info.block_size, 512u);
  EXPECT_EQ(r->info.buffer_bytes, 64u * 1024);
  EXPECT_EQ(r->info.flags, blkproto::kInfoFlush);
  EXPECT_EQ(r->info.max_transfer, 1u << 20);
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kInfo, 5)), 0);
  EXPECT_EQ(rig.sink.For(5)->info.capacity_sectors, 4096u);
}

TEST(BlkServer, ReadWriteRoundTripThroughTheSharedBuffer) {
  Rig rig;
  rig.Register();
  for (size_t i = 0; i < 8192; ++i) rig.shared.cpu[4096 + i] = static_cast<uint8_t>(i * 7 + 3);
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kWrite, 1, 100, 4096, 8192), 11), -1);
  rig.Drain();
  EXPECT_EQ(rig.Result(1), 0);
  EXPECT_EQ(rig.sink.sent.back().txid, 11u);
  EXPECT_EQ(memcmp(rig.backend.disk().data() + 100 * 512, rig.shared.cpu + 4096, 8192), 0);
  memset(rig.shared.cpu, 0, 65536);
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kRead, 2, 100, 512, 8192)), -1);
  rig.Drain();
  EXPECT_EQ(rig.Result(2), 0);
  EXPECT_EQ(memcmp(rig.backend.disk().data() + 100 * 512, rig.shared.cpu + 512, 8192), 0);
  rig.ExpectClean();
}

TEST(BlkServer, BadRequestsAreRefused) {
  FakeBlkBackend::Config c;
  c.capacity_sectors = 2048;
  Rig rig(c);
  // Before a buffer is registered.
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kRead, 1, 0, 0, 512)), EBADF_);
  // A register without memory, or with a size that is not the memory's.
  EXPECT_FALSE(rig.server.Handle(Rig::Req(blkproto::kRegister, 2, 0, 0, 4096), 0, nullptr));
  EXPECT_EQ(rig.Result(2), EINVAL_);
  DmaSegment wrong{0x10000, 8192};
  EXPECT_FALSE(rig.server.Handle(Rig::Req(blkproto::kRegister, 3, 0, 0, 4096), 0, &wrong));
  EXPECT_EQ(rig.Result(3), EINVAL_);
  DmaSegment huge{0x10000, blkproto::kMaxBufferBytes + 4096};
  EXPECT_FALSE(rig.server.Handle(Rig::Req(blkproto::kRegister, 4, 0, 0, huge.length), 0, &huge));
  EXPECT_EQ(rig.Result(4), EINVAL_);
  rig.Register(64 * 1024);
  DmaSegment again{0x20000, 4096};
  EXPECT_FALSE(rig.server.Handle(Rig::Req(blkproto::kRegister, 5, 0, 0, 4096), 0, &again));
  EXPECT_EQ(rig.Result(5), EBUSY_);

  uint64_t id = 100;
  auto refused = [&](uint32_t op, uint64_t sector, uint32_t offset, uint32_t length) {
    return rig.Send(Rig::Req(op, ++id, sector, offset, length));
  };
  EXPECT_EQ(refused(blkproto::kRead, 0, 0, 0), EINVAL_);               // empty
  EXPECT_EQ(refused(blkproto::kRead, 0, 0, 100), EINVAL_);             // not whole sectors
  EXPECT_EQ(refused(blkproto::kWrite, 0, 3, 512), EINVAL_);            // misaligned offset
  EXPECT_EQ(refused(blkproto::kRead, 0, 65536, 512), EINVAL_);         // past the buffer
  EXPECT_EQ(refused(blkproto::kRead, 0, 61440, 8192), EINVAL_);        // runs off the buffer
  EXPECT_EQ(refused(blkproto::kRead, 0, 0xFFFFFE00u, 1024), EINVAL_);  // offset+length wraps
  EXPECT_EQ(refused(blkproto::kRead, 2048, 0, 512), EINVAL_);          // past the disk
  EXPECT_EQ(refused(blkproto::kWrite, 2047, 0, 1024), EINVAL_);        // runs off the disk
  EXPECT_EQ(refused(blkproto::kRead, UINT64_MAX, 0, 512), EINVAL_);
  EXPECT_EQ(refused(99, 0, 0, 512), ENOSYS_);
  rig.server.HandleMalformed(42);
  EXPECT_EQ(rig.sink.sent.back().reply.error, EINVAL_);
  EXPECT_EQ(rig.sink.sent.back().txid, 42u);
  // The last sector is fine.
  EXPECT_EQ(refused(blkproto::kRead, 2047, 0, 512), -1);
  rig.Drain();
  EXPECT_EQ(rig.Result(id), 0);
  EXPECT_EQ(rig.backend.reads(), 1);
  EXPECT_EQ(rig.backend.writes(), 0);
  rig.ExpectClean();
}

TEST(BlkServer, BlockSizeAlignmentIsEnforced) {
  FakeBlkBackend::Config c;
  c.blk_size = 4096;
  Rig rig(c);
  rig.Register();
  EXPECT_EQ(rig.sink.For(1000)->info.block_size, 4096u);
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kRead, 1, 0, 0, 512)), EINVAL_);
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kRead, 2, 1, 0, 4096)), EINVAL_);
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kRead, 3, 8, 0, 4096)), -1);
  rig.Drain();
  EXPECT_EQ(rig.Result(3), 0);
}

TEST(BlkServer, ReadOnlyDeviceRefusesWritesWithErofs) {
  FakeBlkBackend::Config c;
  c.read_only = true;
  Rig rig(c);
  rig.Register();
  EXPECT_EQ(rig.sink.For(1000)->info.flags & blkproto::kInfoReadOnly, blkproto::kInfoReadOnly);
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kWrite, 1, 0, 0, 512)), EROFS_);
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kRead, 2, 0, 0, 512)), -1);
  rig.Drain();
  EXPECT_EQ(rig.Result(2), 0);
  EXPECT_EQ(rig.backend.writes_refused(), 0);  // nothing reached the device
  rig.ExpectClean();
}

// A second client of a disk (the kernel reading a mounted disk): its own
// server and buffer on the same device, read-only; one interrupt path
// completes both clients' requests, each reply going to its own client.
TEST(BlkServer, SecondReadOnlyClientSharesTheDevice) {
  Rig rig;
  rig.Register();
  Recorder second_sink;
  Server second(rig.blk, second_sink, /*read_only=*/true);
  DmaBuffer buffer = rig.dma.Allocate(64 * 1024, 4096).value();
  DmaSegment seg{buffer.device_address, 64 * 1024};
  EXPECT_TRUE(second.Handle(Rig::Req(blkproto::kRegister, 500, 0, 0, 64 * 1024), 3, &seg));
  ASSERT_NE(second_sink.For(500), nullptr);
  EXPECT_EQ(second_sink.For(500)->info.flags & blkproto::kInfoReadOnly, blkproto::kInfoReadOnly);
  EXPECT_EQ(rig.sink.For(1000)->info.flags & blkproto::kInfoReadOnly, 0u);  // the first may write

  for (size_t i = 0; i < 4096; ++i) rig.shared.cpu[i] = static_cast<uint8_t>(i * 5 + 1);
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kWrite, 1, 8, 0, 4096)), -1);
  second.Handle(Rig::Req(blkproto::kWrite, 501, 8, 0, 512), 0, nullptr);
  EXPECT_EQ(second_sink.For(501)->error, EROFS_);
  for (size_t i = 0; i < 4096; ++i) rig.backend.disk()[i] = static_cast<uint8_t>(i * 3 + 2);
  second.Handle(Rig::Req(blkproto::kRead, 502, 0, 0, 4096), 0, nullptr);  // not the written sectors
  Server* both[] = {&rig.server, &second};
  for (int i = 0; i < 1000 && (rig.server.in_flight() > 0 || second.in_flight() > 0); ++i) {
    if (rig.device.interrupt().Wait(0).ok()) {
      EXPECT_TRUE(ServeInterrupt(rig.blk, kstd::Span<Server* const>(both, 2)).ok());
    }
  }
  EXPECT_EQ(rig.server.in_flight() + second.in_flight(), 0u);
  EXPECT_EQ(rig.Result(1), 0);
  ASSERT_NE(second_sink.For(502), nullptr);
  EXPECT_EQ(second_sink.For(502)->error, 0);
  EXPECT_EQ(rig.sink.For(502), nullptr);  // never to the other client
  EXPECT_EQ(memcmp(rig.backend.disk().data(), buffer.cpu, 4096), 0);
  rig.dma.Free(buffer);
  rig.ExpectClean();
}

TEST(BlkServer, LargeRequestsAreSplitToTheDeviceLimits) {
  FakeBlkBackend::Config c;
  c.capacity_sectors = 8192;  // 4 MiB
  c.seg_max = 4;
  c.size_max = 4096;
  Options o;
  o.max_request_bytes = 64 * 1024;
  Rig rig(c, o);
  rig.Register(1 << 20);
  EXPECT_EQ(rig.server.max_transfer(), 16u * 1024);  // 4 segments of 4 KiB
  for (size_t i = 0; i < (1u << 20); ++i)
    rig.shared.cpu[i] = static_cast<uint8_t>(i * 13 + (i >> 9));
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kWrite, 1, 1000, 0, 1 << 20)), -1);
  rig.Drain();
  EXPECT_EQ(rig.Result(1), 0);
  EXPECT_EQ(rig.sink.sent.size(), 2u);  // register + one reply
  EXPECT_EQ(rig.backend.writes(), 64);
  EXPECT_LE(rig.backend.max_data_descriptors(), 4u);
  EXPECT_EQ(memcmp(rig.backend.disk().data() + 1000 * 512, rig.shared.cpu, 1 << 20), 0);
  memset(rig.shared.cpu, 0, 1 << 20);
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kRead, 2, 1000, 0, 1 << 20)), -1);
  rig.Drain();
  EXPECT_EQ(rig.Result(2), 0);
  EXPECT_EQ(memcmp(rig.backend.disk().data() + 1000 * 512, rig.shared.cpu, 1 << 20), 0);
  rig.ExpectClean();
}

TEST(BlkServer, ManyRequestsInFlightOnASmallQueue) {
  FakeBlkBackend::Config c;
  c.capacity_sectors = 8192;
  Options o;
  o.max_request_bytes = 8192;
  Rig rig(c, o, /*queue_max=*/8);
  rig.device.auto_process = false;
  rig.device.order = FakeVirtioDevice::Order::kRandom;
  rig.device.max_chains_per_run = 3;
  rig.Register(1 << 20);
  for (size_t i = 0; i < (1u << 20); ++i)
    rig.shared.cpu[i] = static_cast<uint8_t>(i ^ (i >> 8) ^ (i >> 16));
  // 64 writes of 16 KiB each (two device requests apiece) on 8 descriptors' worth of queue.
  for (uint32_t i = 0; i < blkproto::kMaxInFlight; ++i) {
    ASSERT_TRUE(rig.server.can_accept());
    EXPECT_EQ(rig.Send(Rig::Req(blkproto::kWrite, i + 1, i * 32, i * 16384, 16384)), -1);
  }
  EXPECT_FALSE(rig.server.can_accept());
  rig.Drain();
  for (uint32_t i = 0; i < blkproto::kMaxInFlight; ++i) EXPECT_EQ(rig.Result(i + 1), 0) << i;
  EXPECT_EQ(memcmp(rig.backend.disk().data(), rig.shared.cpu, 1 << 20), 0);
  EXPECT_EQ(rig.backend.writes(), 128);
  rig.ExpectClean();
}

TEST(BlkServer, FlushWaitsForTheWritesItCovers) {
  Rig rig;
  rig.device.auto_process = false;
  rig.device.order = FakeVirtioDevice::Order::kReverse;  // the device would reorder
  rig.device.max_chains_per_run = 1;
  rig.Register();
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kWrite, 1, 0, 0, 4096)), -1);
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kWrite, 2, 8, 0, 4096)), -1);
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kFlush, 3)), -1);
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kRead, 4, 100, 8192, 512)), -1);  // not held
  std::vector<uint64_t> order;
  int flushes_when_writes_done = -1;
  for (int i = 0; i < 20 && rig.server.in_flight() > 0; ++i) {
    if (rig.device.interrupt().Wait(0).ok()) {
      ASSERT_TRUE(rig.server.OnInterrupt().ok());
    }
    if (rig.Result(1) >= 0 && rig.Result(2) >= 0 && flushes_when_writes_done < 0) {
      flushes_when_writes_done = rig.backend.flushes();
    }
  }
  for (const Sent& s : rig.sink.sent) order.push_back(s.reply.id);
  EXPECT_EQ(flushes_when_writes_done, 0);  // the flush reached the device only after both writes
  EXPECT_EQ(rig.backend.flushes(), 1);
  ASSERT_EQ(order.size(), 5u);
  EXPECT_EQ(order.back(), 3u);  // the flush is answered last
  for (uint64_t id = 1; id <= 4; ++id) EXPECT_EQ(rig.Result(id), 0);
  rig.ExpectClean();
}

TEST(BlkServer, FlushWithoutADeviceCacheWaitsForWritesOnly) {
  FakeBlkBackend::Config c;
  c.flush = false;
  Rig rig(c);
  rig.device.auto_process = false;
  rig.Register();
  EXPECT_EQ(rig.sink.For(1000)->info.flags & blkproto::kInfoFlush, 0u);
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kFlush, 1)), 0);  // nothing to wait for
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kWrite, 2, 0, 0, 512)), -1);
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kFlush, 3)), -1);  // held behind the write
  rig.Drain();
  EXPECT_EQ(rig.Result(2), 0);
  EXPECT_EQ(rig.Result(3), 0);
  EXPECT_EQ(rig.sink.sent.back().reply.id, 3u);
  EXPECT_EQ(rig.backend.flushes(), 0);
  rig.ExpectClean();
}

TEST(BlkServer, DeviceErrorsBecomeEio) {
  Options o;
  o.max_request_bytes = 4096;
  Rig rig(FakeBlkBackend::Config(), o);
  rig.Register();
  rig.backend.bad_sectors().insert(20);
  // 16 KiB over sectors 0..31 = four device requests; one fails.
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kRead, 1, 0, 0, 16384)), -1);
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kRead, 2, 40, 0, 4096)), -1);
  rig.Drain();
  EXPECT_EQ(rig.Result(1), EIO_);
  EXPECT_EQ(rig.Result(2), 0);
  rig.ExpectClean();
}

TEST(BlkServer, DeviceNeedingResetFailsInFlightAndRecovers) {
  Rig rig;
  rig.device.auto_process = false;
  rig.Register();
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kRead, 1, 0, 0, 4096)), -1);
  rig.device.SetNeedsReset();
  ASSERT_TRUE(rig.device.interrupt().Wait(0).ok());
  EXPECT_TRUE(rig.server.OnInterrupt().ok());  // recovered
  EXPECT_EQ(rig.Result(1), EIO_);
  EXPECT_EQ(rig.server.in_flight(), 0u);
  EXPECT_EQ(rig.Send(Rig::Req(blkproto::kRead, 2, 0, 0, 4096)), -1);
  rig.Drain();
  EXPECT_EQ(rig.Result(2), 0);
}

}  // namespace
}  // namespace virtio_blk
