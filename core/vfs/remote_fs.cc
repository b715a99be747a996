#include "core/vfs/remote_fs.h"

#include "abi/linux/dirent.h"
#include "abi/linux/errno.h"
#include "abi/linux/stat.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::vfs {
namespace {

// The errnos a server may report. They reach user space unchanged; anything
// else (including EINTR and the kernel's internal restart codes) becomes EIO.
constexpr int32_t kWireErrnos[] = {
    linux_abi::kEPERM,        linux_abi::kENOENT,  linux_abi::kEIO,       linux_abi::kENXIO,
    linux_abi::kE2BIG,        linux_abi::kEAGAIN,  linux_abi::kENOMEM,    linux_abi::kEACCES,
    linux_abi::kEBUSY,        linux_abi::kEEXIST,  linux_abi::kEXDEV,     linux_abi::kENOTDIR,
    linux_abi::kEISDIR,       linux_abi::kEINVAL,  linux_abi::kETXTBSY,   linux_abi::kEFBIG,
    linux_abi::kENOSPC,       linux_abi::kEROFS,   linux_abi::kEMLINK,    linux_abi::kERANGE,
    linux_abi::kENAMETOOLONG, linux_abi::kENOSYS,  linux_abi::kENOTEMPTY, linux_abi::kELOOP,
    linux_abi::kENODATA,      linux_abi::kEBADMSG, linux_abi::kEOVERFLOW, linux_abi::kEOPNOTSUPP,
    linux_abi::kESTALE,
    linux_abi::kEUCLEAN,  // (a corrupted file system)
    linux_abi::kEDQUOT,
};

bool KnownErrno(int32_t e) {
  for (int32_t k : kWireErrnos) {
    if (k == e) return true;
  }
  return false;
}

kstd::Result<VnodeType> TypeOfDirent(uint8_t type) {
  switch (type) {
    case linux_abi::kDirentRegular: return VnodeType::kRegular;
    case linux_abi::kDirentDirectory: return VnodeType::kDirectory;
    case linux_abi::kDirentSymlink: return VnodeType::kSymlink;
    case linux_abi::kDirentCharDevice: return VnodeType::kCharDevice;
    case linux_abi::kDirentBlockDevice: return VnodeType::kBlockDevice;
    case linux_abi::kDirentFifo: return VnodeType::kFifo;
    case linux_abi::kDirentSocket: return VnodeType::kSocket;
    default: return kstd::Error::kIo;
  }
}

// A directory entry name as a server may send it: 1..255 bytes, no '/' and
// no NUL ("." and ".." are fine in a listing).
bool ValidListedName(const char* name, size_t size) {
  if (size == 0 || size > kMaxNameLength) return false;
  for (size_t i = 0; i < size; ++i) {
    if (name[i] == '/' || name[i] == '\0') return false;
  }
  return true;
}

fsproto::Request NewRequest(uint32_t op, uint64_t node) {
  fsproto::Request r;
  __builtin_memset(&r, 0, sizeof r);
  r.magic = fsproto::kMagic;
  r.op = op;
  r.node = node;
  return r;
}

FsStats ToFsStats(const fsproto::FsInfo& info) {
  FsStats s;
  s.magic = static_cast<int64_t>(info.magic);
  s.block_size = info.block_size != 0 ? info.block_size : 4096;
  s.total_blocks = info.total_blocks;
  s.free_blocks = info.free_blocks;
  s.available_blocks = info.available_blocks;
  s.total_files = info.total_files;
  s.free_files = info.free_files;
  s.max_name_length = info.max_name_length != 0 && info.max_name_length < kMaxNameLength
                          ? info.max_name_length
                          : kMaxNameLength;
  return s;
}

// The type /proc/mounts shows: the one the server names in its hello, else
// the one its statfs magic implies.
const char* TypeNameOf(const fsproto::Reply& hello) {
  switch (hello.value) {
    case fsproto::kTypeExt2: return "ext2";
    case fsproto::kTypeExt3: return "ext3";
    case fsproto::kTypeExt4: return "ext4";
    default: break;
  }
  return hello.info.magic == 0xEF53 ? "ext2" : "remotefs";
}

constexpr size_t kReadDirBuffer = 16 * 1024;

}  // namespace

kstd::Error ErrorFromWire(int32_t error) {
  return KnownErrno(error) ? static_cast<kstd::Error>(error) : kstd::Error::kIo;
}

kstd::Result<void> CheckReply(kstd::Span<const uint8_t> raw, uint32_t op, size_t data_capacity,
                              fsproto::Reply* out) {
  if (raw.size() != sizeof(fsproto::Reply)) return kstd::Error::kIo;
  __builtin_memcpy(out, raw.data(), sizeof *out);
  if (out->op != op) return kstd::Error::kIo;
  if (out->error != 0) {
    if (out->error < 0 || !KnownErrno(out->error)) out->error = linux_abi::kEIO;
    out->length = 0;  // nothing to copy for a failed op
    return kstd::Ok();
  }
  if (out->length > data_capacity || out->length > fsproto::kDataBufferSize) {
    return kstd::Error::kIo;
  }
  return kstd::Ok();
}

