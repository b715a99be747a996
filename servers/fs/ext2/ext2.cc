// Ext2: mounting (superblock and group descriptor validation), unmounting,
// sync, statfs, and the small helpers the other files share.

#include "servers/fs/ext2/ext2.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kstd/new.h"
#include "servers/fs/ext2/crc32c.h"
#include "servers/fs/ext2/heap_sort.h"

namespace servers::fs::ext2 {

namespace {

struct FeatureName {
  uint32_t bit;
  const char* name;
};

constexpr FeatureName kIncompatNames[] = {
    {kIncompatCompression, "compression"},
    {kIncompatFiletype, "filetype"},
    {kIncompatRecover, "needs_recovery (journal replay)"},
    {kIncompatJournalDev, "journal_dev"},
    {kIncompatMetaBg, "meta_bg"},
    {kIncompatExtents, "extent"},
    {kIncompat64Bit, "64bit"},
    {kIncompatMmp, "mmp"},
    {kIncompatFlexBg, "flex_bg"},
    {kIncompatEaInode, "ea_inode"},
    {kIncompatDirData, "dirdata"},
    {kIncompatCsumSeed, "metadata_csum_seed"},
    {kIncompatLargeDir, "large_dir"},
    {kIncompatInlineData, "inline_data"},
    {kIncompatEncrypt, "encrypt"},
    {kIncompatCasefold, "casefold"},
};

constexpr FeatureName kRoCompatNames[] = {
    {kRoCompatSparseSuper, "sparse_super"},
    {kRoCompatLargeFile, "large_file"},
    {kRoCompatBtreeDir, "btree_dir"},
    {kRoCompatHugeFile, "huge_file"},
    {kRoCompatGdtCsum, "uninit_bg"},
    {kRoCompatDirNlink, "dir_nlink"},
    {kRoCompatExtraIsize, "extra_isize"},
    {kRoCompatQuota, "quota"},
    {kRoCompatBigalloc, "bigalloc"},
    {kRoCompatMetadataCsum, "metadata_csum"},
    {kRoCompatReadonly, "read-only"},
    {kRoCompatProject, "project"},
    {kRoCompatOrphanPresent, "orphan_present"},
};

/// Appends the names of `bits` to `out` ("extent 64bit 0x400000").
template <size_t N>
void FeatureList(uint32_t bits, const FeatureName (&names)[N], char* out, size_t size) {
  size_t used = 0;
  out[0] = '\0';
  for (const FeatureName& f : names) {
    if ((bits & f.bit) == 0) continue;
    bits &= ~f.bit;
    int n = snprintf(out + used, size - used, "%s%s", used ? " " : "", f.name);
    if (n < 0 || static_cast<size_t>(n) >= size - used) return;
    used += static_cast<size_t>(n);
  }
  if (bits != 0 && used < size) {
    snprintf(out + used, size - used, "%s0x%x", used ? " " : "", bits);
  }
}

bool IsPowerOf(uint32_t value, uint32_t base) {
  while (value > 1 && value % base == 0) value /= base;
  return value == 1;
}

class ZeroClock final : public Clock {
 public:
  int64_t NowSeconds() override { return 0; }
};
ZeroClock g_zero_clock;

}  // namespace

// ---- Name.

Name::Name(const char* cstr) : data_(cstr), size_(cstr == nullptr ? 0 : strlen(cstr)) {}

bool Name::operator==(Name other) const {
  return size_ == other.size_ && (size_ == 0 || memcmp(data_, other.data_, size_) == 0);
}

bool Name::IsValidEntryName() const {
  if (size_ == 0 || size_ > kMaxNameLength || IsDot() || IsDotDot()) return false;
  for (size_t i = 0; i < size_; ++i) {
    if (data_[i] == '/' || data_[i] == '\0') return false;
  }
  return true;
}

// ---- Lifetime.

Ext2::Ext2() = default;

Ext2::~Ext2() {
  if (mounted_ && cache_ != nullptr) {
    size_t dirty = cache_->dirty_count();
    if (dirty > 0) {
      Log(LogLevel::kError, "dropped while mounted: %zu dirty blocks are lost", dirty);
    }
  }
  ResetState();
}

void Ext2::ResetState() {
  DropCommittedMaps();
  delete[] committed_maps_;
  committed_maps_ = nullptr;
  delete journal_;
  journal_ = nullptr;
  delete cache_;
  cache_ = nullptr;
  delete[] groups_;
  groups_ = nullptr;
  delete[] group_flags_;
  group_flags_ = nullptr;
  delete[] gd_raw_;
  gd_raw_ = nullptr;
  delete[] meta_ranges_;
  meta_ranges_ = nullptr;
  meta_range_count_ = 0;
  while (open_ != nullptr) {
    OpenCount* next = open_->next;
    delete open_;
    open_ = next;
  }
  mounted_ = false;
  writable_mount_ = false;
  errors_detected_ = false;
  super_dirty_ = false;
}

int64_t Ext2::Now() { return clock_->NowSeconds(); }

uint32_t Ext2::DiskNow() {
  int64_t t = Now();
  if (t > 0x7FFFFFFF) t = 0x7FFFFFFF;
  if (t < -0x7FFFFFFF - 1) t = -0x7FFFFFFF - 1;
  return static_cast<uint32_t>(static_cast<int32_t>(t));
}

void Ext2::Log(LogLevel level, const char* format, ...) {
  if (log_ == nullptr) return;
  char message[320];
  int prefix = snprintf(message, sizeof(message), "ext2: ");
  va_list args;
  va_start(args, format);
  vsnprintf(message + prefix, sizeof(message) - prefix, format, args);
  va_end(args);
  log_->Log(level, message);
}

kstd::Error Ext2::Corrupt(const char* format, ...) {
  if (log_ != nullptr) {
    char message[320];
    int prefix = snprintf(message, sizeof(message), "ext2: damaged file system: ");
    va_list args;
    va_start(args, format);
    vsnprintf(message + prefix, sizeof(message) - prefix, format, args);
    va_end(args);
    log_->Log(LogLevel::kError, message);
  }
  if (!errors_detected_ && mounted_ && writable_mount_) {
    // Recorded in the superblock at the next sync, as Linux's ext2_error does.
    sb_.s_state |= kStateError;
    super_dirty_ = true;
  }
  errors_detected_ = true;
  if (mounted_ && !read_only_ && sb_.s_errors >= 2) {  // EXT2_ERRORS_RO / _PANIC
    // No new changes from now on; what is already accepted is still written
    // back by Sync and Unmount.
    Log(LogLevel::kError, "the file system's error behaviour is remount-ro: now read-only");
    read_only_ = true;
  }
  return kstd::Error::kIo;
}

kstd::Result<void> Ext2::CheckWritable() {
  if (!mounted_) return kstd::Error::kInvalid;
  if (read_only_) return kstd::Error::kReadOnlyFs;
  return OperationBoundary();
}

// ---- Geometry.

uint32_t Ext2::GroupFirstBlock(uint32_t group) const {
  return sb_.s_first_data_block + group * sb_.s_blocks_per_group;
}

uint32_t Ext2::GroupBlockCount(uint32_t group) const {
  uint32_t first = GroupFirstBlock(group);
  uint32_t left = sb_.s_blocks_count - first;
  return left < sb_.s_blocks_per_group ? left : sb_.s_blocks_per_group;
}

bool Ext2::GroupHasSuper(uint32_t group) const {
  if (group == 0) return true;
  if ((sb_.s_feature_compat & kCompatSparseSuper2) != 0) {
    // sparse_super2: copies only in the (up to) two groups the superblock names.
    uint32_t backups[2];
    memcpy(backups, reinterpret_cast<const uint8_t*>(&sb_) + kSbBackupBgs, sizeof(backups));
    return group == backups[0] || group == backups[1];
  }
  if ((sb_.s_feature_ro_compat & kRoCompatSparseSuper) == 0) return true;
  if (group == 1) return true;
  return IsPowerOf(group, 3) || IsPowerOf(group, 5) || IsPowerOf(group, 7);
}

bool Ext2::IsDataBlock(uint64_t block) const { return IsDataRange(block, 1); }

bool Ext2::InSuperArea(uint64_t start, uint64_t count) const {
  if (count == 0 || start < sb_.s_first_data_block) return count != 0;
  uint64_t end = start + count;
  uint64_t first = (start - sb_.s_first_data_block) / sb_.s_blocks_per_group;
  uint64_t last = (end - 1 - sb_.s_first_data_block) / sb_.s_blocks_per_group;
  for (uint64_t g = first; g <= last && g < group_count_; ++g) {
    if (!GroupHasSuper(static_cast<uint32_t>(g))) continue;
    uint64_t area = GroupFirstBlock(static_cast<uint32_t>(g));
    uint64_t area_end = area + 1 + gdt_blocks_ + sb_.s_reserved_gdt_blocks;
    if (start < area_end && end > area) return true;
  }
  return false;
}

bool Ext2::IsDataRange(uint64_t start, uint64_t count) const {
  if (count == 0 || start < sb_.s_first_data_block || start >= sb_.s_blocks_count ||
      count > sb_.s_blocks_count - start) {
    return false;
  }
  if (InSuperArea(start, count)) return false;
  // The first metadata range that ends after `start`.
  uint32_t lo = 0, hi = meta_range_count_;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (meta_ranges_[mid].start + meta_ranges_[mid].count <= start) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo == meta_range_count_ || meta_ranges_[lo].start >= start + count;
}

kstd::Result<void> Ext2::BuildMetaRanges() {
  uint32_t n = group_count_ * 3;
  MetaRange* r = new (kstd::nothrow) MetaRange[n];
  if (r == nullptr) return kstd::Error::kNoMemory;
  for (uint32_t g = 0; g < group_count_; ++g) {
    r[3 * g] = {groups_[g].bg_block_bitmap, 1};
    r[3 * g + 1] = {groups_[g].bg_inode_bitmap, 1};
    r[3 * g + 2] = {groups_[g].bg_inode_table, itable_blocks_};
  }
  HeapSortBy(r, n, [](const MetaRange& m) { return m.start; });
  uint32_t out = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const MetaRange& m = r[i];
    if (m.start < sb_.s_first_data_block || m.start + m.count > sb_.s_blocks_count ||
        InSuperArea(m.start, m.count)) {
      Log(LogLevel::kError,
          "not mounting: a bitmap or inode table (blocks %llu..%llu) is outside the data area",
          static_cast<unsigned long long>(m.start),
          static_cast<unsigned long long>(m.start + m.count - 1));
      delete[] r;
      return kstd::Error::kInvalid;
    }
    if (out > 0 && m.start < r[out - 1].start + r[out - 1].count) {
      Log(LogLevel::kError,
          "not mounting: two groups' bitmaps or inode tables overlap at block %llu",
          static_cast<unsigned long long>(m.start));
      delete[] r;
      return kstd::Error::kInvalid;
    }
    if (out > 0 && m.start == r[out - 1].start + r[out - 1].count) {
      r[out - 1].count += m.count;
    } else {
      r[out++] = m;
    }
  }
  meta_ranges_ = r;
  meta_range_count_ = out;
  return kstd::Ok();
}

