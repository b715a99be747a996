#include "core/fd/memfd.h"

#include "abi/linux/stat.h"
#include "abi/linux/statfs.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::fd {
namespace {

constexpr uint64_t kPage = 4096;

// The file system every memfd belongs to (Linux's internal shmem mount):
// never mounted, so it has no root.
class MemfdFs final : public vfs::FileSystem {
 public:
  MemfdFs() : FileSystem("tmpfs", vfs::AllocateAnonymousDevice()) {}
  kstd::RefPtr<vfs::Vnode> Root() override { return nullptr; }
  vfs::FsStats StatFs() const override {
    vfs::FsStats stats;
    stats.magic = linux_abi::kTmpfsMagic;
    return stats;
  }
};

SpinLock g_fs_lock;
MemfdFs* g_fs GUARDED_BY(g_fs_lock) = nullptr;  // one reference held for ever

kstd::Result<kstd::RefPtr<vfs::FileSystem>> MemfdFileSystem() {
  SpinLockGuard guard(g_fs_lock);
  if (g_fs == nullptr) {
    g_fs = new (kstd::nothrow) MemfdFs();
    if (g_fs == nullptr) return kstd::Error::kNoMemory;
    g_fs->AddRef();
  }
  return kstd::RefPtr<vfs::FileSystem>::FromRaw(g_fs);
}

bool IsMemfdFs(const vfs::FileSystem* fs) {
  SpinLockGuard guard(g_fs_lock);
  return fs != nullptr && fs == g_fs;
}

}  // namespace

MemfdVnode::MemfdVnode(kstd::RefPtr<vfs::FileSystem> fs, uint64_t ino, uint32_t mode, uint32_t uid,
                       uint32_t gid, kstd::RefPtr<vm::VmObject> vmo, uint32_t seals)
    : Vnode(kstd::Move(fs), vfs::VnodeType::kRegular, ino, mode, uid, gid, 0),
      vmo_(kstd::Move(vmo)),
      seals_(seals) {
  attr_.nlink = 0;  // never linked: "(deleted)"
  attr_.atime = attr_.mtime = attr_.ctime = attr_.btime = vfs::Now();
  vmo_->SetFaultLimit(0);  // empty: a mapping's every page is past the end (SIGBUS)
}

kstd::Result<kstd::RefPtr<MemfdVnode>> MemfdVnode::Create(mm::PageAllocator* pmm, vfs::Name name,
                                                          uint32_t flags, uint32_t uid,
                                                          uint32_t gid) {
  if (name.size() > kMemfdNameMax) return kstd::Error::kInvalid;
  kstd::RefPtr<vfs::FileSystem> fs = TRY(MemfdFileSystem());
  auto vmo = TRY(vm::VmObject::CreateAnonymous(pmm, kPage));
  uint32_t mode = 0777;
  uint32_t seals = kSealSeal;
  if ((flags & kMfdNoexecSeal) != 0) {
    mode = 0666;
    seals = kSealExec;
  } else if ((flags & kMfdAllowSealing) != 0) {
    seals = 0;
  }
  const uint64_t ino = fs->NextIno();
  kstd::RefPtr<MemfdVnode> v = kstd::AdoptRef(
      new (kstd::nothrow) MemfdVnode(kstd::Move(fs), ino, mode, uid, gid, kstd::Move(vmo), seals));
  if (!v) return kstd::Error::kNoMemory;
  __builtin_memcpy(v->name_, "memfd:", 6);
  if (name.size() > 0) __builtin_memcpy(v->name_ + 6, name.data(), name.size());
  v->name_[6 + name.size()] = '\0';
  return v;
}

MemfdVnode* MemfdVnode::From(vfs::Vnode* v) {
  if (v == nullptr || !IsMemfdFs(v->fs())) return nullptr;
  return static_cast<MemfdVnode*>(v);
}

uint64_t MemfdVnode::size() const {
  SpinLockGuard guard(lock_);
  return size_;
}

uint32_t MemfdVnode::seals() const {
  SpinLockGuard guard(lock_);
  return seals_;
}