// ---- RemoteFs

RemoteFs::RemoteFs(kstd::RefPtr<RemoteTransport> transport, const char* type_name)
    : FileSystem(type_name, AllocateAnonymousDevice()), transport_(kstd::Move(transport)) {}

RemoteFs::~RemoteFs() = default;

kstd::Result<kstd::RefPtr<RemoteFs>> RemoteFs::Create(kstd::RefPtr<RemoteTransport> transport,
                                                      const fsproto::Reply& hello) {
  if (!transport) return kstd::Error::kInvalid;
  if (hello.op != fsproto::kHello) return kstd::Error::kIo;
  if (hello.error != 0) return ErrorFromWire(hello.error);
  if ((hello.attr.mode & linux_abi::kModeTypeMask) != linux_abi::kModeDirectory) {
    return kstd::Error::kIo;
  }
  kstd::RefPtr<RemoteFs> fs =
      kstd::AdoptRef(new (kstd::nothrow) RemoteFs(kstd::Move(transport), TypeNameOf(hello)));
  if (!fs) return kstd::Error::kNoMemory;
  fs->info_ = hello.info;
  kstd::RefPtr<RemoteVnode> root = TRY(fs->NodeFor(hello.node, hello.attr));
  {
    SpinLockGuard guard(fs->table_lock_);
    fs->root_ = kstd::Move(root);
  }
  return fs;
}

kstd::RefPtr<Vnode> RemoteFs::Root() {
  SpinLockGuard guard(table_lock_);
  return root_;
}

FsStats RemoteFs::StatFs() const {
  fsproto::Request request = NewRequest(fsproto::kStatFs, 0);
  fsproto::Reply reply;
  auto r = const_cast<RemoteFs*>(this)->Exchange(request, Name(), Name(), {}, &reply, {});
  return ToFsStats(r.ok() ? reply.info : info_);
}

void RemoteFs::Shutdown() {
  Bucket dropped;
  kstd::RefPtr<RemoteVnode> root;
  {
    SpinLockGuard guard(table_lock_);
    root = kstd::Move(root_);
    for (Bucket& bucket : buckets_) {
      while (RemoteVnode* v = bucket.PopFront()) dropped.PushBack(v);
    }
    count_ = 0;
  }
  while (RemoteVnode* v = dropped.PopFront()) {
    if (v->Release()) delete v;
  }
}

kstd::Result<void> RemoteFs::Unmount() {
  fsproto::Request request = NewRequest(fsproto::kUnmount, 0);
  fsproto::Reply reply;
  return Exchange(request, Name(), Name(), {}, &reply, {});
}

kstd::Result<void> RemoteFs::SyncAll() {
  fsproto::Request request = NewRequest(fsproto::kSyncFs, 0);
  fsproto::Reply reply;
  return Exchange(request, Name(), Name(), {}, &reply, {});
}

kstd::Result<void> RemoteFs::Adopt(RemoteTransport* fresh, RemoteVnode* const* held, size_t count,
                                   int32_t* status) {
  if (count == 0) return kstd::Ok();
  const size_t batch = kstd::Min<size_t>(count, fsproto::kMaxAdoptNodes);
  uint64_t* ids = new (kstd::nothrow) uint64_t[batch];
  if (ids == nullptr) return kstd::Error::kNoMemory;
  kstd::Result<void> result = kstd::Ok();
  for (size_t done = 0; result.ok() && done < count;) {
    size_t n = kstd::Min<size_t>(count - done, batch);
    for (size_t i = 0; i < n; ++i) ids[i] = held[done + i]->node();
    fsproto::Request request = NewRequest(fsproto::kAdopt, 0);
    request.length = static_cast<uint32_t>(n * sizeof(uint64_t));
    fsproto::Reply reply;
    kstd::Span<uint8_t> out(reinterpret_cast<uint8_t*>(status + done), n * sizeof(int32_t));
    result = ExchangeOn(
        fresh, request, Name(), Name(),
        kstd::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(ids), n * sizeof(uint64_t)),
        &reply, out);
    if (result.ok() && reply.length != out.size()) result = kstd::Error::kIo;
    for (size_t i = 0; result.ok() && i < n; ++i) {
      // 0 or an errno the VFS knows (anything else reads as refused: EIO).
      int32_t& e = status[done + i];
      if (e != 0 && !KnownErrno(e)) e = linux_abi::kEIO;
    }
    done += n;
  }
  delete[] ids;
  return result;
}