bool Ext2::MarkGroupMetadata(uint32_t group, uint8_t* map, bool set) const {
  uint64_t first = GroupFirstBlock(group);
  uint64_t end = first + GroupBlockCount(group);
  auto mark = [&](uint64_t from, uint64_t to) {
    if (from < first) from = first;
    if (to > end) to = end;
    for (uint64_t b = from; b < to; ++b) {
      uint32_t bit = static_cast<uint32_t>(b - first);
      if (set) {
        map[bit >> 3] = static_cast<uint8_t>(map[bit >> 3] | (1u << (bit & 7)));
      } else if (((map[bit >> 3] >> (bit & 7)) & 1) == 0) {
        return false;
      }
    }
    return true;
  };
  if (GroupHasSuper(group) && !mark(first, first + 1 + gdt_blocks_ + sb_.s_reserved_gdt_blocks)) {
    return false;
  }
  for (uint32_t i = 0; i < meta_range_count_; ++i) {
    const MetaRange& m = meta_ranges_[i];
    if (m.start >= end || m.start + m.count <= first) continue;
    if (!mark(m.start, m.start + m.count)) return false;
  }
  return true;
}

uint16_t Ext2::GdField16(uint32_t group, uint32_t offset) const {
  if (offset + 2 > desc_size_) return 0;
  uint16_t v;
  memcpy(&v, gd_raw_ + static_cast<size_t>(group) * desc_size_ + offset, 2);
  return v;
}

