#pragma once

// VmObject (VMO): a kernel object that is a range of memory, mapped into
// address spaces by VmAspace.
//
// - Anonymous: demand-zero. Pages come from the pmm on first touch, zero-filled,
//   and live in a PageTree. Each page the VMO holds carries one pmm reference.
// - Physical: a fixed physical range (boot modules, read-only; later MMIO and
//   DMA), always present, never freed by the VMO.
//
// Copy-on-write: CloneCow gives a new anonymous VMO holding the same pages (one
// more pmm reference each) and write-protects the source's mappings. Invariant:
// a page with pmm refcount > 1 is never mapped writable anywhere, so a write
// fault (or Write) on it copies the page first; with refcount 1 it is simply
// made writable again. Absent pages stay demand-zero on both sides.
//
// Locking: KernelObject::lock_ guards the page tree and the mapping list. Lock
// order: VmAspace::lock_ -> VmObject::lock_ -> UserPageTable lock -> heap -> pmm.

#include <stddef.h>
#include <stdint.h>
#include "core/sync/thread_annotations.h"

#include "core/mm/pmm.h"
#include "core/object/kernel_object.h"
#include "core/vm/page_tree.h"
#include "core/vm/pinned_quota.h"
#include "core/vm/vm_mapping.h"
#include "core/vm/vm_types.h"
#include "kstd/intrusive_list.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::vm {

class VmObject final : public KernelObject {
 public:
  /// Largest VMO: all of user space.
  static constexpr uint64_t kMaxSize = kUserTop;

  /// An anonymous, demand-zero VMO of `size` bytes whose pages come from `pmm`.
  /// Errors: kInvalid (size 0, not page aligned, or above kMaxSize), kNoMemory.
  static kstd::Result<kstd::RefPtr<VmObject>> CreateAnonymous(mm::PageAllocator* pmm,
                                                              uint64_t size);

  /// A VMO showing the physical range [base, base + size), which it never frees.
  /// `writable` false (boot modules) forbids write mappings; `cache` is the
  /// memory type of its mappings.
  /// Errors: kInvalid (size 0, base or size not page aligned, range beyond
  /// 2^52 or above kMaxSize), kNoMemory.
  static kstd::Result<kstd::RefPtr<VmObject>> CreatePhysical(
      PhysAddr base, uint64_t size, bool writable, CachePolicy cache = CachePolicy::kWriteBack);

  /// A physical VMO over pages it owns: `count` contiguous pages from the pmm
  /// at `base` (each block head holding one reference), freed with FreeRun
  /// when the VMO goes. For DMA buffers, whose device address is known.
  /// `quota`, if given, has been charged `count` pages by the caller; the
  /// VMO takes that charge over and gives it back when it goes.
  /// Errors: kInvalid, kNoMemory (the caller frees the run and undoes the
  /// charge then).
  static kstd::Result<kstd::RefPtr<VmObject>> CreateContiguousOwned(
      mm::PageAllocator* pmm, PhysAddr base, uint64_t count,
      kstd::RefPtr<PinnedQuota> quota = nullptr);

  ~VmObject() override;

  bool is_physical() const { return physical_; }
  /// Bytes (a page multiple).
  uint64_t size() const { return size_; }
  /// Whether mappings may be writable (false only for read-only physical VMOs).
  bool writable() const { return writable_; }
  CachePolicy cache_policy() const { return cache_; }
  /// First physical address of a physical VMO (0 for anonymous ones).
  PhysAddr physical_base() const { return phys_base_; }

  /// Pages with memory behind them: committed pages of an anonymous VMO, every
  /// page of a physical one (resident, though not owned).
  uint64_t resident_pages() const;

  /// Copy-on-write clone of [offset, offset + size): a new anonymous VMO of
  /// `size` bytes whose page i is this VMO's page offset/4096 + i, shared until
  /// either side writes. Write-protects this VMO's mappings of shared pages
  /// (through their TLB hooks). Takes this VMO's lock.
  /// Errors: kInvalid (range empty, unaligned or outside the VMO),
  /// kNotSupported (physical VMO), kNoMemory (nothing changed).
  kstd::Result<kstd::RefPtr<VmObject>> CloneCow(uint64_t offset, uint64_t size);

  /// Drops the pages of [offset, offset + size) (they read as zero again),
  /// unmapping them from every mapping first. Takes this VMO's lock.
  /// Errors: kInvalid (range unaligned or outside the VMO), kNotSupported
  /// (physical VMO).
  kstd::Result<void> Decommit(uint64_t offset, uint64_t size);

  /// Copies `len` bytes at `offset` out of an anonymous VMO; absent pages read
  /// as zeros (nothing is committed).
  /// Errors: kInvalid (range outside the VMO), kNotSupported (physical VMO).
  kstd::Result<void> Read(uint64_t offset, void* out, size_t len) const;