kstd::Result<RemoteFs::ReattachReport> RemoteFs::Reattach(kstd::RefPtr<RemoteTransport> fresh,
                                                          const fsproto::Reply& hello) {
  // Decode: the new server must describe the same root of the same kind of
  // file system.
  if (!fresh || hello.op != fsproto::kHello || hello.error != 0 || hello.node == 0 ||
      hello.attr.node != hello.node ||
      (hello.attr.mode & linux_abi::kModeTypeMask) != linux_abi::kModeDirectory ||
      hello.info.magic != info_.magic) {
    return kstd::Error::kInvalid;
  }
  if (__atomic_exchange_n(&reattaching_, true, __ATOMIC_ACQUIRE)) return kstd::Error::kBusy;
  struct Done {
    RemoteFs* fs;
    ~Done() { __atomic_store_n(&fs->reattaching_, false, __ATOMIC_RELEASE); }
  } done{this};
  if (!transport()->dead()) return kstd::Error::kBusy;

  // The nodes someone besides the table holds, each pinned by a reference of
  // ours until the end (so none is evicted or forgotten meanwhile: with the
  // old transport dead no node can be added either). Nodes only the table
  // holds are dropped: the new server never heard of them.
  size_t capacity;
  {
    SpinLockGuard guard(table_lock_);
    if (!root_) return kstd::Error::kIo;  // shut down
    if (root_->node() != hello.node) return kstd::Error::kInvalid;
    capacity = count_;
  }
  RemoteVnode** held = new (kstd::nothrow) RemoteVnode*[capacity + 1];
  int32_t* status = new (kstd::nothrow) int32_t[capacity + 1];
  if (held == nullptr || status == nullptr) {
    delete[] held;
    delete[] status;
    return kstd::Error::kNoMemory;
  }
  ReattachReport report;
  size_t count = 0;
  Bucket dropped;
  {
    SpinLockGuard guard(table_lock_);
    for (Bucket& bucket : buckets_) {
      Bucket keep;
      while (RemoteVnode* v = bucket.PopFront()) {
        if (v != root_.get() && v->ref_count() == 1) {
          dropped.PushBack(v);
          count_ -= 1;
          continue;
        }
        keep.PushBack(v);
        if (v != root_.get() && count < capacity) {
          v->AddRef();
          held[count++] = v;
        }
      }
      while (RemoteVnode* v = keep.PopFront()) bucket.PushBack(v);
    }
  }
  while (RemoteVnode* v = dropped.PopFront()) {
    report.dropped += 1;
    if (v->Release()) delete v;
  }

  auto adopted = Adopt(fresh.get(), held, count, status);
  Bucket refused;
  if (adopted.ok()) {
    SpinLockGuard guard(table_lock_);
    if (!root_) {
      adopted = kstd::Error::kIo;  // shut down meanwhile
    } else {
      transport_ = fresh;
      root_->lookups_ = 1;  // the reference the hello gave
      for (size_t i = 0; i < count; ++i) {
        RemoteVnode* v = held[i];
        if (status[i] == 0) {
          v->lookups_ = 1;
          report.adopted += 1;
          continue;
        }
        __atomic_store_n(&v->stale_, true, __ATOMIC_RELEASE);
        report.stale += 1;
        DropNamesLocked(v);
        // Out of the table, so a later lookup of the same id (perhaps a new
        // node reusing it) gets a fresh vnode.
        Bucket& bucket = buckets_[v->node() % kBuckets];
        if (bucket.FindIf([&](RemoteVnode* c) { return c == v; }) != nullptr) {
          bucket.Remove(v);
          count_ -= 1;
          refused.PushBack(v);
        }
      }
      // Names remembered through the old server may name what the crash
      // undid: every directory asks the new server again.
      for (Bucket& bucket : buckets_) {
        bucket.ForEach([](RemoteVnode* v) { DropNamesLocked(v); });
      }
    }
  }
  // The table's references of refused nodes (never the last: ours is held).
  while (RemoteVnode* v = refused.PopFront()) v->Release();
  for (size_t i = 0; i < count; ++i) {
    if (held[i]->Release()) delete held[i];
  }
  delete[] held;
  delete[] status;
  if (adopted.is_error()) return adopted.error();
  return report;
}

size_t RemoteFs::cached_nodes() const {
  SpinLockGuard guard(table_lock_);
  return count_;
}

kstd::RefPtr<RemoteTransport> RemoteFs::transport() const {
  SpinLockGuard guard(table_lock_);
  return transport_;
}

kstd::Result<void> RemoteFs::Exchange(fsproto::Request& request, Name name, Name name2,
                                      kstd::Span<const uint8_t> data_in, fsproto::Reply* reply,
                                      kstd::Span<uint8_t> data_out) {
  kstd::RefPtr<RemoteTransport> t = transport();
  return ExchangeOn(t.get(), request, name, name2, data_in, reply, data_out);
}