vfs::Attributes MemfdVnode::GetAttr() const {
  vfs::Attributes attr = Vnode::GetAttr();
  const uint64_t bytes = size();
  attr.size = bytes;
  attr.blocks = vmo_->resident_pages() * (kPage / 512);
  return attr;
}

kstd::Result<void> MemfdVnode::SetAttr(const vfs::SetAttrRequest& request) {
  if ((request.mask & vfs::SetAttrRequest::kMode) != 0 && (seals() & kSealExec) != 0) {
    const uint32_t old_mode = Ownership().mode;
    if (((old_mode ^ request.mode) & 0111) != 0) return kstd::Error::kPermission;
  }
  return Vnode::SetAttr(request);
}

kstd::Result<void> MemfdVnode::AddSeals(uint32_t seals) {
  if ((seals & ~kSealAll) != 0) return kstd::Error::kInvalid;
  // An executable file sealed against exec is sealed against change too
  // (Linux: W^X from the start).
  if ((seals & kSealExec) != 0 && (Ownership().mode & 0111) != 0) {
    seals |= kSealShrink | kSealGrow | kSealWrite | kSealFutureWrite;
  }
  SpinLockGuard guard(lock_);
  if ((seals_ & kSealSeal) != 0) return kstd::Error::kPermission;
  if ((seals & kSealWrite) != 0 && (seals_ & kSealWrite) == 0 &&
      vmo_->shared_writable_mapping_count() != 0) {
    return kstd::Error::kBusy;
  }
  seals_ |= seals;
  return kstd::Ok();
}

kstd::Result<void> MemfdVnode::EnsureCapacityLocked(uint64_t bytes) {
  const uint64_t need = kstd::AlignUp(bytes, kPage);
  if (need > vmo_->size()) TRY(vmo_->Grow(need));
  return kstd::Ok();
}

kstd::Result<uint64_t> MemfdVnode::MapShared(vm::VmAspace* aspace, uint64_t addr, uint64_t offset,
                                             uint64_t size, vm::Prot prot, vm::MapFlags flags,
                                             bool may_write, bool replace) {
  if (offset > kMaxFileSize || size > kMaxFileSize - offset) return kstd::Error::kInvalid;
  SpinLockGuard guard(lock_);
  const bool sealed = (seals_ & (kSealWrite | kSealFutureWrite)) != 0;
  if (!may_write && (prot & vm::kProtWrite) != 0) return kstd::Error::kAccess;
  if (sealed && (prot & vm::kProtWrite) != 0) return kstd::Error::kPermission;
  TRY(EnsureCapacityLocked(offset + size));
  flags |= vm::kMapShared;
  if (sealed || !may_write) flags |= vm::kMapNoWrite;
  if (replace) return aspace->MapFixedReplace(addr, vmo_, offset, size, prot, flags);
  return aspace->Map(vmo_, offset, size, prot, addr, flags);
}

kstd::Result<size_t> MemfdVnode::ReadAt(uint64_t offset, kstd::Span<uint8_t> out) {
  size_t n = 0;
  {
    SpinLockGuard guard(lock_);
    if (offset >= size_) return size_t{0};
    n = static_cast<size_t>(kstd::Min<uint64_t>(out.size(), size_ - offset));
    TRY(vmo_->Read(offset, out.data(), n));
  }
  SpinLockGuard attr(attr_lock_);
  TouchAccessedLocked();
  return n;
}

kstd::Result<size_t> MemfdVnode::WriteLocked(uint64_t offset, kstd::Span<const uint8_t> in) {
  if ((seals_ & (kSealWrite | kSealFutureWrite)) != 0) return kstd::Error::kPermission;
  if (in.size() == 0) return size_t{0};
  if (offset >= kMaxFileSize || in.size() > kMaxFileSize - offset) {
    return kstd::Error::kFileTooBig;
  }
  const uint64_t end = offset + in.size();
  if (end > size_ && (seals_ & kSealGrow) != 0) return kstd::Error::kPermission;
  TRY(EnsureCapacityLocked(end));
  TRY(vmo_->Write(offset, in.data(), in.size()));
  if (end > size_) {
    size_ = end;
    vmo_->SetFaultLimit(size_);
  }
  return in.size();
}

