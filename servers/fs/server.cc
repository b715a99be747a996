#include "servers/fs/server.h"

#include <stdlib.h>
#include <string.h>

#include "abi/linux/errno.h"
#include "abi/linux/stat.h"

namespace servers::fs {
namespace {

using ext2::Attr;
using ext2::FileType;
using ext2::Name;

int Errno(kstd::Error e) { return static_cast<int>(e); }

constexpr int64_t kNanos = 1'000'000'000;

// Seconds for a nanosecond time (rounded down, also before 1970).
int64_t SecondsOf(int64_t ns) {
  int64_t s = ns / kNanos;
  if (ns % kNanos < 0) --s;
  return s;
}

// A name from the wire: 1..kMaxName bytes without '/' or NUL.
bool ValidWireName(Name n) {
  if (n.size() == 0 || n.size() > fsproto::kMaxName) return false;
  return memchr(n.data(), '/', n.size()) == nullptr && memchr(n.data(), 0, n.size()) == nullptr;
}

size_t HashIno(uint32_t ino) {
  uint32_t h = ino * 0x9E3779B1u;
  return h ^ (h >> 15);
}

}  // namespace

uint8_t DirentType(FileType type) {
  switch (type) {
    case FileType::kFifo: return 1;
    case FileType::kCharDevice: return 2;
    case FileType::kDirectory: return 4;
    case FileType::kBlockDevice: return 6;
    case FileType::kRegular: return 8;
    case FileType::kSymlink: return 10;
    case FileType::kSocket: return 12;
    case FileType::kUnknown: break;
  }
  return 0;
}

Server::Server(ext2::Ext2* fs, uint8_t* buffer) : fs_(fs), buffer_(buffer) {}

Server::~Server() { free(slots_); }

// ---- The node table.

Server::Slot* Server::FindSlot(uint32_t ino) const {
  if (capacity_ == 0) return nullptr;
  for (size_t i = HashIno(ino) & (capacity_ - 1), n = 0; n < capacity_;
       i = (i + 1) & (capacity_ - 1), ++n) {
    if (slots_[i].ino == 0) return nullptr;
    if (slots_[i].ino == ino) return &slots_[i];
  }
  return nullptr;
}

bool Server::Grow() {
  size_t capacity = capacity_ == 0 ? 64 : capacity_;
  // Rehash in place when tombstones fill the table; double when live entries do.
  if (live_ * 2 >= capacity) capacity *= 2;
  Slot* slots = static_cast<Slot*>(calloc(capacity, sizeof(Slot)));
  if (slots == nullptr) return false;
  for (size_t i = 0; i < capacity_; ++i) {
    if (slots_[i].ino == 0 || slots_[i].ino == kTombstone) continue;
    size_t j = HashIno(slots_[i].ino) & (capacity - 1);
    while (slots[j].ino != 0) j = (j + 1) & (capacity - 1);
    slots[j] = slots_[i];
  }
  free(slots_);
  slots_ = slots;
  capacity_ = capacity;
  used_ = live_;
  return true;
}

uint32_t Server::references(uint32_t ino) const {
  const Slot* s = FindSlot(ino);
  return s == nullptr ? 0 : s->refs;
}

int Server::AddReference(uint32_t ino, bool adopt) {
  if (Slot* s = FindSlot(ino)) {
    if (s->refs == UINT32_MAX) return linux_abi::kENOMEM;
    ++s->refs;
    return 0;
  }
  if ((used_ + 1) * 4 > capacity_ * 3 && !Grow()) return linux_abi::kENOMEM;
  auto opened = adopt ? fs_->AdoptInode(ino) : fs_->OpenInode(ino);
  if (opened.is_error()) return Errno(opened.error());
  size_t i = HashIno(ino) & (capacity_ - 1);
  while (slots_[i].ino != 0 && slots_[i].ino != kTombstone) i = (i + 1) & (capacity_ - 1);
  if (slots_[i].ino == 0) ++used_;
  slots_[i] = Slot{ino, 1};
  ++live_;
  return 0;
}

void Server::DropReferences(uint32_t ino, uint64_t count) {
  Slot* s = FindSlot(ino);
  if (s == nullptr || count == 0) return;  // an unknown id: nothing held
  if (count < s->refs) {
    s->refs -= static_cast<uint32_t>(count);
    return;
  }
  s->ino = kTombstone;
  s->refs = 0;
  --live_;
  // The last close of an unlinked inode frees it: a change to write back.
  if (fs_->CloseInode(ino).ok()) dirty_ = true;
}

int Server::CheckNode(uint64_t node) const {
  if (node == 0 || node > UINT32_MAX || FindSlot(static_cast<uint32_t>(node)) == nullptr) {
    return linux_abi::kESTALE;
  }
  return 0;
}

// ---- Conversions.

int Server::Fill(const Attr& a, fsproto::Attr* out) const {
  *out = fsproto::Attr{};
  out->node = a.ino;
  out->mode = a.mode;
  out->nlink = a.nlink;
  out->uid = a.uid;
  out->gid = a.gid;
  out->rdev = a.rdev;
  out->size = a.size;
  out->blocks = a.blocks;
  out->block_size = a.block_size;
  out->atime_ns = a.atime * kNanos;
  out->mtime_ns = a.mtime * kNanos;
  out->ctime_ns = a.ctime * kNanos;
  out->btime_ns = a.crtime * kNanos;
  return 0;
}

int Server::FillInfo(fsproto::FsInfo* out) {
  auto stats = fs_->StatFs();
  if (stats.is_error()) return Errno(stats.error());
  const ext2::FsStats& s = stats.value();
  out->block_size = s.block_size;
  out->total_blocks = s.total_blocks;
  out->free_blocks = s.free_blocks;
  out->available_blocks = s.available_blocks;
  out->total_files = s.total_inodes;
  out->free_files = s.free_inodes;
  out->max_name_length = s.max_name_length;
  out->magic = s.magic;
  return 0;
}

kstd::Result<void> Server::MakeRootReply(fsproto::Reply* reply) {
  *reply = fsproto::Reply{};
  reply->op = fsproto::kHello;
  auto attr = fs_->GetAttr(ext2::Ext2::kRootIno);
  if (attr.is_error()) return attr.error();
  if (int e = FillInfo(&reply->info)) return static_cast<kstd::Error>(e);
  if (int e = AddReference(ext2::Ext2::kRootIno)) return static_cast<kstd::Error>(e);
  reply->node = ext2::Ext2::kRootIno;
  switch (fs_->fs_type()) {
    case ext2::FsType::kExt3: reply->value = fsproto::kTypeExt3; break;
    case ext2::FsType::kExt4: reply->value = fsproto::kTypeExt4; break;
    case ext2::FsType::kAny:
    case ext2::FsType::kExt2: reply->value = fsproto::kTypeExt2; break;
  }
  Fill(attr.value(), &reply->attr);
  return kstd::Ok();
}

// ---- Requests.

Server::Action Server::Handle(const uint8_t* message, size_t size, fsproto::Reply* reply) {
  *reply = fsproto::Reply{};
  fsproto::Request q;
  if (message == nullptr || size < sizeof q) {
    reply->error = linux_abi::kEINVAL;
    return Action::kReply;
  }
  memcpy(&q, message, sizeof q);
  reply->op = q.op;
  if (q.op == fsproto::kHello) return Action::kNoReply;  // main.cc maps the buffer
  if (q.op == fsproto::kForget) {
    if (q.magic == fsproto::kMagic && q.node <= UINT32_MAX) {
      DropReferences(static_cast<uint32_t>(q.node), q.offset);
    }
    return Action::kNoReply;
  }
  if (q.magic != fsproto::kMagic || q.name_length > fsproto::kMaxName ||
      q.name2_length > fsproto::kMaxSymlink ||
      sizeof q + static_cast<size_t>(q.name_length) + q.name2_length != size) {
    reply->error = linux_abi::kEINVAL;
    return Action::kReply;
  }
  const char* names = reinterpret_cast<const char*>(message + sizeof q);
  Name name(names, q.name_length);
  Name name2(names + q.name_length, q.name2_length);
  reply->error = Dispatch(q, name, name2, reply);
  if (reply->error != 0) {
    uint32_t op = reply->op;
    int32_t error = reply->error;
    *reply = fsproto::Reply{};
    reply->op = op;
    reply->error = error;
    return Action::kReply;
  }
  if (q.op == fsproto::kUnmount) return Action::kUnmounted;
  return Action::kReply;
}

int Server::Dispatch(const fsproto::Request& q, Name name, Name name2, fsproto::Reply* r) {
  // Ops without a node.
  switch (q.op) {
    case fsproto::kSyncFs: {
      auto synced = fs_->Sync();
      if (synced.is_error()) return Errno(synced.error());
      dirty_ = false;
      return 0;
    }
    case fsproto::kStatFs: return FillInfo(&r->info);
    case fsproto::kUnmount: return Unmount();
    case fsproto::kAdopt: return DoAdopt(q, r);
    default: break;
  }
  if (int e = CheckNode(q.node)) return e;
  const uint32_t ino = static_cast<uint32_t>(q.node);
  // Ops that use the data buffer need it mapped.
  bool uses_buffer = q.op == fsproto::kRead || q.op == fsproto::kWrite ||
                     q.op == fsproto::kAppend || q.op == fsproto::kReadDir ||
                     q.op == fsproto::kReadLink;
  if (uses_buffer && buffer_ == nullptr) return linux_abi::kEIO;
  switch (q.op) {
    case fsproto::kLookup: {
      if (name.size() == 0 || name.size() > fsproto::kMaxName ||
          memchr(name.data(), '/', name.size()) != nullptr ||
          memchr(name.data(), 0, name.size()) != nullptr || name2.size() != 0) {
        return linux_abi::kEINVAL;
      }
      auto attr = fs_->Lookup(ino, name);
      if (attr.is_error()) return Errno(attr.error());
      if (int e = AddReference(attr.value().ino)) return e;
      r->node = attr.value().ino;
      return Fill(attr.value(), &r->attr);
    }
    case fsproto::kGetAttr: {
      auto attr = fs_->GetAttr(ino);
      if (attr.is_error()) return Errno(attr.error());
      return Fill(attr.value(), &r->attr);
    }
    case fsproto::kSetAttr: {
      if ((q.setattr_mask & ~fsproto::kSetAllMask) != 0) return linux_abi::kEINVAL;
      ext2::SetAttrRequest set;
      if (q.setattr_mask & fsproto::kSetMode) set.mask |= ext2::SetAttrRequest::kMode;
      if (q.setattr_mask & fsproto::kSetUid) set.mask |= ext2::SetAttrRequest::kUid;
      if (q.setattr_mask & fsproto::kSetGid) set.mask |= ext2::SetAttrRequest::kGid;
      if (q.setattr_mask & fsproto::kSetAtime) set.mask |= ext2::SetAttrRequest::kAtime;
      if (q.setattr_mask & fsproto::kSetMtime) set.mask |= ext2::SetAttrRequest::kMtime;
      set.mode = q.mode & 07777;
      set.uid = q.uid;
      set.gid = q.gid;
      set.atime = SecondsOf(q.atime_ns);
      set.mtime = SecondsOf(q.mtime_ns);
      auto attr = fs_->SetAttr(ino, set);
      if (attr.is_error()) return Errno(attr.error());
      dirty_ = true;
      return Fill(attr.value(), &r->attr);
    }
    case fsproto::kCreate: return DoCreate(q, name, name2, r);
    case fsproto::kLink: {
      if (!ValidWireName(name)) return linux_abi::kEINVAL;
      if (int e = CheckNode(q.node2)) return e;
      auto attr = fs_->Link(static_cast<uint32_t>(q.node2), ino, name);
      if (attr.is_error()) return Errno(attr.error());
      dirty_ = true;
      return Fill(attr.value(), &r->attr);
    }
    case fsproto::kUnlink:
    case fsproto::kRmdir: {
      if (!ValidWireName(name)) return linux_abi::kEINVAL;
      auto victim = fs_->Lookup(ino, name);
      if (victim.is_error()) return Errno(victim.error());
      auto removed = q.op == fsproto::kUnlink ? fs_->Unlink(ino, name) : fs_->Rmdir(ino, name);
      if (removed.is_error()) return Errno(removed.error());
      dirty_ = true;
      r->node = victim.value().ino;
      return 0;
    }
    case fsproto::kRename: {
      if (!ValidWireName(name) || !ValidWireName(name2)) return linux_abi::kEINVAL;
      if (int e = CheckNode(q.node2)) return e;
      const uint32_t new_dir = static_cast<uint32_t>(q.node2);
      auto source = fs_->Lookup(ino, name);
      if (source.is_error()) return Errno(source.error());
      uint32_t replaced = 0;
      auto target = fs_->Lookup(new_dir, name2);
      if (target.ok() && target.value().ino != source.value().ino) replaced = target.value().ino;
      auto renamed = fs_->Rename(ino, name, new_dir, name2);
      if (renamed.is_error()) return Errno(renamed.error());
      dirty_ = true;
      r->node = replaced;
      return 0;
    }
    case fsproto::kReadDir: return DoReadDir(q, r);
    case fsproto::kRead: {
      uint32_t length = q.length < fsproto::kDataBufferSize ? q.length : fsproto::kDataBufferSize;
      auto got = fs_->Read(ino, q.offset, kstd::Span<uint8_t>(buffer_, length));
      if (got.is_error()) return Errno(got.error());
      r->length = static_cast<uint32_t>(got.value());
      return 0;
    }
    case fsproto::kWrite:
    case fsproto::kAppend: {
      if (q.length > fsproto::kDataBufferSize) return linux_abi::kEINVAL;
      uint64_t offset = q.offset;
      if (q.op == fsproto::kAppend) {
        auto attr = fs_->GetAttr(ino);
        if (attr.is_error()) return Errno(attr.error());
        offset = attr.value().size;
      }
      auto wrote = fs_->Write(ino, offset, kstd::Span<const uint8_t>(buffer_, q.length));
      if (wrote.is_error()) return Errno(wrote.error());
      dirty_ = true;
      auto attr = fs_->GetAttr(ino);
      if (attr.is_error()) return Errno(attr.error());
      r->value = wrote.value();
      Fill(attr.value(), &r->attr);
      if (q.op == fsproto::kAppend) r->attr.size = offset + wrote.value();
      return 0;
    }
    case fsproto::kTruncate: {
      auto truncated = fs_->Truncate(ino, q.offset);
      if (truncated.is_error()) return Errno(truncated.error());
      dirty_ = true;
      auto attr = fs_->GetAttr(ino);
      if (attr.is_error()) return Errno(attr.error());
      return Fill(attr.value(), &r->attr);
    }
    case fsproto::kReadLink: {
      uint32_t cap = q.length == 0 ? fsproto::kMaxSymlink : q.length;
      if (cap > fsproto::kDataBufferSize) cap = fsproto::kDataBufferSize;
      auto full = fs_->ReadLink(ino, kstd::Span<char>(reinterpret_cast<char*>(buffer_), cap));
      if (full.is_error()) return Errno(full.error());
      r->length = static_cast<uint32_t>(full.value() < cap ? full.value() : cap);
      return 0;
    }
    case fsproto::kSyncNode: {
      auto synced = fs_->Sync();
      if (synced.is_error()) return Errno(synced.error());
      dirty_ = false;
      return 0;
    }
    default: return linux_abi::kENOSYS;
  }
}

int Server::DoCreate(const fsproto::Request& q, Name name, Name target, fsproto::Reply* r) {
  if (!ValidWireName(name)) return linux_abi::kEINVAL;
  const uint32_t dir = static_cast<uint32_t>(q.node);
  const uint32_t type = q.mode & linux_abi::kModeTypeMask;
  const uint32_t perms = q.mode & 07777;
  if (type != linux_abi::kModeSymlink && target.size() != 0) return linux_abi::kEINVAL;
  kstd::Result<Attr> made = kstd::Error::kInvalid;
  switch (type) {
    case linux_abi::kModeDirectory: made = fs_->Mkdir(dir, name, perms, q.uid, q.gid); break;
    case linux_abi::kModeSymlink:
      if (target.size() == 0) return linux_abi::kEINVAL;
      if (memchr(target.data(), 0, target.size()) != nullptr) return linux_abi::kEINVAL;
      made = fs_->Symlink(dir, name, kstd::Span<const char>(target.data(), target.size()), q.uid,
                          q.gid);
      break;
    case linux_abi::kModeRegular:
    case linux_abi::kModeCharDevice:
    case linux_abi::kModeBlockDevice:
    case linux_abi::kModeFifo:
    case linux_abi::kModeSocket: {
      if (q.rdev > UINT32_MAX) return linux_abi::kEINVAL;
      ext2::CreateRequest create;
      create.type = type == linux_abi::kModeRegular       ? FileType::kRegular
                    : type == linux_abi::kModeCharDevice  ? FileType::kCharDevice
                    : type == linux_abi::kModeBlockDevice ? FileType::kBlockDevice
                    : type == linux_abi::kModeFifo        ? FileType::kFifo
                                                          : FileType::kSocket;
      create.mode = perms;
      create.uid = q.uid;
      create.gid = q.gid;
      create.rdev = static_cast<uint32_t>(q.rdev);
      made = fs_->Create(dir, name, create);
      break;
    }
    default: return linux_abi::kEINVAL;
  }
  if (made.is_error()) return Errno(made.error());
  dirty_ = true;
  if (int e = AddReference(made.value().ino)) return e;
  r->node = made.value().ino;
  return Fill(made.value(), &r->attr);
}

int Server::DoReadDir(const fsproto::Request& q, fsproto::Reply* r) {
  const uint32_t dir = static_cast<uint32_t>(q.node);
  const uint32_t cap = q.length < fsproto::kDataBufferSize ? q.length : fsproto::kDataBufferSize;
  constexpr size_t kBatch = 16;
  static ext2::DirEntry entries[kBatch];  // ~4 KiB: off the (small) stack
  uint64_t cursor = q.offset;
  uint32_t used = 0, count = 0;
  bool end = false, full = false;
  while (!full) {
    uint64_t batch_cursor = cursor;
    auto got = fs_->ReadDir(dir, &batch_cursor, kstd::Span<ext2::DirEntry>(entries, kBatch));
    if (got.is_error()) {
      if (count > 0) break;  // report what we have; the next call gets the error
      return Errno(got.error());
    }
    if (got.value() == 0) {
      end = true;
      break;
    }
    for (size_t i = 0; i < got.value(); ++i) {
      const ext2::DirEntry& e = entries[i];
      uint32_t size = fsproto::DirRecordSize(e.name_len);
      if (e.name_len == 0 || cap - used < size) {
        full = true;
        break;
      }
      fsproto::DirRecord rec{};
      rec.node = e.ino;
      rec.next_cursor = e.next_cursor;
      rec.name_length = e.name_len;
      rec.type = DirentType(e.type);
      memcpy(buffer_ + used, &rec, sizeof rec);
      memcpy(buffer_ + used + sizeof rec, e.name, e.name_len);
      memset(buffer_ + used + sizeof rec + e.name_len, 0, size - sizeof rec - e.name_len);
      used += size;
      ++count;
      cursor = e.next_cursor;
    }
  }
  if (count == 0 && !end) return linux_abi::kEINVAL;  // not even one record fits
  r->value = count;
  r->length = used;
  if (end) r->flags = fsproto::kReplyEndOfDirectory;
  return 0;
}

int Server::DoAdopt(const fsproto::Request& q, fsproto::Reply* r) {
  if (buffer_ == nullptr) return linux_abi::kEIO;
  if (q.length % sizeof(uint64_t) != 0 || q.length / sizeof(uint64_t) > fsproto::kMaxAdoptNodes) {
    return linux_abi::kEINVAL;
  }
  const size_t count = q.length / sizeof(uint64_t);
  uint64_t taken = 0;
  // Status i (4 bytes at 4i) overwrites only ids already read (8 bytes at 8j, j < i).
  for (size_t i = 0; i < count; ++i) {
    uint64_t node;
    memcpy(&node, buffer_ + i * sizeof node, sizeof node);
    int32_t status = linux_abi::kESTALE;
    if (node != 0 && node <= UINT32_MAX) {
      status = AddReference(static_cast<uint32_t>(node), /*adopt=*/true);
      // A free, reserved or out-of-range inode: not the node the kernel knew.
      if (status == Errno(kstd::Error::kNotFound) || status == linux_abi::kEINVAL) {
        status = linux_abi::kESTALE;
      }
    }
    if (status == 0) ++taken;
    memcpy(buffer_ + i * sizeof status, &status, sizeof status);
  }
  r->value = taken;
  r->length = static_cast<uint32_t>(count * sizeof(int32_t));
  return 0;
}

int Server::WriteBack() {
  if (!dirty_) return 0;
  auto synced = fs_->Sync();
  if (synced.is_error()) return Errno(synced.error());
  dirty_ = false;
  return 0;
}

int Server::Unmount() {
  if (!fs_->mounted()) return 0;
  for (size_t i = 0; i < capacity_; ++i) {
    if (slots_[i].ino == 0 || slots_[i].ino == kTombstone) continue;
    (void)fs_->CloseInode(slots_[i].ino);
    slots_[i] = Slot{kTombstone, 0};
  }
  live_ = 0;
  auto unmounted = fs_->Unmount();
  if (unmounted.is_error()) return Errno(unmounted.error());
  dirty_ = false;
  return 0;
}

}  // namespace servers::fs