kstd::Result<void> RemoteFs::ExchangeOn(RemoteTransport* transport, fsproto::Request& request,
                                        Name name, Name name2, kstd::Span<const uint8_t> data_in,
                                        fsproto::Reply* reply, kstd::Span<uint8_t> data_out) {
  if (name.size() > fsproto::kMaxName || name2.size() > fsproto::kMaxSymlink) {
    return kstd::Error::kNameTooLong;
  }
  if (data_in.size() > fsproto::kDataBufferSize) return kstd::Error::kInvalid;
  if (data_out.size() > fsproto::kDataBufferSize)
    data_out = data_out.Subspan(0, fsproto::kDataBufferSize);
  request.magic = fsproto::kMagic;
  request.name_length = static_cast<uint32_t>(name.size());
  request.name2_length = static_cast<uint32_t>(name2.size());
  size_t size = sizeof request + name.size() + name2.size();
  kstd::Result<void> result = kstd::Ok();
  if (size == sizeof request) {
    result = transport->Call({reinterpret_cast<const uint8_t*>(&request), sizeof request}, data_in,
                             reply, data_out);
  } else {
    // Names make the message up to ~4.4 KiB: not for the kernel stack.
    uint8_t* message = new (kstd::nothrow) uint8_t[size];
    if (message == nullptr) return kstd::Error::kNoMemory;
    __builtin_memcpy(message, &request, sizeof request);
    if (!name.empty()) __builtin_memcpy(message + sizeof request, name.data(), name.size());
    if (!name2.empty()) {
      __builtin_memcpy(message + sizeof request + name.size(), name2.data(), name2.size());
    }
    result = transport->Call({message, size}, data_in, reply, data_out);
    delete[] message;
  }
  TRY(result);
  if (reply->op != request.op) return kstd::Error::kIo;  // CheckReply did this too
  if (reply->error != 0) return ErrorFromWire(reply->error);
  return kstd::Ok();
}

kstd::Result<kstd::RefPtr<RemoteVnode>> RemoteFs::NodeFor(uint64_t node,
                                                          const fsproto::Attr& attr) {
  if (node == 0 || attr.node != node) return kstd::Error::kIo;
  auto type = TypeFromMode(attr.mode);
  if (type.is_error()) return kstd::Error::kIo;
  const size_t index = node % kBuckets;

  kstd::RefPtr<RemoteVnode> result;
  RemoteVnode* fresh = nullptr;
  Bucket evicted;
  for (int attempt = 0; attempt < 2 && !result; ++attempt) {
    {
      SpinLockGuard guard(table_lock_);
      Bucket& bucket = buckets_[index];
      if (RemoteVnode* v = bucket.FindIf([&](RemoteVnode* c) { return c->node() == node; })) {
        if (v->type() != type.value()) return kstd::Error::kIo;
        v->lookups_ += 1;
        result = kstd::RefPtr<RemoteVnode>::FromRaw(v);
      } else if (fresh != nullptr) {
        fresh->lookups_ = 1;
        bucket.PushBack(fresh);  // the table keeps the reference AdoptRef would take
        count_ += 1;
        result = kstd::RefPtr<RemoteVnode>::FromRaw(fresh);
        fresh = nullptr;
        if (count_ > kNodeCacheSoft) EvictLocked(&evicted);
      }
    }
    if (!result && fresh == nullptr) {
      // Allocate without the lock, then look again: another thread may have
      // added the node meanwhile.
      fresh = new (kstd::nothrow)
          RemoteVnode(kstd::RefPtr<RemoteFs>::FromRaw(this), type.value(), node);
      if (fresh == nullptr) return kstd::Error::kNoMemory;
      attempt = -1;  // one more round to insert it
      continue;
    }
  }
  if (fresh != nullptr) delete fresh;  // lost the race: the other one is in the table
  while (RemoteVnode* v = evicted.PopFront()) Forget(v);
  if (!result) return kstd::Error::kIo;
  TRY(result->Refresh(attr));
  return result;
}

void RemoteFs::EvictLocked(Bucket* out) {
  const RemoteVnode* root = root_.get();
  for (Bucket& bucket : buckets_) {
    if (count_ <= kNodeCacheSoft / 2) return;
    RemoteVnode* v;
    // Only the table holds it (ref_count 1) and it is not the root: nobody
    // can take a new reference without the table lock, so it can go.
    while ((v = bucket.FindIf([&](RemoteVnode* c) { return c->ref_count() == 1 && c != root; })) !=
           nullptr) {
      bucket.Remove(v);
      out->PushBack(v);
      count_ -= 1;
    }
  }
}

void RemoteFs::ForgetIfUnused(uint64_t node) {
  if (node == 0) return;
  RemoteVnode* victim = nullptr;
  {
    SpinLockGuard guard(table_lock_);
    Bucket& bucket = buckets_[node % kBuckets];
    const RemoteVnode* root = root_.get();
    victim = bucket.FindIf(
        [&](RemoteVnode* v) { return v->node() == node && v->ref_count() == 1 && v != root; });
    if (victim != nullptr) {
      bucket.Remove(victim);
      count_ -= 1;
    }
  }
  if (victim != nullptr) Forget(victim);
}

void RemoteFs::Forget(RemoteVnode* v) {
  fsproto::Request request = NewRequest(fsproto::kForget, v->node());
  request.offset = v->lookups_;
  transport()->Post({reinterpret_cast<const uint8_t*>(&request), sizeof request});
  if (v->Release()) delete v;
}

RemoteVnode* RemoteFs::FindLocked(uint64_t node) {
  return buckets_[node % kBuckets].FindIf([&](RemoteVnode* v) { return v->node() == node; });
}

// ---- The name cache