void MemfdVnode::TouchModified() {
  NoteContentChanged();
  SpinLockGuard attr(attr_lock_);
  TouchModifiedLocked();
}

kstd::Result<size_t> MemfdVnode::WriteAt(uint64_t offset, kstd::Span<const uint8_t> in) {
  size_t n = 0;
  {
    SpinLockGuard guard(lock_);
    n = TRY(WriteLocked(offset, in));
  }
  TouchModified();
  return n;
}

kstd::Result<size_t> MemfdVnode::Append(kstd::Span<const uint8_t> in, uint64_t* end) {
  size_t n = 0;
  {
    SpinLockGuard guard(lock_);
    const uint64_t at = size_;
    n = TRY(WriteLocked(at, in));
    *end = at + n;
  }
  TouchModified();
  return n;
}

kstd::Result<void> MemfdVnode::SetSizeLocked(uint64_t size) {
  if (size > kMaxFileSize) return kstd::Error::kFileTooBig;
  TRY(EnsureCapacityLocked(size));
  // Bytes past the new end read as zeros, now and after a later growth
  // (also what a mapping past the old end may have written): zero the rest
  // of the last page when shrinking, drop the whole pages after it.
  const uint64_t tail_end = kstd::Min(kstd::AlignUp(size, kPage), vmo_->size());
  if (size < size_) TRY(ZeroLocked(size, tail_end));
  if (vmo_->size() > tail_end) TRY(vmo_->Decommit(tail_end, vmo_->size() - tail_end));
  size_ = size;
  vmo_->SetFaultLimit(size);  // mappings past the end fault with SIGBUS
  return kstd::Ok();
}

kstd::Result<void> MemfdVnode::ZeroLocked(uint64_t start, uint64_t end) {
  static const uint8_t kZeros[kPage] = {};
  end = kstd::Min(end, vmo_->size());
  while (start < end) {
    const uint64_t page_end = kstd::Min(kstd::AlignDown(start, kPage) + kPage, end);
    if ((start % kPage) == 0 && page_end - start == kPage) {
      TRY(vmo_->Decommit(start, kPage));  // a whole page: drop it
    } else {
      TRY(vmo_->Write(start, kZeros, page_end - start));
    }
    start = page_end;
  }
  return kstd::Ok();
}

kstd::Result<void> MemfdVnode::Truncate(uint64_t size) {
  {
    SpinLockGuard guard(lock_);
    if (size < size_ && (seals_ & kSealShrink) != 0) return kstd::Error::kPermission;
    if (size > size_ && (seals_ & kSealGrow) != 0) return kstd::Error::kPermission;
    TRY(SetSizeLocked(size));
  }
  TouchModified();
  return kstd::Ok();
}

kstd::Result<void> MemfdVnode::Allocate(uint32_t mode, uint64_t offset, uint64_t length) {
  if ((mode & ~(kFallocKeepSize | kFallocPunchHole)) != 0)
    return kstd::Error::kOperationNotSupported;
  if ((mode & kFallocPunchHole) != 0 && (mode & kFallocKeepSize) == 0) {
    return kstd::Error::kOperationNotSupported;
  }
  if (length == 0 || offset > kMaxFileSize || length > kMaxFileSize - offset) {
    return length == 0 ? kstd::Error::kInvalid : kstd::Error::kFileTooBig;
  }
  const uint64_t end = offset + length;
  {
    SpinLockGuard guard(lock_);
    if ((mode & kFallocPunchHole) != 0) {
      if ((seals_ & (kSealWrite | kSealFutureWrite)) != 0) return kstd::Error::kPermission;
      TRY(ZeroLocked(offset, kstd::Min(end, size_)));
    } else {
      // Pages stay demand-zero (anonymous memory is not accounted here:
      // vm.overcommit_memory 1); the size grows unless kFallocKeepSize.
      if (end > size_ && (seals_ & kSealGrow) != 0) return kstd::Error::kPermission;
      if ((mode & kFallocKeepSize) == 0 && end > size_) TRY(SetSizeLocked(end));
    }
  }
  TouchModified();
  return kstd::Ok();
}

}  // namespace core::fd
