// BlockCache against a memory device with fault injection: hits and misses,
// bounded size, eviction of clean blocks, write-back of dirty ones under
// pressure (sorted and coalesced), Sync, Discard, read-ahead, and errors
// that are reported and never lose dirty data.

#include "servers/fs/ext2/block_cache.h"

#include <string.h>

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "servers/fs/ext2/memory_block_device.h"

namespace servers::fs::ext2 {
namespace {

constexpr uint32_t kBlock = 1024;

class BlockCacheTest : public ::testing::Test {
 protected:
  BlockCacheTest() : device_(1024) {  // 512 KiB: 512 blocks of 1 KiB
    for (uint64_t b = 0; b < 512; ++b)
      memset(device_.data() + b * kBlock, static_cast<int>(b & 0xFF), kBlock);
  }
  uint8_t DiskByte(uint64_t block) { return device_.data()[block * kBlock]; }

  MemoryBlockDevice device_;
};

TEST_F(BlockCacheTest, HitsMissesAndGeometry) {
  BlockCache cache(&device_, kBlock, 32);
  ASSERT_TRUE(cache.Init().ok());
  EXPECT_EQ(cache.block_count(), 512u);
  {
    auto ref = cache.Get(7);
    ASSERT_TRUE(ref.ok());
    EXPECT_EQ(ref.value().data()[0], 7);
    EXPECT_EQ(ref.value().size(), kBlock);
    EXPECT_EQ(ref.value().block(), 7u);
  }
  ASSERT_TRUE(cache.Get(7).ok());
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().misses, 1u);
  EXPECT_EQ(device_.reads, 1u);
  EXPECT_EQ(cache.Get(512).error(), kstd::Error::kIo);  // past the end
  BlockCache bad(&device_, 1000, 32);
  EXPECT_EQ(bad.Init().error(), kstd::Error::kInvalid);
  BlockCache small(&device_, 256, 32);  // smaller than a sector
  EXPECT_EQ(small.Init().error(), kstd::Error::kInvalid);
}

// The owner's "checksum verified" mark lasts until the bytes change.
TEST_F(BlockCacheTest, VerifiedMarkLastsUntilAChange) {
  BlockCache cache(&device_, kBlock, 4);
  ASSERT_TRUE(cache.Init().ok());
  {
    BlockRef a = kstd::Move(cache.Get(3).value());
    EXPECT_FALSE(a.verified());
    a.MarkVerified();
  }
  {
    BlockRef a = kstd::Move(cache.Get(3).value());  // a hit: still verified
    EXPECT_TRUE(a.verified());
    a.MarkDirty();
    EXPECT_FALSE(a.verified());
    a.MarkVerified();
    a.MarkDataDirty();
    EXPECT_FALSE(a.verified());
    a.MarkVerified();
  }
  EXPECT_FALSE(cache.GetZeroed(3).value().verified());
  // Evicted and read again: not verified.
  {
    BlockRef b = kstd::Move(cache.Get(5).value());
    b.MarkVerified();
  }
  for (uint64_t i = 6; i < 14; ++i) (void)cache.Get(i);
  ASSERT_TRUE(cache.Sync().ok());
  for (uint64_t i = 14; i < 22; ++i) (void)cache.Get(i);
  EXPECT_FALSE(cache.Get(5).value().verified());
}

TEST_F(BlockCacheTest, BoundedAndEvictsCleanBlocksFirst) {
  BlockCache cache(&device_, kBlock, 16);
  ASSERT_TRUE(cache.Init().ok());
  {
    auto ref = cache.Get(0);
    ref.value().data()[1] = 0xAA;
    ref.value().MarkDirty();
  }
  for (uint64_t b = 1; b < 100; ++b) ASSERT_TRUE(cache.Get(b).ok());
  EXPECT_LE(cache.size(), 16u);
  // The dirty block was never written back: clean ones went instead.
  EXPECT_EQ(device_.writes, 0u);
  EXPECT_EQ(cache.dirty_count(), 1u);
  auto ref = cache.Get(0);
  EXPECT_EQ(ref.value().data()[1], 0xAA);
}

TEST_F(BlockCacheTest, PressureWritesBackDirtyBlocksCoalesced) {
  BlockCache cache(&device_, kBlock, 16);
  ASSERT_TRUE(cache.Init().ok());
  for (uint64_t b = 100; b < 116; ++b) {
    auto ref = cache.GetZeroed(b);
    ASSERT_TRUE(ref.ok());
    ref.value().data()[0] = 0xEE;
  }
  EXPECT_EQ(cache.dirty_count(), 16u);
  EXPECT_EQ(device_.writes, 0u);
  ASSERT_TRUE(cache.Get(200).ok());  // needs room: all 16 written in one request
  EXPECT_EQ(device_.writes, 1u);
  EXPECT_EQ(device_.sectors_written, 32u);
  for (uint64_t b = 100; b < 116; ++b) EXPECT_EQ(DiskByte(b), 0xEE);
  EXPECT_EQ(cache.dirty_count(), 0u);
}

TEST_F(BlockCacheTest, SyncWritesSortedRunsAndFlushes) {
  BlockCache cache(&device_, kBlock, 64);
  ASSERT_TRUE(cache.Init().ok());
  for (uint64_t b : {9, 3, 4, 5, 30, 10}) {
    auto ref = cache.Get(b);
    ref.value().data()[0] = 0x11;
    ref.value().MarkDirty();
  }
  ASSERT_TRUE(cache.Sync().ok());
  EXPECT_EQ(device_.writes, 3u);  // 3-5, 9-10, 30
  EXPECT_EQ(device_.flushes, 1u);
  for (uint64_t b : {3, 4, 5, 9, 10, 30}) EXPECT_EQ(DiskByte(b), 0x11);
  EXPECT_EQ(DiskByte(6), 6);
  ASSERT_TRUE(cache.Sync().ok());
  EXPECT_EQ(device_.writes, 3u);  // nothing dirty any more
}

TEST_F(BlockCacheTest, PinnedBlocksAreWrittenBySyncButNeverEvicted) {
  BlockCache cache(&device_, kBlock, 16);
  ASSERT_TRUE(cache.Init().ok());
  auto pinned = cache.Get(42);
  pinned.value().data()[0] = 0x42 ^ 0xFF;
  pinned.value().MarkDirty();
  for (uint64_t b = 100; b < 200; ++b) ASSERT_TRUE(cache.Get(b).ok());
  EXPECT_EQ(pinned.value().data()[0], 0x42 ^ 0xFF);
  ASSERT_TRUE(cache.Sync().ok());
  EXPECT_EQ(DiskByte(42), 0x42 ^ 0xFF);
  // Every block pinned: no room.
  BlockCache tiny(&device_, kBlock, 16);
  ASSERT_TRUE(tiny.Init().ok());
  BlockRef refs[16];
  for (int i = 0; i < 16; ++i) refs[i] = tiny.Get(static_cast<uint64_t>(i)).release_value();
  EXPECT_EQ(tiny.Get(300).error(), kstd::Error::kNoMemory);
  refs[3].Reset();
  EXPECT_TRUE(tiny.Get(300).ok());
}

TEST_F(BlockCacheTest, WriteErrorsKeepDataDirtyAndAreReported) {
  BlockCache cache(&device_, kBlock, 16);
  ASSERT_TRUE(cache.Init().ok());
  for (uint64_t b = 50; b < 66; ++b) {
    auto ref = cache.GetZeroed(b);
    ref.value().data()[0] = 0x77;
  }
  device_.fail_writes = true;
  device_.fail_from = 55 * 2;
  device_.fail_to = 56 * 2;  // block 55 only
  EXPECT_EQ(cache.Sync().error(), kstd::Error::kIo);
  // The run containing 55 failed as a whole; nothing else was lost.
  EXPECT_GT(cache.dirty_count(), 0u);
  EXPECT_EQ(cache.stats().write_errors, 1u);
  // Pressure with a failing block: the Get reports EIO rather than dropping data.
  device_.fail_from = 0;
  device_.fail_to = ~0ull;
  EXPECT_EQ(cache.Get(300).error(), kstd::Error::kIo);
  device_.fail_writes = false;
  ASSERT_TRUE(cache.Sync().ok());
  for (uint64_t b = 50; b < 66; ++b) EXPECT_EQ(DiskByte(b), 0x77) << b;
  EXPECT_EQ(cache.dirty_count(), 0u);
  // A failing flush is an error too.
  device_.fail_flush = true;
  EXPECT_EQ(cache.Sync().error(), kstd::Error::kIo);
}

TEST_F(BlockCacheTest, ReadErrorsAreReported) {
  BlockCache cache(&device_, kBlock, 16);
  ASSERT_TRUE(cache.Init().ok());
  device_.fail_reads = true;
  device_.fail_from = 20;
  device_.fail_to = 22;
  EXPECT_EQ(cache.Get(10).error(), kstd::Error::kIo);
  EXPECT_TRUE(cache.Get(11).ok());
  EXPECT_EQ(cache.size(), 1u);
  device_.fail_reads = false;
  EXPECT_EQ(cache.Get(10).value().data()[0], 10);
}

TEST_F(BlockCacheTest, DiscardDropsDirtyData) {
  BlockCache cache(&device_, kBlock, 16);
  ASSERT_TRUE(cache.Init().ok());
  {
    auto ref = cache.Get(5);
    ref.value().data()[0] = 0x99;
    ref.value().MarkDirty();
  }
  cache.Discard(5);
  EXPECT_EQ(cache.dirty_count(), 0u);
  ASSERT_TRUE(cache.Sync().ok());
  EXPECT_EQ(DiskByte(5), 5);
  // GetZeroed over a cached block zeroes it and marks it dirty.
  ASSERT_TRUE(cache.Get(6).ok());
  {
    auto ref = cache.GetZeroed(6);
    EXPECT_EQ(ref.value().data()[0], 0);
  }
  ASSERT_TRUE(cache.Sync().ok());
  EXPECT_EQ(DiskByte(6), 0);
}

TEST_F(BlockCacheTest, PrefetchScattersStraightIntoEntries) {
  device_.scatter = true;
  BlockCache cache(&device_, kBlock, 64);
  ASSERT_TRUE(cache.Init().ok());
  for (uint64_t b = 200; b < 240; ++b) device_.data()[b * kBlock + 5] = static_cast<uint8_t>(b * 3);
  cache.Prefetch(200, 40);
  EXPECT_EQ(device_.scatter_reads, 1u);
  EXPECT_EQ(device_.reads, 1u);
  for (uint64_t b = 200; b < 240; ++b) {
    auto ref = cache.Get(b);
    ASSERT_TRUE(ref.ok());
    EXPECT_EQ(ref.value().data()[0], b & 0xFF) << b;
    EXPECT_EQ(ref.value().data()[5], static_cast<uint8_t>(b * 3)) << b;
  }
  EXPECT_EQ(device_.reads, 1u);  // all hits
  // A failed scatter read caches nothing: the blocks are read (and fail) on demand.
  device_.fail_reads = true;
  device_.fail_from = 600;  // sectors (512 bytes): blocks 300..309
  device_.fail_to = 620;
  cache.Prefetch(300, 8);
  EXPECT_EQ(cache.Get(301).error(), kstd::Error::kIo);
  device_.fail_reads = false;
  EXPECT_EQ(cache.Get(301).value().data()[0], 301 & 0xFF);
}

TEST_F(BlockCacheTest, PrefetchReadsRunsInOneRequest) {
  BlockCache cache(&device_, kBlock, 64);
  ASSERT_TRUE(cache.Init().ok());
  cache.Prefetch(100, 32);
  EXPECT_EQ(device_.reads, 1u);
  for (uint64_t b = 100; b < 132; ++b) EXPECT_EQ(cache.Get(b).value().data()[0], b & 0xFF);
  EXPECT_EQ(device_.reads, 1u);
  // Stops at a cached block; never past the device's end.
  cache.Prefetch(90, 20);
  EXPECT_EQ(device_.reads, 2u);
  cache.Prefetch(510, 50);
  EXPECT_EQ(cache.Get(511).value().data()[0], 511 & 0xFF);
  EXPECT_LE(cache.size(), 64u);
}

TEST_F(BlockCacheTest, ReadOnlyDeviceRefusesWriteBack) {
  device_.read_only_flag = true;
  BlockCache cache(&device_, kBlock, 16);
  ASSERT_TRUE(cache.Init().ok());
  {
    auto ref = cache.Get(1);
    ref.value().MarkDirty();
  }
  EXPECT_EQ(cache.Sync().error(), kstd::Error::kReadOnlyFs);
}

// Random operations against a model: whatever Get returns is the last thing
// written to that block through the cache (or the device's bytes after a
// Discard), and after Sync the device holds exactly that. Small capacities
// and held pins force eviction, write-back under pressure and read-ahead
// into a full cache.
TEST(BlockCacheModelTest, RandomOperationsMatchTheModel) {
  constexpr uint64_t kBlocks = 200;
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed);
    MemoryBlockDevice device(kBlocks * 2);
    auto fill = [](uint8_t* p, uint32_t tag) {
      for (uint32_t i = 0; i < kBlock; i += 4) memcpy(p + i, &tag, 4);
    };
    auto tag_of = [](const uint8_t* p) {
      uint32_t tag;
      memcpy(&tag, p, 4);
      for (uint32_t i = 0; i < kBlock; i += 4) {
        uint32_t t;
        memcpy(&t, p + i, 4);
        if (t != tag) return 0xFFFFFFFFu;  // torn or mixed block
      }
      return tag;
    };
    std::vector<uint32_t> view(kBlocks);
    for (uint64_t b = 0; b < kBlocks; ++b) {
      view[b] = static_cast<uint32_t>(b * 1000);
      fill(device.data() + b * kBlock, view[b]);
    }
    uint32_t capacity = 16 + rng() % 24;
    BlockCache cache(&device, kBlock, capacity);
    ASSERT_TRUE(cache.Init().ok());
    std::vector<BlockRef> held;
    uint32_t next_tag = 1;
    for (int step = 0; step < 3000; ++step) {
      uint64_t b = rng() % kBlocks;
      switch (rng() % 10) {
        case 0:
        case 1:
        case 2: {  // read and check
          auto ref = cache.Get(b);
          ASSERT_TRUE(ref.ok()) << step;
          ASSERT_EQ(tag_of(ref.value().data()), view[b]) << "step " << step << " block " << b;
          break;
        }
        case 3:
        case 4: {  // modify
          auto ref = cache.Get(b);
          ASSERT_TRUE(ref.ok());
          view[b] = next_tag++;
          fill(ref.value().data(), view[b]);
          ref.value().MarkDirty();
          break;
        }
        case 5: {  // a fresh block
          auto ref = cache.GetZeroed(b);
          ASSERT_TRUE(ref.ok());
          view[b] = next_tag++;
          fill(ref.value().data(), view[b]);
          break;
        }
        case 6:  // read-ahead
          cache.Prefetch(b, 1 + rng() % 40);
          break;
        case 7: {  // hold or drop a pin
          if (held.size() < 4 && rng() % 2) {
            auto ref = cache.Get(b);
            ASSERT_TRUE(ref.ok());
            held.push_back(ref.release_value());
          } else if (!held.empty()) {
            held.erase(held.begin() + static_cast<long>(rng() % held.size()));
          }
          break;
        }
        case 8: {  // the file system freed the block
          bool pinned = false;
          for (const BlockRef& r : held) pinned |= r.block() == b;
          if (pinned) break;
          cache.Discard(b);
          view[b] = tag_of(device.data() + b * kBlock);
          break;
        }
        case 9:
          if (rng() % 4 == 0) {
            ASSERT_TRUE(cache.Sync().ok());
            for (uint64_t k = 0; k < kBlocks; ++k)
              ASSERT_EQ(tag_of(device.data() + k * kBlock), view[k]) << k;
          } else {
            ASSERT_TRUE(cache.WriteBack().ok());
          }
          break;
      }
      ASSERT_LE(cache.size(), capacity) << "step " << step;
    }
    held.clear();
    ASSERT_TRUE(cache.Sync().ok());
    for (uint64_t k = 0; k < kBlocks; ++k)
      ASSERT_EQ(tag_of(device.data() + k * kBlock), view[k]) << k;
  }
}