void Ext2::SetGdField16(uint32_t group, uint32_t offset, uint16_t value) {
  if (offset + 2 > desc_size_) return;
  memcpy(gd_raw_ + static_cast<size_t>(group) * desc_size_ + offset, &value, 2);
  if (offset < sizeof(GroupDesc)) {
    memcpy(reinterpret_cast<uint8_t*>(&groups_[group]) + offset, &value, 2);
  }
}

// ---- Superblock.

kstd::Result<void> Ext2::ReadSuperblock(Superblock* out) {
  uint32_t sector = device_->sector_size();
  if (sector < 512 || sector > kMaxBlockSize || (sector & (sector - 1)) != 0) {
    Log(LogLevel::kError, "device sector size %u is not supported", sector);
    return kstd::Error::kInvalid;
  }
  uint64_t first = kSuperblockOffset / sector;
  uint64_t end = (kSuperblockOffset + kSuperblockSize + sector - 1) / sector;
  if (device_->sector_count() < end) {
    Log(LogLevel::kError, "device too small to hold a superblock (%llu sectors)",
        static_cast<unsigned long long>(device_->sector_count()));
    return kstd::Error::kInvalid;
  }
  size_t bytes = static_cast<size_t>(end - first) * sector;
  uint8_t* buffer = new (kstd::nothrow) uint8_t[bytes];
  if (buffer == nullptr) return kstd::Error::kNoMemory;
  auto r =
      device_->Read(first, static_cast<uint32_t>(end - first), kstd::Span<uint8_t>(buffer, bytes));
  if (r.ok()) memcpy(out, buffer + (kSuperblockOffset - first * sector), sizeof(*out));
  delete[] buffer;
  if (r.is_error()) {
    Log(LogLevel::kError, "cannot read the superblock: %s", kstd::ErrorName(r.error()));
    return kstd::Error::kIo;
  }
  return kstd::Ok();
}

