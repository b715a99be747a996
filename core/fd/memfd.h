#pragma once

// Memfd: the file memfd_create(2) makes. An anonymous regular file (no name
// in any directory) whose bytes live in one anonymous VmObject, so a
// MAP_SHARED mapping of it shows the very pages read(2) and write(2) use,
// in every process and across fork (as Linux's shmem file). The object is
// the file's capacity: it grows with the file (or a mapping past its end)
// and never shrinks; a shrinking truncation drops the pages past the end
// (they read as zeros again) and zeroes the rest of the last page.
//
// File seals (fcntl F_ADD_SEALS/F_GET_SEALS) with Linux's rules: F_SEAL_SEAL
// forbids more seals, F_SEAL_SHRINK/F_SEAL_GROW forbid truncations (and
// writes past the end) that change the size that way, F_SEAL_WRITE and
// F_SEAL_FUTURE_WRITE forbid write(2) and new writable shared mappings
// (F_SEAL_WRITE cannot be added while a shared mapping that may write
// exists: kBusy), F_SEAL_EXEC forbids chmod of the execute bits (and, on an
// executable file, implies the write and size seals). Forbidden operations
// give kPermission (EPERM).
//
// Differences from Linux: a mapping past the end of the file reads zeros
// where Linux raises SIGBUS; the pages it touched are dropped by the next
// truncation. The name is for /proc/<pid>/fd only.
//
// Locking: lock_ (a spin lock) guards the size and the seals and is held
// across each write and truncation of the object, so they are atomic with
// respect to each other, and across mapping it (MapShared), so a new
// writable mapping and F_SEAL_WRITE cannot pass each other. Order: lock_ ->
// VmAspace lock -> VmObject lock; attr_lock_ is taken after lock_ is
// dropped.

#include <stddef.h>
#include <stdint.h>

#include "core/mm/pmm.h"
#include "core/sync/spin_lock.h"
#include "core/vfs/vnode.h"
#include "core/vm/vm_aspace.h"
#include "core/vm/vm_object.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::fd {

// Linux uapi values (include/uapi/linux/fcntl.h, include/uapi/linux/memfd.h).
inline constexpr uint32_t kSealSeal = 0x1;
inline constexpr uint32_t kSealShrink = 0x2;
inline constexpr uint32_t kSealGrow = 0x4;
inline constexpr uint32_t kSealWrite = 0x8;
inline constexpr uint32_t kSealFutureWrite = 0x10;
inline constexpr uint32_t kSealExec = 0x20;
inline constexpr uint32_t kSealAll =
    kSealSeal | kSealShrink | kSealGrow | kSealWrite | kSealFutureWrite | kSealExec;

inline constexpr uint32_t kMfdCloexec = 0x1;
inline constexpr uint32_t kMfdAllowSealing = 0x2;
inline constexpr uint32_t kMfdHugetlb = 0x4;
inline constexpr uint32_t kMfdNoexecSeal = 0x8;
inline constexpr uint32_t kMfdExec = 0x10;
inline constexpr uint32_t kMfdAll =
    kMfdCloexec | kMfdAllowSealing | kMfdHugetlb | kMfdNoexecSeal | kMfdExec;
// fallocate(2) modes (include/uapi/linux/falloc.h).
inline constexpr uint32_t kFallocKeepSize = 0x1;
inline constexpr uint32_t kFallocPunchHole = 0x2;
/// The longest name (Linux's MFD_NAME_MAX_LEN: NAME_MAX less "memfd:").
inline constexpr size_t kMemfdNameMax = 249;

class MemfdVnode final : public vfs::Vnode {
 public:
  /// Largest file (as RamFs::kMaxFileSize).
  static constexpr uint64_t kMaxFileSize = 1ull << 40;

  /// A new empty memfd named `name` (at most kMemfdNameMax bytes, no NUL)
  /// owned by uid/gid, its pages from `pmm`. `flags`: kMfdAllowSealing (else
  /// it starts sealed with kSealSeal), kMfdNoexecSeal (mode 0666 and
  /// kSealExec; sealing allowed); the rest is the caller's. Errors: kInvalid
  /// (name too long), kNoMemory.
  static kstd::Result<kstd::RefPtr<MemfdVnode>> Create(mm::PageAllocator* pmm, vfs::Name name,
                                                       uint32_t flags, uint32_t uid, uint32_t gid);

