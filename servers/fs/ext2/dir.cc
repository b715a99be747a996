// Ext2: linked-list directories (ext2-doc §4.1): validation of every block
// before use, lookup, readdir with stable cursors, and entry insertion
// (splitting an entry's slack or reusing an unused one, else a new block)
// and removal (merging into the previous entry).
//
// An indexed (htree, EXT2_INDEX_FL) directory reads as a linked-list one:
// its index blocks look like empty blocks. The first change to such a
// directory gives the index up (DropIndex), as Linux's ext2 driver does.
//
// With metadata_csum every leaf block ends in a 12-byte checksum tail
// (checked when read, updated with every change); htree nodes carry their
// own checksum tail, also checked.

#include <string.h>

#include "servers/fs/ext2/ext2.h"

namespace servers::fs::ext2 {

namespace {

struct Entry {
  uint32_t inode;
  uint32_t rec_len;
  uint32_t name_len;
  uint8_t file_type;
  const char* name;
};

Entry ReadEntry(const uint8_t* block, uint32_t offset, uint32_t block_size, bool filetype) {
  DirEntryHeader h;
  memcpy(&h, block + offset, sizeof(h));
  Entry e;
  e.inode = h.inode;
  e.rec_len = h.rec_len;
  // 64 KiB blocks: a whole-block entry's length does not fit in 16 bits.
  if (block_size == 65536 && (e.rec_len == 0 || e.rec_len == 65535)) e.rec_len = 65536;
  e.name_len = filetype ? h.name_len : (h.name_len | static_cast<uint32_t>(h.file_type) << 8);
  e.file_type = filetype ? h.file_type : 0;
  e.name = reinterpret_cast<const char*>(block + offset + sizeof(h));
  return e;
}

void WriteHeader(uint8_t* block, uint32_t offset, uint32_t inode, uint32_t rec_len,
                 uint32_t name_len, uint8_t file_type) {
  DirEntryHeader h;
  h.inode = inode;
  h.rec_len = static_cast<uint16_t>(rec_len >= 65536 ? 65535 : rec_len);
  h.name_len = static_cast<uint8_t>(name_len);
  h.file_type = file_type;
  memcpy(block + offset, &h, sizeof(h));
}

void SetRecLen(uint8_t* block, uint32_t offset, uint32_t rec_len) {
  uint16_t v = static_cast<uint16_t>(rec_len >= 65536 ? 65535 : rec_len);
  memcpy(block + offset + offsetof(DirEntryHeader, rec_len), &v, 2);
}

void SetInodeField(uint8_t* block, uint32_t offset, uint32_t inode) {
  memcpy(block + offset + offsetof(DirEntryHeader, inode), &inode, 4);
}

/// The metadata_csum tail entry at the block's end (checksum 0 until sealed).
void WriteTail(uint8_t* block, uint32_t block_size) {
  uint8_t* t = block + block_size - kDirTailSize;
  memset(t, 0, kDirTailSize);
  uint16_t rec_len = kDirTailSize;
  memcpy(t + 4, &rec_len, 2);
  t[7] = kDirTailFileType;
}

FileType TypeOfFt(uint8_t ft) {
  switch (ft) {
    case kFtRegular: return FileType::kRegular;
    case kFtDir: return FileType::kDirectory;
    case kFtChar: return FileType::kCharDevice;
    case kFtBlock: return FileType::kBlockDevice;
    case kFtFifo: return FileType::kFifo;
    case kFtSocket: return FileType::kSocket;
    case kFtSymlink: return FileType::kSymlink;
    default: return FileType::kUnknown;
  }
}

bool NameIs(const Entry& e, Name name) {
  return e.name_len == name.size() && memcmp(e.name, name.data(), name.size()) == 0;
}

}  // namespace

uint8_t Ext2::FileTypeByte(uint16_t mode) const {
  if (!filetype_) return kFtUnknown;
  switch (mode & kModeTypeMask) {
    case kModeRegular: return kFtRegular;
    case kModeDir: return kFtDir;
    case kModeChar: return kFtChar;
    case kModeBlock: return kFtBlock;
    case kModeFifo: return kFtFifo;
    case kModeSocket: return kFtSocket;
    case kModeSymlink: return kFtSymlink;
    default: return kFtUnknown;
  }
}

kstd::Result<void> Ext2::CheckDirBlock(const Inode& dir, uint64_t index, const uint8_t* data,
                                       bool csum_known) {
  uint32_t offset = 0;
  unsigned long long idx = index;
  int entry_number = 0;
  uint32_t end = block_size_;
  if (csum_) {
    Entry first = ReadEntry(data, 0, block_size_, filetype_);
    // An index node has no leaf tail (a caller's copy of the inode may
    // still say indexed after DropIndex rewrote the nodes as leaves).
    bool dx = (dir.d.i_flags & kFlagIndex) != 0 && !HasDirTail(data) &&
              (index == 0 || (first.inode == 0 && first.rec_len == block_size_));
    uint32_t seed = InodeSeed(dir.ino, dir.d.i_generation);
    if (dx) {
      if (!csum_known &&
          !DxNodeChecksum(seed, const_cast<uint8_t*>(data),
                          index == 0 ? kDxRootCountOffset : kDxNodeCountOffset, false)) {
        return Corrupt("directory %u block %llu: htree node checksum mismatch", dir.ino, idx);
      }
    } else {
      if (!HasDirTail(data)) {
        return Corrupt("directory %u block %llu: no checksum tail (metadata_csum)", dir.ino, idx);
      }
      if (!csum_known && !DirBlockChecksum(seed, const_cast<uint8_t*>(data), false)) {
        return Corrupt("directory %u block %llu: checksum mismatch", dir.ino, idx);
      }
      end = block_size_ - kDirTailSize;
    }
  }
  while (offset < end) {
    if (end - offset < kDirEntryHeaderSize) {
      return Corrupt("directory %u block %llu: entry header at %u crosses the block end", dir.ino,
                     idx, offset);
    }
    Entry e = ReadEntry(data, offset, block_size_, filetype_);
    if (e.rec_len < DirEntrySize(1) || e.rec_len % 4 != 0) {
      return Corrupt("directory %u block %llu: entry at %u has bad rec_len %u", dir.ino, idx,
                     offset, e.rec_len);
    }
    if (e.rec_len > end - offset) {
      return Corrupt("directory %u block %llu: entry at %u has rec_len %u past the block end",
                     dir.ino, idx, offset, e.rec_len);
    }
    if (e.name_len > kMaxNameLength || e.rec_len < DirEntrySize(e.name_len)) {
      return Corrupt("directory %u block %llu: entry at %u: name length %u does not fit rec_len %u",
                     dir.ino, idx, offset, e.name_len, e.rec_len);
    }
    if (e.inode != 0) {
      if (e.name_len == 0) {
        return Corrupt("directory %u block %llu: entry at %u has an empty name", dir.ino, idx,
                       offset);
      }
      if (e.inode > sb_.s_inodes_count || (e.inode < first_ino_ && e.inode != kRootIno)) {
        return Corrupt(
            "directory %u block %llu: entry at %u names inode %u (out of range or reserved)",
            dir.ino, idx, offset, e.inode);
      }
      if (memchr(e.name, '/', e.name_len) != nullptr ||
          memchr(e.name, '\0', e.name_len) != nullptr) {
        return Corrupt("directory %u block %llu: entry at %u has '/' or NUL in its name", dir.ino,
                       idx, offset);
      }
      if (e.file_type >= kFtMax) {
        return Corrupt("directory %u block %llu: entry at %u has file type %u", dir.ino, idx,
                       offset, e.file_type);
      }
    }
    if (index == 0 && entry_number < 2) {
      bool ok = entry_number == 0
                    ? (e.inode == dir.ino && e.name_len == 1 && e.name[0] == '.')
                    : (e.inode != 0 && e.name_len == 2 && e.name[0] == '.' && e.name[1] == '.');
      if (!ok) {
        return Corrupt("directory %u: entry %d of the first block is not '%s'", dir.ino,
                       entry_number, entry_number == 0 ? "." : "..");
      }
    }
    ++entry_number;
    offset += e.rec_len;
  }
  return kstd::Ok();
}

kstd::Result<BlockRef> Ext2::ReadDirBlock(const Inode& dir, uint64_t index) {
  uint32_t b = TRY(MapBlock(dir, index));
  if (b == 0) {
    return Corrupt("directory %u has a hole at block %llu", dir.ino,
                   static_cast<unsigned long long>(index));
  }
  BlockRef ref = TRY(cache_->Get(b));
  // The structure is checked every time; the checksum once per change.
  TRY(CheckDirBlock(dir, index, ref.data(), ref.verified()));
  ref.MarkVerified();
  return ref;
}

kstd::Result<Ext2::Inode> Ext2::LoadDir(uint32_t ino) {
  Inode dir = TRY(LoadLiveInode(ino));
  if ((dir.d.i_mode & kModeTypeMask) != kModeDir) return kstd::Error::kNotDirectory;
  return dir;
}

kstd::Result<bool> Ext2::FindInBlock(const Inode& dir, uint64_t index, Name name, DirSlot* slot) {
  BlockRef ref = TRY(ReadDirBlock(dir, index));
  uint32_t prev = kNoPrev;
  const uint32_t end = DirBlockEnd(ref.data());
  for (uint32_t offset = 0; offset < end;) {
    Entry e = ReadEntry(ref.data(), offset, block_size_, filetype_);
    if (e.inode != 0 && NameIs(e, name)) {
      slot->index = index;
      slot->offset = offset;
      slot->prev_offset = prev;
      slot->ino = e.inode;
      slot->file_type = e.file_type;
      return true;
    }
    prev = offset;
    offset += e.rec_len;
  }
  return false;
}

kstd::Result<bool> Ext2::FindEntry(const Inode& dir, Name name, DirSlot* slot) {
  if (!name.IsDot() && !name.IsDotDot()) {
    DxLeaves leaves;
    if (TRY(DxLeavesFor(dir, name, &leaves))) {
      for (uint32_t i = 0; i < leaves.count; ++i) {
        if (TRY(FindInBlock(dir, leaves.block[i], name, slot))) return true;
      }
      if (leaves.complete) return false;
    }
  }
  uint64_t blocks = InodeSize(dir) >> log_block_size_;
  for (uint64_t index = 0; index < blocks; ++index) {
    if (TRY(FindInBlock(dir, index, name, slot))) return true;
  }
  return false;
}

kstd::Result<bool> Ext2::IsEmptyDir(const Inode& dir) {
  uint64_t blocks = InodeSize(dir) >> log_block_size_;
  for (uint64_t index = 0; index < blocks; ++index) {
    BlockRef ref = TRY(ReadDirBlock(dir, index));
    const uint32_t end = DirBlockEnd(ref.data());
    for (uint32_t offset = 0; offset < end;) {
      Entry e = ReadEntry(ref.data(), offset, block_size_, filetype_);
      if (e.inode != 0 && !NameIs(e, Name(".", 1)) && !NameIs(e, Name("..", 2))) return false;
      offset += e.rec_len;
    }
  }
  return true;
}

kstd::Result<uint32_t> Ext2::ReadDotDot(const Inode& dir, DirSlot* slot) {
  BlockRef ref = TRY(ReadDirBlock(dir, 0));  // checks that "." and ".." come first
  Entry dot = ReadEntry(ref.data(), 0, block_size_, filetype_);
  Entry dotdot = ReadEntry(ref.data(), dot.rec_len, block_size_, filetype_);
  slot->index = 0;
  slot->offset = dot.rec_len;
  slot->prev_offset = 0;
  slot->ino = dotdot.inode;
  slot->file_type = dotdot.file_type;
  return dotdot.inode;
}

bool Ext2::TakeRoomIn(BlockRef ref, uint32_t need, InsertSlot* slot) {
  const uint32_t end = DirBlockEnd(ref.data());
  for (uint32_t offset = 0; offset < end;) {
    Entry e = ReadEntry(ref.data(), offset, block_size_, filetype_);
    bool fits = e.inode == 0 ? e.rec_len >= need : e.rec_len - DirEntrySize(e.name_len) >= need;
    if (fits) {
      slot->block = kstd::Move(ref);
      slot->offset = offset;
      slot->reuse = e.inode == 0;
      return true;
    }
    offset += e.rec_len;
  }
  return false;
}

kstd::Result<void> Ext2::PrepareInsert(Inode* dir, Name name, InsertSlot* slot) {
  slot->seed = InodeSeed(dir->ino, dir->d.i_generation);
  const uint32_t name_len = static_cast<uint32_t>(name.size());
  const uint32_t need = DirEntrySize(name_len);
  DxLeaves leaves;
  if (TRY(DxLeavesFor(*dir, name, &leaves))) {
    // Indexed: the leaf the name's hash leads to, if it has room, keeps the
    // index valid. Else the index is given up (a split is not implemented).
    BlockRef ref = TRY(ReadDirBlock(*dir, leaves.block[0]));
    if (TakeRoomIn(kstd::Move(ref), need, slot)) return kstd::Ok();
  }
  TRY(DropIndex(dir));
  uint64_t blocks = InodeSize(*dir) >> log_block_size_;
  for (uint64_t index = 0; index < blocks; ++index) {
    BlockRef ref = TRY(ReadDirBlock(*dir, index));
    if (TakeRoomIn(kstd::Move(ref), need, slot)) return kstd::Ok();
  }
  // No room: a new block with one unused entry spanning it.
  if ((blocks + 1) << log_block_size_ > 0xFFFFFFFFull) return kstd::Error::kNoSpace;
  uint32_t goal = 0;
  if (blocks > 0) {
    uint32_t last = TRY(MapBlock(*dir, blocks - 1));
    goal = last + 1;
  }
  BlockRef fresh;
  TRY(MapBlockAlloc(dir, blocks, goal, &fresh));
  if (!fresh) {
    (void)StoreInode(*dir);
    return Corrupt("directory %u has a block mapped past its size", dir->ino);
  }
  if (csum_) {
    WriteHeader(fresh.data(), 0, 0, block_size_ - kDirTailSize, 0, 0);
    WriteTail(fresh.data(), block_size_);
  } else {
    WriteHeader(fresh.data(), 0, 0, block_size_, 0, 0);
  }
  DirBlockDirty(slot->seed, &fresh);
  SetInodeSize(dir, (blocks + 1) << log_block_size_);
  TRY(StoreInode(*dir));
  slot->block = kstd::Move(fresh);
  slot->offset = 0;
  slot->reuse = true;
  return kstd::Ok();
}

void Ext2::CommitInsert(InsertSlot* slot, Name name, uint32_t ino, uint8_t file_type) {
  uint8_t* data = slot->block.data();
  Entry e = ReadEntry(data, slot->offset, block_size_, filetype_);
  uint32_t offset = slot->offset;
  uint32_t rec_len = e.rec_len;
  if (!slot->reuse) {
    uint32_t used = DirEntrySize(e.name_len);
    SetRecLen(data, offset, used);
    offset += used;
    rec_len -= used;
  }
  uint32_t name_len = static_cast<uint32_t>(name.size());
  WriteHeader(data, offset, ino, rec_len, filetype_ ? name_len : name_len & 0xFF,
              filetype_ ? file_type : static_cast<uint8_t>(name_len >> 8));
  memcpy(data + offset + kDirEntryHeaderSize, name.data(), name.size());
  // Zero the padding after the name (tidy, and what e2fsck expects to see).
  memset(data + offset + kDirEntryHeaderSize + name.size(), 0,
         DirEntrySize(name_len) - kDirEntryHeaderSize - name.size());
  DirBlockDirty(slot->seed, &slot->block);
}

kstd::Result<void> Ext2::RemoveEntry(const Inode& dir_in, const DirSlot& slot) {
  // Removing an entry keeps an htree index valid (leaves are not merged).
  const Inode& dir = dir_in;
  BlockRef ref = TRY(ReadDirBlock(dir, slot.index));
  Entry e = ReadEntry(ref.data(), slot.offset, block_size_, filetype_);
  if (slot.prev_offset != kNoPrev) {
    Entry prev = ReadEntry(ref.data(), slot.prev_offset, block_size_, filetype_);
    if (slot.prev_offset + prev.rec_len != slot.offset) {
      return Corrupt("directory %u changed under a removal", dir.ino);
    }
    SetRecLen(ref.data(), slot.prev_offset, prev.rec_len + e.rec_len);
  } else {
    SetInodeField(ref.data(), slot.offset, 0);
  }
  DirBlockDirty(InodeSeed(dir.ino, dir.d.i_generation), &ref);
  return kstd::Ok();
}

kstd::Result<void> Ext2::SetEntryInode(const Inode& dir_in, const DirSlot& slot, uint32_t ino,
                                       uint8_t file_type) {
  // The name stays: an htree index stays valid. ".." of an indexed
  // directory is in the index root, whose checksum is the index's.
  const Inode& dir = dir_in;
  BlockRef ref = TRY(ReadDirBlock(dir, slot.index));
  SetInodeField(ref.data(), slot.offset, ino);
  if (filetype_) ref.data()[slot.offset + offsetof(DirEntryHeader, file_type)] = file_type;
  uint32_t seed = InodeSeed(dir.ino, dir.d.i_generation);
  if (csum_ && (dir.d.i_flags & kFlagIndex) != 0 && slot.index == 0 && !HasDirTail(ref.data())) {
    DxNodeChecksum(seed, ref.data(), kDxRootCountOffset, true);
    ref.MarkDirty();
  } else {
    DirBlockDirty(seed, &ref);
  }
  return kstd::Ok();
}

kstd::Result<void> Ext2::DropIndex(Inode* dir) {
  Inode fresh = TRY(LoadInode(dir->ino));
  if ((fresh.d.i_flags & kFlagIndex) == 0) {
    dir->d.i_flags &= ~kFlagIndex;
    return kstd::Ok();
  }
  if (csum_) {
    // The index blocks become empty leaf blocks with checksum tails (the
    // root keeps "." and ".."); the leaves stay as they are.
    uint32_t seed = InodeSeed(fresh.ino, fresh.d.i_generation);
    uint64_t blocks = InodeSize(fresh) >> log_block_size_;
    for (uint64_t index = 0; index < blocks; ++index) {
      BlockRef ref = TRY(ReadDirBlock(fresh, index));
      uint8_t* data = ref.data();
      Entry first = ReadEntry(data, 0, block_size_, filetype_);
      if (index == 0) {
        Entry dotdot = ReadEntry(data, first.rec_len, block_size_, filetype_);
        uint32_t at = first.rec_len;
        if (at + dotdot.rec_len != block_size_) continue;  // not an htree root
        uint32_t used = at + DirEntrySize(dotdot.name_len);
        SetRecLen(data, at, block_size_ - kDirTailSize - at);
        memset(data + used, 0, block_size_ - kDirTailSize - used);
      } else {
        if (first.inode != 0 || first.rec_len != block_size_) continue;  // a leaf
        memset(data, 0, block_size_);
        WriteHeader(data, 0, 0, block_size_ - kDirTailSize, 0, 0);
      }
      WriteTail(data, block_size_);
      DirBlockDirty(seed, &ref);
    }
  }
  fresh.d.i_flags &= ~kFlagIndex;
  TRY(StoreInode(fresh));
  dir->d.i_flags &= ~kFlagIndex;
  return kstd::Ok();
}

kstd::Result<void> Ext2::TouchDir(uint32_t dir_ino, int link_delta) {
  Inode dir = TRY(LoadInode(dir_ino));
  int64_t links = static_cast<int64_t>(dir.d.i_links_count) + link_delta;
  if (dir_nlink_ && link_delta != 0 && (dir.d.i_links_count == 1 || links >= kDirNlinkMax)) {
    // dir_nlink: past the limit the count is 1, "too many to count", for good.
    links = 1;
  } else if (links < 1 || links > (dir_nlink_ ? kDirNlinkMax : kLinkMax)) {
    (void)Corrupt("directory %u: link count %u %+d out of range", dir_ino, dir.d.i_links_count,
                  link_delta);
    links = links < 1 ? 1 : (dir_nlink_ ? kDirNlinkMax : kLinkMax);
  }
  dir.d.i_links_count = static_cast<uint16_t>(links);
  dir.d.i_mtime = dir.d.i_ctime = DiskNow();
  return StoreInode(dir);
}

kstd::Result<bool> Ext2::IsAncestor(uint32_t ancestor, uint32_t dir) {
  uint32_t cur = dir;
  // A chain longer than the number of inodes must contain a loop.
  for (uint32_t steps = 0; steps <= sb_.s_inodes_count; ++steps) {
    if (cur == ancestor) return true;
    if (cur == kRootIno) return false;
    Inode inode = TRY(LoadDir(cur));
    DirSlot slot;
    uint32_t parent = TRY(ReadDotDot(inode, &slot));
    if (parent == cur) return Corrupt("directory %u is its own parent", cur);
    cur = parent;
  }
  return Corrupt("a loop in the directory tree above directory %u", dir);
}

kstd::Result<Attr> Ext2::Lookup(uint32_t dir_ino, Name name) {
  Inode dir = TRY(LoadDir(dir_ino));
  if (name.size() > kMaxNameLength) return kstd::Error::kNameTooLong;
  if (name.size() == 0) return kstd::Error::kNotFound;
  DirSlot slot;
  if (!TRY(FindEntry(dir, name, &slot))) return kstd::Error::kNotFound;
  Inode target = TRY(LoadInode(slot.ino));
  if (target.d.i_mode == 0 || (target.d.i_links_count == 0 && !IsOpen(slot.ino))) {
    return Corrupt("directory %u: entry '%.*s' names inode %u, which is not in use", dir_ino,
                   static_cast<int>(name.size()), name.data(), slot.ino);
  }
  TRY(ValidateInode(target));
  return MakeAttr(target);
}

kstd::Result<size_t> Ext2::ReadDir(uint32_t dir_ino, uint64_t* cursor, kstd::Span<DirEntry> out) {
  Inode dir = TRY(LoadDir(dir_ino));
  uint64_t size = InodeSize(dir);
  size_t filled = 0;
  while (*cursor < size) {
    uint64_t index = *cursor >> log_block_size_;
    uint32_t start = static_cast<uint32_t>(*cursor & (block_size_ - 1));
    BlockRef ref = TRY(ReadDirBlock(dir, index));
    const uint32_t end = DirBlockEnd(ref.data());
    for (uint32_t offset = 0; offset < end;) {
      Entry e = ReadEntry(ref.data(), offset, block_size_, filetype_);
      if (offset >= start) {
        if (e.inode != 0) {
          if (filled == out.size()) return filled;
          DirEntry& d = out[filled++];
          d.ino = e.inode;
          d.name_len = static_cast<uint8_t>(e.name_len);
          memcpy(d.name, e.name, e.name_len);
          d.name[e.name_len] = '\0';
          if (filetype_) {
            d.type = TypeOfFt(e.file_type);
          } else {
            auto target = LoadInode(e.inode);
            d.type = target.ok() ? MakeAttr(target.value()).type : FileType::kUnknown;
          }
          d.next_cursor = (index << log_block_size_) + offset + e.rec_len;
        }
        *cursor = (index << log_block_size_) + offset + e.rec_len;
      }
      offset += e.rec_len;
    }
    *cursor = (index + 1) << log_block_size_;
  }
  return filled;
}

}  // namespace servers::fs::ext2
