#include "servers/fs/ext2/journal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kstd/new.h"
#include "servers/fs/ext2/crc32c.h"
#include "servers/fs/ext2/heap_sort.h"
#include "servers/fs/ext2/journal_format.h"

namespace servers::fs::ext2 {

using jbd2::Load16;
using jbd2::Load32;
using jbd2::Store32;

Journal::~Journal() {
  delete[] map_;
  delete[] super_;
  delete[] scratch_;
  delete[] run_;
  delete[] revokes_;
}

uint32_t Journal::Fail(const char* format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(message_, sizeof(message_), format, args);
  va_end(args);
  return 0;
}

uint32_t Journal::Next(uint32_t pos, uint32_t n) const {
  // Positions run over [first_, maxlen_) and wrap to first_.
  uint32_t span = maxlen_ - first_;
  return first_ + static_cast<uint32_t>((static_cast<uint64_t>(pos - first_) + n) % span);
}

kstd::Result<void> Journal::ReadJournalBlock(uint32_t pos, uint8_t* out) {
  if (pos >= length_) return kstd::Error::kInvalid;
  auto r = device_->Read(static_cast<uint64_t>(map_[pos]) * sectors_per_block_, sectors_per_block_,
                         kstd::Span<uint8_t>(out, block_size_));
  if (r.is_error()) {
    Fail("cannot read journal block %u (block %u)", pos, map_[pos]);
    return kstd::Error::kIo;
  }
  return kstd::Ok();
}

kstd::Result<void> Journal::WriteJournalBlock(uint32_t pos, const uint8_t* in) {
  if (pos >= length_) return kstd::Error::kInvalid;
  auto r = device_->Write(static_cast<uint64_t>(map_[pos]) * sectors_per_block_, sectors_per_block_,
                          kstd::Span<const uint8_t>(in, block_size_));
  if (r.is_error()) {
    Fail("cannot write journal block %u (block %u)", pos, map_[pos]);
    return r.error() == kstd::Error::kReadOnlyFs ? kstd::Error::kReadOnlyFs : kstd::Error::kIo;
  }
  return kstd::Ok();
}

kstd::Result<void> Journal::WriteSuperblock() {
  Store32(super_ + jbd2::kSbStart, start_);
  Store32(super_ + jbd2::kSbSequence, sequence_);
  if (checksummed()) {
    Store32(super_ + jbd2::kSbChecksum, 0);
    Store32(super_ + jbd2::kSbChecksum, Crc32cUpdate(~0u, super_, jbd2::kSbSize));
  }
  return WriteJournalBlock(0, super_);
}

kstd::Result<void> Journal::Open(BlockDevice* device, uint32_t block_size, uint64_t fs_blocks,
                                 uint32_t* map, uint32_t length) {
  device_ = device;
  block_size_ = block_size;
  sectors_per_block_ = block_size / device->sector_size();
  fs_blocks_ = fs_blocks;
  map_ = map;
  length_ = length;
  super_ = new (kstd::nothrow) uint8_t[block_size];
  scratch_ = new (kstd::nothrow) uint8_t[block_size];
  run_ = new (kstd::nothrow) uint8_t[BlockCache::kMaxRunBytes];
  if (super_ == nullptr || scratch_ == nullptr || run_ == nullptr) return kstd::Error::kNoMemory;
  if (length < 2 || block_size < 1024) {
    Fail("journal inode too small (%u blocks)", length);
    return kstd::Error::kInvalid;
  }
  TRY(ReadJournalBlock(0, super_));
  const uint8_t* sb = super_;
  uint32_t type = Load32(sb + 4);
  if (Load32(sb) != jbd2::kMagic || (type != jbd2::kSuperblockV1 && type != jbd2::kSuperblockV2)) {
    Fail("no journal superblock (magic 0x%x, type %u)", Load32(sb), type);
    return kstd::Error::kInvalid;
  }
  if (Load32(sb + jbd2::kSbBlockSize) != block_size) {
    Fail("journal block size %u differs from the file system's %u", Load32(sb + jbd2::kSbBlockSize),
         block_size);
    return kstd::Error::kInvalid;
  }
  maxlen_ = Load32(sb + jbd2::kSbMaxLen);
  first_ = Load32(sb + jbd2::kSbFirst);
  start_ = Load32(sb + jbd2::kSbStart);
  sequence_ = Load32(sb + jbd2::kSbSequence);
  if (maxlen_ > length || first_ == 0 || first_ >= maxlen_ || maxlen_ - first_ < 8) {
    Fail("journal geometry out of range (first %u, length %u, inode holds %u blocks)", first_,
         maxlen_, length);
    return kstd::Error::kInvalid;
  }
  if (start_ != 0 && (start_ < first_ || start_ >= maxlen_)) {
    Fail("journal start %u outside the log [%u, %u)", start_, first_, maxlen_);
    return kstd::Error::kInvalid;
  }
  uint32_t incompat = 0;
  uint32_t ro_compat = 0;
  if (type == jbd2::kSuperblockV2) {
    incompat = Load32(sb + jbd2::kSbFeatureIncompat);
    ro_compat = Load32(sb + jbd2::kSbFeatureRoCompat);
    if (Load32(sb + jbd2::kSbNrUsers) > 48) {
      Fail("journal user count %u out of range", Load32(sb + jbd2::kSbNrUsers));
      return kstd::Error::kInvalid;
    }
  }
  if ((incompat & ~jbd2::kSupportedIncompat) != 0) {
    Fail("unsupported incompatible journal features 0x%x%s", incompat & ~jbd2::kSupportedIncompat,
         (incompat & jbd2::kIncompatFastCommit) ? " (fast_commit)" : "");
    return kstd::Error::kNotSupported;
  }
  unknown_ro_ = ro_compat != 0;
  revoke_ = (incompat & jbd2::kIncompatRevoke) != 0;
  bit64_ = (incompat & jbd2::kIncompat64Bit) != 0;
  csum_v2_ = (incompat & jbd2::kIncompatCsumV2) != 0;
  csum_v3_ = (incompat & jbd2::kIncompatCsumV3) != 0;
  if (csum_v2_ && csum_v3_) {
    Fail("journal claims both checksum versions 2 and 3");
    return kstd::Error::kInvalid;
  }
  if (checksummed()) {
    if (sb[jbd2::kSbChecksumType] != jbd2::kChecksumCrc32c) {
      Fail("journal checksum type %u is not crc32c", sb[jbd2::kSbChecksumType]);
      return kstd::Error::kInvalid;
    }
    uint32_t stored = Load32(sb + jbd2::kSbChecksum);
    memcpy(scratch_, super_, block_size_);
    Store32(scratch_ + jbd2::kSbChecksum, 0);
    uint32_t computed = Crc32cUpdate(~0u, scratch_, jbd2::kSbSize);
    if (stored != computed) {
      Fail("journal superblock checksum 0x%x, expected 0x%x", stored, computed);
      return kstd::Error::kInvalid;
    }
    csum_seed_ = Crc32cUpdate(~0u, sb + jbd2::kSbUuid, jbd2::kUuidSize);
  }
  version2_ = type == jbd2::kSuperblockV2;
  SetGeometry();
  return kstd::Ok();
}

void Journal::SetGeometry() {
  if (csum_v3_) {
    tag_size_ = jbd2::kTag3Size;
  } else {
    tag_size_ = 8 + (bit64_ ? 4 : 0) + (csum_v2_ ? 2 : 0);
  }
  uint32_t tail = checksummed() ? jbd2::kTailSize : 0;
  // The first tag of a descriptor carries the UUID; the others say SAME_UUID.
  tags_per_descriptor_ = (block_size_ - jbd2::kHeaderSize - tail - jbd2::kUuidSize) / tag_size_;
  uint32_t usable = maxlen_ - first_;
  // m metadata blocks need m + ceil(m / tags) descriptors + 1 commit block.
  size_t m = usable - 2;
  while (m > 0 && m + (m + tags_per_descriptor_ - 1) / tags_per_descriptor_ + 1 > usable) --m;
  max_chunk_ = m;
}

kstd::Result<bool> Journal::EnableChecksumV3() {
  if (checksummed()) return true;
  if (!version2_ || start_ != 0 || unknown_ro_ || aborted_) return false;
  uint32_t incompat = Load32(super_ + jbd2::kSbFeatureIncompat) | jbd2::kIncompatCsumV3;
  Store32(super_ + jbd2::kSbFeatureIncompat, incompat);
  super_[jbd2::kSbChecksumType] = jbd2::kChecksumCrc32c;
  csum_v3_ = true;
  csum_seed_ = Crc32cUpdate(~0u, super_ + jbd2::kSbUuid, jbd2::kUuidSize);
  SetGeometry();
  auto r = WriteSuperblock();
  if (r.ok()) r = device_->Flush();
  if (r.is_error()) {
    Fail("cannot write the journal superblock to turn checksums on");
    return r.error();
  }
  return true;
}

template <typename Visit>
uint32_t Journal::ForEachTag(const uint8_t* block, Visit visit) {
  uint32_t end = block_size_ - (checksummed() ? jbd2::kTailSize : 0);
  uint32_t off = jbd2::kHeaderSize;
  uint32_t count = 0;
  while (off + tag_size_ <= end) {
    const uint8_t* tag = block + off;
    uint64_t target = Load32(tag);
    uint32_t flags;
    uint32_t checksum;
    if (csum_v3_) {
      flags = Load32(tag + 4);
      if (bit64_) target |= static_cast<uint64_t>(Load32(tag + 8)) << 32;
      checksum = Load32(tag + 12);
    } else {
      checksum = Load16(tag + 4);
      flags = Load16(tag + 6);
      if (bit64_) target |= static_cast<uint64_t>(Load32(tag + 8)) << 32;
    }
    off += tag_size_;
    if ((flags & jbd2::kTagSameUuid) == 0) off += jbd2::kUuidSize;
    if (off > end) return Fail("descriptor tag %u runs past its block", count);
    if (target >= fs_blocks_) {
      return Fail("descriptor tag %u names block %llu, past the file system's end (%llu)", count,
                  static_cast<unsigned long long>(target),
                  static_cast<unsigned long long>(fs_blocks_));
    }
    visit(count, target, flags, checksum);
    ++count;
    if ((flags & jbd2::kTagLastTag) != 0) break;
  }
  if (count == 0) return Fail("descriptor block without tags");
  return count;
}

bool Journal::BlockTailOk(const uint8_t* block) {
  if (!checksummed()) return true;
  memcpy(scratch_, block, block_size_);
  uint32_t stored = Load32(block + block_size_ - jbd2::kTailSize);
  Store32(scratch_ + block_size_ - jbd2::kTailSize, 0);
  return Crc32cUpdate(csum_seed_, scratch_, block_size_) == stored;
}

bool Journal::CommitChecksumOk(const uint8_t* block) {
  if (!checksummed()) return true;
  memcpy(scratch_, block, block_size_);
  uint32_t stored = Load32(block + jbd2::kCommitChecksum);
  Store32(scratch_ + jbd2::kCommitChecksum, 0);
  return Crc32cUpdate(csum_seed_, scratch_, block_size_) == stored;
}

uint32_t Journal::TagChecksum(uint32_t sequence, const uint8_t* data) const {
  uint8_t seq[4];
  Store32(seq, sequence);
  uint32_t c = Crc32cUpdate(csum_seed_, seq, sizeof(seq));
  c = Crc32cUpdate(c, data, block_size_);
  return csum_v3_ ? c : (c & 0xFFFF);
}

kstd::Result<void> Journal::AddRevoke(uint64_t block, uint32_t sequence) {
  if (revoke_count_ == revoke_capacity_) {
    size_t capacity = revoke_capacity_ == 0 ? 64 : revoke_capacity_ * 2;
    Revoke* grown = new (kstd::nothrow) Revoke[capacity];
    if (grown == nullptr) return kstd::Error::kNoMemory;
    for (size_t i = 0; i < revoke_count_; ++i) grown[i] = revokes_[i];
    delete[] revokes_;
    revokes_ = grown;
    revoke_capacity_ = capacity;
  }
  revokes_[revoke_count_++] = Revoke{block, sequence};
  return kstd::Ok();
}

bool Journal::IsRevoked(uint64_t block, uint32_t sequence) const {
  // revokes_ is sorted by block: find the first record of `block`.
  size_t lo = 0;
  size_t hi = revoke_count_;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (revokes_[mid].block < block) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  // A revoke in this transaction or a later one hides the block.
  for (size_t i = lo; i < revoke_count_ && revokes_[i].block == block; ++i) {
    if (static_cast<int32_t>(revokes_[i].sequence - sequence) >= 0) return true;
  }
  return false;
}

kstd::Result<Journal::ScanResult> Journal::Scan() {
  ScanResult result;
  uint32_t pos = start_;
  uint32_t sequence = sequence_;
  uint32_t usable = maxlen_ - first_;
  uint32_t scanned = 0;
  size_t committed_revokes = 0;  // revoke records of committed transactions
  uint8_t* block = run_;         // not staging anything during a scan
  bool uncommitted = false;      // blocks of end_sequence seen after the last commit
  result.end_sequence = sequence;
  for (;;) {
    if (scanned >= usable) break;  // the whole log walked: nothing more can follow
    TRY(ReadJournalBlock(pos, block));
    if (Load32(block) != jbd2::kMagic || Load32(block + 8) != sequence) break;
    uint32_t type = Load32(block + 4);
    if (type == jbd2::kDescriptorBlock) {
      if (!BlockTailOk(block)) {
        Fail("descriptor block %u of transaction %u has a bad checksum", pos, sequence);
        break;
      }
      uint32_t tags = ForEachTag(block, [](uint32_t, uint64_t, uint32_t, uint32_t) {});
      if (tags == 0) return kstd::Error::kInvalid;
      if (tags >= usable - scanned) {
        Fail("descriptor block %u lists %u blocks, more than the log holds", pos, tags);
        return kstd::Error::kInvalid;
      }
      pos = Next(pos, 1 + tags);
      scanned += 1 + tags;
      uncommitted = true;
      continue;
    }
    if (type == jbd2::kRevokeBlock) {
      if (!BlockTailOk(block)) {
        Fail("revoke block %u of transaction %u has a bad checksum", pos, sequence);
        break;
      }
      uint32_t used = Load32(block + jbd2::kRevokeCount);
      uint32_t record = bit64_ ? 8 : 4;
      uint32_t end = block_size_ - (checksummed() ? jbd2::kTailSize : 0);
      if (used < jbd2::kRevokeHeaderSize || used > end ||
          (used - jbd2::kRevokeHeaderSize) % record != 0) {
        Fail("revoke block %u: record bytes %u out of range", pos, used);
        return kstd::Error::kInvalid;
      }
      for (uint32_t off = jbd2::kRevokeHeaderSize; off < used; off += record) {
        uint64_t b =
            bit64_ ? (static_cast<uint64_t>(Load32(block + off)) << 32) | Load32(block + off + 4)
                   : Load32(block + off);
        TRY(AddRevoke(b, sequence));
      }
      pos = Next(pos, 1);
      ++scanned;
      uncommitted = true;
      continue;
    }
    if (type == jbd2::kCommitBlock) {
      if (!CommitChecksumOk(block)) {
        Fail("commit block %u of transaction %u has a bad checksum", pos, sequence);
        uncommitted = true;
        break;
      }
      uncommitted = false;
      ++sequence;
      result.end_sequence = sequence;
      committed_revokes = revoke_count_;
      pos = Next(pos, 1);
      ++scanned;
      continue;
    }
    break;  // another block type: the end of the log
  }
  // Revokes of the uncommitted transaction do not count.
  revoke_count_ = committed_revokes;
  result.torn = uncommitted;
  HeapSortBy(revokes_, revoke_count_, [](const Revoke& r) { return r.block; });
  return result;
}

kstd::Result<Journal::ReplayReport> Journal::Replay() {
  ReplayReport report;
  if (start_ == 0) return report;
  if (unknown_ro_) {
    Fail("journal has unknown read-only-compatible features: not replaying");
    return kstd::Error::kReadOnlyFs;
  }
  ScanResult scan = TRY(Scan());
  report.torn = scan.torn;
  uint8_t* descriptor = new (kstd::nothrow) uint8_t[block_size_];
  uint8_t* data = new (kstd::nothrow) uint8_t[block_size_];
  if (descriptor == nullptr || data == nullptr) {
    delete[] descriptor;
    delete[] data;
    return kstd::Error::kNoMemory;
  }
  kstd::Result<void> status = kstd::Ok();
  uint32_t pos = start_;
  uint32_t sequence = sequence_;
  while (status.ok() && sequence != scan.end_sequence) {
    status = ReadJournalBlock(pos, descriptor);
    if (status.is_error()) break;
    uint32_t type = Load32(descriptor + 4);
    pos = Next(pos, 1);
    if (type == jbd2::kCommitBlock) {
      ++sequence;
      ++report.transactions;
      continue;
    }
    if (type != jbd2::kDescriptorBlock) continue;  // revoke blocks: read in Scan
    // Validated by Scan; walk the tags again, each followed by its copy.
    uint32_t data_pos = pos;
    uint32_t tags =
        ForEachTag(descriptor, [&](uint32_t, uint64_t target, uint32_t flags, uint32_t checksum) {
          uint32_t here = data_pos;
          data_pos = Next(data_pos, 1);
          if (status.is_error()) return;
          status = ReadJournalBlock(here, data);
          if (status.is_error()) return;
          if (checksummed() && TagChecksum(sequence, data) != checksum) {
            ++report.bad_checksums;
            return;
          }
          if (revoke_ && IsRevoked(target, sequence)) {
            ++report.revoked;
            return;
          }
          if ((flags & jbd2::kTagEscape) != 0) Store32(data, jbd2::kMagic);
          auto w = device_->Write(target * sectors_per_block_, sectors_per_block_,
                                  kstd::Span<const uint8_t>(data, block_size_));
          if (w.is_error()) {
            Fail("cannot write replayed block %llu", static_cast<unsigned long long>(target));
            status =
                w.error() == kstd::Error::kReadOnlyFs ? kstd::Error::kReadOnlyFs : kstd::Error::kIo;
            return;
          }
          ++report.blocks;
        });
    pos = Next(pos, tags);
  }
  delete[] descriptor;
  delete[] data;
  TRY(status);
  if (device_->Flush().is_error()) return kstd::Error::kIo;
  // Empty, and the next transaction gets a sequence no block in the log has
  // (a torn transaction's blocks carry end_sequence).
  start_ = 0;
  sequence_ = scan.end_sequence + 1;
  TRY(WriteSuperblock());
  if (device_->Flush().is_error()) return kstd::Error::kIo;
  revoke_count_ = 0;
  return report;
}

kstd::Result<void> Journal::Stage(uint32_t pos, const uint8_t* block) {
  uint32_t max = BlockCache::kMaxRunBytes / block_size_;
  if (run_blocks_ > 0 && (run_blocks_ == max || map_[pos] != map_[run_first_] + run_blocks_)) {
    TRY(WriteStaged());
  }
  if (run_blocks_ == 0) run_first_ = pos;
  memcpy(run_ + static_cast<size_t>(run_blocks_) * block_size_, block, block_size_);
  ++run_blocks_;
  return kstd::Ok();
}

kstd::Result<void> Journal::WriteStaged() {
  if (run_blocks_ == 0) return kstd::Ok();
  uint32_t n = run_blocks_;
  run_blocks_ = 0;
  auto r = device_->Write(static_cast<uint64_t>(map_[run_first_]) * sectors_per_block_,
                          n * sectors_per_block_,
                          kstd::Span<const uint8_t>(run_, static_cast<size_t>(n) * block_size_));
  if (r.is_error()) {
    Fail("cannot write the log at journal block %u", run_first_);
    return r.error() == kstd::Error::kReadOnlyFs ? kstd::Error::kReadOnlyFs : kstd::Error::kIo;
  }
  return kstd::Ok();
}

kstd::Result<void> Journal::CommitChunk(BlockCache* cache, CacheEntry** entries, size_t count,
                                        uint32_t now_seconds) {
  const uint32_t sequence = sequence_;
  const uint32_t tail = checksummed() ? jbd2::kTailSize : 0;
  uint32_t pos = first_;
  run_blocks_ = 0;
  uint8_t* descriptor = new (kstd::nothrow) uint8_t[block_size_];
  uint8_t* copy = new (kstd::nothrow) uint8_t[block_size_];
  if (descriptor == nullptr || copy == nullptr) {
    delete[] descriptor;
    delete[] copy;
    return kstd::Error::kNoMemory;
  }
  kstd::Result<void> status = kstd::Ok();
  for (size_t i = 0; i < count && status.ok(); i += tags_per_descriptor_) {
    size_t n = count - i < tags_per_descriptor_ ? count - i : tags_per_descriptor_;
    memset(descriptor, 0, block_size_);
    Store32(descriptor, jbd2::kMagic);
    Store32(descriptor + 4, jbd2::kDescriptorBlock);
    Store32(descriptor + 8, sequence);
    uint32_t off = jbd2::kHeaderSize;
    for (size_t k = 0; k < n; ++k) {
      const CacheEntry* e = entries[i + k];
      memcpy(copy, e->data, block_size_);
      uint32_t flags = k == 0 ? 0 : jbd2::kTagSameUuid;
      if (Load32(copy) == jbd2::kMagic) {
        flags |= jbd2::kTagEscape;
        Store32(copy, 0);
      }
      if (k + 1 == n) flags |= jbd2::kTagLastTag;
      uint8_t* tag = descriptor + off;
      Store32(tag, static_cast<uint32_t>(e->block));
      if (csum_v3_) {
        Store32(tag + 4, flags);
        if (bit64_) Store32(tag + 8, static_cast<uint32_t>(e->block >> 32));
        Store32(tag + 12, TagChecksum(sequence, copy));
      } else {
        jbd2::Store16(tag + 4, csum_v2_ ? static_cast<uint16_t>(TagChecksum(sequence, copy)) : 0);
        jbd2::Store16(tag + 6, static_cast<uint16_t>(flags));
        if (bit64_) Store32(tag + 8, static_cast<uint32_t>(e->block >> 32));
      }
      off += tag_size_;
      if (k == 0) {
        memcpy(descriptor + off, super_ + jbd2::kSbUuid, jbd2::kUuidSize);
        off += jbd2::kUuidSize;
      }
      // The copies follow the descriptor: stage the descriptor first.
      if (k + 1 == n) {
        if (tail != 0) {
          Store32(descriptor + block_size_ - tail, 0);
          Store32(descriptor + block_size_ - tail,
                  Crc32cUpdate(csum_seed_, descriptor, block_size_));
        }
      }
    }
    status = Stage(pos, descriptor);
    pos = Next(pos, 1);
    for (size_t k = 0; k < n && status.ok(); ++k) {
      memcpy(copy, entries[i + k]->data, block_size_);
      if (Load32(copy) == jbd2::kMagic) Store32(copy, 0);
      status = Stage(pos, copy);
      pos = Next(pos, 1);
    }
  }
  if (status.ok()) status = WriteStaged();
  // The superblock points at the transaction before its commit block exists.
  if (status.ok()) {
    start_ = first_;
    status = WriteSuperblock();
  }
  if (status.ok() && device_->Flush().is_error()) status = kstd::Error::kIo;
  if (status.ok()) {
    memset(descriptor, 0, block_size_);
    Store32(descriptor, jbd2::kMagic);
    Store32(descriptor + 4, jbd2::kCommitBlock);
    Store32(descriptor + 8, sequence);
    Store32(descriptor + jbd2::kCommitSec + 4, now_seconds);
    if (checksummed()) {
      descriptor[jbd2::kCommitChecksumType] = 0;
      descriptor[jbd2::kCommitChecksumSize] = 0;
      Store32(descriptor + jbd2::kCommitChecksum,
              Crc32cUpdate(csum_seed_, descriptor, block_size_));
    }
    status = WriteJournalBlock(pos, descriptor);
    if (status.is_error() || device_->Flush().is_error()) {
      // The commit block may or may not be on the disk: the log must stay as
      // it is until a replay decides.
      aborted_ = true;
      status = kstd::Error::kIo;
    }
  }
  delete[] descriptor;
  delete[] copy;
  if (status.is_error()) {
    if (!aborted_) {
      // Nothing committed; the blocks stay journaled for the next try, which
      // uses a new sequence number.
      ++sequence_;
    }
    return status;
  }
  // Committed. Checkpoint: metadata home, then the log is empty again.
  ++sequence_;
  auto home = cache->CheckpointJournaled(entries, count);
  if (home.is_error() || cache->Flush().is_error()) {
    Fail("checkpoint of transaction %u failed: the journal keeps it", sequence);
    aborted_ = true;
    return kstd::Error::kIo;
  }
  start_ = 0;
  if (WriteSuperblock().is_error() || device_->Flush().is_error()) {
    aborted_ = true;
    return kstd::Error::kIo;
  }
  return kstd::Ok();
}

kstd::Result<void> Journal::Commit(BlockCache* cache, uint32_t now_seconds) {
  if (aborted_) {
    Fail("the journal was aborted after a write error");
    return kstd::Error::kIo;
  }
  if (unknown_ro_) return kstd::Error::kReadOnlyFs;
  // Ordered mode: file data reaches the disk before the metadata that
  // points at it is committed (the flush below the log body covers it).
  TRY(cache->WriteBack());
  size_t count = 0;
  CacheEntry** list = TRY(cache->JournaledBlocks(&count));
  kstd::Result<void> status = kstd::Ok();
  if (count == 0) {
    status = cache->Flush();
  }
  for (size_t i = 0; i < count && status.ok(); i += max_chunk_) {
    // Larger than the log: several transactions (each atomic on its own).
    size_t n = count - i < max_chunk_ ? count - i : max_chunk_;
    status = CommitChunk(cache, list + i, n, now_seconds);
  }
  delete[] list;
  if (status.ok()) cache->Trim();
  return status;
}

}  // namespace servers::fs::ext2