kstd::Result<void> Ext2::ValidateSuperblock(const Superblock& sb) {
  auto bad = [this](const char* what, unsigned long long value) -> kstd::Error {
    Log(LogLevel::kError, "not mounting: bad superblock: %s (%llu)", what, value);
    return kstd::Error::kInvalid;
  };
  if (sb.s_magic != kMagic) return bad("magic is not 0xEF53", sb.s_magic);
  if (sb.s_rev_level > kDynamicRev) return bad("unknown revision level", sb.s_rev_level);
  if (sb.s_log_block_size > kMaxLogBlockSize)
    return bad("block size too large, log", sb.s_log_block_size);
  block_size_ = kMinBlockSize << sb.s_log_block_size;
  log_block_size_ = 10 + sb.s_log_block_size;
  if (block_size_ < device_->sector_size()) {
    return bad("block size smaller than the device's sector", block_size_);
  }
  if (sb.s_log_frag_size != sb.s_log_block_size) {
    return bad("fragment size differs from block size (fragments are not supported)",
               sb.s_log_frag_size);
  }
  if (sb.s_first_data_block != (block_size_ == 1024 ? 1u : 0u)) {
    return bad("first data block", sb.s_first_data_block);
  }
  uint64_t device_blocks = device_->sector_count() / (block_size_ / device_->sector_size());
  if (sb.s_blocks_count <= sb.s_first_data_block + 1) return bad("block count", sb.s_blocks_count);
  if (sb.s_blocks_count > device_blocks) {
    Log(LogLevel::kError, "not mounting: the superblock claims %u blocks but the device holds %llu",
        sb.s_blocks_count, static_cast<unsigned long long>(device_blocks));
    return kstd::Error::kInvalid;
  }
  if (sb.s_blocks_per_group == 0 || sb.s_blocks_per_group > 8 * block_size_ ||
      sb.s_blocks_per_group % 8 != 0) {
    return bad("blocks per group", sb.s_blocks_per_group);
  }
  if (sb.s_frags_per_group != sb.s_blocks_per_group)
    return bad("fragments per group", sb.s_frags_per_group);
  if (sb.s_rev_level == kGoodOldRev) {
    inode_size_ = kGoodOldInodeSize;
    first_ino_ = kGoodOldFirstIno;
  } else {
    inode_size_ = sb.s_inode_size;
    first_ino_ = sb.s_first_ino;
    if (inode_size_ < kGoodOldInodeSize || inode_size_ > block_size_ ||
        (inode_size_ & (inode_size_ - 1)) != 0) {
      return bad("inode size", inode_size_);
    }
  }
  uint32_t inodes_per_block = block_size_ / inode_size_;
  if (sb.s_inodes_per_group == 0 || sb.s_inodes_per_group > 8 * block_size_ ||
      sb.s_inodes_per_group % inodes_per_block != 0) {
    return bad("inodes per group", sb.s_inodes_per_group);
  }
  itable_blocks_ = sb.s_inodes_per_group / inodes_per_block;
  uint64_t groups = (static_cast<uint64_t>(sb.s_blocks_count) - sb.s_first_data_block +
                     sb.s_blocks_per_group - 1) /
                    sb.s_blocks_per_group;
  if (static_cast<uint64_t>(sb.s_inodes_per_group) * groups != sb.s_inodes_count) {
    return bad("inode count is not inodes per group times groups", sb.s_inodes_count);
  }
  group_count_ = static_cast<uint32_t>(groups);
  if (first_ino_ < kGoodOldFirstIno || first_ino_ >= sb.s_inodes_count)
    return bad("first inode", first_ino_);
  if (sb.s_r_blocks_count > sb.s_blocks_count)
    return bad("reserved block count", sb.s_r_blocks_count);
  const uint8_t* raw = reinterpret_cast<const uint8_t*>(&sb);
  desc_size_ = sizeof(GroupDesc);
  if ((sb.s_feature_incompat & kIncompat64Bit) != 0) {
    uint32_t hi;
    memcpy(&hi, raw + kSbBlocksCountHi, 4);
    if (hi != 0) return bad("64bit: more than 2^32 blocks are not supported, high half", hi);
    memcpy(&hi, raw + kSbRBlocksCountHi, 4);
    if (hi != 0) return bad("64bit: reserved block count high half", hi);
    desc_size_ = sb.s_desc_size;
    if (desc_size_ < kGdSize64 || desc_size_ > kMaxDescSize || (desc_size_ & (desc_size_ - 1)) ||
        desc_size_ > block_size_) {
      return bad("group descriptor size", desc_size_);
    }
  }
  if ((sb.s_feature_ro_compat & kRoCompatMetadataCsum) != 0) {
    if (raw[kSbChecksumType] != kChecksumTypeCrc32c) {
      return bad("metadata checksum type is not crc32c", raw[kSbChecksumType]);
    }
    uint32_t stored;
    memcpy(&stored, raw + kSbChecksum, 4);
    uint32_t computed = Crc32cUpdate(~0u, raw, kSbChecksum);
    if (stored != computed) {
      Log(LogLevel::kError,
          "not mounting: superblock checksum mismatch (stored 0x%08x, computed 0x%08x)", stored,
          computed);
      return kstd::Error::kInvalid;
    }
  }
  gdt_blocks_ = static_cast<uint32_t>((groups * desc_size_ + block_size_ - 1) / block_size_);
  uint64_t meta_end =
      static_cast<uint64_t>(sb.s_first_data_block) + 1 + gdt_blocks_ + sb.s_reserved_gdt_blocks;
  uint32_t group0_blocks = sb.s_blocks_count - sb.s_first_data_block;
  if (group0_blocks > sb.s_blocks_per_group) group0_blocks = sb.s_blocks_per_group;
  if (meta_end > static_cast<uint64_t>(sb.s_first_data_block) + group0_blocks) {
    return bad("group descriptors do not fit in group 0, blocks", meta_end);
  }
  ptrs_per_block_ = block_size_ / 4;
  return kstd::Ok();
}

// ---- Group descriptors.

