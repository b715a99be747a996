#pragma once

// VmAspace: a process's user address space: its page table (the kernel half
// shared with the kernel's) and its regions, each a window on a VmObject.
//
// Pages are mapped lazily by HandlePageFault; Map only records the region.
// Private regions are copy-on-write views of their VMO: the region holds a VMO
// no one else can reach (the one passed in if the caller handed over the only
// reference, otherwise a CloneCow of the mapped range), so unmapping part of
// it frees those pages, and Fork gives the child a CloneCow of it. Shared
// regions (kMapShared) show the VMO itself; Fork shares it.
//
// Locking: lock_ makes every operation atomic with respect to the others
// (a fault on one CPU against Map/Unmap on another). Order:
//   VmAspace::lock_ -> VmObject lock -> UserPageTable lock -> heap -> pmm.
// A VMO reaches into other address spaces' page tables (to write-protect or
// unmap its pages) with only their page-table locks, never their lock_.
// Every call may take all of these: call with none of them held (so a user
// copy must never run under them: its fault would re-enter), and never from
// an IRQ handler. The #PF handler calls HandlePageFault with none held.
//
// TLB: the TlbHook given at Create is called after every change that leaves
// stale translations, before the pages involved are freed (see vm_types.h).

#include <stddef.h>
#include <stdint.h>

#include "core/mm/pmm.h"
#include "core/object/kernel_object.h"
#include "core/sync/spin_lock.h"
#include "core/vm/region_array.h"
#include "core/vm/user_page_table.h"
#include "core/vm/vm_object.h"
#include "core/vm/vm_types.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::vm {

/// vm.max_map_count: the most regions an address space may hold, as
/// Linux's limit on VMAs (default 65530, /proc/sys/vm/max_map_count sets
/// it). Checked as Linux checks it: a new mapping (mmap, brk) is refused
/// with kNoMemory when the count is already above the limit; a split
/// (mprotect of part of a region, munmap of its middle) when the count is
/// at or above it. Tessera never merges neighbouring regions, so a process
/// may count more regions than it would VMAs on Linux.
inline constexpr uint64_t kDefaultMaxMapCount = 65530;
uint64_t MaxMapCount();
void SetMaxMapCount(uint64_t limit);

/// What Query reports: the region containing an address and that page's
/// translation.
struct RegionInfo {
  uint64_t base = 0;
  uint64_t size = 0;
  uint64_t vmo_offset = 0;
  Prot prot = kProtNone;
  bool shared = false;
  bool guard = false;
  Koid vmo_koid = 0;           // 0 for a guard region
  bool page_mapped = false;    // the queried page is present in the page table
  PhysAddr page_phys = 0;      // if page_mapped
  bool page_writable = false;  // if page_mapped
};

class VmAspace final : public kstd::RefCounted<VmAspace> {
 public:
  /// An empty address space whose kernel half is `kernel`'s (PML4 slots
  /// 256..511, see PageTable::ShareKernelHalf); its page tables come from
  /// `pmm` (anonymous pages come from each VMO's pmm). `kernel` must outlive
  /// it (Fork uses it too).
  /// Errors: kInvalid (null argument, `kernel` not initialized), kNoMemory.
  static kstd::Result<kstd::RefPtr<VmAspace>> Create(mm::PageAllocator* pmm,
                                                     const ArchPageTable* kernel,
                                                     TlbHook tlb_hook = {});
  ~VmAspace();

  /// The PML4's physical address, for CR3 (0 after Destroy).
  uint64_t root() const { return page_table_.root(); }
  /// Pages present in the page table (this process's resident set; a shared
  /// page counts in every process that maps it).
  uint64_t resident_pages() const { return page_table_.resident_pages(); }
  /// Paging-structure pages held, the PML4 included.
  size_t table_pages() const { return page_table_.table_pages(); }
  size_t region_count() const;
  /// Bytes of the regions (guards not counted) inside [addr, addr + size):
  /// what RLIMIT_AS counts (all of them with the defaults).
  uint64_t MappedBytes(uint64_t addr = 0, uint64_t size = ~uint64_t{0}) const;

  /// Maps [vmo_offset, vmo_offset + size) of `vmo` with `prot`. With kMapFixed
  /// at exactly `addr`; otherwise at `addr` if that range is free, else at the
  /// highest free range below kUserEnd that fits. Private unless kMapShared.
  /// Returns the address. Errors (nothing changed):
  ///   kInvalid       null vmo; size 0; addr (fixed), size or offset not page
  ///                  aligned; offset + size beyond the VMO; fixed range not
  ///                  inside [kUserBase, kUserEnd) (kernel half, non-canonical,
  ///                  overflowing); unknown prot or flag bits; after Destroy
  ///   kExists        kMapFixed and part of the range is mapped
  ///   kAccess        write access to a read-only physical VMO
  ///   kNotSupported  private writable mapping of a physical VMO
  ///   kNoMemory      no free range fits, or out of memory
  kstd::Result<uint64_t> Map(kstd::RefPtr<VmObject> vmo, uint64_t vmo_offset, uint64_t size,
                             Prot prot, uint64_t addr = 0, MapFlags flags = 0);