struct RemoteVnode::NameCache {
  static constexpr size_t kSlots = 16;
  static constexpr size_t kMaxName = 47;  // longer names are not cached
  struct Slot {
    uint64_t node = 0;  // 0: empty
    uint8_t length = 0;
    char name[kMaxName];
  };
  Slot slots[kSlots];
  size_t next = 0;  // the slot a new name replaces (round robin)

  Slot* Find(Name name) {
    for (Slot& slot : slots) {
      if (slot.node != 0 && Name(slot.name, slot.length) == name) return &slot;
    }
    return nullptr;
  }
};

kstd::RefPtr<RemoteVnode> RemoteFs::CachedChild(RemoteVnode* dir, Name name, uint64_t* generation) {
  SpinLockGuard guard(table_lock_);
  *generation = dir->names_generation_;
  if (dir->names_ == nullptr) return nullptr;
  RemoteVnode::NameCache::Slot* slot = dir->names_->Find(name);
  if (slot == nullptr) return nullptr;
  RemoteVnode* child = FindLocked(slot->node);
  if (child == nullptr) {
    slot->node = 0;  // forgotten by the table: ask the server again
    return nullptr;
  }
  __atomic_fetch_add(&name_hits_, 1, __ATOMIC_RELAXED);
  return kstd::RefPtr<RemoteVnode>::FromRaw(child);
}

void RemoteFs::RememberChild(RemoteVnode* dir, Name name, uint64_t node, uint64_t generation) {
  if (name.size() > RemoteVnode::NameCache::kMaxName || name.IsDotOrDotDot()) return;
  SpinLockGuard guard(table_lock_);
  if (dir->names_generation_ != generation) return;  // cleared meanwhile: may be stale
  if (dir->names_ == nullptr) {
    dir->names_ = new (kstd::nothrow) RemoteVnode::NameCache();
    if (dir->names_ == nullptr) return;
  }
  RemoteVnode::NameCache* cache = dir->names_;
  RemoteVnode::NameCache::Slot* slot = cache->Find(name);
  if (slot == nullptr) {
    slot = &cache->slots[cache->next];
    cache->next = (cache->next + 1) % RemoteVnode::NameCache::kSlots;
  }
  slot->node = node;
  slot->length = static_cast<uint8_t>(name.size());
  __builtin_memcpy(slot->name, name.data(), name.size());
}

void RemoteFs::DropNamesLocked(RemoteVnode* dir) {
  dir->names_generation_ += 1;
  delete dir->names_;
  dir->names_ = nullptr;
}

void RemoteFs::ClearChildren(RemoteVnode* dir) {
  SpinLockGuard guard(table_lock_);
  dir->names_generation_ += 1;
  if (dir->names_ != nullptr) {
    for (RemoteVnode::NameCache::Slot& slot : dir->names_->slots) slot.node = 0;
  }
}

// ---- RemoteVnode

RemoteVnode::RemoteVnode(kstd::RefPtr<RemoteFs> fs, VnodeType type, uint64_t node)
    : Vnode(kstd::Move(fs), type, node, 0, 0, 0, 0) {}

RemoteVnode::~RemoteVnode() { delete names_; }

RemoteFs* RemoteVnode::remote() const { return static_cast<RemoteFs*>(fs()); }

kstd::Result<void> RemoteVnode::Exchange(fsproto::Request& request, Name name, Name name2,
                                         kstd::Span<const uint8_t> data_in, fsproto::Reply* reply,
                                         kstd::Span<uint8_t> data_out) {
  if (stale()) return kstd::Error::kStale;
  return remote()->Exchange(request, name, name2, data_in, reply, data_out);
}

kstd::Result<void> RemoteVnode::Refresh(const fsproto::Attr& a) {
  if (a.node != ino()) return kstd::Error::kIo;
  auto type = TypeFromMode(a.mode);
  if (type.is_error() || type.value() != this->type()) return kstd::Error::kIo;
  SpinLockGuard guard(attr_lock_);
  attr_.mode = a.mode & (linux_abi::kModeTypeMask | linux_abi::kModePermissionMask);
  attr_.nlink = a.nlink;
  attr_.uid = a.uid;
  attr_.gid = a.gid;
  attr_.rdev = a.rdev;
  attr_.size = a.size;
  attr_.blocks = a.blocks;
  attr_.block_size = a.block_size != 0 ? a.block_size : 4096;
  attr_.atime = a.atime_ns;
  attr_.mtime = a.mtime_ns;
  attr_.ctime = a.ctime_ns;
  attr_.btime = a.btime_ns;
  return kstd::Ok();
}

Attributes RemoteVnode::GetAttr() const {
  auto* self = const_cast<RemoteVnode*>(this);
  fsproto::Request request = NewRequest(fsproto::kGetAttr, ino());
  fsproto::Reply reply;
  if (self->Exchange(request, Name(), Name(), {}, &reply, {}).ok()) {
    (void)self->Refresh(reply.attr);  // a bad reply leaves the last good attributes
  }
  return Vnode::GetAttr();
}