kstd::Result<void> Ext2::LoadGroups() {
  groups_ = new (kstd::nothrow) GroupDesc[group_count_];
  group_flags_ = new (kstd::nothrow) uint8_t[group_count_];
  gd_raw_ = new (kstd::nothrow) uint8_t[static_cast<size_t>(group_count_) * desc_size_];
  if (groups_ == nullptr || group_flags_ == nullptr || gd_raw_ == nullptr) {
    return kstd::Error::kNoMemory;
  }
  memset(group_flags_, 0, group_count_);
  uint32_t per_block = block_size_ / desc_size_;
  for (uint32_t i = 0; i < gdt_blocks_; ++i) {
    auto ref = cache_->Get(sb_.s_first_data_block + 1 + i);
    if (ref.is_error()) {
      Log(LogLevel::kError, "cannot read group descriptor block %u", i);
      return kstd::Error::kIo;
    }
    uint32_t first = i * per_block;
    uint32_t n = group_count_ - first < per_block ? group_count_ - first : per_block;
    memcpy(gd_raw_ + static_cast<size_t>(first) * desc_size_, ref.value().data(),
           static_cast<size_t>(n) * desc_size_);
  }
  for (uint32_t g = 0; g < group_count_; ++g) {
    const uint8_t* raw = gd_raw_ + static_cast<size_t>(g) * desc_size_;
    memcpy(&groups_[g], raw, sizeof(GroupDesc));
    if (desc_size_ >= kGdSize64) {
      uint32_t hi[3];
      memcpy(hi, raw + kGdBlockBitmapHi, sizeof(hi));
      uint16_t counts_hi[4];
      memcpy(counts_hi, raw + kGdFreeBlocksHi, sizeof(counts_hi));
      if (hi[0] != 0 || hi[1] != 0 || hi[2] != 0 || counts_hi[0] != 0 || counts_hi[1] != 0 ||
          counts_hi[2] != 0 || counts_hi[3] != 0) {
        Log(LogLevel::kError,
            "not mounting: group descriptor %u has high halves set (blocks past 2^32 or counts "
            "past 65535 are not supported)",
            g);
        return kstd::Error::kInvalid;
      }
    }
    if (csum_) {
      uint16_t stored = GdField16(g, kGdChecksum);
      uint16_t computed = GroupChecksum(g, raw);
      if (stored != computed) {
        Log(LogLevel::kError,
            "not mounting: group descriptor %u checksum mismatch (stored 0x%04x, computed "
            "0x%04x)",
            g, stored, computed);
        return kstd::Error::kInvalid;
      }
    }
  }
  uint64_t free_blocks = 0;
  uint64_t free_inodes = 0;
  for (uint32_t g = 0; g < group_count_; ++g) {
    const GroupDesc& gd = groups_[g];
    uint64_t first = GroupFirstBlock(g);
    uint64_t end = first + GroupBlockCount(g);
    uint64_t meta = GroupHasSuper(g) ? first + 1 + gdt_blocks_ + sb_.s_reserved_gdt_blocks : first;
    // flex_bg: a group's bitmaps and inode table may be in another group
    // (BuildMetaRanges checks them against the data area and each other).
    auto inside = [&](uint64_t b) {
      return flex_bg_ ? b >= sb_.s_first_data_block && b < sb_.s_blocks_count
                      : b >= meta && b < end;
    };
    const char* problem = nullptr;
    if (!inside(gd.bg_block_bitmap)) {
      problem = "block bitmap outside its group";
    } else if (!inside(gd.bg_inode_bitmap)) {
      problem = "inode bitmap outside its group";
    } else if (!inside(gd.bg_inode_table) ||
               !inside(static_cast<uint64_t>(gd.bg_inode_table) + itable_blocks_ - 1)) {
      problem = "inode table outside its group";
    } else if (gd.bg_block_bitmap == gd.bg_inode_bitmap) {
      problem = "block and inode bitmaps share a block";
    } else if ((gd.bg_block_bitmap >= gd.bg_inode_table &&
                gd.bg_block_bitmap < gd.bg_inode_table + itable_blocks_) ||
               (gd.bg_inode_bitmap >= gd.bg_inode_table &&
                gd.bg_inode_bitmap < gd.bg_inode_table + itable_blocks_)) {
      problem = "a bitmap inside the inode table";
    } else if (gd.bg_free_blocks_count > GroupBlockCount(g)) {
      problem = "free block count larger than the group";
    } else if (gd.bg_free_inodes_count > sb_.s_inodes_per_group) {
      problem = "free inode count larger than the group";
    } else if (gd.bg_used_dirs_count > sb_.s_inodes_per_group - gd.bg_free_inodes_count) {
      problem = "more directories than used inodes";
    }
    if (problem != nullptr) {
      Log(LogLevel::kError,
          "not mounting: bad group descriptor %u: %s (block bitmap %u, inode bitmap %u, "
          "inode table %u, free blocks %u, free inodes %u)",
          g, problem, gd.bg_block_bitmap, gd.bg_inode_bitmap, gd.bg_inode_table,
          gd.bg_free_blocks_count, gd.bg_free_inodes_count);
      return kstd::Error::kInvalid;
    }
    free_blocks += gd.bg_free_blocks_count;
    free_inodes += gd.bg_free_inodes_count;
  }
  TRY(BuildMetaRanges());
  if (free_blocks != sb_.s_free_blocks_count || free_inodes != sb_.s_free_inodes_count) {
    // The group counts are authoritative (Linux recounts them at mount too).
    Log(LogLevel::kInfo,
        "superblock free counts (%u blocks, %u inodes) updated from the groups "
        "(%llu, %llu)",
        sb_.s_free_blocks_count, sb_.s_free_inodes_count,
        static_cast<unsigned long long>(free_blocks), static_cast<unsigned long long>(free_inodes));
    sb_.s_free_blocks_count = static_cast<uint32_t>(free_blocks);
    sb_.s_free_inodes_count = static_cast<uint32_t>(free_inodes);
    super_dirty_ = true;
  }
  return kstd::Ok();
}

kstd::Result<void> Ext2::StoreGroup(uint32_t group) {
  uint8_t* raw = gd_raw_ + static_cast<size_t>(group) * desc_size_;
  memcpy(raw, &groups_[group], sizeof(GroupDesc));
  if (csum_) group_flags_[group] |= kGroupSealPending;
  uint32_t per_block = block_size_ / desc_size_;
  BlockRef ref = TRY(cache_->Get(sb_.s_first_data_block + 1 + group / per_block));
  memcpy(ref.data() + (group % per_block) * desc_size_, raw, desc_size_);
  ref.MarkDirty();
  return kstd::Ok();
}

kstd::Result<void> Ext2::SealGroups() {
  if (!csum_) return kstd::Ok();
  for (uint32_t group = 0; group < group_count_; ++group) {
    if ((group_flags_[group] & kGroupSealPending) == 0) continue;
    // The bitmaps' checksums (of those verified, so changed only by us:
    // a damaged bitmap keeps its mismatch), then the descriptor's own.
    const GroupDesc& gd = groups_[group];
    if ((gd.bg_flags & kBgBlockUninit) == 0 && (group_flags_[group] & kGroupBlocksChecked)) {
      BlockRef map = TRY(cache_->Get(gd.bg_block_bitmap));
      uint32_t c = BitmapChecksum(map.data(), sb_.s_blocks_per_group);
      SetGdField16(group, kGdBlockBitmapCsumLo, static_cast<uint16_t>(c));
      SetGdField16(group, kGdBlockBitmapCsumHi, static_cast<uint16_t>(c >> 16));
    }
    if ((gd.bg_flags & kBgInodeUninit) == 0 && (group_flags_[group] & kGroupInodesChecked)) {
      BlockRef map = TRY(cache_->Get(gd.bg_inode_bitmap));
      uint32_t c = BitmapChecksum(map.data(), sb_.s_inodes_per_group);
      SetGdField16(group, kGdInodeBitmapCsumLo, static_cast<uint16_t>(c));
      SetGdField16(group, kGdInodeBitmapCsumHi, static_cast<uint16_t>(c >> 16));
    }
    uint8_t* raw = gd_raw_ + static_cast<size_t>(group) * desc_size_;
    SetGdField16(group, kGdChecksum, GroupChecksum(group, raw));
    uint32_t per_block = block_size_ / desc_size_;
    BlockRef ref = TRY(cache_->Get(sb_.s_first_data_block + 1 + group / per_block));
    memcpy(ref.data() + (group % per_block) * desc_size_, raw, desc_size_);
    ref.MarkDirty();
    group_flags_[group] &= static_cast<uint8_t>(~kGroupSealPending);
  }
  return kstd::Ok();
}

