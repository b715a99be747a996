// Linux memory calls: brk, mmap, munmap, mprotect, mremap. Anonymous memory,
// and private mappings of regular files (a copy of the file's bytes taken at
// mmap time: there is no page cache to share with, so later writes to the
// file are not seen, which POSIX leaves unspecified for MAP_PRIVATE). Shared
// file mappings are refused with ENODEV (counted in /proc/tessera/unsupported).

#include "abi/linux/mman.h"
#include "core/kernel/memory.h"
#include "core/syscall/refusals.h"
#include "core/syscall/sys_common.h"
#include "core/vm/vm_aspace.h"
#include "core/vm/vm_object.h"
#include "core/vfs/devfs.h"
#include "core/vfs/vnode.h"
#include "kstd/utility.h"

namespace core::syscall {
namespace {

constexpr uint64_t kPage = 4096;
// Linux uapi values: abi/linux/mman.h.
constexpr int32_t kMapNorm = 0x200000;
constexpr int32_t kKnownFlags =
    linux_abi::kMapShared | linux_abi::kMapPrivate | linux_abi::kMapFixed |
    linux_abi::kMapAnonymous | linux_abi::kMapNoReserve | linux_abi::kMapPopulate |
    linux_abi::kMapNonBlock | linux_abi::kMapStack | linux_abi::kMapGrowsDown |
    linux_abi::kMapFixedNoReplace | linux_abi::kMapDenyWrite | linux_abi::kMapExecutable | kMapNorm;
// Hints without effect here, accepted as Linux accepts them: NORESERVE (no
// overcommit accounting), POPULATE/NONBLOCK (pages still come on first
// touch), STACK, DENYWRITE, EXECUTABLE. GROWSDOWN and the 0x200000 bit are
// refused below.

int64_t VmErrno(kstd::Error e) {
  switch (e) {
    case kstd::Error::kNotFound: return Errno(kstd::Error::kNoMemory);  // POSIX: ENOMEM
    case kstd::Error::kAccess: return Errno(kstd::Error::kAccess);
    default: return Errno(e);
  }
}

bool ToProt(int32_t prot, vm::Prot* out) {
  if ((prot & ~(linux_abi::kProtRead | linux_abi::kProtWrite | linux_abi::kProtExec)) != 0) {
    return false;
  }
  vm::Prot p = vm::kProtNone;
  if (prot & linux_abi::kProtRead) p |= vm::kProtRead;
  if (prot & linux_abi::kProtWrite) p |= vm::kProtWrite | vm::kProtRead;  // x86 cannot write-only
  if (prot & linux_abi::kProtExec) p |= vm::kProtExec | vm::kProtRead;
  *out = p;
  return true;
}

// A private file mapping's memory object gets the file's bytes [offset,
// offset + size): what exists of them (the rest of the last page is zero;
// pages wholly past the end read as zeros, where Linux raises SIGBUS).
// Returns 0 or -errno: EBADF (not an open fd), EACCES (not opened for
// reading; PROT_EXEC on a noexec mount), ENODEV (not a regular file, or a
// shared mapping: no page cache to share), EINVAL (negative offset), EIO.
// /dev/zero gives zeros, shared or not (anonymous memory).
int64_t FillFromFile(vm::VmObject* vmo, int32_t fd, int64_t offset, uint64_t size, int32_t prot,
                     bool shared) {
  if (fd < 0) return Errno(kstd::Error::kBadHandle);
  auto file = CurrentProcess()->fds()->Get(fd);
  if (file.is_error()) return Errno(file.error());
  vfs::Vnode* v = file.value()->vnode();
  // /dev/zero maps anonymous memory (shared or private), as on Linux.
  if (v != nullptr && v->type() == vfs::VnodeType::kCharDevice && v->GetAttr().rdev == vfs::kDevZero) {
    return 0;
  }
  if (v == nullptr || v->type() != vfs::VnodeType::kRegular) return Errno(kstd::Error::kNoDevice);
  if (shared) return Refuse("mmap", "shared_file_mapping", static_cast<uint32_t>(prot), kstd::Error::kNoDevice);
  if (!file.value()->readable()) return Errno(kstd::Error::kAccess);
  if ((prot & linux_abi::kProtExec) != 0 && (v->fs()->mount_flags() & vfs::kMountNoExec) != 0) {
    return Errno(kstd::Error::kPermission);
  }
  if (offset < 0) return Errno(kstd::Error::kInvalid);
  const uint64_t file_size = v->GetAttr().size;
  const uint64_t start = static_cast<uint64_t>(offset);
  if (start >= file_size) return 0;
  const uint64_t want = kstd::Min(size, file_size - start);
  constexpr size_t kChunk = 16 * 1024;
  uint8_t* chunk = new (kstd::nothrow) uint8_t[kChunk];
  if (chunk == nullptr) return Errno(kstd::Error::kNoMemory);
  uint64_t done = 0;
  int64_t result = 0;
  while (done < want) {
    size_t n = static_cast<size_t>(kstd::Min<uint64_t>(want - done, kChunk));
    auto r = v->ReadAt(start + done, kstd::Span<uint8_t>(chunk, n));
    if (r.is_error()) {
      result = Errno(r.error());
      break;
    }
    if (r.value() == 0) break;  // the file shrank meanwhile: zeros from here
    if (vmo->Write(done, chunk, r.value()).is_error()) {
      result = Errno(kstd::Error::kNoMemory);
      break;
    }
    done += r.value();
  }
  delete[] chunk;
  return result;
}

}  // namespace

int64_t SysLinuxMmap(uint64_t addr, uint64_t length, int32_t prot, int32_t flags, int32_t fd,
                     int64_t offset) {
  if ((flags & ~kKnownFlags) != 0 || (flags & (linux_abi::kMapGrowsDown | kMapNorm)) != 0) {
    return Refuse(
        "mmap", "flags",
        static_cast<uint32_t>(flags & (~kKnownFlags | linux_abi::kMapGrowsDown | kMapNorm)));
  }
  int sharing = flags & (linux_abi::kMapShared | linux_abi::kMapPrivate);
  if (sharing != linux_abi::kMapShared && sharing != linux_abi::kMapPrivate) {
    return Errno(kstd::Error::kInvalid);
  }
  if (length == 0 || (offset & (kPage - 1)) != 0) return Errno(kstd::Error::kInvalid);
  vm::Prot vprot;
  if (!ToProt(prot, &vprot)) return Errno(kstd::Error::kInvalid);
  uint64_t size = kstd::AlignUp(length, kPage);
  if (size < length) return Errno(kstd::Error::kNoMemory);
  if ((flags & (linux_abi::kMapFixed | linux_abi::kMapFixedNoReplace)) != 0 &&
      (addr & (kPage - 1)) != 0) {
    return Errno(kstd::Error::kInvalid);
  }
  auto vmo = vm::VmObject::CreateAnonymous(&Pmm(), size);
  if (vmo.is_error()) return Errno(vmo.error());
  if ((flags & linux_abi::kMapAnonymous) == 0) {
    int64_t filled =
        FillFromFile(vmo.value().get(), fd, offset, size, prot, sharing == linux_abi::kMapShared);
    if (filled < 0) return filled;
  }
  vm::MapFlags mflags = (sharing == linux_abi::kMapShared) ? vm::kMapShared : 0;
  vm::VmAspace* aspace = CurrentProcess()->aspace();
  kstd::Result<uint64_t> mapped = kstd::Error::kInvalid;
  if (flags & linux_abi::kMapFixed) {
    mapped = aspace->MapFixedReplace(addr, vmo.release_value(), 0, size, vprot, mflags);
  } else if (flags & linux_abi::kMapFixedNoReplace) {
    mapped = aspace->Map(vmo.release_value(), 0, size, vprot, addr, mflags | vm::kMapFixed);
  } else {
    mapped = aspace->Map(vmo.release_value(), 0, size, vprot, kstd::AlignDown(addr, kPage), mflags);
  }
  if (mapped.is_error()) return VmErrno(mapped.error());
  return static_cast<int64_t>(mapped.value());
}

int64_t SysLinuxMunmap(uint64_t addr, uint64_t length) {
  if ((addr & (kPage - 1)) != 0 || length == 0) return Errno(kstd::Error::kInvalid);
  uint64_t size = kstd::AlignUp(length, kPage);
  if (size < length) return Errno(kstd::Error::kInvalid);
  auto r = CurrentProcess()->aspace()->Unmap(addr, size);
  return r.ok() ? 0 : VmErrno(r.error());
}

int64_t SysLinuxMprotect(uint64_t addr, uint64_t length, int32_t prot) {
  if ((addr & (kPage - 1)) != 0) return Errno(kstd::Error::kInvalid);
  vm::Prot vprot;
  if (!ToProt(prot, &vprot)) return Errno(kstd::Error::kInvalid);
  if (length == 0) return 0;
  uint64_t size = kstd::AlignUp(length, kPage);
  if (size < length) return Errno(kstd::Error::kNoMemory);
  auto r = CurrentProcess()->aspace()->Protect(addr, size, vprot);
  return r.ok() ? 0 : VmErrno(r.error());
}

int64_t SysLinuxMremap(uint64_t old_addr, uint64_t old_size, uint64_t new_size, uint64_t flags,
                       uint64_t new_addr) {
  // Linux uapi values; MREMAP_DONTUNMAP (4) is not implemented: EINVAL.
  if ((flags & ~(linux_abi::kMremapMayMove | linux_abi::kMremapFixed)) != 0)
    return Refuse("mremap", "flags",
                  flags & ~(linux_abi::kMremapMayMove | linux_abi::kMremapFixed));
  if ((old_addr & (kPage - 1)) != 0) return Errno(kstd::Error::kInvalid);
  // Lengths round up to pages, as on Linux; one that wraps cannot be mapped.
  const uint64_t old_pages = kstd::AlignUp(old_size, kPage);
  const uint64_t new_pages = kstd::AlignUp(new_size, kPage);
  if (old_pages < old_size) return Errno(kstd::Error::kFault);
  if (new_pages < new_size || new_pages == 0) return Errno(kstd::Error::kInvalid);
  vm::RemapFlags vflags = 0;
  if (flags & linux_abi::kMremapMayMove) vflags |= vm::kRemapMayMove;
  if (flags & linux_abi::kMremapFixed) vflags |= vm::kRemapFixed;
  auto r = CurrentProcess()->aspace()->Remap(old_addr, old_pages, new_pages, vflags, new_addr);
  if (r.is_error()) return Errno(r.error());  // kInvalid, kFault, kNoMemory: Linux's errnos
  return static_cast<int64_t>(r.value());
}

int64_t SysLinuxBrk(uint64_t requested) {
  // Linux semantics: returns the new break, or the old one if the request
  // cannot be met (never an error code).
  Process* p = CurrentProcess();
  SpinLockGuard guard(p->brk_lock_);
  uint64_t current = p->brk_current_;
  if (requested == 0 || requested < p->brk_start_) return static_cast<int64_t>(current);
  constexpr uint64_t kMaxHeap = 1ULL << 32;  // 4 GiB of brk heap at most
  if (requested - p->brk_start_ > kMaxHeap) return static_cast<int64_t>(current);
  uint64_t old_end = kstd::AlignUp(current, kPage);
  uint64_t new_end = kstd::AlignUp(requested, kPage);
  vm::VmAspace* aspace = p->aspace();
  if (new_end > old_end) {
    auto vmo = vm::VmObject::CreateAnonymous(&Pmm(), new_end - old_end);
    if (vmo.is_error()) return static_cast<int64_t>(current);
    auto mapped = aspace->Map(vmo.release_value(), 0, new_end - old_end,
                              vm::kProtRead | vm::kProtWrite, old_end, vm::kMapFixed);
    if (mapped.is_error()) return static_cast<int64_t>(current);
  } else if (new_end < old_end) {
    if (aspace->Unmap(new_end, old_end - new_end).is_error()) return static_cast<int64_t>(current);
  }
  p->brk_current_ = requested;
  return static_cast<int64_t>(requested);
}

}  // namespace core::syscall
