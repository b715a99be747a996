#pragma once

// BlockCache: a bounded write-back cache of file-system blocks over a
// BlockDevice.
//
// - Get() returns a BlockRef: a pin on one cached block. A pinned block is
//   never evicted; the pin ends when the BlockRef goes away. Callers modify
//   the bytes and call MarkDirty().
// - The cache holds at most `capacity` blocks. To make room it evicts the
//   least recently used clean, unpinned block; when every unpinned block is
//   dirty it first writes them all back (sorted, contiguous runs coalesced
//   into one device request).
// - Sync() writes back every dirty block and flushes the device.
// - Errors are never swallowed: a failed read gives kIo to the caller; a
//   failed write-back leaves the block dirty (the data stays in memory and
//   is retried by the next write-back) and gives kIo to whoever asked for it
//   (Sync, or the Get that needed room). Dirty data is only dropped by
//   Discard (the file system freed the block) or by destroying the cache,
//   which reports what it drops through dirty_count() beforehand.
// - Journaling (SetJournaling): metadata blocks (MarkDirty) are then held
//   for the journal: WriteBack, Sync and eviction write only file data
//   (MarkDataDirty); when only journaled blocks are left to evict, the cache
//   grows past its capacity until the owner commits (over_capacity()).
//   The journal takes them with JournaledBlocks and writes them home with
//   CheckpointJournaled after its commit.
//
// Not synchronized: the file system that owns the cache serializes calls.

#include <stddef.h>
#include <stdint.h>

#include "kstd/intrusive_list.h"
#include "kstd/result.h"
#include "kstd/span.h"
#include "servers/fs/ext2/block_device.h"

namespace servers::fs::ext2 {

class BlockCache;

/// One cached block (internal to the cache; BlockRef is the public handle).
struct CacheEntry {
  uint64_t block = 0;
  uint8_t* data = nullptr;
  CacheEntry* hash_next = nullptr;
  kstd::ListNode lru_node;  // on clean_lru_ or dirty_lru_ while unpinned
  uint32_t pins = 0;
  bool dirty = false;
  bool journaled = false;  // dirty metadata that reaches its home only through the journal
  bool verified = false;   // the owner checked these bytes (a checksum) since they last changed
};

/// A pinned cached block. Move-only; unpins on destruction.
class BlockRef {
 public:
  BlockRef() = default;
  BlockRef(BlockRef&& other);
  BlockRef& operator=(BlockRef&& other);
  BlockRef(const BlockRef&) = delete;
  BlockRef& operator=(const BlockRef&) = delete;
  ~BlockRef() { Reset(); }

  explicit operator bool() const { return entry_ != nullptr; }
  uint64_t block() const { return entry_->block; }
  uint8_t* data() const { return entry_->data; }
  uint32_t size() const;
  kstd::Span<uint8_t> bytes() const { return kstd::Span<uint8_t>(data(), size()); }
  /// Records that the caller changed metadata bytes: they reach the device on
  /// the next write-back, or, when the cache is journaling, only through the
  /// journal (CheckpointJournaled) and never by a plain write-back.
  void MarkDirty();
  /// Records that the caller changed file data: written back as usual, also
  /// when journaling (ordered mode: before the metadata's commit).
  void MarkDataDirty();
  /// Whether the owner called MarkVerified since the block was read or
  /// last changed (MarkDirty, MarkDataDirty, GetZeroed): its checksum need
  /// not be computed again.
  bool verified() const { return entry_->verified; }
  void MarkVerified() { entry_->verified = true; }
  /// Drops the pin now.
  void Reset();

 private:
  friend class BlockCache;
  BlockRef(BlockCache* cache, CacheEntry* entry) : cache_(cache), entry_(entry) {}

  BlockCache* cache_ = nullptr;
  CacheEntry* entry_ = nullptr;
};

class BlockCache {
 public:
  /// The fewest blocks a cache may hold (operations pin a handful at once).
  static constexpr uint32_t kMinCapacity = 16;
  /// The largest single device request a write-back or read-ahead makes.
  static constexpr uint32_t kMaxRunBytes = 128 * 1024;
  /// The smallest block size the cache handles.
  static constexpr uint32_t kMinBlockBytes = 512;

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t device_reads = 0;   // requests
    uint64_t device_writes = 0;  // requests
    uint64_t blocks_written = 0;
    uint64_t evictions = 0;
    uint64_t write_errors = 0;
  };

  /// `device` must outlive the cache. Call Init before use.
  BlockCache(BlockDevice* device, uint32_t block_size, uint32_t capacity);
  ~BlockCache();
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  /// Checks the geometry (block size a multiple of the sector size, both
  /// powers of two) and allocates the index. Errors: kInvalid, kNoMemory.
  kstd::Result<void> Init();