kstd::Result<void> Ext2::StoreSuper() {
  uint64_t block = kSuperblockOffset / block_size_;
  uint32_t offset = static_cast<uint32_t>(kSuperblockOffset % block_size_);
  BlockRef ref = TRY(cache_->Get(block));
  if (csum_) {
    uint32_t c = SuperChecksum(reinterpret_cast<const uint8_t*>(&sb_));
    memcpy(reinterpret_cast<uint8_t*>(&sb_) + kSbChecksum, &c, 4);
  }
  memcpy(ref.data() + offset, &sb_, sizeof(sb_));
  ref.MarkDirty();
  super_dirty_ = false;
  return kstd::Ok();
}

// ---- Mount and unmount.

kstd::Result<MountReport> Ext2::Mount(BlockDevice* device, const MountOptions& options) {
  if (mounted_) return kstd::Error::kBusy;
  bool replayed = false;
  auto first = MountOnce(device, options, &replayed);
  if (!replayed || first.is_error()) return first;
  // The journal wrote blocks home under the first attempt's cache: start
  // again from the (perhaps replayed) superblock, with an empty journal.
  MountReport replay = first.value();
  ResetState();
  bool again = false;
  MountReport report = TRY(MountOnce(device, options, &again));
  if (again) return kstd::Error::kIo;  // cannot happen: the journal is empty
  report.replayed_transactions = replay.replayed_transactions;
  report.replay_dropped_torn = replay.replay_dropped_torn;
  return report;
}