  /// The memfd behind `v`, or null if `v` is not one.
  static MemfdVnode* From(vfs::Vnode* v);

  /// "memfd:NAME", NUL-terminated.
  const char* name() const { return name_; }
  uint64_t size() const;
  uint32_t seals() const;

  /// F_ADD_SEALS: adds `seals` (for a description open for writing: the
  /// caller checks that, EPERM). Errors: kInvalid (unknown bits),
  /// kPermission (kSealSeal is set), kBusy (kSealWrite while a shared
  /// mapping may write).
  kstd::Result<void> AddSeals(uint32_t seals);

  /// mmap(MAP_SHARED): maps [offset, offset + size) of the file's object
  /// into `aspace` (growing the object when the range passes its end) with
  /// `prot` and `flags` (kMapShared added). `may_write`: the description is
  /// open for writing; without it, or with a write seal, the region never
  /// becomes writable (kMapNoWrite). Returns the address. Errors: kPermission
  /// (write access asked of a write-sealed file), kAccess (write access
  /// without may_write), kInvalid (range beyond kMaxFileSize), and Map's.
  /// `replace`: MAP_FIXED (MapFixedReplace).
  kstd::Result<uint64_t> MapShared(vm::VmAspace* aspace, uint64_t addr, uint64_t offset,
                                   uint64_t size, vm::Prot prot, vm::MapFlags flags, bool may_write,
                                   bool replace);

  vfs::Attributes GetAttr() const override;
  /// chmod with kSealExec may not change the execute bits (kPermission).
  kstd::Result<void> SetAttr(const vfs::SetAttrRequest& request) override;
  kstd::Result<size_t> ReadAt(uint64_t offset, kstd::Span<uint8_t> out) override;
  /// Errors: kPermission (write seals; kSealGrow and the write passes the
  /// end), kFileTooBig, kNoMemory.
  kstd::Result<size_t> WriteAt(uint64_t offset, kstd::Span<const uint8_t> in) override;
  kstd::Result<size_t> Append(kstd::Span<const uint8_t> in, uint64_t* end) override;
  /// Errors: kPermission (kSealShrink/kSealGrow), kFileTooBig, kNoMemory.
  kstd::Result<void> Truncate(uint64_t size) override;

  /// fallocate(2) of [offset, offset + length): mode 0 grows the file to
  /// cover it (its pages stay demand-zero: anonymous memory is not
  /// reserved here), kFallocKeepSize leaves the size, kFallocPunchHole
  /// (with kFallocKeepSize) zeroes the range and drops its whole pages.
  /// Errors: kOperationNotSupported (other modes; a hole without kFallocKeepSize),
  /// kInvalid (length 0), kFileTooBig, kPermission (kSealGrow and the range
  /// passes the end, even with kFallocKeepSize; a hole in a write-sealed
  /// file), kNoMemory.
  kstd::Result<void> Allocate(uint32_t mode, uint64_t offset, uint64_t length);

 private:
  MemfdVnode(kstd::RefPtr<vfs::FileSystem> fs, uint64_t ino, uint32_t mode, uint32_t uid,
             uint32_t gid, kstd::RefPtr<vm::VmObject> vmo, uint32_t seals);

  kstd::Result<size_t> WriteLocked(uint64_t offset, kstd::Span<const uint8_t> in) REQUIRES(lock_);
  /// Sets the size (no seal checks): see Truncate.
  kstd::Result<void> SetSizeLocked(uint64_t size) REQUIRES(lock_);
  /// Zeroes [start, end) of the object, dropping whole pages.
  kstd::Result<void> ZeroLocked(uint64_t start, uint64_t end) REQUIRES(lock_);
  /// Makes the object at least `bytes` long (page multiple).
  kstd::Result<void> EnsureCapacityLocked(uint64_t bytes) REQUIRES(lock_);
  void TouchModified();

  mutable SpinLock lock_;
  const kstd::RefPtr<vm::VmObject> vmo_;
  uint64_t size_ GUARDED_BY(lock_) = 0;
  uint32_t seals_ GUARDED_BY(lock_);
  char name_[6 + kMemfdNameMax + 1] = {};
};

}  // namespace core::fd