  uint32_t block_size() const { return block_size_; }
  /// The device's size in whole blocks.
  uint64_t block_count() const { return block_count_; }
  bool read_only() const { return device_->read_only(); }

  /// The block, read from the device on a miss. Errors: kIo (read failed,
  /// block past the end of the device, or a write-back to make room failed),
  /// kNoMemory (every cached block is pinned, or allocation failed).
  kstd::Result<BlockRef> Get(uint64_t block);
  /// The block with every byte zero and marked dirty (as metadata, see
  /// MarkDirty), without reading the device (for a block the file system
  /// has just allocated). Errors: as Get.
  kstd::Result<BlockRef> GetZeroed(uint64_t block);
  /// Reads up to `count` blocks from `first` that are not cached yet with as
  /// few device requests as possible (read-ahead). Best effort: stops at the
  /// first cached block or error, and never evicts dirty blocks.
  void Prefetch(uint64_t first, uint32_t count);
  /// Forgets the block's cached copy, dirty or not: the file system freed it.
  /// A pinned block is only marked clean.
  void Discard(uint64_t block);

  /// Writes every dirty block to the device (not flushed). Errors: kIo (the
  /// blocks that failed stay dirty), kReadOnlyFs.
  kstd::Result<void> WriteBack();
  /// WriteBack, then Flush the device. Errors: as WriteBack, kIo.
  kstd::Result<void> Sync();
  /// Flushes the device. Errors: kIo.
  kstd::Result<void> Flush();

  /// Journaling on or off (see the file comment). Off (the default) is the
  /// plain write-back cache; turning it off requires no journaled blocks.
  void SetJournaling(bool on) { journaling_ = on; }
  bool journaling() const { return journaling_; }
  /// Dirty metadata blocks waiting for the journal (walks the index).
  size_t journaled_count() const;
  /// The unpinned ones only, without a walk: all of them between operations.
  size_t journaled_unpinned() const { return journal_lru_.size(); }
  /// Every journaled block, sorted by block number, in a new[] array the
  /// caller deletes; `*count` is its length. The entries stay cached (they
  /// are never evicted while journaled). Errors: kNoMemory.
  kstd::Result<CacheEntry**> JournaledBlocks(size_t* count);
  /// Writes `entries` (from JournaledBlocks) home; those written become
  /// clean. Not flushed. Errors: kIo (the failed ones stay journaled),
  /// kReadOnlyFs.
  kstd::Result<void> CheckpointJournaled(CacheEntry** entries, size_t count);
  /// True when journaled blocks made the cache grow past its capacity.
  bool over_capacity() const { return size_ > capacity_; }
  /// Evicts clean blocks until the cache is within its capacity again.
  void Trim();

  size_t size() const { return size_; }
  size_t dirty_count() const;
  uint32_t capacity() const { return capacity_; }
  const Stats& stats() const { return stats_; }

 private:
  friend class BlockRef;

  CacheEntry* Find(uint64_t block) const;
  void Pin(CacheEntry* entry);
  void Unpin(CacheEntry* entry);
  void InsertHash(CacheEntry* entry);
  void RemoveHash(CacheEntry* entry);
  void FreeEntry(CacheEntry* entry);
  /// An entry ready to hold `block` (evicting if needed), not yet indexed.
  kstd::Result<CacheEntry*> MakeRoom();
  /// Writes `entries` (sorted by block) in coalesced runs; clears `dirty` on
  /// success. Errors: kIo if any run failed.
  kstd::Result<void> WriteEntries(CacheEntry** entries, size_t count);
  kstd::Result<void> WriteDirtyList();
  kstd::Result<void> ReadBlocks(uint64_t block, uint32_t count, uint8_t* out);

  BlockDevice* const device_;
  const uint32_t block_size_;
  const uint32_t capacity_;
  uint32_t sectors_per_block_ = 0;
  uint64_t block_count_ = 0;

  CacheEntry** buckets_ = nullptr;
  size_t bucket_mask_ = 0;
  size_t size_ = 0;
  uint8_t* bounce_ = nullptr;  // kMaxRunBytes, for coalesced requests
  // Unpinned entries in least-recently-used order (front = oldest).
  kstd::IntrusiveList<CacheEntry, &CacheEntry::lru_node> clean_lru_;
  kstd::IntrusiveList<CacheEntry, &CacheEntry::lru_node> dirty_lru_;
  // Unpinned journaled entries (journaling only), never written by WriteBack.
  kstd::IntrusiveList<CacheEntry, &CacheEntry::lru_node> journal_lru_;
  bool journaling_ = false;
  Stats stats_;
  /// The list an unpinned entry belongs on.
  kstd::IntrusiveList<CacheEntry, &CacheEntry::lru_node>& ListFor(CacheEntry* entry);
  /// A new, unindexed entry. Errors: kNoMemory.
  kstd::Result<CacheEntry*> NewEntry();
};

}  // namespace servers::fs::ext2