  /// Copies `len` bytes into an anonymous VMO at `offset`, committing pages and
  /// breaking copy-on-write sharing as a write fault would (e.g. to load an
  /// ELF segment).
  /// Errors: kInvalid (range outside the VMO), kNotSupported (physical VMO),
  /// kNoMemory (bytes before the failing page were written).
  kstd::Result<void> Write(uint64_t offset, const void* data, size_t len);

  /// Makes an anonymous VMO `new_size` bytes long (mremap growing a mapping);
  /// the new pages are demand-zero. Never shrinks: a smaller size changes
  /// nothing. Takes this VMO's lock.
  /// Errors (nothing changed): kInvalid (unaligned, above kMaxSize),
  /// kNotSupported (physical VMO), kNoMemory.
  kstd::Result<void> Grow(uint64_t new_size);

  /// Pages at or past byte `bytes` (rounded up to a page) may not be
  /// faulted in: the file's end of a memfd, whose mappings past it raise
  /// SIGBUS as Linux's shmem does (FaultIn gives kNoDeviceOrAddress). Pages
  /// already mapped there are unmapped. kNoFaultLimit (the default) lifts
  /// it. Takes this VMO's lock.
  static constexpr uint64_t kNoFaultLimit = ~uint64_t{0};
  void SetFaultLimit(uint64_t bytes);
  /// Whether byte `offset` is at or past the fault limit.
  bool PastFaultLimit(uint64_t offset) const;

  /// Mappings registered (for tests and diagnostics).
  size_t mapping_count() const;
  /// Shared mappings that are or may become writable (not kMapNoWrite):
  /// what Linux counts in i_mmap_writable, for memfd's F_SEAL_WRITE.
  size_t shared_writable_mapping_count() const;

 private:
  friend class VmAspace;
  using MappingList = kstd::IntrusiveList<VmMapping, &VmMapping::vmo_node>;

  VmObject(mm::PageAllocator* pmm, uint64_t size);
  VmObject(PhysAddr base, uint64_t size, bool writable, CachePolicy cache);

  // --- For VmAspace, which holds its own lock; each takes this VMO's lock. ---
  void AddMapping(VmMapping* mapping);
  void RemoveMapping(VmMapping* mapping);
  /// Moves a registered mapping: its fields change under this lock.
  void UpdateMapping(VmMapping* mapping, uint64_t base, uint64_t size, uint64_t vmo_offset);
  /// Sets mapping->prot and applies it to the pages it has mapped: kProtNone
  /// unmaps them (the VMO keeps them), otherwise present pages get the new
  /// attributes but never gain write access (write faults grant it).
  void ProtectMapping(VmMapping* mapping, Prot prot);
  /// Maps the page of `mapping` containing `virt` (page aligned) for `access`,
  /// committing a zero page or breaking copy-on-write as needed. The mapping's
  /// protection has been checked. Errors: kNoMemory, kNoDeviceOrAddress
  /// (past the fault limit).
  kstd::Result<void> FaultIn(const VmMapping& mapping, uint64_t virt, Access access);

  // --- Helpers; lock_ held. ---
  bool IsExclusive(PhysAddr phys) const;
  kstd::Result<PhysAddr> CommitZeroLocked(uint64_t index) REQUIRES(lock_);
  /// The page at `index`, made exclusive to this VMO (committed if absent).
  kstd::Result<PhysAddr> WritablePageLocked(uint64_t index) REQUIRES(lock_);
  /// Unmaps [offset, offset + size) of this VMO from every mapping.
  void UnmapLocked(uint64_t offset, uint64_t size) REQUIRES(lock_);
  /// Write-protects the present pages of [offset, offset + size) in every
  /// writable mapping.
  void WriteProtectLocked(uint64_t offset, uint64_t size) REQUIRES(lock_);

  const bool physical_;
  const bool writable_;
  const CachePolicy cache_;
  uint64_t size_;                     // only Grow changes it (under lock_); reads are single loads
  const PhysAddr phys_base_ = 0;      // physical VMOs
  uint64_t owned_run_pages_ = 0;      // CreateContiguousOwned: pages to FreeRun
  kstd::RefPtr<PinnedQuota> quota_;   // CreateContiguousOwned: charged owned_run_pages_
  mm::PageAllocator* pmm_ = nullptr;  // anonymous VMOs, and owned contiguous runs
  PageTree pages_;                    // anonymous VMOs; guarded by lock_
  MappingList mappings_ GUARDED_BY(lock_);
  uint64_t fault_limit_ GUARDED_BY(lock_) = kNoFaultLimit;  // page aligned, or kNoFaultLimit
};

}  // namespace core::vm