kstd::Result<void> RemoteVnode::SetAttr(const SetAttrRequest& in) {
  constexpr uint32_t kKnown = SetAttrRequest::kMode | SetAttrRequest::kUid | SetAttrRequest::kGid |
                              SetAttrRequest::kAtime | SetAttrRequest::kMtime |
                              SetAttrRequest::kAtimeNow | SetAttrRequest::kMtimeNow;
  if ((in.mask & ~kKnown) != 0) return kstd::Error::kInvalid;
  fsproto::Request request = NewRequest(fsproto::kSetAttr, ino());
  Timestamp now = Now();
  if (in.mask & SetAttrRequest::kMode) {
    request.setattr_mask |= fsproto::kSetMode;
    request.mode = in.mode & linux_abi::kModePermissionMask;
  }
  if (in.mask & SetAttrRequest::kUid) {
    request.setattr_mask |= fsproto::kSetUid;
    request.uid = in.uid;
  }
  if (in.mask & SetAttrRequest::kGid) {
    request.setattr_mask |= fsproto::kSetGid;
    request.gid = in.gid;
  }
  if (in.mask & (SetAttrRequest::kAtime | SetAttrRequest::kAtimeNow)) {
    request.setattr_mask |= fsproto::kSetAtime;
    request.atime_ns = (in.mask & SetAttrRequest::kAtimeNow) ? now : in.atime;
  }
  if (in.mask & (SetAttrRequest::kMtime | SetAttrRequest::kMtimeNow)) {
    request.setattr_mask |= fsproto::kSetMtime;
    request.mtime_ns = (in.mask & SetAttrRequest::kMtimeNow) ? now : in.mtime;
  }
  fsproto::Reply reply;
  TRY(Exchange(request, Name(), Name(), {}, &reply, {}));
  return Refresh(reply.attr);
}

kstd::Result<kstd::RefPtr<Vnode>> RemoteVnode::Lookup(Name name) {
  if (!IsDirectory()) return kstd::Error::kNotDirectory;
  if (name.size() > kMaxNameLength) return kstd::Error::kNameTooLong;
  if (stale()) return kstd::Error::kStale;
  if (name.IsDot()) return kstd::RefPtr<Vnode>::FromRaw(this);
  if (name.empty()) return kstd::Error::kNotFound;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '/' || name[i] == '\0') return kstd::Error::kNotFound;
  }
  uint64_t generation = 0;
  if (kstd::RefPtr<RemoteVnode> hit = remote()->CachedChild(this, name, &generation)) {
    return kstd::RefPtr<Vnode>(kstd::Move(hit));
  }
  fsproto::Request request = NewRequest(fsproto::kLookup, ino());
  fsproto::Reply reply;
  TRY(Exchange(request, name, Name(), {}, &reply, {}));
  kstd::RefPtr<RemoteVnode> v = TRY(remote()->NodeFor(reply.node, reply.attr));
  if (name.IsDotDot() && !v->IsDirectory()) return kstd::Error::kIo;
  remote()->RememberChild(this, name, v->node(), generation);
  return kstd::RefPtr<Vnode>(kstd::Move(v));
}

kstd::Result<kstd::RefPtr<Vnode>> RemoteVnode::Create(Name name, const CreateRequest& in) {
  if (!IsDirectory()) return kstd::Error::kNotDirectory;
  if (name.size() > kMaxNameLength) return kstd::Error::kNameTooLong;
  if (name.IsDotOrDotDot()) return kstd::Error::kExists;
  if (!name.IsValidEntryName()) return kstd::Error::kInvalid;
  Name target;
  if (in.type == VnodeType::kSymlink) {
    if (in.symlink_target.empty() || in.symlink_target.size() > kMaxPathLength) {
      return kstd::Error::kInvalid;
    }
    target = in.symlink_target;
  }
  fsproto::Request request = NewRequest(fsproto::kCreate, ino());
  request.mode = ModeTypeBits(in.type) | (in.mode & linux_abi::kModePermissionMask);
  request.uid = in.uid;
  request.gid = in.gid;
  request.rdev = in.rdev;
  fsproto::Reply reply;
  TRY(Exchange(request, name, target, {}, &reply, {}));
  kstd::RefPtr<RemoteVnode> v = TRY(remote()->NodeFor(reply.node, reply.attr));
  if (v->type() != in.type) return kstd::Error::kIo;
  return kstd::RefPtr<Vnode>(kstd::Move(v));
}

kstd::Result<void> RemoteVnode::Link(Name name, Vnode* target) {
  if (!IsDirectory()) return kstd::Error::kNotDirectory;
  if (!SameFs(target)) return kstd::Error::kCrossDevice;
  if (target->IsDirectory()) return kstd::Error::kPermission;
  if (name.size() > kMaxNameLength) return kstd::Error::kNameTooLong;
  if (name.IsDotOrDotDot()) return kstd::Error::kExists;
  if (!name.IsValidEntryName()) return kstd::Error::kInvalid;
  auto* t = static_cast<RemoteVnode*>(target);
  if (t->stale()) return kstd::Error::kStale;
  fsproto::Request request = NewRequest(fsproto::kLink, ino());
  request.node2 = t->node();
  fsproto::Reply reply;
  TRY(Exchange(request, name, Name(), {}, &reply, {}));
  return t->Refresh(reply.attr);
}