  /// mmap(MAP_FIXED): as Map with kMapFixed, but whatever was mapped in
  /// [addr, addr + size) is unmapped first (as Unmap). Errors as Map, less
  /// kExists; on error nothing changed.
  kstd::Result<uint64_t> MapFixedReplace(uint64_t addr, kstd::RefPtr<VmObject> vmo,
                                         uint64_t vmo_offset, uint64_t size, Prot prot,
                                         MapFlags flags = 0);

  /// Reserves [addr, addr + size) (placed as Map places) as a guard region:
  /// every access faults with kAccess and nothing else may be mapped there
  /// (e.g. below a stack). Fork copies it. Errors: kInvalid, kExists,
  /// kNoMemory as Map (the only flag allowed is kMapFixed).
  kstd::Result<uint64_t> MapGuard(uint64_t addr, uint64_t size, MapFlags flags = 0);

  /// Removes every region part in [addr, addr + size), splitting regions that
  /// straddle its ends; holes are fine. Pages of private regions are freed
  /// (their pmm reference dropped once the TLB is flushed).
  /// Errors (nothing changed): kInvalid (size 0, unaligned, or not inside
  /// [0, kUserEnd); after Destroy), kNoMemory (a split needed memory, or
  /// the range is inside one region, which would become two, and the count
  /// is at MaxMapCount()).
  kstd::Result<void> Unmap(uint64_t addr, uint64_t size);

  /// mremap: resizes the part [old_addr, old_addr + old_size) of one region
  /// to `new_size` bytes, keeping its contents, protection and sharing.
  /// Shrinking (without kRemapFixed) unmaps the tail in place. Growing
  /// happens in place when the pages after it are free, else, with
  /// kRemapMayMove, the region moves to a free range (with kRemapFixed to
  /// exactly `new_addr`, replacing what is there). A moved region keeps its
  /// pages (they are not copied; copy-on-write sharing with other processes
  /// stays as it was) and the old range becomes unmapped. Grown bytes of a
  /// private region read as zeros; of a shared one, they show the memory
  /// object further on (grown if needed), as every other sharer sees it.
  /// old_size 0 makes a second mapping of a shared region's pages at a new
  /// address (kRemapMayMove needed). Returns the region's new address.
  /// Errors (nothing changed):
  ///   kInvalid   unaligned old_addr/new_addr or sizes, new_size 0, unknown
  ///              flags, kRemapFixed without kRemapMayMove, a fixed range
  ///              outside user space or overlapping the old one, old_size 0
  ///              on a private region; after Destroy
  ///   kFault     [old_addr, old_addr + old_size) is not inside one region
  ///              (or is a guard); growing a region of a physical VMO
  ///   kNoMemory  cannot grow in place and may not move, no free range, a
  ///              move with MaxMapCount() - 3 regions or more (as Linux), or
  ///              out of memory
  kstd::Result<uint64_t> Remap(uint64_t old_addr, uint64_t old_size, uint64_t new_size,
                               RemapFlags flags, uint64_t new_addr = 0);

  /// Sets the protection of [addr, addr + size), splitting regions that
  /// straddle its ends and have another protection (the count of regions
  /// must stay within MaxMapCount(), else kNoMemory). Mapped pages lose rights at once; gained
  /// rights arrive on the next fault. Errors (nothing changed):
  ///   kInvalid       as Unmap, or unknown prot bits
  ///   kNotFound      part of the range is not mapped (POSIX: ENOMEM)
  ///   kAccess        the range holds a guard region, or asks write access to
  ///                  a read-only physical VMO
  ///   kNotSupported  write access to a private mapping of a physical VMO
  ///   kNoMemory      a split needed memory
  kstd::Result<void> Protect(uint64_t addr, uint64_t size, Prot prot);

  /// Resolves a page fault at `addr` for `access` (`user`: the CPU was in
  /// user mode): maps a demand-zero page, breaks copy-on-write, or maps the
  /// VMO's page, with the region's protection (read-only while the page is
  /// shared copy-on-write). A spurious fault (already resolved) succeeds.
  /// Never panics; the caller turns errors into a signal (or a kernel oops):
  ///   kFault     no region contains addr, or addr is outside user space
  ///              (SIGSEGV, SEGV_MAPERR); also after Destroy
  ///   kAccess    the region forbids `access`, is a guard, or a kernel-mode
  ///              instruction fetch hit user memory (SIGSEGV, SEGV_ACCERR)
  ///   kNoMemory  no page or table could be allocated
  kstd::Result<void> HandlePageFault(uint64_t addr, Access access, bool user);

  /// A copy-on-write duplicate for fork(): private regions get a CloneCow of
  /// their range (this aspace's writable pages become read-only, through the
  /// TLB hook), shared regions and physical VMOs are shared, guard regions
  /// copied. The child has the same TLB hook and maps nothing until it faults.
  /// Errors: kNoMemory (this aspace is unchanged but for write protection),
  /// kInvalid (after Destroy).
  kstd::Result<kstd::RefPtr<VmAspace>> Fork();