kstd::Result<MountReport> Ext2::MountOnce(BlockDevice* device, const MountOptions& options,
                                          bool* replayed) {
  ResetState();
  device_ = device;
  clock_ = options.clock != nullptr ? options.clock : &g_zero_clock;
  log_ = options.log;
  update_atime_ = options.update_atime;

  Superblock sb;
  TRY(ReadSuperblock(&sb));
  TRY(ValidateSuperblock(sb));
  sb_ = sb;

  char names[160];
  const bool has_journal = (sb.s_feature_compat & kCompatHasJournal) != 0;
  // needs_recovery belongs to the journal: known when there is one.
  uint32_t incompat =
      sb.s_feature_incompat & ~kSupportedIncompat & ~(has_journal ? kIncompatRecover : 0u);
  if (incompat != 0) {
    FeatureList(incompat, kIncompatNames, names, sizeof(names));
    Log(LogLevel::kError, "not mounting: unsupported incompatible features: %s", names);
    return kstd::Error::kNotSupported;
  }
  read_only_ = options.read_only || device->read_only();
  const Features features{sb.s_feature_compat, sb.s_feature_incompat, sb.s_feature_ro_compat};
  if (!MountsAs(options.as, features, read_only_)) {
    // Linux's ext2 and ext3 names refuse what only ext4 has (EINVAL).
    const bool journal_missing =
        options.as == FsType::kExt3 && (sb.s_feature_compat & kCompatHasJournal) == 0;
    Log(LogLevel::kError, "not mounting as %s: %s", FsTypeName(options.as),
        journal_missing ? "the image has no journal (has_journal)"
                        : "the image has features only ext4 has (mount it as ext4)");
    return kstd::Error::kInvalid;
  }
  fs_type_ = options.as != FsType::kAny ? options.as : FsTypeOf(features);
  uint32_t ro_compat = sb.s_feature_ro_compat & ~kSupportedRoCompat;
  if (ro_compat != 0 && !read_only_) {
    FeatureList(ro_compat, kRoCompatNames, names, sizeof(names));
    Log(LogLevel::kWarning, "mounting read-only: unsupported read-only-compatible features: %s",
        names);
    read_only_ = true;
  }
  if (sb.s_rev_level == kGoodOldRev && !read_only_) {
    Log(LogLevel::kInfo, "revision 0 file system");
  }
  filetype_ = (sb.s_feature_incompat & kIncompatFiletype) != 0;
  extents_ = (sb.s_feature_incompat & kIncompatExtents) != 0;
  flex_bg_ = (sb.s_feature_incompat & kIncompatFlexBg) != 0;
  csum_ = (sb.s_feature_ro_compat & kRoCompatMetadataCsum) != 0;
  dir_nlink_ = (sb.s_feature_ro_compat & kRoCompatDirNlink) != 0;
  huge_file_ = (sb.s_feature_ro_compat & kRoCompatHugeFile) != 0;
  if ((sb.s_feature_incompat & kIncompatCsumSeed) != 0) {
    memcpy(&csum_seed_, reinterpret_cast<const uint8_t*>(&sb) + kSbChecksumSeed, 4);
  } else {
    csum_seed_ = Crc32cUpdate(~0u, sb.s_uuid, sizeof(sb.s_uuid));
  }
  if ((sb.s_feature_incompat & kIncompat64Bit) != 0) {
    // Block counts fit in 32 bits (checked above): the free count's high half is 0.
    memset(reinterpret_cast<uint8_t*>(&sb_) + kSbFreeBlocksHi, 0, 4);
  }
  // Extent-mapped files: 32-bit file block numbers, and i_blocks (512-byte
  // units) within 32 bits unless huge_file gives it 48.
  ext_max_blocks_ = 0xFFFFFFFEull;
  if (!huge_file_) {
    uint64_t cap = (0xFFFFFFFFull >> (log_block_size_ - 9)) / 100 * 99;  // room for the tree
    if (cap < ext_max_blocks_) ext_max_blocks_ = cap;
  }

  // The largest file: what the block tree addresses, capped so that the
  // 32-bit i_blocks (512-byte units, data and indirect blocks) cannot
  // overflow, as in Linux's ext2_max_size.
  uint64_t p = ptrs_per_block_;
  uint64_t addressable = kNumDirectBlocks + p + p * p + p * p * p;
  uint64_t limit = 0xFFFFFFFFull >> (log_block_size_ - 9);
  if (addressable + MetaBlocksFor(addressable) > limit) {
    uint64_t lo = 0;
    uint64_t hi = addressable;
    while (lo < hi) {  // the most data blocks n with n + metadata(n) <= limit
      uint64_t mid = lo + (hi - lo + 1) / 2;
      if (mid + MetaBlocksFor(mid) <= limit) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    addressable = lo;
  }
  max_file_blocks_ = addressable;
  if (extents_ && ext_max_blocks_ > addressable) addressable = ext_max_blocks_;
  max_file_size_ = addressable << log_block_size_;
  if (max_file_size_ > 0x7FFFFFFFFFFFFFFFull) max_file_size_ = 0x7FFFFFFFFFFFFFFFull;

  cache_ = new (kstd::nothrow) BlockCache(device, block_size_, options.cache_blocks);
  if (cache_ == nullptr) return kstd::Error::kNoMemory;
  if (cache_->Init().is_error()) {
    ResetState();
    return kstd::Error::kNoMemory;
  }
  auto loaded = LoadGroups();
  if (loaded.is_error()) {
    ResetState();
    return loaded.error();
  }
  mounted_ = true;  // LoadInode needs it; undone below on failure

  MountReport report;
  if (has_journal) {
    auto opened = OpenJournal();
    if (opened.is_error()) {
      ResetState();
      return opened.error();
    }
    bool recover = (sb_.s_feature_incompat & kIncompatRecover) != 0;
    if (recover && !journal_->needs_replay() && device->read_only()) {
      // Nothing in the log: readable as it is (the flag stays).
      Log(LogLevel::kInfo, "needs_recovery is set but the journal is empty");
    } else if (recover || journal_->needs_replay()) {
      if (device->read_only()) {
        Log(LogLevel::kError,
            "not mounting: the journal needs recovery and the device is read-only");
        ResetState();
        return kstd::Error::kReadOnlyFs;
      }
      auto done = ReplayJournal(&report);
      if (done.is_error()) {
        ResetState();
        return done.error();
      }
      *replayed = true;
      return report;
    }
    if (journal_->unknown_ro_features() && !read_only_) {
      Log(LogLevel::kWarning,
          "mounting read-only: the journal has read-only-compatible features this code does not "
          "know");
      read_only_ = true;
    }
  }

  // The root must be a directory.
  auto root = LoadInode(kRootIno);
  if (root.is_error() || (root.value().d.i_mode & kModeTypeMask) != kModeDir ||
      root.value().d.i_links_count == 0) {
    Log(LogLevel::kError, "not mounting: the root inode is not a directory in use");
    ResetState();
    return kstd::Error::kInvalid;
  }

  state_at_mount_ = sb_.s_state;
  report.was_clean = (sb_.s_state & kStateValid) != 0 && (sb_.s_state & kStateError) == 0;
  report.had_errors = (sb_.s_state & kStateError) != 0;
  if ((sb_.s_state & kStateValid) == 0) {
    Log(LogLevel::kWarning,
        "the file system was not cleanly unmounted (mounted %u times since the last check); "
        "running e2fsck is recommended",
        sb_.s_mnt_count);
  }
  if (report.had_errors) {
    Log(LogLevel::kWarning, "the file system has errors recorded; running e2fsck is recommended");
  }
  if (sb_.s_max_mnt_count > 0 && sb_.s_mnt_count >= static_cast<uint16_t>(sb_.s_max_mnt_count)) {
    Log(LogLevel::kWarning, "maximal mount count reached; running e2fsck is recommended");
  }
  writable_mount_ = !read_only_;
  if (writable_mount_) {
    if (journal_ != nullptr) {
      // As ext3/ext4: the journal keeps the file system consistent, so the
      // state stays valid; needs_recovery says the log may hold transactions
      // until the clean unmount.
      sb_.s_feature_incompat |= kIncompatRecover;
    } else {
      sb_.s_state &= static_cast<uint16_t>(~kStateValid);
    }
    sb_.s_mnt_count = static_cast<uint16_t>(sb_.s_mnt_count + 1);
    int64_t now = Now();
    sb_.s_mtime = static_cast<uint32_t>(now);
    sb_.s_wtime = static_cast<uint32_t>(now);
    auto marked = StoreSuper();
    if (marked.ok()) marked = cache_->Sync();
    if (marked.ok() && journal_ != nullptr) marked = StartJournaling();
    if (marked.is_error()) {
      Log(LogLevel::kError, "not mounting: cannot mark the superblock in use: %s",
          kstd::ErrorName(marked.error()));
      ResetState();
      return kstd::Error::kIo;
    }
    if (sb_.s_last_orphan != 0 && !options.keep_orphans) ProcessOrphans();
    if (sb_.s_last_orphan != 0 && options.keep_orphans) {
      Log(LogLevel::kInfo, "orphan list (from inode %u) kept for the inodes still open",
          sb_.s_last_orphan);
    }
  } else if (sb_.s_last_orphan != 0) {
    Log(LogLevel::kWarning,
        "read-only: the orphan inode list (from inode %u) stays for a read-write mount or e2fsck",
        sb_.s_last_orphan);
  }
  report.read_only = read_only_;
  report.mount_count = sb_.s_mnt_count;
  report.max_mount_count = sb_.s_max_mnt_count;
  report.block_size = block_size_;
  report.groups = group_count_;
  report.journaled = cache_->journaling();
  report.type = fs_type_;
  Log(LogLevel::kInfo, "mounted %s: %u blocks of %u bytes, %u inodes, %u groups%s",
      read_only_ ? "read-only" : "read-write", sb_.s_blocks_count, block_size_, sb_.s_inodes_count,
      group_count_,
      report.journaled ? ", journal (ordered)" : (journal_ != nullptr ? ", journal unused" : ""));
  return report;
}

void Ext2::ProcessOrphans() {
  uint32_t ino = sb_.s_last_orphan;
  uint32_t freed = 0, truncated = 0, steps = 0;
  const char* stopped = nullptr;
  while (ino != 0) {
    if (ino > sb_.s_inodes_count || ++steps > sb_.s_inodes_count) {
      stopped = "an inode number out of range, or a loop";
      break;
    }
    auto loaded = LoadInode(ino);
    if (loaded.is_error() || loaded.value().d.i_mode == 0) {
      stopped = "an inode that cannot be read or is free";
      break;
    }
    Inode inode = loaded.value();
    uint32_t next = inode.d.i_dtime;  // the list's link
    if (inode.d.i_links_count == 0) {
      // Unlinked while open when the machine stopped: free it now.
      if (FreeInode(&inode).is_error()) {
        stopped = "an inode that could not be freed";
        break;
      }
      ++freed;
    } else {
      // Cut short in the middle of a truncate: finish it.
      inode.d.i_dtime = 0;
      if (StoreInode(inode).is_error() || Truncate(ino, InodeSize(inode)).is_error()) {
        stopped = "an inode that could not be truncated";
        break;
      }
      ++truncated;
    }
    ino = next;
  }
  if (stopped != nullptr) {
    Log(LogLevel::kWarning, "orphan list: stopped at inode %u (%s); e2fsck finishes it", ino,
        stopped);
  }
  sb_.s_last_orphan = 0;
  super_dirty_ = true;
  Log(LogLevel::kInfo, "orphan list: %u inode(s) freed, %u truncated", freed, truncated);
}

kstd::Result<void> Ext2::FlushAll() {
  if (!writable_mount_) return kstd::Ok();
  TRY(SealGroups());
  if (super_dirty_) {
    sb_.s_wtime = static_cast<uint32_t>(Now());
    TRY(StoreSuper());
  }
  if (cache_->journaling()) return CommitJournal();
  return cache_->Sync();
}

kstd::Result<void> Ext2::Sync() {
  if (!mounted_) return kstd::Error::kInvalid;
  auto r = FlushAll();
  if (r.is_error()) Log(LogLevel::kError, "sync failed: %s", kstd::ErrorName(r.error()));
  return r;
}

kstd::Result<void> Ext2::Unmount() {
  if (!mounted_) return kstd::Error::kInvalid;
  if (writable_mount_) {
    // Inodes unlinked while open go now (unless errors made us read-only).
    while (open_ != nullptr) {
      OpenCount* entry = open_;
      open_ = entry->next;
      uint32_t ino = entry->ino;
      delete entry;
      auto inode = LoadInode(ino);
      if (!read_only_ && inode.ok() && inode.value().d.i_links_count == 0) {
        (void)FreeInode(&inode.value());
      }
    }
    // Everything else first, then the clean mark on its own, so that a
    // clean superblock never reaches the disk before the data it vouches for.
    auto r = FlushAll();
    if (r.is_error()) {
      Log(LogLevel::kError, "unmount: write-back failed (%s); still mounted, data kept in memory",
          kstd::ErrorName(r.error()));
      return kstd::Error::kIo;
    }
    // Like Linux: the state found at mount comes back (a file system that was
    // not clean stays marked for e2fsck), plus any errors found since.
    uint16_t state = state_at_mount_ & (kStateValid | kStateError);
    if (errors_detected_) state |= kStateError;
    sb_.s_state = state;
    // The log is empty after that commit (and its checkpoint).
    sb_.s_feature_incompat &= ~kIncompatRecover;
    super_dirty_ = true;
    r = FlushAll();
    if (r.is_error()) {
      Log(LogLevel::kError, "unmount: cannot mark the file system clean (%s)",
          kstd::ErrorName(r.error()));
      sb_.s_state &= static_cast<uint16_t>(~kStateValid);
      if (journal_ != nullptr) sb_.s_feature_incompat |= kIncompatRecover;
      return kstd::Error::kIo;
    }
  }
  ResetState();
  return kstd::Ok();
}

kstd::Result<FsStats> Ext2::StatFs() {
  if (!mounted_) return kstd::Error::kInvalid;
  FsStats s;
  s.block_size = block_size_;
  s.total_blocks = sb_.s_blocks_count;
  s.free_blocks = sb_.s_free_blocks_count;
  s.available_blocks = sb_.s_free_blocks_count > sb_.s_r_blocks_count
                           ? sb_.s_free_blocks_count - sb_.s_r_blocks_count
                           : 0;
  s.total_inodes = sb_.s_inodes_count;
  s.free_inodes = sb_.s_free_inodes_count;
  return s;
}

}  // namespace servers::fs::ext2