// Journaling: metadata (MarkDirty) waits for the journal, file data
// (MarkDataDirty) is written back as usual; the cache grows past its
// capacity rather than write journaled blocks home, and shrinks back once
// they are checkpointed.
TEST_F(BlockCacheTest, JournalingHoldsMetadataForTheJournal) {
  BlockCache cache(&device_, kBlock, 16);
  ASSERT_TRUE(cache.Init().ok());
  cache.SetJournaling(true);
  for (uint64_t b = 0; b < 20; ++b) {  // more metadata than the capacity
    auto ref = cache.Get(b);
    ASSERT_TRUE(ref.ok());
    ref.value().data()[0] = 0xEE;
    ref.value().MarkDirty();
  }
  {
    auto ref = cache.Get(100);
    ASSERT_TRUE(ref.ok());
    ref.value().data()[0] = 0xDD;
    ref.value().MarkDataDirty();
  }
  EXPECT_EQ(cache.journaled_count(), 20u);
  EXPECT_TRUE(cache.over_capacity());
  ASSERT_TRUE(cache.Sync().ok());
  EXPECT_EQ(DiskByte(100), 0xDD);                                           // data written back
  for (uint64_t b = 0; b < 20; ++b) EXPECT_EQ(DiskByte(b), b & 0xFF) << b;  // metadata not
  // A freed journaled block leaves the journal's list.
  cache.Discard(3);
  size_t count = 0;
  auto list = cache.JournaledBlocks(&count);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(count, 19u);
  for (size_t i = 1; i < count; ++i) EXPECT_LT(list.value()[i - 1]->block, list.value()[i]->block);
  ASSERT_TRUE(cache.CheckpointJournaled(list.value(), count).ok());
  delete[] list.value();
  EXPECT_EQ(cache.journaled_count(), 0u);
  EXPECT_EQ(cache.dirty_count(), 0u);
  EXPECT_EQ(DiskByte(0), 0xEE);
  EXPECT_EQ(DiskByte(3), 3);
  EXPECT_EQ(DiskByte(19), 0xEE);
  cache.Trim();
  EXPECT_FALSE(cache.over_capacity());
  EXPECT_LE(cache.size(), 16u);
}

