// Ext2: inodes (load, validate, store, attributes, open counts) and the
// block map (direct, indirect, double- and triple-indirect blocks).

#include <string.h>

#include "kstd/new.h"
#include "servers/fs/ext2/ext2.h"

namespace servers::fs::ext2 {

namespace {

uint32_t Load32(const uint8_t* block, uint32_t index) {
  uint32_t v;
  memcpy(&v, block + 4 * static_cast<size_t>(index), 4);
  return v;
}

void Store32(uint8_t* block, uint32_t index, uint32_t value) {
  memcpy(block + 4 * static_cast<size_t>(index), &value, 4);
}

int64_t TimeFromDisk(uint32_t t) { return static_cast<int32_t>(t); }

uint32_t TimeToDisk(int64_t t) {
  if (t > 0x7FFFFFFF) t = 0x7FFFFFFF;
  if (t < -0x7FFFFFFF - 1) t = -0x7FFFFFFF - 1;
  return static_cast<uint32_t>(static_cast<int32_t>(t));
}

FileType TypeOfMode(uint16_t mode) {
  switch (mode & kModeTypeMask) {
    case kModeRegular: return FileType::kRegular;
    case kModeDir: return FileType::kDirectory;
    case kModeSymlink: return FileType::kSymlink;
    case kModeChar: return FileType::kCharDevice;
    case kModeBlock: return FileType::kBlockDevice;
    case kModeFifo: return FileType::kFifo;
    case kModeSocket: return FileType::kSocket;
    default: return FileType::kUnknown;
  }
}

// Device numbers in i_block (Linux fs/ext2/inode.c): the old 8:8 encoding
// in i_block[0] when it fits, else the "new" 12:20 one in i_block[1]. The
// API's rdev is Linux's st_rdev (new_encode_dev).
uint32_t MakeRdev(uint32_t major, uint32_t minor) {
  return (minor & 0xFF) | ((major & 0xFFF) << 8) | ((minor & ~0xFFu) << 12);
}

}  // namespace

// ---- Loading and storing.

kstd::Result<Ext2::Inode> Ext2::LoadInode(uint32_t ino) {
  if (!mounted_) return kstd::Error::kInvalid;
  if (ino == 0 || ino > sb_.s_inodes_count) return kstd::Error::kInvalid;
  uint32_t index = (ino - 1) % sb_.s_inodes_per_group;
  uint32_t group = (ino - 1) / sb_.s_inodes_per_group;
  uint32_t per_block = block_size_ / inode_size_;
  uint64_t block = static_cast<uint64_t>(groups_[group].bg_inode_table) + index / per_block;
  BlockRef ref = TRY(cache_->Get(block));
  Inode inode;
  inode.ino = ino;
  uint8_t* slot = ref.data() + (index % per_block) * inode_size_;
  memcpy(&inode.d, slot, sizeof(DiskInode));
  if (csum_ && (groups_[group].bg_flags & kBgInodeUninit) == 0 &&
      index < sb_.s_inodes_per_group - GdField16(group, kGdItableUnusedLo)) {
    // A never-used slot (all zeros) has no checksum.
    bool blank = true;
    for (uint32_t i = 0; i < sizeof(DiskInode) && blank; ++i) blank = slot[i] == 0;
    if (!blank && !InodeChecksum(ino, slot, false)) {
      return Corrupt("inode %u: checksum mismatch (inode table block %llu)", ino,
                     static_cast<unsigned long long>(block));
    }
  }
  if (inode_size_ >= kCrtimeOffset + 4) {
    uint16_t extra;
    memcpy(&extra, slot + kExtraIsizeOffset, 2);
    if (extra >= kCrtimeOffset + 4 - kExtraIsizeOffset &&
        kExtraIsizeOffset + extra <= inode_size_) {
      memcpy(&inode.crtime, slot + kCrtimeOffset, 4);
    }
  }
  return inode;
}

kstd::Result<void> Ext2::StoreInode(const Inode& inode) {
  uint32_t index = (inode.ino - 1) % sb_.s_inodes_per_group;
  uint32_t group = (inode.ino - 1) / sb_.s_inodes_per_group;
  uint32_t per_block = block_size_ / inode_size_;
  uint64_t block = static_cast<uint64_t>(groups_[group].bg_inode_table) + index / per_block;
  BlockRef ref = TRY(cache_->Get(block));
  uint8_t* slot = ref.data() + (index % per_block) * inode_size_;
  if (inode_size_ > kGoodOldInodeSize) {
    // A time set here has whole seconds: its extra field (nanoseconds and
    // epoch bits, written by Linux) goes to 0 with it.
    uint16_t extra;
    memcpy(&extra, slot + kExtraIsizeOffset, 2);
    const struct {
      uint32_t base;
      uint32_t value;
      uint32_t extra;
    } times[] = {{offsetof(DiskInode, i_ctime), inode.d.i_ctime, kCtimeExtraOffset},
                 {offsetof(DiskInode, i_mtime), inode.d.i_mtime, kMtimeExtraOffset},
                 {offsetof(DiskInode, i_atime), inode.d.i_atime, kAtimeExtraOffset}};
    for (const auto& t : times) {
      uint32_t old;
      memcpy(&old, slot + t.base, 4);
      if (old != t.value && kExtraIsizeOffset + extra >= t.extra + 4 &&
          t.extra + 4 <= inode_size_) {
        memset(slot + t.extra, 0, 4);
      }
    }
  }
  memcpy(slot, &inode.d, sizeof(DiskInode));
  if (csum_) InodeChecksum(inode.ino, slot, true);
  ref.MarkDirty();
  return kstd::Ok();
}

kstd::Result<void> Ext2::InitInode(Inode* inode, uint16_t mode, uint32_t uid, uint32_t gid) {
  uint32_t index = (inode->ino - 1) % sb_.s_inodes_per_group;
  uint32_t group = (inode->ino - 1) / sb_.s_inodes_per_group;
  uint32_t per_block = block_size_ / inode_size_;
  uint64_t block = static_cast<uint64_t>(groups_[group].bg_inode_table) + index / per_block;
  BlockRef ref = TRY(cache_->Get(block));
  uint8_t* slot = ref.data() + (index % per_block) * inode_size_;
  uint32_t old_generation;
  memcpy(&old_generation, slot + offsetof(DiskInode, i_generation), 4);
  memset(slot, 0, inode_size_);
  uint32_t now = TimeToDisk(Now());
  if (inode_size_ >= kExtraIsizeOffset + kDefaultExtraIsize) {
    // Large inodes: the extra fields mke2fs gives (i_extra_isize, i_crtime).
    uint16_t extra = kDefaultExtraIsize;
    memcpy(slot + kExtraIsizeOffset, &extra, 2);
    memcpy(slot + kCrtimeOffset, &now, 4);
  }
  ref.MarkDirty();
  memset(&inode->d, 0, sizeof(inode->d));
  inode->crtime = inode_size_ >= kExtraIsizeOffset + kDefaultExtraIsize ? now : 0;
  inode->d.i_mode = mode;
  inode->d.i_uid = static_cast<uint16_t>(uid);
  inode->d.l_i_uid_high = static_cast<uint16_t>(uid >> 16);
  inode->d.i_gid = static_cast<uint16_t>(gid);
  inode->d.l_i_gid_high = static_cast<uint16_t>(gid >> 16);
  inode->d.i_atime = inode->d.i_ctime = inode->d.i_mtime = now;
  inode->d.i_generation = old_generation + 1;
  return kstd::Ok();
}

uint64_t Ext2::InodeSize(const Inode& inode) {
  uint64_t size = inode.d.i_size;
  if ((inode.d.i_mode & kModeTypeMask) == kModeRegular) {
    size |= static_cast<uint64_t>(inode.d.i_size_high) << 32;
  }
  return size;
}

void Ext2::SetInodeSize(Inode* inode, uint64_t size) {
  inode->d.i_size = static_cast<uint32_t>(size);
  if ((inode->d.i_mode & kModeTypeMask) == kModeRegular) {
    inode->d.i_size_high = static_cast<uint32_t>(size >> 32);
  }
}

void Ext2::AddBlocks(Inode* inode, int64_t count) {
  int64_t sectors = count * static_cast<int64_t>(block_size_ / 512);
  int64_t old = static_cast<int64_t>(inode->d.i_blocks);
  if (huge_file_) old += static_cast<int64_t>(inode->d.l_i_blocks_hi) << 32;
  int64_t now = old + sectors;
  if (now < 0) {
    (void)Corrupt("inode %u: i_blocks would go below zero", inode->ino);
    now = 0;
  }
  inode->d.i_blocks = static_cast<uint32_t>(now);
  if (huge_file_) inode->d.l_i_blocks_hi = static_cast<uint16_t>(now >> 32);
}

bool Ext2::IsFastSymlink(const Inode& inode) const {
  if ((inode.d.i_mode & kModeTypeMask) != kModeSymlink) return false;
  uint32_t xattr = inode.d.i_file_acl != 0 ? block_size_ / 512 : 0;
  return inode.d.i_blocks == xattr;
}

uint64_t Ext2::MaxFileBlocks(const Inode& inode) const {
  return UsesExtents(inode) ? ext_max_blocks_ : max_file_blocks_;
}

bool Ext2::HasBlockMap(const Inode& inode) const {
  uint16_t type = inode.d.i_mode & kModeTypeMask;
  return type == kModeRegular || type == kModeDir ||
         (type == kModeSymlink && !IsFastSymlink(inode));
}

uint64_t Ext2::MetaBlocksFor(uint64_t n) const {
  uint64_t p = ptrs_per_block_;
  if (n <= kNumDirectBlocks) return 0;
  n -= kNumDirectBlocks;
  uint64_t meta = 1;  // the indirect block
  if (n <= p) return meta;
  n -= p;
  uint64_t d = n < p * p ? n : p * p;
  meta += 1 + (d + p - 1) / p;  // double-indirect block and its children
  n -= d;
  if (n == 0) return meta;
  meta += 1 + (n + p * p - 1) / (p * p) + (n + p - 1) / p;
  return meta;
}

kstd::Result<void> Ext2::ValidateInode(const Inode& inode) {
  const DiskInode& d = inode.d;
  uint16_t type = d.i_mode & kModeTypeMask;
  if (TypeOfMode(d.i_mode) == FileType::kUnknown) {
    return Corrupt("inode %u: unknown file type (mode 0%o)", inode.ino, d.i_mode);
  }
  if ((d.i_flags & kFlagHugeFile) != 0 && huge_file_) {
    // Valid on a huge_file file system, but i_blocks counts file-system
    // blocks there: not implemented (files of 2^32 sectors and more).
    Log(LogLevel::kWarning,
        "inode %u: EXT4_HUGE_FILE_FL (i_blocks in file-system blocks) is not supported", inode.ino);
    return kstd::Error::kNotSupported;
  }
  if (d.i_flags & kUnsupportedInodeFlags) {
    return Corrupt(
        "inode %u: uses inline data, an EA inode or huge_file block units (flags 0x%x), which "
        "this implementation does not support",
        inode.ino, d.i_flags);
  }
  if ((d.i_flags & kFlagExtents) != 0 && !extents_) {
    return Corrupt("inode %u: has an extent tree on a file system without the extent feature",
                   inode.ino);
  }
  if (huge_file_ && d.l_i_blocks_hi != 0) {
    return Corrupt("inode %u: i_blocks past 2^32 sectors is not supported", inode.ino);
  }
  if (UsesExtents(inode)) {
    ExtentHeader h;
    memcpy(&h, d.i_block, sizeof(h));
    if (h.eh_magic != kExtentMagic || h.eh_max > 4 || h.eh_entries > h.eh_max ||
        h.eh_depth > kExtentMaxDepth) {
      return Corrupt("inode %u: bad extent tree root (magic 0x%x, %u of %u entries, depth %u)",
                     inode.ino, h.eh_magic, h.eh_entries, h.eh_max, h.eh_depth);
    }
  }
  uint64_t size = InodeSize(inode);
  if (type == kModeDir) {
    if (d.i_size_high != 0 || size == 0 || size % block_size_ != 0) {
      return Corrupt("inode %u: directory size %u (high %u) is not a whole number of blocks",
                     inode.ino, d.i_size, d.i_size_high);
    }
  }
  if (size > (MaxFileBlocks(inode) << log_block_size_)) {
    return Corrupt("inode %u: size %llu exceeds the largest possible file", inode.ino,
                   static_cast<unsigned long long>(size));
  }
  if (type == kModeSymlink) {
    if (size == 0 || size >= block_size_ || size > 4095) {
      return Corrupt("inode %u: symlink length %llu is invalid", inode.ino,
                     static_cast<unsigned long long>(size));
    }
    if (IsFastSymlink(inode) && size > kFastSymlinkMax) {
      return Corrupt("inode %u: fast symlink length %llu does not fit in the inode", inode.ino,
                     static_cast<unsigned long long>(size));
    }
    if (!IsFastSymlink(inode) && !UsesExtents(inode) && !IsDataBlock(d.i_block[0])) {
      return Corrupt("inode %u: symlink block %u is outside the data area", inode.ino,
                     d.i_block[0]);
    }
  }
  if (d.i_file_acl != 0 && !IsDataBlock(d.i_file_acl)) {
    return Corrupt("inode %u: extended attribute block %u is outside the data area", inode.ino,
                   d.i_file_acl);
  }
  uint64_t allocated = d.i_blocks / (block_size_ / 512);
  if (allocated > sb_.s_blocks_count) {
    return Corrupt("inode %u: i_blocks %u is more than the file system holds", inode.ino,
                   d.i_blocks);
  }
  if (type == kModeDir && (size >> log_block_size_) > allocated) {
    // Directories have no holes: each block of the size is allocated.
    return Corrupt("inode %u: directory size %u needs more blocks than its i_blocks %u", inode.ino,
                   d.i_size, d.i_blocks);
  }
  uint64_t limit = d.i_file_acl != 0 ? 1 : 0;
  if (UsesExtents(inode)) {
    // Extent files may hold blocks past their size (fallocate with
    // KEEP_SIZE): only the file system's size bounds i_blocks (above).
    limit = ~0ull / 1024;
  } else if (HasBlockMap(inode)) {
    uint64_t data = (size + block_size_ - 1) >> log_block_size_;
    if (data > max_file_blocks_) data = max_file_blocks_;
    limit += data + MetaBlocksFor(data);
  }
  if (d.i_blocks > limit * (block_size_ / 512)) {
    return Corrupt("inode %u: i_blocks %u is more than size %llu allows", inode.ino, d.i_blocks,
                   static_cast<unsigned long long>(size));
  }
  return kstd::Ok();
}

kstd::Result<Ext2::Inode> Ext2::LoadLiveInode(uint32_t ino) {
  if (!mounted_) return kstd::Error::kInvalid;
  if (ino == 0 || ino > sb_.s_inodes_count || (ino < first_ino_ && ino != kRootIno)) {
    return kstd::Error::kInvalid;
  }
  Inode inode = TRY(LoadInode(ino));
  if (inode.d.i_mode == 0 || (inode.d.i_links_count == 0 && !IsOpen(ino))) {
    return kstd::Error::kNotFound;
  }
  TRY(ValidateInode(inode));
  return inode;
}

Attr Ext2::MakeAttr(const Inode& inode) const {
  const DiskInode& d = inode.d;
  Attr a;
  a.ino = inode.ino;
  a.type = TypeOfMode(d.i_mode);
  a.mode = d.i_mode;
  a.nlink = d.i_links_count;
  a.uid = d.i_uid | static_cast<uint32_t>(d.l_i_uid_high) << 16;
  a.gid = d.i_gid | static_cast<uint32_t>(d.l_i_gid_high) << 16;
  a.size = InodeSize(inode);
  a.blocks = d.i_blocks;
  if (huge_file_) a.blocks |= static_cast<uint64_t>(d.l_i_blocks_hi) << 32;
  a.atime = TimeFromDisk(d.i_atime);
  a.mtime = TimeFromDisk(d.i_mtime);
  a.ctime = TimeFromDisk(d.i_ctime);
  a.crtime = TimeFromDisk(inode.crtime);
  a.generation = d.i_generation;
  a.block_size = block_size_;
  if (a.type == FileType::kCharDevice || a.type == FileType::kBlockDevice) {
    if (d.i_block[0] != 0) {
      a.rdev = MakeRdev((d.i_block[0] >> 8) & 0xFF, d.i_block[0] & 0xFF);
    } else {
      uint32_t v = d.i_block[1];
      a.rdev = MakeRdev((v & 0xFFF00) >> 8, (v & 0xFF) | ((v >> 12) & 0xFFF00));
    }
  }
  return a;
}

// ---- Open counts.

bool Ext2::IsOpen(uint32_t ino) const {
  for (OpenCount* e = open_; e != nullptr; e = e->next) {
    if (e->ino == ino) return true;
  }
  return false;
}

kstd::Result<void> Ext2::OpenInode(uint32_t ino) {
  TRY(LoadLiveInode(ino));
  return CountOpen(ino);
}

kstd::Result<void> Ext2::AdoptInode(uint32_t ino) {
  if (!mounted_) return kstd::Error::kInvalid;
  if (ino == 0 || ino > sb_.s_inodes_count || (ino < first_ino_ && ino != kRootIno)) {
    return kstd::Error::kInvalid;
  }
  Inode inode = TRY(LoadInode(ino));
  if (inode.d.i_mode == 0) return kstd::Error::kNotFound;
  if (inode.d.i_links_count == 0 && !IsOpen(ino)) {
    // An orphan only if nothing freed it: no deletion time (or on the
    // orphan list), still allocated.
    // (On the orphan list, i_dtime is the list's link.)
    if ((inode.d.i_dtime != 0 && !TRY(OnOrphanList(ino))) || !TRY(InodeMarkedUsed(ino))) {
      return kstd::Error::kNotFound;
    }
    Log(LogLevel::kInfo, "adopting inode %u: unlinked but still open", ino);
  }
  TRY(ValidateInode(inode));
  return CountOpen(ino);
}

kstd::Result<void> Ext2::CountOpen(uint32_t ino) {
  for (OpenCount* e = open_; e != nullptr; e = e->next) {
    if (e->ino == ino) {
      ++e->count;
      return kstd::Ok();
    }
  }
  OpenCount* e = new (kstd::nothrow) OpenCount{ino, 1, open_};
  if (e == nullptr) return kstd::Error::kNoMemory;
  open_ = e;
  return kstd::Ok();
}

kstd::Result<void> Ext2::CloseInode(uint32_t ino) {
  if (!mounted_) return kstd::Error::kInvalid;
  OpenCount** link = &open_;
  while (*link != nullptr && (*link)->ino != ino) link = &(*link)->next;
  if (*link == nullptr) return kstd::Error::kInvalid;
  if (--(*link)->count > 0) return kstd::Ok();
  OpenCount* e = *link;
  *link = e->next;
  delete e;
  if (read_only_) return kstd::Ok();
  Inode inode = TRY(LoadInode(ino));
  // Unlinked while open, and not freed: i_dtime 0, or its link on the
  // orphan list.
  if (inode.d.i_links_count == 0 && inode.d.i_mode != 0 &&
      (inode.d.i_dtime == 0 || TRY(OnOrphanList(ino)))) {
    return FreeInode(&inode);
  }
  return kstd::Ok();
}

// ---- The block map.

namespace {

/// Splits file block `n` into a level (0 direct, 1..3 indirect) and the
/// index at each level. Returns -1 past the triple-indirect range.
int BlockPath(uint64_t n, uint64_t p, uint32_t index[4]) {
  if (n < kNumDirectBlocks) {
    index[0] = static_cast<uint32_t>(n);
    return 0;
  }
  n -= kNumDirectBlocks;
  if (n < p) {
    index[0] = static_cast<uint32_t>(n);
    return 1;
  }
  n -= p;
  if (n < p * p) {
    index[0] = static_cast<uint32_t>(n / p);
    index[1] = static_cast<uint32_t>(n % p);
    return 2;
  }
  n -= p * p;
  if (n < p * p * p) {
    index[0] = static_cast<uint32_t>(n / (p * p));
    index[1] = static_cast<uint32_t>((n / p) % p);
    index[2] = static_cast<uint32_t>(n % p);
    return 3;
  }
  return -1;
}

}  // namespace

kstd::Result<uint32_t> Ext2::CheckPointer(const Inode& inode, uint32_t block, const uint32_t* path,
                                          int depth) {
  if (!IsDataBlock(block)) {
    return Corrupt("inode %u: block pointer %u is outside the data area", inode.ino, block);
  }
  for (int i = 0; i < depth; ++i) {
    if (path[i] == block) {
      return Corrupt("inode %u: indirect block %u points back to itself (a loop)", inode.ino,
                     block);
    }
  }
  return block;
}

kstd::Result<uint32_t> Ext2::MapBlock(const Inode& inode, uint64_t n) {
  if (UsesExtents(inode)) {
    Extent e = TRY(MapExtent(inode, n, 1));
    return e.block;
  }
  uint32_t index[4];
  int level = BlockPath(n, ptrs_per_block_, index);
  if (level < 0) return 0u;
  if (level == 0) {
    uint32_t b = inode.d.i_block[index[0]];
    if (b == 0) return 0u;
    return CheckPointer(inode, b, nullptr, 0);
  }
  uint32_t path[4];
  uint32_t cur = inode.d.i_block[kIndirectSlot + level - 1];
  if (cur == 0) return 0u;
  TRY(CheckPointer(inode, cur, path, 0));
  path[0] = cur;
  for (int k = 0; k < level; ++k) {
    BlockRef ref = TRY(cache_->Get(cur));
    uint32_t next = Load32(ref.data(), index[k]);
    if (next == 0) return 0u;
    TRY(CheckPointer(inode, next, path, k + 1));
    path[k + 1] = next;
    cur = next;
  }
  return cur;
}

kstd::Result<Ext2::Extent> Ext2::MapExtent(const Inode& inode, uint64_t n, uint32_t max) {
  if (UsesExtents(inode)) {
    Inode copy = inode;
    return MapExtentTree(&copy, n, max);
  }
  return MapIndirect(inode, n, max);
}

kstd::Result<Ext2::Extent> Ext2::MapIndirect(const Inode& inode, uint64_t n, uint32_t max) {
  Extent extent;
  uint32_t index[4];
  int level = BlockPath(n, ptrs_per_block_, index);
  if (level < 0 || max == 0) return extent;
  // The pointer array holding n's entry, and n's slot in it.
  const uint32_t* slots = nullptr;
  uint32_t first = 0, end = 0;
  BlockRef leaf;
  uint32_t path[4];
  if (level == 0) {
    slots = inode.d.i_block;
    first = index[0];
    end = kIndirectSlot;
  } else {
    uint32_t cur = inode.d.i_block[kIndirectSlot + level - 1];
    if (cur == 0) return extent;
    TRY(CheckPointer(inode, cur, path, 0));
    path[0] = cur;
    for (int k = 0; k + 1 < level; ++k) {
      BlockRef ref = TRY(cache_->Get(cur));
      uint32_t next = Load32(ref.data(), index[k]);
      if (next == 0) return extent;
      TRY(CheckPointer(inode, next, path, k + 1));
      path[k + 1] = next;
      cur = next;
    }
    leaf = TRY(cache_->Get(cur));
    slots = reinterpret_cast<const uint32_t*>(leaf.data());
    first = index[level - 1];
    end = ptrs_per_block_;
  }
  auto entry = [&](uint32_t i) {
    return level == 0 ? slots[i] : Load32(reinterpret_cast<const uint8_t*>(slots), i);
  };
  uint32_t b = entry(first);
  if (b == 0) return extent;  // a hole, one block
  TRY(CheckPointer(inode, b, path, level));
  extent.block = b;
  uint32_t count = 1;
  while (count < max && first + count < end) {
    uint32_t next = entry(first + count);
    if (next != b + count || !IsDataBlock(next)) break;
    ++count;
  }
  extent.count = count;
  return extent;
}

kstd::Result<uint32_t> Ext2::MapBlockAlloc(Inode* inode, uint64_t n, uint32_t goal,
                                           BlockRef* fresh) {
  if (UsesExtents(*inode)) return MapExtentAlloc(inode, n, goal, fresh);
  if (n >= max_file_blocks_) return kstd::Error::kFileTooBig;
  uint32_t index[4];
  int level = BlockPath(n, ptrs_per_block_, index);
  if (level < 0) return kstd::Error::kFileTooBig;
  if (goal == 0) goal = GoalBlockFor(inode->ino);

  // Allocates a zeroed block; on failure nothing is left allocated.
  auto allocate = [&](BlockRef* ref) -> kstd::Result<uint32_t> {
    uint32_t b = TRY(AllocBlock(goal));
    auto zeroed = cache_->GetZeroed(b);
    if (zeroed.is_error()) {
      (void)FreeBlock(b, inode->ino);
      return zeroed.error();
    }
    *ref = kstd::Move(zeroed.value());
    AddBlocks(inode, 1);
    goal = b + 1;
    return b;
  };

  if (level == 0) {
    uint32_t b = inode->d.i_block[index[0]];
    if (b != 0) return CheckPointer(*inode, b, nullptr, 0);
    b = TRY(allocate(fresh));
    inode->d.i_block[index[0]] = b;
    return b;
  }
  uint32_t path[4];
  uint32_t& root = inode->d.i_block[kIndirectSlot + level - 1];
  uint32_t cur = root;
  if (cur == 0) {
    BlockRef ref;
    cur = TRY(allocate(&ref));
    root = cur;
  } else {
    TRY(CheckPointer(*inode, cur, path, 0));
  }
  path[0] = cur;
  for (int k = 0; k < level; ++k) {
    BlockRef ref = TRY(cache_->Get(cur));
    uint32_t next = Load32(ref.data(), index[k]);
    if (next == 0) {
      BlockRef child;
      next = TRY(allocate(&child));
      Store32(ref.data(), index[k], next);
      ref.MarkDirty();
      if (k == level - 1) {
        *fresh = kstd::Move(child);
        return next;
      }
    } else {
      TRY(CheckPointer(*inode, next, path, k + 1));
    }
    path[k + 1] = next;
    cur = next;
  }
  return cur;
}

kstd::Result<bool> Ext2::FreeTree(Inode* inode, uint32_t block, int level, uint64_t start,
                                  uint32_t* path, int depth) {
  TRY(CheckPointer(*inode, block, path, depth));
  path[depth] = block;
  BlockRef ref = TRY(cache_->Get(block));
  uint64_t span = 1;
  for (int i = 1; i < level; ++i) span *= ptrs_per_block_;
  uint32_t first = static_cast<uint32_t>(start / span);
  for (uint32_t i = first; i < ptrs_per_block_; ++i) {
    uint32_t child = Load32(ref.data(), i);
    if (child == 0) continue;
    if (level == 1) {
      TRY(CheckPointer(*inode, child, path, depth + 1));
      TRY(FreeBlock(child, inode->ino));
      AddBlocks(inode, -1);
    } else {
      uint64_t child_start = i == first ? start - static_cast<uint64_t>(i) * span : 0;
      bool empty = TRY(FreeTree(inode, child, level - 1, child_start, path, depth + 1));
      if (!empty) continue;
      TRY(FreeBlock(child, inode->ino));
      AddBlocks(inode, -1);
    }
    Store32(ref.data(), i, 0);
    ref.MarkDirty();
  }
  for (uint32_t i = 0; i < ptrs_per_block_; ++i) {
    if (Load32(ref.data(), i) != 0) return false;
  }
  return true;
}

kstd::Result<void> Ext2::FreeBlocksFrom(Inode* inode, uint64_t first) {
  if (UsesExtents(*inode)) return FreeExtentsFrom(inode, first);
  for (uint64_t i = first; i < kNumDirectBlocks; ++i) {
    uint32_t b = inode->d.i_block[i];
    if (b == 0) continue;
    TRY(CheckPointer(*inode, b, nullptr, 0));
    TRY(FreeBlock(b, inode->ino));
    AddBlocks(inode, -1);
    inode->d.i_block[i] = 0;
  }
  uint64_t base = kNumDirectBlocks;
  uint64_t span = ptrs_per_block_;
  for (int level = 1; level <= 3; ++level) {
    uint32_t& root = inode->d.i_block[kIndirectSlot + level - 1];
    if (root != 0 && first < base + span) {
      uint64_t start = first > base ? first - base : 0;
      uint32_t path[4];
      bool empty = TRY(FreeTree(inode, root, level, start, path, 0));
      if (empty) {
        TRY(FreeBlock(root, inode->ino));
        AddBlocks(inode, -1);
        root = 0;
      }
    }
    base += span;
    span *= ptrs_per_block_;
  }
  return kstd::Ok();
}

kstd::Result<void> Ext2::ReleaseXattrBlock(Inode* inode) {
  uint32_t b = inode->d.i_file_acl;
  if (b == 0) return kstd::Ok();
  inode->d.i_file_acl = 0;
  AddBlocks(inode, -1);
  if (!IsDataBlock(b)) {
    return Corrupt("inode %u: extended attribute block %u is outside the data area", inode->ino, b);
  }
  BlockRef ref = TRY(cache_->Get(b));
  XattrHeader header;
  memcpy(&header, ref.data(), sizeof(header));
  if (header.h_magic != kXattrMagic || header.h_refcount == 0) {
    // Not a valid attribute block: leave it allocated for e2fsck.
    return Corrupt("inode %u: extended attribute block %u is damaged (magic 0x%x)", inode->ino, b,
                   header.h_magic);
  }
  if (header.h_refcount > 1) {
    --header.h_refcount;
    memcpy(ref.data(), &header, sizeof(header));
    ref.MarkDirty();
    return kstd::Ok();
  }
  ref.Reset();
  return FreeBlock(b, inode->ino);
}

kstd::Result<void> Ext2::ZeroTail(Inode* inode, uint64_t old_size) {
  uint32_t offset = static_cast<uint32_t>(old_size & (block_size_ - 1));
  if (offset == 0) return kstd::Ok();
  uint32_t b = TRY(MapBlock(*inode, old_size >> log_block_size_));
  if (b == 0) return kstd::Ok();
  BlockRef ref = TRY(cache_->Get(b));
  memset(ref.data() + offset, 0, block_size_ - offset);
  ref.MarkDataDirty();
  return kstd::Ok();
}

kstd::Result<void> Ext2::FreeInode(Inode* inode) {
  // Off the orphan list while i_dtime is still its link there.
  if (inode->d.i_links_count == 0) TRY(Unorphan(*inode));
  bool directory = (inode->d.i_mode & kModeTypeMask) == kModeDir;
  if (HasBlockMap(*inode)) {
    auto freed = FreeBlocksFrom(inode, 0);
    if (freed.is_error()) {
      // Keep the inode (and what it still points to) for e2fsck.
      (void)StoreInode(*inode);
      return freed.error();
    }
    SetInodeSize(inode, 0);
  }
  auto xattr = ReleaseXattrBlock(inode);
  inode->d.i_links_count = 0;
  inode->d.i_dtime = TimeToDisk(Now());
  if (inode->d.i_dtime == 0) inode->d.i_dtime = 1;  // dtime 0 means "in use" to e2fsck
  TRY(StoreInode(*inode));
  TRY(FreeInodeNumber(inode->ino, directory));
  return xattr;
}

kstd::Result<void> Ext2::DropLink(Inode* inode) {
  if (inode->d.i_links_count > 0) --inode->d.i_links_count;
  inode->d.i_ctime = TimeToDisk(Now());
  if (inode->d.i_links_count == 0) {
    if (!IsOpen(inode->ino)) return FreeInode(inode);
    return StoreOrphan(inode);
  }
  return StoreInode(*inode);
}

kstd::Result<void> Ext2::StoreOrphan(Inode* inode) {
  if (cache_->journaling()) {
    // In the same transaction as the unlink (the superblock is stored
    // before every commit).
    inode->d.i_dtime = sb_.s_last_orphan;
    sb_.s_last_orphan = inode->ino;
    super_dirty_ = true;
  }
  return StoreInode(*inode);
}

kstd::Result<bool> Ext2::OnOrphanList(uint32_t ino) {
  uint32_t at = sb_.s_last_orphan;
  for (uint32_t steps = 0; at != 0 && at <= sb_.s_inodes_count && steps < sb_.s_inodes_count;
       ++steps) {
    if (at == ino) return true;
    Inode member = TRY(LoadInode(at));
    at = member.d.i_dtime;
  }
  return false;
}

kstd::Result<void> Ext2::Unorphan(const Inode& inode) {
  if (sb_.s_last_orphan == 0) return kstd::Ok();
  const uint32_t next = inode.d.i_dtime;
  if (sb_.s_last_orphan == inode.ino) {
    sb_.s_last_orphan = next;
    super_dirty_ = true;
    return kstd::Ok();
  }
  // Its predecessor links past it. A damaged list ends the walk (bounded);
  // the inode is then not on it, as far as can be told.
  uint32_t at = sb_.s_last_orphan;
  for (uint32_t steps = 0; at != 0 && at <= sb_.s_inodes_count && steps < sb_.s_inodes_count;
       ++steps) {
    Inode member = TRY(LoadInode(at));
    if (member.d.i_dtime == inode.ino) {
      member.d.i_dtime = next;
      return StoreInode(member);
    }
    at = member.d.i_dtime;
  }
  return kstd::Ok();
}

// ---- Attributes.

kstd::Result<Attr> Ext2::GetAttr(uint32_t ino) {
  Inode inode = TRY(LoadLiveInode(ino));
  return MakeAttr(inode);
}

kstd::Result<Attr> Ext2::SetAttr(uint32_t ino, const SetAttrRequest& request) {
  TRY(CheckWritable());
  if (request.mask & ~SetAttrRequest::kAll) return kstd::Error::kInvalid;
  Inode inode = TRY(LoadLiveInode(ino));
  DiskInode& d = inode.d;
  uint32_t now = TimeToDisk(Now());
  if (request.mask & SetAttrRequest::kMode) {
    d.i_mode = static_cast<uint16_t>((d.i_mode & kModeTypeMask) | (request.mode & kModePermMask));
  } else if ((request.mask & (SetAttrRequest::kUid | SetAttrRequest::kGid)) &&
             (d.i_mode & kModeTypeMask) != kModeDir) {
    // chown drops setuid, and setgid when group-executable (as Linux does).
    d.i_mode &= static_cast<uint16_t>(~04000);
    if ((d.i_mode & 02010) == 02010) d.i_mode &= static_cast<uint16_t>(~02000);
  }
  if (request.mask & SetAttrRequest::kUid) {
    d.i_uid = static_cast<uint16_t>(request.uid);
    d.l_i_uid_high = static_cast<uint16_t>(request.uid >> 16);
  }
  if (request.mask & SetAttrRequest::kGid) {
    d.i_gid = static_cast<uint16_t>(request.gid);
    d.l_i_gid_high = static_cast<uint16_t>(request.gid >> 16);
  }
  if (request.mask & SetAttrRequest::kAtimeNow) {
    d.i_atime = now;
  } else if (request.mask & SetAttrRequest::kAtime) {
    d.i_atime = TimeToDisk(request.atime);
  }
  if (request.mask & SetAttrRequest::kMtimeNow) {
    d.i_mtime = now;
  } else if (request.mask & SetAttrRequest::kMtime) {
    d.i_mtime = TimeToDisk(request.mtime);
  }
  d.i_ctime = now;
  TRY(StoreInode(inode));
  return MakeAttr(inode);
}

// ---- File data.

kstd::Result<size_t> Ext2::Read(uint32_t ino, uint64_t offset, kstd::Span<uint8_t> out) {
  Inode inode = TRY(LoadLiveInode(ino));
  uint16_t type = inode.d.i_mode & kModeTypeMask;
  if (type == kModeDir) return kstd::Error::kIsDirectory;
  if (type != kModeRegular) return kstd::Error::kInvalid;
  uint64_t size = InodeSize(inode);
  if (offset >= size || out.size() == 0) return static_cast<size_t>(0);
  uint64_t total = size - offset < out.size() ? size - offset : out.size();
  uint64_t done = 0;
  while (done < total) {
    uint64_t pos = offset + done;
    uint64_t fblock = pos >> log_block_size_;
    uint32_t in_block = static_cast<uint32_t>(pos & (block_size_ - 1));
    // The blocks this request still covers, mapped a run at a time: one
    // pointer lookup and one device request (read-ahead) per run.
    uint64_t want = (total - done + in_block + block_size_ - 1) >> log_block_size_;
    auto mapped =
        MapExtent(inode, fblock, want > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(want));
    if (mapped.is_error()) {
      if (done > 0) break;  // what was read so far; the next read reports it
      return mapped.error();
    }
    const Extent run = mapped.value();
    const uint32_t step = BlockCache::kMaxRunBytes / block_size_;  // the largest read-ahead
    bool failed = false;
    for (uint32_t j = 0; j < run.count && done < total; ++j) {
      if (run.block != 0 && j % step == 0 && run.count - j > 1) {
        cache_->Prefetch(run.block + j, run.count - j);
      }
      uint64_t chunk = block_size_ - in_block;
      if (chunk > total - done) chunk = total - done;
      if (run.block == 0) {
        memset(out.data() + done, 0, chunk);
      } else {
        auto ref = cache_->Get(run.block + j);
        if (ref.is_error()) {
          if (done > 0) {
            failed = true;
            break;
          }
          return ref.error();
        }
        memcpy(out.data() + done, ref.value().data() + in_block, chunk);
      }
      done += chunk;
      in_block = 0;
    }
    if (failed) break;
  }
  if (!read_only_ && update_atime_) {
    int64_t now = Now();
    int64_t atime = TimeFromDisk(inode.d.i_atime);
    if (atime <= TimeFromDisk(inode.d.i_mtime) || atime <= TimeFromDisk(inode.d.i_ctime) ||
        now - atime >= 24 * 3600) {
      if (TimeToDisk(now) != inode.d.i_atime) {
        inode.d.i_atime = TimeToDisk(now);
        TRY(StoreInode(inode));
      }
    }
  }
  return static_cast<size_t>(done);
}

kstd::Result<size_t> Ext2::Write(uint32_t ino, uint64_t offset, kstd::Span<const uint8_t> data) {
  TRY(CheckWritable());
  Inode inode = TRY(LoadLiveInode(ino));
  uint16_t type = inode.d.i_mode & kModeTypeMask;
  if (type == kModeDir) return kstd::Error::kIsDirectory;
  if (type != kModeRegular) return kstd::Error::kInvalid;
  if (data.size() == 0) return static_cast<size_t>(0);
  const uint64_t max_size = MaxFileBlocks(inode) << log_block_size_;
  if (offset >= max_size) return kstd::Error::kFileTooBig;
  uint64_t total = data.size();
  if (total > max_size - offset) total = max_size - offset;

  uint64_t old_size = InodeSize(inode);
  if (offset > old_size) TRY(ZeroTail(&inode, old_size));
  uint64_t done = 0;
  uint32_t goal = 0;
  kstd::Error failure = kstd::Error::kInvalid;
  bool failed = false;
  while (done < total) {
    uint64_t pos = offset + done;
    uint64_t fblock = pos >> log_block_size_;
    uint32_t in_block = static_cast<uint32_t>(pos & (block_size_ - 1));
    uint64_t chunk = block_size_ - in_block;
    if (chunk > total - done) chunk = total - done;
    if (goal == 0 && fblock > 0) {
      auto previous = MapBlock(inode, fblock - 1);
      if (previous.ok() && previous.value() != 0) goal = previous.value() + 1;
    }
    BlockRef ref;
    auto b = MapBlockAlloc(&inode, fblock, goal, &ref);
    if (b.is_error()) {
      failure = b.error();
      failed = true;
      break;
    }
    if (!ref) {
      auto got = cache_->Get(b.value());
      if (got.is_error()) {
        failure = got.error();
        failed = true;
        break;
      }
      ref = kstd::Move(got.value());
    }
    memcpy(ref.data() + in_block, data.data() + done, chunk);
    ref.MarkDataDirty();
    goal = b.value() + 1;
    done += chunk;
  }
  // The inode is stored even after a failure: it records what was allocated.
  if (offset + done > old_size) SetInodeSize(&inode, offset + done);
  if (done > 0) {
    inode.d.i_mtime = inode.d.i_ctime = TimeToDisk(Now());
    if (InodeSize(inode) > 0x7FFFFFFF && !(sb_.s_feature_ro_compat & kRoCompatLargeFile)) {
      sb_.s_feature_ro_compat |= kRoCompatLargeFile;
      super_dirty_ = true;
    }
  }
  TRY(StoreInode(inode));
  if (failed && done == 0) return failure;
  return static_cast<size_t>(done);
}

kstd::Result<void> Ext2::Truncate(uint32_t ino, uint64_t size) {
  TRY(CheckWritable());
  Inode inode = TRY(LoadLiveInode(ino));
  uint16_t type = inode.d.i_mode & kModeTypeMask;
  if (type == kModeDir) return kstd::Error::kIsDirectory;
  if (type != kModeRegular) return kstd::Error::kInvalid;
  if (size > (MaxFileBlocks(inode) << log_block_size_)) return kstd::Error::kFileTooBig;
  uint64_t old_size = InodeSize(inode);
  if (size == old_size) return kstd::Ok();
  if (size < old_size) {
    auto freed = FreeBlocksFrom(&inode, (size + block_size_ - 1) >> log_block_size_);
    if (freed.is_error()) {
      (void)StoreInode(inode);
      return freed.error();
    }
    // Bytes past the new end in its last block read as zero if the file grows again.
    TRY(ZeroTail(&inode, size));
  } else {
    TRY(ZeroTail(&inode, old_size));
  }
  SetInodeSize(&inode, size);
  if (size > 0x7FFFFFFF && !(sb_.s_feature_ro_compat & kRoCompatLargeFile)) {
    sb_.s_feature_ro_compat |= kRoCompatLargeFile;
    super_dirty_ = true;
  }
  inode.d.i_mtime = inode.d.i_ctime = TimeToDisk(Now());
  return StoreInode(inode);
}

kstd::Result<size_t> Ext2::ReadLink(uint32_t ino, kstd::Span<char> out) {
  Inode inode = TRY(LoadLiveInode(ino));
  if ((inode.d.i_mode & kModeTypeMask) != kModeSymlink) return kstd::Error::kInvalid;
  size_t size = static_cast<size_t>(InodeSize(inode));
  size_t n = size < out.size() ? size : out.size();
  if (IsFastSymlink(inode)) {
    memcpy(out.data(), reinterpret_cast<const char*>(inode.d.i_block), n);
  } else {
    uint32_t b = TRY(MapBlock(inode, 0));
    if (b == 0) return Corrupt("inode %u: symlink without a block", inode.ino);
    BlockRef ref = TRY(cache_->Get(b));
    memcpy(out.data(), ref.data(), n);
  }
  return size;
}

}  // namespace servers::fs::ext2