kstd::Result<void> RemoteVnode::Unlink(Name name) {
  if (!IsDirectory()) return kstd::Error::kNotDirectory;
  if (name.size() > kMaxNameLength) return kstd::Error::kNameTooLong;
  if (name.IsDotOrDotDot()) return kstd::Error::kIsDirectory;
  if (!name.IsValidEntryName()) return kstd::Error::kNotFound;
  fsproto::Request request = NewRequest(fsproto::kUnlink, ino());
  fsproto::Reply reply;
  remote()->ClearChildren(this);
  auto exchanged = Exchange(request, name, Name(), {}, &reply, {});
  remote()->ClearChildren(this);  // lookups that raced with the server's change
  TRY(exchanged);
  remote()->ForgetIfUnused(reply.node);
  return kstd::Ok();
}

kstd::Result<void> RemoteVnode::Rmdir(Name name) {
  if (!IsDirectory()) return kstd::Error::kNotDirectory;
  if (name.size() > kMaxNameLength) return kstd::Error::kNameTooLong;
  if (name.IsDot()) return kstd::Error::kInvalid;
  if (name.IsDotDot()) return kstd::Error::kNotEmpty;
  if (!name.IsValidEntryName()) return kstd::Error::kNotFound;
  fsproto::Request request = NewRequest(fsproto::kRmdir, ino());
  fsproto::Reply reply;
  remote()->ClearChildren(this);
  auto exchanged = Exchange(request, name, Name(), {}, &reply, {});
  remote()->ClearChildren(this);  // lookups that raced with the server's change
  TRY(exchanged);
  remote()->ForgetIfUnused(reply.node);
  return kstd::Ok();
}

kstd::Result<void> RemoteVnode::Rename(Name old_name, Vnode* new_dir, Name new_name) {
  if (!IsDirectory()) return kstd::Error::kNotDirectory;
  if (new_dir == nullptr) return kstd::Error::kInvalid;
  if (!SameFs(new_dir)) return kstd::Error::kCrossDevice;
  if (!new_dir->IsDirectory()) return kstd::Error::kNotDirectory;
  if (old_name.size() > kMaxNameLength || new_name.size() > kMaxNameLength) {
    return kstd::Error::kNameTooLong;
  }
  if (old_name.IsDotOrDotDot() || new_name.IsDotOrDotDot()) return kstd::Error::kBusy;
  if (!old_name.IsValidEntryName()) return kstd::Error::kNotFound;
  if (!new_name.IsValidEntryName()) return kstd::Error::kInvalid;
  fsproto::Request request = NewRequest(fsproto::kRename, ino());
  auto* target_dir = static_cast<RemoteVnode*>(new_dir);
  if (target_dir->stale()) return kstd::Error::kStale;
  request.node2 = target_dir->node();
  fsproto::Reply reply;
  remote()->ClearChildren(this);
  remote()->ClearChildren(target_dir);
  auto exchanged = Exchange(request, old_name, new_name, {}, &reply, {});
  remote()->ClearChildren(this);  // lookups that raced with the server's change
  remote()->ClearChildren(target_dir);
  TRY(exchanged);
  remote()->ForgetIfUnused(reply.node);
  return kstd::Ok();
}

kstd::Result<void> RemoteVnode::ReadDir(uint64_t* cursor, DirSink& sink) {
  if (!IsDirectory()) return kstd::Error::kNotDirectory;
  uint8_t* buffer = new (kstd::nothrow) uint8_t[kReadDirBuffer];
  if (buffer == nullptr) return kstd::Error::kNoMemory;
  fsproto::Request request = NewRequest(fsproto::kReadDir, ino());
  request.offset = *cursor;
  request.length = kReadDirBuffer;
  fsproto::Reply reply;
  auto exchanged =
      Exchange(request, Name(), Name(), {}, &reply, kstd::Span<uint8_t>(buffer, kReadDirBuffer));
  if (exchanged.is_error()) {
    delete[] buffer;
    return exchanged.error();
  }
  // Decode everything first: a malformed batch emits nothing.
  const size_t length = reply.length;  // <= kReadDirBuffer (CheckReply)
  size_t pos = 0;
  uint64_t records = 0;
  bool valid = reply.value <= length / sizeof(fsproto::DirRecord);
  for (; valid && records < reply.value; ++records) {
    fsproto::DirRecord rec;
    if (length - pos < sizeof rec) {
      valid = false;
      break;
    }
    __builtin_memcpy(&rec, buffer + pos, sizeof rec);
    size_t record_size = fsproto::DirRecordSize(rec.name_length);
    valid = rec.node != 0 && rec.name_length != 0 && rec.name_length <= kMaxNameLength &&
            record_size <= length - pos &&
            ValidListedName(reinterpret_cast<const char*>(buffer + pos + sizeof rec),
                            rec.name_length) &&
            TypeOfDirent(rec.type).ok();
    pos += valid ? record_size : 0;
  }
  if (!valid) {
    delete[] buffer;
    return kstd::Error::kIo;
  }
  pos = 0;
  for (uint64_t i = 0; i < records; ++i) {
    fsproto::DirRecord rec;
    __builtin_memcpy(&rec, buffer + pos, sizeof rec);
    DirEntry entry{rec.node, TypeOfDirent(rec.type).value(),
                   Name(reinterpret_cast<const char*>(buffer + pos + sizeof rec), rec.name_length),
                   rec.next_cursor};
    if (!sink.Emit(entry)) break;
    *cursor = rec.next_cursor;
    pos += fsproto::DirRecordSize(rec.name_length);
  }
  delete[] buffer;
  return kstd::Ok();
}

