// Linux memory calls: brk, mmap, munmap, mprotect, mremap, madvise. Anonymous memory,
// and private mappings of regular files (a copy of the file's bytes taken at
// mmap time: there is no page cache to share with, so later writes to the
// file are not seen, which POSIX leaves unspecified for MAP_PRIVATE). Shared
// mappings of a memfd show the memfd's own memory object (core/fd/memfd.h);
// other shared file mappings are refused with ENODEV (counted in
// /proc/tessera/unsupported).

#include "abi/linux/resource.h"
#include "core/fd/memfd.h"
#include "core/kernel/memory.h"
#include "core/syscall/sys_common.h"
#include "core/unsupported/refusals.h"
#include "core/vfs/devfs.h"
#include "core/vfs/vnode.h"
#include "core/vm/vm_aspace.h"
#include "core/vm/vm_object.h"
#include "kstd/utility.h"

namespace core::syscall {
namespace {

// RLIMIT_AS (Linux's may_expand_vm): a mapping of `size` bytes may not take
// the address space past the soft limit; a MAP_FIXED one replaces what it
// covers, which does not count twice. Errors: kNoMemory.
kstd::Result<void> CheckAddressSpaceLimit(uint64_t addr, uint64_t size, bool replaces) {
  Process* p = CurrentProcess();
  uint64_t limit = p->resource_limit(linux_abi::kRlimitAs).cur;
  if (limit == linux_abi::kRlimInfinity) return kstd::Ok();
  uint64_t mapped = p->aspace()->MappedBytes();
  uint64_t growth = size;
  if (replaces) growth -= p->aspace()->MappedBytes(addr, size);
  if (mapped > limit || growth > limit - mapped) return kstd::Error::kNoMemory;
  return kstd::Ok();
}

constexpr uint64_t kPage = 4096;
// Linux uapi values.
constexpr int32_t kProtRead = 1, kProtWrite = 2, kProtExec = 4;
constexpr int32_t kMapShared = 0x01, kMapPrivate = 0x02, kMapFixed = 0x10, kMapAnonymous = 0x20;
constexpr int32_t kMapNoReserve = 0x4000, kMapPopulate = 0x8000, kMapNonBlock = 0x10000;
constexpr int32_t kMapStack = 0x20000, kMapGrowsDown = 0x100, kMapFixedNoReplace = 0x100000;
constexpr int32_t kMapDenyWrite = 0x800, kMapExecutable = 0x1000, kMapNorm = 0x200000;
constexpr int32_t kKnownFlags = kMapShared | kMapPrivate | kMapFixed | kMapAnonymous |
                                kMapNoReserve | kMapPopulate | kMapNonBlock | kMapStack |
                                kMapGrowsDown | kMapFixedNoReplace | kMapDenyWrite |
                                kMapExecutable | kMapNorm;
// Hints without effect here, accepted as Linux accepts them: NORESERVE (no
// overcommit accounting), POPULATE/NONBLOCK (pages still come on first
// touch), STACK, DENYWRITE, EXECUTABLE. GROWSDOWN and the 0x200000 bit are
// refused below.

// The errno POSIX gives for a failed change of the address space.
kstd::Error VmError(kstd::Error e) {
  switch (e) {
    case kstd::Error::kNotFound: return kstd::Error::kNoMemory;  // POSIX: ENOMEM
    default: return e;
  }
}

bool ToProt(int32_t prot, vm::Prot* out) {
  if ((prot & ~(kProtRead | kProtWrite | kProtExec)) != 0) return false;
  vm::Prot p = vm::kProtNone;
  if (prot & kProtRead) p |= vm::kProtRead;
  if (prot & kProtWrite) p |= vm::kProtWrite | vm::kProtRead;  // x86 cannot write-only
  if (prot & kProtExec) p |= vm::kProtExec | vm::kProtRead;
  *out = p;
  return true;
}

// A private file mapping's memory object gets the file's bytes [offset,
// offset + size): what exists of them (the rest of the last page is zero;
// pages wholly past the end read as zeros, where Linux raises SIGBUS).
// Errors: EBADF (not an open fd), EACCES (not opened for
// reading; PROT_EXEC on a noexec mount), ENODEV (not a regular file, or a
// shared mapping: no page cache to share), EINVAL (negative offset), EIO.
// /dev/zero gives zeros, shared or not (anonymous memory).
kstd::Result<void> FillFromFile(vm::VmObject* vmo, int32_t fd, int64_t offset, uint64_t size,
                                int32_t prot, bool shared) {
  if (fd < 0) return kstd::Error::kBadHandle;
  auto file = TRY(CurrentProcess()->fds()->Get(fd));
  vfs::Vnode* v = file->vnode();
  // /dev/zero maps anonymous memory (shared or private), as on Linux.
  if (v != nullptr && v->type() == vfs::VnodeType::kCharDevice &&
      v->GetAttr().rdev == vfs::kDevZero) {
    return kstd::Ok();
  }
  if (v == nullptr || v->type() != vfs::VnodeType::kRegular) return kstd::Error::kNoDevice;
  if (shared)
    return Refuse("mmap", "shared_file_mapping", static_cast<uint32_t>(prot),
                  kstd::Error::kNoDevice);
  if (!file->readable()) return kstd::Error::kAccess;
  if ((prot & kProtExec) != 0 && (v->fs()->mount_flags() & vfs::kMountNoExec) != 0) {
    return kstd::Error::kPermission;
  }
  if (offset < 0) return kstd::Error::kInvalid;
  const uint64_t file_size = v->GetAttr().size;
  const uint64_t start = static_cast<uint64_t>(offset);
  if (start >= file_size) return kstd::Ok();
  const uint64_t want = kstd::Min(size, file_size - start);
  constexpr size_t kChunk = 16 * 1024;
  uint8_t* chunk = new (kstd::nothrow) uint8_t[kChunk];
  if (chunk == nullptr) return kstd::Error::kNoMemory;
  uint64_t done = 0;
  kstd::Result<void> result = kstd::Ok();
  while (done < want) {
    size_t n = static_cast<size_t>(kstd::Min<uint64_t>(want - done, kChunk));
    auto r = v->ReadAt(start + done, kstd::Span<uint8_t>(chunk, n));
    if (r.is_error()) {
      result = r.error();
      break;
    }
    if (r.value() == 0) break;  // the file shrank meanwhile: zeros from here
    if (vmo->Write(done, chunk, r.value()).is_error()) {
      result = kstd::Error::kNoMemory;
      break;
    }
    done += r.value();
  }
  delete[] chunk;
  return result;
}

// mmap(MAP_SHARED) of a memfd: its memory object itself. Null when `fd`
// is not a memfd (the caller goes on as for any file). Errors: EACCES (not
// open for reading; PROT_WRITE without write access), EPERM (PROT_WRITE on
// a write-sealed memfd), and the address space's.
kstd::Result<uint64_t> MapMemfd(int32_t fd, uint64_t addr, uint64_t size, int32_t flags,
                                int64_t offset, vm::Prot vprot, bool* handled) {
  *handled = false;
  if (fd < 0) return kstd::Error::kBadHandle;
  auto file = TRY(CurrentProcess()->fds()->Get(fd));
  fd::MemfdVnode* memfd = fd::MemfdVnode::From(file->vnode());
  if (memfd == nullptr) return uint64_t{0};
  *handled = true;
  if (!file->readable()) return kstd::Error::kAccess;
  if (offset < 0) return kstd::Error::kInvalid;
  vm::MapFlags mflags = 0;
  uint64_t at = kstd::AlignDown(addr, kPage);
  if (flags & kMapFixedNoReplace) {
    mflags |= vm::kMapFixed;
    at = addr;
  }
  const bool replace = (flags & kMapFixed) != 0;
  if (replace) at = addr;
  auto mapped = memfd->MapShared(CurrentProcess()->aspace(), at, static_cast<uint64_t>(offset),
                                 size, vprot, mflags, file->writable(), replace);
  if (mapped.is_error()) return VmError(mapped.error());
  return mapped.value();
}

}  // namespace

kstd::Result<uint64_t> SysLinuxMmap(uint64_t addr, uint64_t length, int32_t prot, int32_t flags,
                                    int32_t fd, int64_t offset) {
  if ((flags & ~kKnownFlags) != 0 || (flags & (kMapGrowsDown | kMapNorm)) != 0) {
    return Refuse("mmap", "flags",
                  static_cast<uint32_t>(flags & (~kKnownFlags | kMapGrowsDown | kMapNorm)));
  }
  int sharing = flags & (kMapShared | kMapPrivate);
  if (sharing != kMapShared && sharing != kMapPrivate) return kstd::Error::kInvalid;
  if (length == 0 || (offset & (kPage - 1)) != 0) return kstd::Error::kInvalid;
  vm::Prot vprot;
  if (!ToProt(prot, &vprot)) return kstd::Error::kInvalid;
  uint64_t size = kstd::AlignUp(length, kPage);
  if (size < length) return kstd::Error::kNoMemory;
  if ((flags & (kMapFixed | kMapFixedNoReplace)) != 0 && (addr & (kPage - 1)) != 0) {
    return kstd::Error::kInvalid;
  }
  TRY(CheckAddressSpaceLimit(addr, size, (flags & kMapFixed) != 0));
  if ((flags & kMapAnonymous) == 0 && sharing == kMapShared) {
    bool handled = false;
    auto mapped = MapMemfd(fd, addr, size, flags, offset, vprot, &handled);
    if (handled || mapped.is_error()) return mapped;
  }
  auto vmo = TRY(vm::VmObject::CreateAnonymous(&Pmm(), size));
  if ((flags & kMapAnonymous) == 0) {
    TRY(FillFromFile(vmo.get(), fd, offset, size, prot, sharing == kMapShared));
  }
  vm::MapFlags mflags = (sharing == kMapShared) ? vm::kMapShared : 0;
  vm::VmAspace* aspace = CurrentProcess()->aspace();
  kstd::Result<uint64_t> mapped = kstd::Error::kInvalid;
  if (flags & kMapFixed) {
    mapped = aspace->MapFixedReplace(addr, kstd::Move(vmo), 0, size, vprot, mflags);
  } else if (flags & kMapFixedNoReplace) {
    mapped = aspace->Map(kstd::Move(vmo), 0, size, vprot, addr, mflags | vm::kMapFixed);
  } else {
    mapped = aspace->Map(kstd::Move(vmo), 0, size, vprot, kstd::AlignDown(addr, kPage), mflags);
  }
  if (mapped.is_error()) return VmError(mapped.error());
  return mapped.value();  // an address below the user limit
}

kstd::Result<uint64_t> SysLinuxMunmap(uint64_t addr, uint64_t length) {
  if ((addr & (kPage - 1)) != 0 || length == 0) return kstd::Error::kInvalid;
  uint64_t size = kstd::AlignUp(length, kPage);
  if (size < length) return kstd::Error::kInvalid;
  auto r = CurrentProcess()->aspace()->Unmap(addr, size);
  if (r.is_error()) return VmError(r.error());
  return 0;
}

kstd::Result<uint64_t> SysLinuxMprotect(uint64_t addr, uint64_t length, int32_t prot) {
  if ((addr & (kPage - 1)) != 0) return kstd::Error::kInvalid;
  vm::Prot vprot;
  if (!ToProt(prot, &vprot)) return kstd::Error::kInvalid;
  if (length == 0) return 0;
  uint64_t size = kstd::AlignUp(length, kPage);
  if (size < length) return kstd::Error::kNoMemory;
  auto r = CurrentProcess()->aspace()->Protect(addr, size, vprot);
  if (r.is_error()) return VmError(r.error());
  return 0;
}

kstd::Result<uint64_t> SysLinuxMremap(uint64_t old_addr, uint64_t old_size, uint64_t new_size,
                                      uint64_t flags, uint64_t new_addr) {
  // Linux uapi values; MREMAP_DONTUNMAP (4) is not implemented: EINVAL.
  constexpr uint64_t kMayMove = 1, kFixed = 2;
  if ((flags & ~(kMayMove | kFixed)) != 0)
    return Refuse("mremap", "flags", flags & ~(kMayMove | kFixed));
  if ((old_addr & (kPage - 1)) != 0) return kstd::Error::kInvalid;
  // Lengths round up to pages, as on Linux; one that wraps cannot be mapped.
  const uint64_t old_pages = kstd::AlignUp(old_size, kPage);
  const uint64_t new_pages = kstd::AlignUp(new_size, kPage);
  if (old_pages < old_size) return kstd::Error::kFault;
  if (new_pages < new_size || new_pages == 0) return kstd::Error::kInvalid;
  vm::RemapFlags vflags = 0;
  if (flags & kMayMove) vflags |= vm::kRemapMayMove;
  if (flags & kFixed) vflags |= vm::kRemapFixed;
  // Errors kInvalid, kFault, kNoMemory: Linux's errnos.
  if (new_pages > old_pages) {
    TRY(CheckAddressSpaceLimit(0, new_pages - old_pages, false));  // bytes, page-rounded
  }
  return TRY(CurrentProcess()->aspace()->Remap(old_addr, old_pages, new_pages, vflags, new_addr));
}

kstd::Result<uint64_t> SysLinuxBrk(uint64_t requested) {
  return CurrentProcess()->MoveBrk(requested);
}

kstd::Result<uint64_t> SysLinuxMadvise(uint64_t addr, uint64_t length, int32_t advice) {
  constexpr int32_t kNormal = 0, kRandom = 1, kSequential = 2, kWillNeed = 3, kDontNeed = 4;
  constexpr int32_t kFree = 8, kHugePage = 14, kNoHugePage = 15, kDontDump = 16, kDoDump = 17;
  if ((addr & 4095) != 0) return kstd::Error::kInvalid;
  switch (advice) {
    case kNormal:
    case kRandom:
    case kSequential:
    case kWillNeed:
    case kHugePage:
    case kNoHugePage:
    case kDontDump:
    case kDoDump: return 0;  // hints about paging behaviour, free to ignore
    case kDontNeed:
    case kFree: {
      // The pages must read back as zero afterwards: replace the range with
      // fresh demand-zero memory of the same protection.
      if (length == 0) return 0;
      uint64_t size = kstd::AlignUp(length, 4096);
      vm::VmAspace* aspace = CurrentProcess()->aspace();
      auto region = aspace->Query(addr);
      if (region.is_error()) return kstd::Error::kNoMemory;
      if (region.value().shared || region.value().guard) return kstd::Error::kInvalid;
      auto vmo = TRY(vm::VmObject::CreateAnonymous(&Pmm(), size));
      TRY(aspace->MapFixedReplace(addr, kstd::Move(vmo), 0, size, region.value().prot, 0));
      return 0;
    }
    default: return Refuse("madvise", "advice", static_cast<uint32_t>(advice));
  }
}

}  // namespace core::syscall
