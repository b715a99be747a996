// Ext2: namespace operations (create, mkdir, symlink, link, unlink, rmdir,
// rename). Each one first checks everything that can be checked and finds
// (or makes) room for a new entry, then changes the file system.

#include <string.h>

#include "servers/fs/ext2/ext2.h"

namespace servers::fs::ext2 {

namespace {

kstd::Result<void> CheckNewName(Name name) {
  if (name.size() > kMaxNameLength) return kstd::Error::kNameTooLong;
  if (name.IsDot() || name.IsDotDot()) return kstd::Error::kExists;
  if (!name.IsValidEntryName()) return kstd::Error::kInvalid;
  return kstd::Ok();
}

uint16_t ModeForType(FileType type) {
  switch (type) {
    case FileType::kRegular: return kModeRegular;
    case FileType::kDirectory: return kModeDir;
    case FileType::kSymlink: return kModeSymlink;
    case FileType::kCharDevice: return kModeChar;
    case FileType::kBlockDevice: return kModeBlock;
    case FileType::kFifo: return kModeFifo;
    case FileType::kSocket: return kModeSocket;
    default: return 0;
  }
}

}  // namespace

kstd::Result<Attr> Ext2::MakeNode(uint32_t dir_ino, Name name, uint16_t mode, uint32_t uid,
                                  uint32_t gid, uint32_t rdev, kstd::Span<const char> target) {
  TRY(CheckWritable());
  TRY(CheckNewName(name));
  Inode dir = TRY(LoadDir(dir_ino));
  if (dir.d.i_links_count == 0) return kstd::Error::kNotFound;  // removed while open
  DirSlot existing;
  if (TRY(FindEntry(dir, name, &existing))) return kstd::Error::kExists;
  uint16_t type = mode & kModeTypeMask;
  bool directory = type == kModeDir;
  if (directory && !dir_nlink_ && dir.d.i_links_count >= kLinkMax) {
    return kstd::Error::kTooManyLinks;
  }

  // Room for the entry first: the one step that may grow the directory
  // (harmlessly, if a later step fails).
  InsertSlot slot;
  TRY(PrepareInsert(&dir, name, &slot));
  Inode node;
  node.ino = TRY(AllocInode(dir_ino, directory));
  TRY(InitInode(&node, mode, uid, gid));
  node.d.i_links_count = directory ? 2 : 1;
  // ext4: regular files, directories and symlinks with a block get extent trees.
  if (extents_ && (type == kModeRegular || directory ||
                   (type == kModeSymlink && target.size() > kFastSymlinkMax))) {
    InitExtentRoot(&node);
  }

  auto abandon = [&](kstd::Error error) -> kstd::Error {
    // Back out: the inode must look free to e2fsck (no links, dtime set).
    node.d.i_links_count = 0;
    node.d.i_dtime = DiskNow() != 0 ? DiskNow() : 1;
    (void)StoreInode(node);
    (void)FreeInodeNumber(node.ino, directory);
    return error;
  };

  if (directory || (type == kModeSymlink && target.size() > kFastSymlinkMax)) {
    BlockRef fresh;
    auto b = MapBlockAlloc(&node, 0, GoalBlockFor(node.ino), &fresh);
    if (b.is_error()) return abandon(b.error());
    if (directory) {
      // "." and ".." (ext2-doc §4.1): ".." spans the rest of the block.
      uint8_t* data = fresh.data();
      DirEntryHeader dot = {node.ino, 12, 1, FileTypeByte(kModeDir)};
      uint32_t dotdot_len = block_size_ - 12 - (csum_ ? kDirTailSize : 0);
      DirEntryHeader dotdot = {dir_ino,
                               static_cast<uint16_t>(dotdot_len >= 65536 ? 65535 : dotdot_len), 2,
                               FileTypeByte(kModeDir)};
      memcpy(data, &dot, sizeof(dot));
      memcpy(data + 8, ".", 1);
      memcpy(data + 12, &dotdot, sizeof(dotdot));
      memcpy(data + 20, "..", 2);
      if (csum_) {
        uint8_t* t = data + block_size_ - kDirTailSize;
        DirEntryHeader tail = {0, kDirTailSize, 0, kDirTailFileType};
        memcpy(t, &tail, sizeof(tail));
      }
      SetInodeSize(&node, block_size_);
    } else {
      memcpy(fresh.data(), target.data(), target.size());
      SetInodeSize(&node, target.size());
    }
    if (directory) {
      DirBlockDirty(InodeSeed(node.ino, node.d.i_generation), &fresh);
    } else {
      fresh.MarkDirty();
    }
  } else if (type == kModeSymlink) {
    memcpy(reinterpret_cast<char*>(node.d.i_block), target.data(), target.size());
    SetInodeSize(&node, target.size());
  } else if (type == kModeChar || type == kModeBlock) {
    uint32_t major = (rdev >> 8) & 0xFFF;
    uint32_t minor = (rdev & 0xFF) | ((rdev >> 12) & 0xFFF00);
    if (major < 256 && minor < 256) {
      node.d.i_block[0] = major << 8 | minor;  // old_encode_dev
    } else {
      node.d.i_block[1] =
          (minor & 0xFF) | (major << 8) | ((minor & ~0xFFu) << 12);  // new_encode_dev
    }
  }
  auto stored = StoreInode(node);
  if (stored.is_error()) return stored.error();
  CommitInsert(&slot, name, node.ino, FileTypeByte(mode));
  slot.block.Reset();
  TRY(TouchDir(dir_ino, directory ? 1 : 0));
  return MakeAttr(node);
}

kstd::Result<Attr> Ext2::Create(uint32_t dir, Name name, const CreateRequest& request) {
  switch (request.type) {
    case FileType::kRegular:
    case FileType::kCharDevice:
    case FileType::kBlockDevice:
    case FileType::kFifo:
    case FileType::kSocket: break;
    default: return kstd::Error::kInvalid;
  }
  uint16_t mode = static_cast<uint16_t>(ModeForType(request.type) | (request.mode & kModePermMask));
  return MakeNode(dir, name, mode, request.uid, request.gid, request.rdev, {});
}

kstd::Result<Attr> Ext2::Mkdir(uint32_t dir, Name name, uint32_t mode, uint32_t uid, uint32_t gid) {
  return MakeNode(dir, name, static_cast<uint16_t>(kModeDir | (mode & kModePermMask)), uid, gid, 0,
                  {});
}

kstd::Result<Attr> Ext2::Symlink(uint32_t dir, Name name, kstd::Span<const char> target,
                                 uint32_t uid, uint32_t gid) {
  if (target.size() == 0) return kstd::Error::kInvalid;
  if (target.size() > 4095 || target.size() >= block_size_) return kstd::Error::kNameTooLong;
  if (memchr(target.data(), '\0', target.size()) != nullptr) return kstd::Error::kInvalid;
  return MakeNode(dir, name, static_cast<uint16_t>(kModeSymlink | 0777), uid, gid, 0, target);
}

kstd::Result<Attr> Ext2::Link(uint32_t ino, uint32_t dir_ino, Name name) {
  TRY(CheckWritable());
  TRY(CheckNewName(name));
  Inode target = TRY(LoadLiveInode(ino));
  if ((target.d.i_mode & kModeTypeMask) == kModeDir) return kstd::Error::kPermission;
  if (target.d.i_links_count == 0) return kstd::Error::kNotFound;
  // ext4 (dir_nlink) allows 65000 links, as Linux's EXT4_LINK_MAX.
  if (target.d.i_links_count >= (dir_nlink_ ? kDirNlinkMax : kLinkMax)) {
    return kstd::Error::kTooManyLinks;
  }
  Inode dir = TRY(LoadDir(dir_ino));
  if (dir.d.i_links_count == 0) return kstd::Error::kNotFound;
  DirSlot existing;
  if (TRY(FindEntry(dir, name, &existing))) return kstd::Error::kExists;
  InsertSlot slot;
  TRY(PrepareInsert(&dir, name, &slot));
  ++target.d.i_links_count;
  target.d.i_ctime = DiskNow();
  TRY(StoreInode(target));
  CommitInsert(&slot, name, ino, FileTypeByte(target.d.i_mode));
  slot.block.Reset();
  TRY(TouchDir(dir_ino, 0));
  return MakeAttr(target);
}

kstd::Result<void> Ext2::Unlink(uint32_t dir_ino, Name name) {
  TRY(CheckWritable());
  if (name.size() > kMaxNameLength) return kstd::Error::kNameTooLong;
  if (name.IsDot() || name.IsDotDot()) return kstd::Error::kIsDirectory;
  Inode dir = TRY(LoadDir(dir_ino));
  DirSlot slot;
  if (!TRY(FindEntry(dir, name, &slot))) return kstd::Error::kNotFound;
  Inode target = TRY(LoadInode(slot.ino));
  if (target.d.i_mode == 0 || target.d.i_links_count == 0) {
    return Corrupt("directory %u: entry '%.*s' names inode %u, which is not in use", dir_ino,
                   static_cast<int>(name.size()), name.data(), slot.ino);
  }
  TRY(ValidateInode(target));
  if ((target.d.i_mode & kModeTypeMask) == kModeDir) return kstd::Error::kIsDirectory;
  TRY(RemoveEntry(dir, slot));
  TRY(TouchDir(dir_ino, 0));
  return DropLink(&target);
}

kstd::Result<void> Ext2::Rmdir(uint32_t dir_ino, Name name) {
  TRY(CheckWritable());
  if (name.size() > kMaxNameLength) return kstd::Error::kNameTooLong;
  if (name.IsDot()) return kstd::Error::kInvalid;
  if (name.IsDotDot()) return kstd::Error::kNotEmpty;
  Inode dir = TRY(LoadDir(dir_ino));
  DirSlot slot;
  if (!TRY(FindEntry(dir, name, &slot))) return kstd::Error::kNotFound;
  Inode child = TRY(LoadInode(slot.ino));
  if (child.d.i_mode == 0 || child.d.i_links_count == 0) {
    return Corrupt("directory %u: entry '%.*s' names inode %u, which is not in use", dir_ino,
                   static_cast<int>(name.size()), name.data(), slot.ino);
  }
  TRY(ValidateInode(child));
  if ((child.d.i_mode & kModeTypeMask) != kModeDir) return kstd::Error::kNotDirectory;
  if (child.ino == dir_ino)
    return Corrupt("directory %u contains itself as '%.*s'", dir_ino, static_cast<int>(name.size()),
                   name.data());
  if (!TRY(IsEmptyDir(child))) return kstd::Error::kNotEmpty;
  TRY(RemoveEntry(dir, slot));
  TRY(TouchDir(dir_ino, -1));  // the child's ".." is gone
  child.d.i_links_count = 0;
  child.d.i_ctime = DiskNow();
  if (IsOpen(child.ino)) return StoreOrphan(&child);
  return FreeInode(&child);
}

kstd::Result<void> Ext2::Rename(uint32_t old_dir_ino, Name old_name, uint32_t new_dir_ino,
                                Name new_name) {
  TRY(CheckWritable());
  if (old_name.size() > kMaxNameLength || new_name.size() > kMaxNameLength) {
    return kstd::Error::kNameTooLong;
  }
  if (old_name.IsDot() || old_name.IsDotDot() || new_name.IsDot() || new_name.IsDotDot()) {
    return kstd::Error::kBusy;
  }
  if (!old_name.IsValidEntryName() || !new_name.IsValidEntryName()) return kstd::Error::kInvalid;

  // ---- Decode: find everything and check every rule.
  Inode old_dir = TRY(LoadDir(old_dir_ino));
  Inode new_dir = TRY(LoadDir(new_dir_ino));
  DirSlot old_slot;
  if (!TRY(FindEntry(old_dir, old_name, &old_slot))) return kstd::Error::kNotFound;
  if (new_dir.d.i_links_count == 0) return kstd::Error::kNotFound;
  Inode source = TRY(LoadInode(old_slot.ino));
  if (source.d.i_mode == 0 || source.d.i_links_count == 0) {
    return Corrupt("directory %u: entry '%.*s' names inode %u, which is not in use", old_dir_ino,
                   static_cast<int>(old_name.size()), old_name.data(), old_slot.ino);
  }
  TRY(ValidateInode(source));
  bool source_is_dir = (source.d.i_mode & kModeTypeMask) == kModeDir;

  DirSlot new_slot;
  bool replacing = TRY(FindEntry(new_dir, new_name, &new_slot));
  Inode victim;
  bool victim_is_dir = false;
  if (replacing) {
    if (new_slot.ino == old_slot.ino) return kstd::Ok();  // two links to one inode: nothing to do
    victim = TRY(LoadInode(new_slot.ino));
    if (victim.d.i_mode == 0 || victim.d.i_links_count == 0) {
      return Corrupt("directory %u: entry '%.*s' names inode %u, which is not in use", new_dir_ino,
                     static_cast<int>(new_name.size()), new_name.data(), new_slot.ino);
    }
    TRY(ValidateInode(victim));
    victim_is_dir = (victim.d.i_mode & kModeTypeMask) == kModeDir;
    if (source_is_dir && !victim_is_dir) return kstd::Error::kNotDirectory;
    if (!source_is_dir && victim_is_dir) return kstd::Error::kIsDirectory;
    if (victim_is_dir && !TRY(IsEmptyDir(victim))) return kstd::Error::kNotEmpty;
  }
  bool moving_dir = source_is_dir && old_dir_ino != new_dir_ino;
  if (moving_dir) {
    // Not into itself or its own subtree.
    if (TRY(IsAncestor(source.ino, new_dir_ino))) return kstd::Error::kInvalid;
    if (!victim_is_dir && !dir_nlink_ && new_dir.d.i_links_count >= kLinkMax) {
      return kstd::Error::kTooManyLinks;
    }
  }
  DirSlot dotdot;
  if (moving_dir) TRY(ReadDotDot(source, &dotdot));

  // ---- Invoke.
  if (replacing) {
    TRY(SetEntryInode(new_dir, new_slot, source.ino, FileTypeByte(source.d.i_mode)));
  } else {
    InsertSlot slot;
    TRY(PrepareInsert(&new_dir, new_name, &slot));
    CommitInsert(&slot, new_name, source.ino, FileTypeByte(source.d.i_mode));
  }
  // Find the old entry again: inserting may have split the entry before it.
  old_dir = TRY(LoadDir(old_dir_ino));
  if (!TRY(FindEntry(old_dir, old_name, &old_slot)) || old_slot.ino != source.ino) {
    return Corrupt("directory %u changed during a rename", old_dir_ino);
  }
  TRY(RemoveEntry(old_dir, old_slot));

  int old_delta = 0;
  int new_delta = 0;
  if (moving_dir) {
    TRY(SetEntryInode(source, dotdot, new_dir_ino, FileTypeByte(kModeDir)));
    --old_delta;
    ++new_delta;
  }
  if (victim_is_dir) --new_delta;  // the replaced directory's ".."
  if (old_dir_ino == new_dir_ino) {
    TRY(TouchDir(old_dir_ino, old_delta + new_delta));
  } else {
    TRY(TouchDir(old_dir_ino, old_delta));
    TRY(TouchDir(new_dir_ino, new_delta));
  }
  source = TRY(LoadInode(source.ino));
  source.d.i_ctime = DiskNow();
  if (moving_dir) source.d.i_flags &= ~kFlagIndex;
  TRY(StoreInode(source));

  if (replacing) {
    victim = TRY(LoadInode(victim.ino));
    if (victim_is_dir) {
      victim.d.i_links_count = 0;
      victim.d.i_ctime = DiskNow();
      if (IsOpen(victim.ino)) return StoreOrphan(&victim);
      return FreeInode(&victim);
    }
    return DropLink(&victim);
  }
  return kstd::Ok();
}

}  // namespace servers::fs::ext2
