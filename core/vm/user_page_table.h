#pragma once

// UserPageTable: one process's ArchPageTable with its own lock, the TLB hook,
// and the count of present user pages. Tables come from the pmm.
//
// It is the innermost vm lock (aspace -> VMO -> page table -> pmm), so a VMO
// can write-protect or unmap its pages in every address space that maps it
// without taking those address spaces' locks. Every method locks internally;
// every change that leaves stale translations calls the TLB hook before
// returning (and before the caller frees the pages it unmapped).
//
// Only 4 KiB user pages are ever mapped, so unmapping never needs a new table
// and cannot fail.

#include <stdint.h>

#include "core/mm/pmm.h"
#include "core/sync/spin_lock.h"
#include "core/vm/vm_types.h"
#include "kstd/result.h"

namespace core::vm {

/// Page-table pages from the pmm, for user page tables.
class PmmTableAllocator final : public hal::TableAllocator {
 public:
  explicit PmmTableAllocator(mm::PageAllocator* pmm) : pmm_(pmm) {}
  /// Errors: kNoMemory.
  kstd::Result<uint64_t> AllocTable() override { return pmm_->AllocPage(); }
  /// A rejected free is counted in the pmm's bad_frees.
  void FreeTable(uint64_t phys) override { (void)pmm_->FreePage(phys); }

 private:
  mm::PageAllocator* pmm_;
};

class UserPageTable {
 public:
  UserPageTable(mm::PageAllocator* pmm, TlbHook hook);
  ~UserPageTable() { Destroy(); }
  UserPageTable(const UserPageTable&) = delete;
  UserPageTable& operator=(const UserPageTable&) = delete;

  /// Allocates the PML4 and shares `kernel`'s half (PML4 slots 256..511).
  /// Errors: kNoMemory, kInvalid (`kernel` not initialized), kBusy (already done).
  kstd::Result<void> Init(const ArchPageTable& kernel);

  /// The PML4's physical address (the CR3 value); 0 before Init / after Destroy.
  uint64_t root() const { return root_; }
  /// Present user pages.
  uint64_t resident_pages() const { return __atomic_load_n(&resident_, __ATOMIC_RELAXED); }
  /// Paging-structure pages held, the PML4 included.
  size_t table_pages() const;

  /// Maps the page at `virt` to `phys` with `attrs`, replacing any mapping.
  /// Errors: kNoMemory (a table could not be allocated; nothing changed),
  /// kInvalid (not initialized, or a bad address).
  kstd::Result<void> MapPage(uint64_t virt, PhysAddr phys, PageAttrs attrs);

  /// Removes every mapping in [virt, virt + size) (holes are fine).
  void Unmap(uint64_t virt, uint64_t size);

  /// Makes the page at `virt` read-only if it is mapped writable.
  void WriteProtect(uint64_t virt);

  /// Gives the mapped page at `virt` (if any) the attributes `attrs`, except
  /// that it never gains write access it did not have (write faults grant it
  /// after the copy-on-write check).
  void Reprotect(uint64_t virt, PageAttrs attrs);

  /// The translation of `virt`. Errors: kNotFound, kInvalid.
  kstd::Result<hal::Mapping> Query(uint64_t virt) const;

  /// Frees every table. The table must not be live in any CPU's CR3; mapped
  /// pages are forgotten (their owner, the VMO, releases them).
  void Destroy();

 private:
  static void CountRemoved(void* context, const hal::Mapping& mapping);
  void Flush(const TlbFlush& flush) const { hook_(root_, flush); }

  mutable SpinLock lock_;
  PmmTableAllocator tables_;
  ArchPageTable table_ GUARDED_BY(lock_);
  TlbHook hook_;
  uint64_t root_ = 0;
  uint64_t resident_ = 0;  // guarded by lock_, read without it
};

}  // namespace core::vm
