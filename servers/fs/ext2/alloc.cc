// Ext2: block and inode bitmaps, allocation and the free counts.
//
// Before the first allocation from (or release to) a group, its bitmap is
// checked against the group descriptor: the free bits must match the free
// count, the padding bits past the group's end and the group's own metadata
// (superblock copy, descriptors, bitmaps, inode table; reserved inodes) must
// be marked in use. A group that fails is never allocated from or released
// into for the rest of the mount (a message says so and the superblock gets
// EXT2_ERROR_FS): e2fsck has to repair it first.
//
// Every allocation and release changes the bitmap, the group descriptor and
// the superblock's count together, so the counts stay exact.

#include <string.h>

#include "servers/fs/ext2/ext2.h"

namespace servers::fs::ext2 {

namespace {

bool TestBit(const uint8_t* map, uint32_t bit) { return (map[bit >> 3] >> (bit & 7)) & 1; }
void SetBit(uint8_t* map, uint32_t bit) {
  map[bit >> 3] = static_cast<uint8_t>(map[bit >> 3] | (1u << (bit & 7)));
}
void ClearBit(uint8_t* map, uint32_t bit) {
  map[bit >> 3] = static_cast<uint8_t>(map[bit >> 3] & ~(1u << (bit & 7)));
}

/// Zero bits in [0, count).
uint32_t CountZeros(const uint8_t* map, uint32_t count) {
  uint32_t ones = 0;
  uint32_t bit = 0;
  for (; bit + 64 <= count; bit += 64) {
    uint64_t word;
    memcpy(&word, map + bit / 8, 8);
    ones += static_cast<uint32_t>(__builtin_popcountll(word));
  }
  for (; bit < count; ++bit) ones += TestBit(map, bit);
  return count - ones;
}

/// True if every bit in [from, to) is set.
bool AllSet(const uint8_t* map, uint32_t from, uint32_t to) {
  for (uint32_t bit = from; bit < to; ++bit) {
    if ((bit & 7) == 0 && bit + 8 <= to) {
      if (map[bit >> 3] != 0xFF) return false;
      bit += 7;
      continue;
    }
    if (!TestBit(map, bit)) return false;
  }
  return true;
}

/// The first zero bit in [from, to), or `to`.
uint32_t FindZero(const uint8_t* map, uint32_t from, uint32_t to) {
  uint32_t bit = from;
  while (bit < to && (bit & 63) != 0) {
    if (!TestBit(map, bit)) return bit;
    ++bit;
  }
  while (bit + 64 <= to) {
    uint64_t word;
    memcpy(&word, map + bit / 8, 8);
    if (word != ~0ull) return bit + static_cast<uint32_t>(__builtin_ctzll(~word));
    bit += 64;
  }
  for (; bit < to; ++bit) {
    if (!TestBit(map, bit)) return bit;
  }
  return to;
}

/// The first bit in [from, to) that is zero in `map` and, if given, in
/// `committed` too; or `to`.
uint32_t FindFree(const uint8_t* map, const uint8_t* committed, uint32_t from, uint32_t to) {
  uint32_t bit = FindZero(map, from, to);
  while (committed != nullptr && bit < to && TestBit(committed, bit)) {
    bit = FindZero(map, bit + 1, to);
  }
  return bit;
}

}  // namespace

kstd::Result<void> Ext2::VerifyBlockBitmap(uint32_t group) {
  if (group_flags_[group] & kGroupBlocksBad) return kstd::Error::kIo;
  if (group_flags_[group] & kGroupBlocksChecked) return kstd::Ok();
  GroupDesc& gd = groups_[group];
  uint32_t count = GroupBlockCount(group);
  BlockRef ref;
  bool initialized = false;
  if (gd.bg_flags & kBgBlockUninit) {
    // Never initialized (uninit_bg/metadata_csum): the group holds only
    // metadata; the bitmap is made here, and checked below like any other.
    ref = TRY(cache_->GetZeroed(gd.bg_block_bitmap));
    uint8_t* map = ref.data();
    MarkGroupMetadata(group, map, true);
    for (uint32_t bit = count; bit < block_size_ * 8; ++bit) SetBit(map, bit);
    ref.MarkDirty();
    gd.bg_flags = static_cast<uint16_t>(gd.bg_flags & ~kBgBlockUninit);
    initialized = true;
  } else {
    ref = TRY(cache_->Get(gd.bg_block_bitmap));
    if (csum_ && !BitmapChecksumOk(group, ref.data(), sb_.s_blocks_per_group, kGdBlockBitmapCsumLo,
                                   kGdBlockBitmapCsumHi)) {
      group_flags_[group] |= kGroupBlocksBad;
      return Corrupt(
          "group %u block bitmap (block %u): checksum mismatch; no blocks will be allocated or "
          "freed in this group",
          group, gd.bg_block_bitmap);
    }
  }
  const uint8_t* map = ref.data();
  const char* problem = nullptr;
  uint32_t free_bits = CountZeros(map, count);
  if (free_bits != gd.bg_free_blocks_count) {
    problem = "free bits disagree with the free block count";
  } else if (!AllSet(map, count, block_size_ * 8)) {
    problem = "padding past the group's end not marked in use";
  } else if (!MarkGroupMetadata(group, ref.data(), false)) {
    problem = "superblock copy, bitmaps or inode table not marked in use";
  }
  if (problem != nullptr) {
    group_flags_[group] |= kGroupBlocksBad;
    return Corrupt(
        "group %u block bitmap (block %u): %s (%u free bits, descriptor says %u); "
        "no blocks will be allocated or freed in this group until e2fsck repairs it",
        group, gd.bg_block_bitmap, problem, free_bits, gd.bg_free_blocks_count);
  }
  group_flags_[group] |= kGroupBlocksChecked;
  if (initialized) TRY(StoreGroup(group));  // the flag and the new bitmap's checksum
  return kstd::Ok();
}

kstd::Result<void> Ext2::VerifyInodeBitmap(uint32_t group) {
  if (group_flags_[group] & kGroupInodesBad) return kstd::Error::kIo;
  if (group_flags_[group] & kGroupInodesChecked) return kstd::Ok();
  GroupDesc& gd = groups_[group];
  uint32_t count = sb_.s_inodes_per_group;
  BlockRef ref;
  bool initialized = false;
  if (gd.bg_flags & kBgInodeUninit) {
    // Never initialized: every inode is free.
    ref = TRY(cache_->GetZeroed(gd.bg_inode_bitmap));
    for (uint32_t bit = count; bit < block_size_ * 8; ++bit) SetBit(ref.data(), bit);
    ref.MarkDirty();
    gd.bg_flags = static_cast<uint16_t>(gd.bg_flags & ~kBgInodeUninit);
    initialized = true;
  } else {
    ref = TRY(cache_->Get(gd.bg_inode_bitmap));
    if (csum_ &&
        !BitmapChecksumOk(group, ref.data(), count, kGdInodeBitmapCsumLo, kGdInodeBitmapCsumHi)) {
      group_flags_[group] |= kGroupInodesBad;
      return Corrupt(
          "group %u inode bitmap (block %u): checksum mismatch; no inodes will be allocated or "
          "freed in this group",
          group, gd.bg_inode_bitmap);
    }
  }
  const uint8_t* map = ref.data();
  const char* problem = nullptr;
  uint32_t free_bits = CountZeros(map, count);
  if (free_bits != gd.bg_free_inodes_count) {
    problem = "free bits disagree with the free inode count";
  } else if (!AllSet(map, count, block_size_ * 8)) {
    problem = "padding past the group's end not marked in use";
  } else if (group == 0 && !AllSet(map, 0, first_ino_ - 1 < count ? first_ino_ - 1 : count)) {
    problem = "reserved inodes not marked in use";
  }
  if (problem != nullptr) {
    group_flags_[group] |= kGroupInodesBad;
    return Corrupt(
        "group %u inode bitmap (block %u): %s (%u free bits, descriptor says %u); "
        "no inodes will be allocated or freed in this group until e2fsck repairs it",
        group, gd.bg_inode_bitmap, problem, free_bits, gd.bg_free_inodes_count);
  }
  group_flags_[group] |= kGroupInodesChecked;
  if (initialized) TRY(StoreGroup(group));  // the flag and the new bitmap's checksum
  return kstd::Ok();
}

uint32_t Ext2::GoalBlockFor(uint32_t ino) const {
  uint32_t group = (ino - 1) / sb_.s_inodes_per_group;
  return GroupFirstBlock(group < group_count_ ? group : 0);
}

kstd::Result<uint32_t> Ext2::AllocBlockInGroup(uint32_t group, uint32_t goal_index) {
  GroupDesc& gd = groups_[group];
  BlockRef ref = TRY(cache_->Get(gd.bg_block_bitmap));
  uint8_t* map = ref.data();
  uint32_t count = GroupBlockCount(group);
  if (goal_index >= count) goal_index = 0;
  const uint8_t* committed = committed_maps_ != nullptr ? committed_maps_[group] : nullptr;
  uint32_t bit = FindFree(map, committed, goal_index, count);
  if (bit == count) {
    bit = FindFree(map, committed, 0, goal_index);
    if (bit == goal_index) bit = count;
  }
  if (bit >= count && committed != nullptr) {
    // Only blocks freed in the running transaction are left here.
    return kstd::Error::kNoSpace;
  }
  if (bit >= count) {
    group_flags_[group] |= kGroupBlocksBad;
    return Corrupt("group %u: free block count %u but no free bit", group, gd.bg_free_blocks_count);
  }
  uint32_t block = GroupFirstBlock(group) + bit;
  if (!IsDataBlock(block)) {
    group_flags_[group] |= kGroupBlocksBad;
    return Corrupt("group %u: bitmap offers metadata block %u", group, block);
  }
  SetBit(map, bit);
  ref.MarkDirty();
  --gd.bg_free_blocks_count;
  --sb_.s_free_blocks_count;
  super_dirty_ = true;
  TRY(StoreGroup(group));
  return block;
}

kstd::Result<uint32_t> Ext2::AllocBlock(uint32_t goal) {
  if (sb_.s_free_blocks_count == 0) return kstd::Error::kNoSpace;
  if (goal < sb_.s_first_data_block || goal >= sb_.s_blocks_count) goal = sb_.s_first_data_block;
  uint32_t goal_group = (goal - sb_.s_first_data_block) / sb_.s_blocks_per_group;
  bool refused = false;
  for (uint32_t i = 0; i < group_count_; ++i) {
    uint32_t group = (goal_group + i) % group_count_;
    if (groups_[group].bg_free_blocks_count == 0) continue;
    if (VerifyBlockBitmap(group).is_error()) {
      refused = true;
      continue;
    }
    uint32_t goal_index = i == 0 ? goal - GroupFirstBlock(group) : 0;
    auto block = AllocBlockInGroup(group, goal_index);
    if (block.ok()) return block;
    if (block.error() == kstd::Error::kNoSpace) continue;
    if (block.error() != kstd::Error::kIo) return block.error();
    refused = true;
  }
  return refused ? kstd::Error::kIo : kstd::Error::kNoSpace;
}

kstd::Result<void> Ext2::FreeBlock(uint32_t block, uint32_t owner) {
  if (!IsDataBlock(block)) {
    return Corrupt("inode %u: refusing to free block %u, which is not a data block", owner, block);
  }
  uint32_t group = (block - sb_.s_first_data_block) / sb_.s_blocks_per_group;
  cache_->Discard(block);
  if (VerifyBlockBitmap(group).is_error()) {
    // Leave the block marked in use: e2fsck reclaims it.
    Log(LogLevel::kWarning, "inode %u: block %u left allocated (its group's bitmap is damaged)",
        owner, block);
    return kstd::Ok();
  }
  GroupDesc& gd = groups_[group];
  BlockRef ref = TRY(cache_->Get(gd.bg_block_bitmap));
  uint32_t bit = block - GroupFirstBlock(group);
  if (!TestBit(ref.data(), bit)) {
    // Two pointers to one block (or a stale pointer): counting it again
    // would make the counts wrong. Stop: whatever still points here is
    // damaged too.
    return Corrupt("inode %u: block %u is already free", owner, block);
  }
  TRY(SnapshotBlockBitmap(group, ref.data()));
  if (committed_maps_ != nullptr) ++txn_freed_blocks_;
  ClearBit(ref.data(), bit);
  ref.MarkDirty();
  ++gd.bg_free_blocks_count;
  ++sb_.s_free_blocks_count;
  super_dirty_ = true;
  return StoreGroup(group);
}

kstd::Result<void> Ext2::FreeBlockRun(uint32_t start, uint32_t count, Inode* owner) {
  if (!IsDataRange(start, count)) {
    return Corrupt("inode %u: refusing to free blocks %u..%u, which are not all data blocks",
                   owner->ino, start, start + count - 1);
  }
  while (count > 0) {
    uint32_t group = (start - sb_.s_first_data_block) / sb_.s_blocks_per_group;
    uint32_t bit = start - GroupFirstBlock(group);
    uint32_t n = GroupBlockCount(group) - bit;
    if (n > count) n = count;
    for (uint32_t i = 0; i < n; ++i) cache_->Discard(start + i);
    AddBlocks(owner, -static_cast<int64_t>(n));
    if (VerifyBlockBitmap(group).is_error()) {
      Log(LogLevel::kWarning,
          "inode %u: blocks %u..%u left allocated (their group's bitmap is damaged)", owner->ino,
          start, start + n - 1);
    } else {
      GroupDesc& gd = groups_[group];
      BlockRef ref = TRY(cache_->Get(gd.bg_block_bitmap));
      for (uint32_t i = 0; i < n; ++i) {
        if (!TestBit(ref.data(), bit + i)) {
          return Corrupt("inode %u: block %u is already free", owner->ino, start + i);
        }
      }
      TRY(SnapshotBlockBitmap(group, ref.data()));
      if (committed_maps_ != nullptr) txn_freed_blocks_ += n;
      for (uint32_t i = 0; i < n; ++i) ClearBit(ref.data(), bit + i);
      ref.MarkDirty();
      gd.bg_free_blocks_count = static_cast<uint16_t>(gd.bg_free_blocks_count + n);
      sb_.s_free_blocks_count += n;
      super_dirty_ = true;
      TRY(StoreGroup(group));
    }
    start += n;
    count -= n;
  }
  return kstd::Ok();
}

kstd::Result<uint32_t> Ext2::AllocInode(uint32_t parent, bool directory) {
  if (sb_.s_free_inodes_count == 0) return kstd::Error::kNoSpace;
  uint32_t parent_group = (parent - 1) / sb_.s_inodes_per_group;
  if (parent_group >= group_count_) parent_group = 0;
  uint32_t preferred = parent_group;
  if (directory) {
    // Spread directories: a group with at least the average free inodes,
    // then the most free blocks (in the spirit of Linux's Orlov allocator).
    uint32_t avg_inodes = sb_.s_free_inodes_count / group_count_;
    uint32_t best_blocks = 0;
    bool found = false;
    for (uint32_t i = 0; i < group_count_; ++i) {
      uint32_t group = (parent_group + i) % group_count_;
      const GroupDesc& gd = groups_[group];
      if ((group_flags_[group] & kGroupInodesBad) || gd.bg_free_inodes_count == 0 ||
          gd.bg_free_inodes_count < avg_inodes) {
        continue;
      }
      if (!found || gd.bg_free_blocks_count > best_blocks) {
        preferred = group;
        best_blocks = gd.bg_free_blocks_count;
        found = true;
      }
    }
  }
  bool refused = false;
  for (uint32_t i = 0; i <= group_count_; ++i) {
    uint32_t group = i == 0 ? preferred : (parent_group + i - 1) % group_count_;
    GroupDesc& gd = groups_[group];
    if (gd.bg_free_inodes_count == 0) continue;
    if (VerifyInodeBitmap(group).is_error()) {
      refused = true;
      continue;
    }
    BlockRef ref = TRY(cache_->Get(gd.bg_inode_bitmap));
    uint32_t bit = FindZero(ref.data(), 0, sb_.s_inodes_per_group);
    uint32_t ino = group * sb_.s_inodes_per_group + bit + 1;
    if (bit >= sb_.s_inodes_per_group || ino < first_ino_) {
      group_flags_[group] |= kGroupInodesBad;
      (void)Corrupt("group %u: free inode count %u but no usable free bit", group,
                    gd.bg_free_inodes_count);
      refused = true;
      continue;
    }
    SetBit(ref.data(), bit);
    ref.MarkDirty();
    if (csum_) {
      // e2fsck skips the inodes past the high-water mark: move it.
      uint32_t unused = GdField16(group, kGdItableUnusedLo);
      if (bit >= sb_.s_inodes_per_group - unused) {
        SetGdField16(group, kGdItableUnusedLo,
                     static_cast<uint16_t>(sb_.s_inodes_per_group - bit - 1));
      }
    }
    --gd.bg_free_inodes_count;
    if (directory) ++gd.bg_used_dirs_count;
    --sb_.s_free_inodes_count;
    super_dirty_ = true;
    TRY(StoreGroup(group));
    return ino;
  }
  return refused ? kstd::Error::kIo : kstd::Error::kNoSpace;
}

kstd::Result<bool> Ext2::InodeMarkedUsed(uint32_t ino) {
  uint32_t group = (ino - 1) / sb_.s_inodes_per_group;
  if (ino == 0 || group >= group_count_) return false;
  if (groups_[group].bg_flags & kBgInodeUninit) return false;
  BlockRef ref = TRY(cache_->Get(groups_[group].bg_inode_bitmap));
  return TestBit(ref.data(), (ino - 1) % sb_.s_inodes_per_group);
}

kstd::Result<void> Ext2::FreeInodeNumber(uint32_t ino, bool directory) {
  uint32_t group = (ino - 1) / sb_.s_inodes_per_group;
  uint32_t bit = (ino - 1) % sb_.s_inodes_per_group;
  if (ino < first_ino_ || group >= group_count_) {
    return Corrupt("refusing to free reserved or out-of-range inode %u", ino);
  }
  if (VerifyInodeBitmap(group).is_error()) {
    Log(LogLevel::kWarning, "inode %u left allocated (its group's bitmap is damaged)", ino);
    return kstd::Ok();
  }
  GroupDesc& gd = groups_[group];
  BlockRef ref = TRY(cache_->Get(gd.bg_inode_bitmap));
  if (!TestBit(ref.data(), bit)) {
    (void)Corrupt("inode %u is already free in the bitmap", ino);
    return kstd::Ok();
  }
  ClearBit(ref.data(), bit);
  ref.MarkDirty();
  ++gd.bg_free_inodes_count;
  if (directory && gd.bg_used_dirs_count > 0) --gd.bg_used_dirs_count;
  ++sb_.s_free_inodes_count;
  super_dirty_ = true;
  return StoreGroup(group);
}

}  // namespace servers::fs::ext2