TEST_F(BlockCacheTest, FailedCheckpointKeepsBlocksJournaled) {
  BlockCache cache(&device_, kBlock, 16);
  ASSERT_TRUE(cache.Init().ok());
  cache.SetJournaling(true);
  for (uint64_t b = 10; b < 13; ++b) {
    auto ref = cache.Get(b);
    ref.value().data()[0] = 0x77;
    ref.value().MarkDirty();
  }
  device_.fail_writes = true;
  device_.fail_from = 11 * 2;
  device_.fail_to = 12 * 2;
  size_t count = 0;
  auto list = cache.JournaledBlocks(&count);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(cache.CheckpointJournaled(list.value(), count).error(), kstd::Error::kIo);
  delete[] list.value();
  // One coalesced request for 10..12 failed: all three stay journaled.
  EXPECT_EQ(cache.journaled_count(), 3u);
  EXPECT_EQ(DiskByte(11), 11);
  device_.fail_writes = false;
  list = cache.JournaledBlocks(&count);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(cache.CheckpointJournaled(list.value(), count).ok());
  delete[] list.value();
  EXPECT_EQ(cache.journaled_count(), 0u);
  EXPECT_EQ(DiskByte(11), 0x77);
}

}  // namespace
}  // namespace servers::fs::ext2