kstd::Result<size_t> RemoteVnode::ReadAt(uint64_t offset, kstd::Span<uint8_t> out) {
  if (type() != VnodeType::kRegular) return Vnode::ReadAt(offset, out);
  if (offset > static_cast<uint64_t>(INT64_MAX)) return kstd::Error::kInvalid;
  size_t done = 0;
  while (done < out.size()) {
    size_t chunk = kstd::Min<size_t>(out.size() - done, fsproto::kDataBufferSize);
    fsproto::Request request = NewRequest(fsproto::kRead, ino());
    request.offset = offset + done;
    request.length = static_cast<uint32_t>(chunk);
    fsproto::Reply reply;
    auto r = Exchange(request, Name(), Name(), {}, &reply, out.Subspan(done, chunk));
    if (r.is_error()) {
      if (done > 0) break;  // report what was read
      return r.error();
    }
    done += reply.length;  // <= chunk (CheckReply)
    if (reply.length < chunk) break;
  }
  return done;
}

kstd::Result<size_t> RemoteVnode::WriteAt(uint64_t offset, kstd::Span<const uint8_t> in) {
  if (type() != VnodeType::kRegular) return Vnode::WriteAt(offset, in);
  if (offset > static_cast<uint64_t>(INT64_MAX) || in.size() > INT64_MAX - offset) {
    return kstd::Error::kFileTooBig;
  }
  size_t done = 0;
  while (done < in.size()) {
    size_t chunk = kstd::Min<size_t>(in.size() - done, fsproto::kDataBufferSize);
    fsproto::Request request = NewRequest(fsproto::kWrite, ino());
    request.offset = offset + done;
    request.length = static_cast<uint32_t>(chunk);
    fsproto::Reply reply;
    auto r = Exchange(request, Name(), Name(), in.Subspan(done, chunk), &reply, {});
    if (r.is_error()) {
      if (done > 0) break;
      return r.error();
    }
    if (reply.value > chunk) return kstd::Error::kIo;
    TRY(Refresh(reply.attr));
    done += reply.value;
    if (reply.value < chunk) break;
  }
  return done;
}

kstd::Result<size_t> RemoteVnode::Append(kstd::Span<const uint8_t> in, uint64_t* end) {
  if (type() != VnodeType::kRegular) return Vnode::Append(in, end);
  size_t done = 0;
  do {
    size_t chunk = kstd::Min<size_t>(in.size() - done, fsproto::kDataBufferSize);
    fsproto::Request request = NewRequest(fsproto::kAppend, ino());
    request.length = static_cast<uint32_t>(chunk);
    fsproto::Reply reply;
    auto r = Exchange(request, Name(), Name(), in.Subspan(done, chunk), &reply, {});
    if (r.is_error()) {
      if (done > 0) break;
      return r.error();
    }
    if (reply.value > chunk || reply.attr.size < reply.value) return kstd::Error::kIo;
    TRY(Refresh(reply.attr));
    *end = reply.attr.size;
    done += reply.value;
    if (reply.value < chunk) break;
  } while (done < in.size());
  return done;
}

kstd::Result<void> RemoteVnode::Truncate(uint64_t size) {
  if (type() != VnodeType::kRegular) return Vnode::Truncate(size);
  if (size > static_cast<uint64_t>(INT64_MAX)) return kstd::Error::kFileTooBig;
  fsproto::Request request = NewRequest(fsproto::kTruncate, ino());
  request.offset = size;
  fsproto::Reply reply;
  TRY(Exchange(request, Name(), Name(), {}, &reply, {}));
  return Refresh(reply.attr);
}

kstd::Result<size_t> RemoteVnode::ReadLink(kstd::Span<char> out) {
  if (type() != VnodeType::kSymlink) return kstd::Error::kInvalid;
  fsproto::Request request = NewRequest(fsproto::kReadLink, ino());
  size_t capacity = kstd::Min<size_t>(out.size(), fsproto::kMaxSymlink);
  request.length = static_cast<uint32_t>(capacity);
  fsproto::Reply reply;
  TRY(Exchange(request, Name(), Name(), {}, &reply,
               kstd::Span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), capacity)));
  return static_cast<size_t>(reply.length);
}

kstd::Result<void> RemoteVnode::Sync() {
  fsproto::Request request = NewRequest(fsproto::kSyncNode, ino());
  fsproto::Reply reply;
  return Exchange(request, Name(), Name(), {}, &reply, {});
}

}  // namespace core::vfs
