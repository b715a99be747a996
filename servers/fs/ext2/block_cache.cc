#include "servers/fs/ext2/block_cache.h"

#include <string.h>

#include "kstd/new.h"
#include "servers/fs/ext2/heap_sort.h"

namespace servers::fs::ext2 {

namespace {

bool IsPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

size_t HashBlock(uint64_t block) {
  uint64_t h = block * 0x9E3779B97F4A7C15ull;
  return static_cast<size_t>(h ^ (h >> 29));
}

/// Sorts entries by block number.
void SortByBlock(CacheEntry** a, size_t n) {
  HeapSortBy(a, n, [](const CacheEntry* e) { return e->block; });
}

}  // namespace

// ---- BlockRef.

BlockRef::BlockRef(BlockRef&& other) : cache_(other.cache_), entry_(other.entry_) {
  other.cache_ = nullptr;
  other.entry_ = nullptr;
}

BlockRef& BlockRef::operator=(BlockRef&& other) {
  if (this != &other) {
    Reset();
    cache_ = other.cache_;
    entry_ = other.entry_;
    other.cache_ = nullptr;
    other.entry_ = nullptr;
  }
  return *this;
}

uint32_t BlockRef::size() const { return cache_->block_size_; }

void BlockRef::MarkDirty() {
  entry_->dirty = true;
  entry_->verified = false;
  if (cache_->journaling_) entry_->journaled = true;
}

void BlockRef::MarkDataDirty() {
  entry_->dirty = true;
  entry_->verified = false;
  entry_->journaled = false;
}

void BlockRef::Reset() {
  if (entry_ != nullptr) cache_->Unpin(entry_);
  cache_ = nullptr;
  entry_ = nullptr;
}

// ---- BlockCache.

BlockCache::BlockCache(BlockDevice* device, uint32_t block_size, uint32_t capacity)
    : device_(device),
      block_size_(block_size),
      capacity_(capacity < kMinCapacity ? kMinCapacity : capacity) {}

BlockCache::~BlockCache() {
  if (buckets_ != nullptr) {
    for (size_t i = 0; i <= bucket_mask_; ++i) {
      CacheEntry* e = buckets_[i];
      while (e != nullptr) {
        CacheEntry* next = e->hash_next;
        delete[] e->data;
        delete e;
        e = next;
      }
    }
    delete[] buckets_;
  }
  delete[] bounce_;
}

kstd::Result<void> BlockCache::Init() {
  uint32_t sector = device_->sector_size();
  if (!IsPowerOfTwo(block_size_) || !IsPowerOfTwo(sector) || sector < 512 ||
      block_size_ < kMinBlockBytes || block_size_ < sector || block_size_ > kMaxRunBytes) {
    return kstd::Error::kInvalid;
  }
  sectors_per_block_ = block_size_ / sector;
  block_count_ = device_->sector_count() / sectors_per_block_;
  size_t buckets = 64;
  while (buckets < capacity_) buckets <<= 1;
  buckets_ = new (kstd::nothrow) CacheEntry*[buckets];
  bounce_ = new (kstd::nothrow) uint8_t[kMaxRunBytes];
  if (buckets_ == nullptr || bounce_ == nullptr) return kstd::Error::kNoMemory;
  for (size_t i = 0; i < buckets; ++i) buckets_[i] = nullptr;
  bucket_mask_ = buckets - 1;
  return kstd::Ok();
}

CacheEntry* BlockCache::Find(uint64_t block) const {
  for (CacheEntry* e = buckets_[HashBlock(block) & bucket_mask_]; e != nullptr; e = e->hash_next) {
    if (e->block == block) return e;
  }
  return nullptr;
}

void BlockCache::InsertHash(CacheEntry* entry) {
  CacheEntry** head = &buckets_[HashBlock(entry->block) & bucket_mask_];
  entry->hash_next = *head;
  *head = entry;
  ++size_;
}

void BlockCache::RemoveHash(CacheEntry* entry) {
  CacheEntry** link = &buckets_[HashBlock(entry->block) & bucket_mask_];
  while (*link != nullptr) {
    if (*link == entry) {
      *link = entry->hash_next;
      entry->hash_next = nullptr;
      --size_;
      return;
    }
    link = &(*link)->hash_next;
  }
}

void BlockCache::FreeEntry(CacheEntry* entry) {
  delete[] entry->data;
  delete entry;
}

kstd::IntrusiveList<CacheEntry, &CacheEntry::lru_node>& BlockCache::ListFor(CacheEntry* entry) {
  if (!entry->dirty) return clean_lru_;
  return entry->journaled ? journal_lru_ : dirty_lru_;
}

void BlockCache::Pin(CacheEntry* entry) {
  if (entry->pins++ == 0) ListFor(entry).Remove(entry);
}

void BlockCache::Unpin(CacheEntry* entry) {
  if (--entry->pins == 0) {
    if (!entry->dirty) entry->journaled = false;
    ListFor(entry).PushBack(entry);
  }
}

size_t BlockCache::journaled_count() const {
  size_t n = journal_lru_.size();
  if (buckets_ == nullptr) return n;
  for (size_t i = 0; i <= bucket_mask_; ++i) {
    for (CacheEntry* e = buckets_[i]; e != nullptr; e = e->hash_next) {
      if (e->pins > 0 && e->dirty && e->journaled) ++n;
    }
  }
  return n;
}

size_t BlockCache::dirty_count() const {
  size_t n = dirty_lru_.size() + journal_lru_.size();
  if (buckets_ == nullptr) return n;
  for (size_t i = 0; i <= bucket_mask_; ++i) {
    for (CacheEntry* e = buckets_[i]; e != nullptr; e = e->hash_next) {
      if (e->pins > 0 && e->dirty) ++n;
    }
  }
  return n;
}

kstd::Result<CacheEntry*> BlockCache::NewEntry() {
  CacheEntry* entry = new (kstd::nothrow) CacheEntry;
  if (entry == nullptr) return kstd::Error::kNoMemory;
  entry->data = new (kstd::nothrow) uint8_t[block_size_];
  if (entry->data == nullptr) {
    delete entry;
    return kstd::Error::kNoMemory;
  }
  return entry;
}

kstd::Result<CacheEntry*> BlockCache::MakeRoom() {
  // The caller indexes the entry (InsertHash) before the next MakeRoom, so
  // size_ counts every entry in use.
  if (size_ < capacity_) return NewEntry();
  if (clean_lru_.empty() && !dirty_lru_.empty()) {
    // Memory pressure with only dirty blocks to spare: write them all back
    // (one sorted, coalesced pass) so later misses find clean victims.
    TRY(WriteDirtyList());
  }
  if (clean_lru_.empty() && !journal_lru_.empty()) {
    // Only metadata waiting for the journal is left: grow until the owner
    // commits (it checks over_capacity() between operations).
    return NewEntry();
  }
  CacheEntry* victim = clean_lru_.PopFront();
  if (victim == nullptr) return kstd::Error::kNoMemory;  // everything is pinned
  RemoveHash(victim);
  ++stats_.evictions;
  victim->dirty = false;
  victim->pins = 0;
  return victim;
}

kstd::Result<void> BlockCache::ReadBlocks(uint64_t block, uint32_t count, uint8_t* out) {
  if (block >= block_count_ || count > block_count_ - block) return kstd::Error::kIo;
  ++stats_.device_reads;
  auto r = device_->Read(block * sectors_per_block_, count * sectors_per_block_,
                         kstd::Span<uint8_t>(out, static_cast<size_t>(count) * block_size_));
  if (r.is_error()) return kstd::Error::kIo;
  return kstd::Ok();
}

kstd::Result<BlockRef> BlockCache::Get(uint64_t block) {
  if (block >= block_count_) return kstd::Error::kIo;
  if (CacheEntry* e = Find(block)) {
    ++stats_.hits;
    Pin(e);
    return BlockRef(this, e);
  }
  ++stats_.misses;
  CacheEntry* entry = TRY(MakeRoom());
  auto read = ReadBlocks(block, 1, entry->data);
  if (read.is_error()) {
    FreeEntry(entry);
    return read.error();
  }
  entry->block = block;
  entry->dirty = false;
  entry->verified = false;
  entry->pins = 1;
  InsertHash(entry);
  return BlockRef(this, entry);
}

kstd::Result<BlockRef> BlockCache::GetZeroed(uint64_t block) {
  if (block >= block_count_) return kstd::Error::kIo;
  CacheEntry* entry = Find(block);
  if (entry != nullptr) {
    Pin(entry);
  } else {
    entry = TRY(MakeRoom());
    entry->block = block;
    entry->pins = 1;
    InsertHash(entry);
  }
  memset(entry->data, 0, block_size_);
  entry->dirty = true;
  entry->verified = false;
  entry->journaled = journaling_;  // metadata unless the caller says data
  return BlockRef(this, entry);
}

void BlockCache::Prefetch(uint64_t first, uint32_t count) {
  if (first >= block_count_) return;
  if (count > block_count_ - first) count = static_cast<uint32_t>(block_count_ - first);
  uint32_t max_run = kMaxRunBytes / block_size_;
  if (count > max_run) count = max_run;
  uint32_t n = 0;
  while (n < count && Find(first + n) == nullptr) ++n;
  if (n < 2) return;  // a single block: the caller's Get reads it anyway
  // Room first, without writing anything back (that would need bounce_, and
  // read-ahead is not worth a write): free slots, then clean victims.
  CacheEntry* fresh[kMaxRunBytes / kMinBlockBytes];
  uint32_t made = 0;
  while (made < n) {
    CacheEntry* e = nullptr;
    if (size_ + made < capacity_) {
      e = new (kstd::nothrow) CacheEntry;
      if (e != nullptr) {
        e->data = new (kstd::nothrow) uint8_t[block_size_];
        if (e->data == nullptr) {
          delete e;
          e = nullptr;
        }
      }
    } else if (CacheEntry* victim = clean_lru_.PopFront()) {
      RemoveHash(victim);
      ++stats_.evictions;
      e = victim;
    }
    if (e == nullptr) break;
    fresh[made++] = e;
  }
  // Straight into the entries when the device can (one copy less), else
  // through bounce_.
  bool ok = false;
  bool scattered = false;
  if (made >= 2) {
    uint8_t* pieces[kMaxRunBytes / kMinBlockBytes];
    for (uint32_t i = 0; i < made; ++i) pieces[i] = fresh[i]->data;
    ++stats_.device_reads;
    kstd::Result<void> r = device_->ReadScatter(first * sectors_per_block_, sectors_per_block_,
                                                kstd::Span<uint8_t* const>(pieces, made));
    scattered = r.ok();
    if (r.is_error()) {
      --stats_.device_reads;
      ok = r.error() == kstd::Error::kNotSupported && ReadBlocks(first, made, bounce_).ok();
    } else {
      ok = true;
    }
  }
  for (uint32_t i = 0; i < made; ++i) {
    CacheEntry* e = fresh[i];
    if (!ok) {
      FreeEntry(e);
      continue;
    }
    if (!scattered) memcpy(e->data, bounce_ + static_cast<size_t>(i) * block_size_, block_size_);
    e->block = first + i;
    e->dirty = false;
    e->verified = false;
    e->pins = 0;
    e->hash_next = nullptr;
    InsertHash(e);
    clean_lru_.PushBack(e);
  }
}

void BlockCache::Discard(uint64_t block) {
  CacheEntry* e = Find(block);
  if (e == nullptr) return;
  if (e->pins > 0) {
    e->dirty = false;
    e->journaled = false;
    return;
  }
  ListFor(e).Remove(e);
  RemoveHash(e);
  FreeEntry(e);
}

kstd::Result<void> BlockCache::WriteEntries(CacheEntry** entries, size_t count) {
  if (device_->read_only()) return kstd::Error::kReadOnlyFs;
  bool failed = false;
  uint32_t max_run = kMaxRunBytes / block_size_;
  size_t i = 0;
  while (i < count) {
    size_t run = 1;
    while (i + run < count && run < max_run && entries[i + run]->block == entries[i]->block + run) {
      ++run;
    }
    kstd::Result<void> r = kstd::Ok();
    ++stats_.device_writes;
    if (run == 1) {
      r = device_->Write(entries[i]->block * sectors_per_block_, sectors_per_block_,
                         kstd::Span<const uint8_t>(entries[i]->data, block_size_));
    } else {
      for (size_t k = 0; k < run; ++k) {
        memcpy(bounce_ + k * block_size_, entries[i + k]->data, block_size_);
      }
      r = device_->Write(entries[i]->block * sectors_per_block_,
                         static_cast<uint32_t>(run) * sectors_per_block_,
                         kstd::Span<const uint8_t>(bounce_, run * block_size_));
    }
    if (r.is_error()) {
      failed = true;
      ++stats_.write_errors;
    } else {
      for (size_t k = 0; k < run; ++k) entries[i + k]->dirty = false;
      stats_.blocks_written += run;
    }
    i += run;
  }
  return failed ? kstd::Result<void>(kstd::Error::kIo) : kstd::Ok();
}

kstd::Result<void> BlockCache::WriteDirtyList() {
  size_t n = dirty_lru_.size();
  if (n == 0) return kstd::Ok();
  CacheEntry** list = new (kstd::nothrow) CacheEntry*[n];
  if (list == nullptr) {
    // No memory for a sorted pass: write the oldest one alone.
    CacheEntry* e = dirty_lru_.Front();
    CacheEntry* one[1] = {e};
    auto r = WriteEntries(one, 1);
    if (!e->dirty) {
      dirty_lru_.Remove(e);
      clean_lru_.PushBack(e);
    }
    return r;
  }
  size_t k = 0;
  dirty_lru_.ForEach([&](CacheEntry* e) { list[k++] = e; });
  SortByBlock(list, n);
  auto r = WriteEntries(list, n);
  // Keep LRU order among the written ones: move them in their old order.
  for (size_t i = 0; i < n; ++i) list[i] = nullptr;
  k = 0;
  dirty_lru_.ForEach([&](CacheEntry* e) { list[k++] = e; });
  for (size_t i = 0; i < k; ++i) {
    if (!list[i]->dirty) {
      dirty_lru_.Remove(list[i]);
      clean_lru_.PushBack(list[i]);
    }
  }
  delete[] list;
  return r;
}

kstd::Result<void> BlockCache::WriteBack() {
  // Unpinned dirty blocks first (they move to the clean list), then the
  // pinned ones, which stay where they are.
  auto r = WriteDirtyList();
  size_t pinned_dirty = dirty_count();
  if (pinned_dirty == 0) return r;
  CacheEntry** list = new (kstd::nothrow) CacheEntry*[pinned_dirty];
  if (list == nullptr) return kstd::Error::kNoMemory;
  size_t k = 0;
  for (size_t i = 0; i <= bucket_mask_; ++i) {
    for (CacheEntry* e = buckets_[i]; e != nullptr; e = e->hash_next) {
      if (e->pins > 0 && e->dirty && !e->journaled && k < pinned_dirty) list[k++] = e;
    }
  }
  SortByBlock(list, k);
  auto r2 = WriteEntries(list, k);
  delete[] list;
  if (r.is_error()) return r;
  return r2;
}

kstd::Result<void> BlockCache::Sync() {
  TRY(WriteBack());
  return Flush();
}

kstd::Result<void> BlockCache::Flush() {
  if (device_->Flush().is_error()) return kstd::Error::kIo;
  return kstd::Ok();
}

kstd::Result<CacheEntry**> BlockCache::JournaledBlocks(size_t* count) {
  size_t n = journaled_count();
  *count = 0;
  CacheEntry** list = new (kstd::nothrow) CacheEntry*[n == 0 ? 1 : n];
  if (list == nullptr) return kstd::Error::kNoMemory;
  size_t k = 0;
  for (size_t i = 0; i <= bucket_mask_; ++i) {
    for (CacheEntry* e = buckets_[i]; e != nullptr; e = e->hash_next) {
      if (e->dirty && e->journaled && k < n) list[k++] = e;
    }
  }
  SortByBlock(list, k);
  *count = k;
  return list;
}

kstd::Result<void> BlockCache::CheckpointJournaled(CacheEntry** entries, size_t count) {
  auto r = WriteEntries(entries, count);
  for (size_t i = 0; i < count; ++i) {
    CacheEntry* e = entries[i];
    if (e->dirty || !e->journaled) continue;
    if (e->pins == 0) journal_lru_.Remove(e);
    e->journaled = false;
    if (e->pins == 0) clean_lru_.PushBack(e);
  }
  return r;
}

void BlockCache::Trim() {
  while (size_ > capacity_) {
    CacheEntry* victim = clean_lru_.PopFront();
    if (victim == nullptr) return;
    RemoveHash(victim);
    ++stats_.evictions;
    FreeEntry(victim);
  }
}

}  // namespace servers::fs::ext2