  /// Copies `len` bytes at user address `addr` out of the regions' VMOs,
  /// whatever their protection (for /proc/<pid>/mem and debuggers); absent
  /// pages read as zeros and are not committed.
  /// Errors (nothing read): kFault (part of the range is unmapped or a guard,
  /// or wraps), kNotSupported (part of it shows a physical VMO).
  kstd::Result<void> Peek(uint64_t addr, void* out, size_t len) const;

  /// Copies `len` bytes to user address `addr` through the regions' VMOs,
  /// whatever their protection (the ELF loader filling read-only segments of a
  /// process that is not running yet; ptrace). Private pages shared
  /// copy-on-write are copied first, as on a write fault.
  /// Errors: kFault (part of the range is unmapped or a guard, or wraps) and
  /// kNotSupported (part of it shows a physical VMO), with nothing written;
  /// kNoMemory (a prefix may have been written).
  kstd::Result<void> Poke(uint64_t addr, const void* data, size_t len);

  /// The region containing `addr`. Errors: kNotFound.
  kstd::Result<RegionInfo> Query(uint64_t addr) const;
  /// Whether `addr` is mapped but past its memory object's fault limit (a
  /// memfd mapping past the file's end): the fault is SIGBUS, not SIGSEGV.
  bool PastObjectEnd(uint64_t addr) const;
  /// The lowest region ending above `addr` (to walk all regions, e.g. for
  /// /proc/<pid>/maps), with the translation of its first page.
  /// Errors: kNotFound (none).
  kstd::Result<RegionInfo> NextRegion(uint64_t addr) const;

  /// Releases everything at process exit: regions, page tables and, through
  /// the VMOs, pages no one else holds. The page table must not be live in
  /// any CPU's CR3. Idempotent; also done by the destructor.
  void Destroy();

 private:
  enum class Placement : uint8_t { kHint, kFixed, kFixedReplace };
  class Spares;
  /// Regions taken out under lock_ and freed after it is dropped (freeing may
  /// destroy VMOs). They are off their VMO's list, so vmo_node is free to use.
  using DeadList = kstd::IntrusiveList<VmMapping, &VmMapping::vmo_node>;

  VmAspace(mm::PageAllocator* pmm, const ArchPageTable* kernel, TlbHook tlb_hook);

  /// Remap with old_size 0: a second mapping of a shared region's pages.
  kstd::Result<uint64_t> DuplicateShared(uint64_t old_addr, uint64_t new_size, RemapFlags flags,
                                         uint64_t new_addr);
  /// Whether no region but `self` shows VMO bytes [first, end) of `vmo`.
  bool VmoRangeUnusedLocked(const VmObject* vmo, uint64_t first, uint64_t end,
                            const VmMapping* self) const REQUIRES(lock_);

  kstd::Result<uint64_t> DoMap(kstd::RefPtr<VmObject> vmo, uint64_t vmo_offset, uint64_t size,
                               Prot prot, uint64_t addr, MapFlags flags, Placement placement);

  /// Places `region` (base chosen by `placement`) and registers it with its
  /// VMO; regions replaced go to `dead`. Takes lock_. Errors as Map.
  kstd::Result<uint64_t> InsertRegion(VmMapping* region, uint64_t addr, Placement placement,
                                      DeadList* dead);

  // lock_ held.
  kstd::Result<uint64_t> FindFreeLocked(uint64_t hint, uint64_t size) const REQUIRES(lock_);
  /// Regions that SplitLocked will need at addr and end.
  int SplitsNeededLocked(uint64_t addr, uint64_t end) const REQUIRES(lock_);
  /// Splits the region containing `at` (if it starts below it) in two.
  void SplitLocked(uint64_t at, Spares* spares) REQUIRES(lock_);
  /// Whether Protect must split the region straddling `at` (it has another
  /// protection than `prot`).
  bool ProtectSplitsLocked(uint64_t at, Prot prot) const REQUIRES(lock_);
  /// Removes the regions inside [addr, end) (no region may straddle an end)
  /// and puts them on `dead`, to be freed after unlocking.
  void RemoveLocked(uint64_t addr, uint64_t end, DeadList* dead) REQUIRES(lock_);
  RegionInfo InfoLocked(const VmMapping& region, uint64_t addr) const REQUIRES(lock_);
  /// Checks that [addr, addr + len) is covered by regions of anonymous VMOs.
  /// Errors: kFault, kNotSupported (as Peek).
  kstd::Result<void> CheckCoveredLocked(uint64_t addr, size_t len) const REQUIRES(lock_);
  static void FreeDead(DeadList* dead);

  mutable SpinLock lock_;
  mm::PageAllocator* const pmm_;
  const ArchPageTable* const kernel_;
  const TlbHook tlb_hook_;
  UserPageTable page_table_;
  RegionArray regions_ GUARDED_BY(lock_);
  bool destroyed_ GUARDED_BY(lock_) = false;
};

}  // namespace core::vm
