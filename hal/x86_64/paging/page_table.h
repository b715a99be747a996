#pragma once

// PageTable: builds and edits one x86-64 4-level page-table tree (a PML4 and the
// tables below it), for the kernel's address space or a process's.
//
// Pure data-structure code: it never touches CR3 or the TLB. Every call that may
// leave stale translations returns a TlbFlush saying which virtual range the
// caller must invalidate (invlpg per page, or a CR3 reload; §4.10.4). Tables come
// from an injected TableAllocator and are reached through a PhysWindow (the
// physmap in the kernel, an arena in host tests).
//
// Every entry is read and written with 64-bit atomics, and present leaves are
// changed with exchange / compare-exchange, so accessed and dirty bits the CPU
// sets concurrently are never lost.
//
// Thread safety: callers serialize per PageTable (the address-space lock).

#include <stddef.h>
#include <stdint.h>

#include "hal/x86_64/paging/pte.h"
#include "kstd/result.h"

namespace hal::x86_64 {

/// Memory types, as the PAT index a leaf selects with PCD/PWT (§4.9.2). Names
/// assume the kernel programs IA32_PAT entries 0-3 as WB, WC, UC-, UC. (At
/// power-on entry 1 is WT, so kWriteCombining means write-through until then.)
enum class CachePolicy : uint8_t {
  kWriteBack = 0,
  kWriteCombining = 1,
  kUncachedMinus = 2,
  kUncached = 3,
};

/// What a mapping allows; turned into R/W, U/S, XD, G, PCD/PWT (§4.6, §4.9.2).
struct PageAttrs {
  bool writable = false;
  bool user = false;
  bool executable = false;
  bool global = false;  // survives CR3 reloads; kernel mappings only
  CachePolicy cache = CachePolicy::kWriteBack;

  bool operator==(const PageAttrs&) const = default;
};

struct MapOptions {
  bool allow_large_pages = false;  // use 2 MiB pages where virt, phys and size allow
  bool overwrite = false;          // replace existing mappings instead of kExists
};

/// One leaf mapping: a page of `size` bytes at `virt` -> `phys`.
struct Mapping {
  uint64_t virt = 0;  // first byte of the page
  uint64_t phys = 0;
  uint64_t size = 0;  // kPageSize4K, kPageSize2M or kPageSize1G
  PageAttrs attrs;
  bool accessed = false;
  bool dirty = false;
};

/// Called once per mapping removed or replaced, so the caller can drop its
/// references to the physical pages. A large page split by the call is reported
/// as the small pages actually removed.
struct MappingVisitor {
  void (*fn)(void* context, const Mapping& mapping) = nullptr;
  void* context = nullptr;

  void operator()(const Mapping& mapping) const {
    if (fn != nullptr) fn(context, mapping);
  }
};

/// The virtual range [first, last] whose translations or paging structures
/// changed, or nothing. Invalidating every page in it (or reloading CR3, plus
/// handling G entries if `global`) makes the TLB and paging-structure caches
/// consistent with the tables (§4.10.4).
struct TlbFlush {
  bool needed = false;
  uint64_t first = 0;
  uint64_t last = 0;
  bool global = false;  // a changed entry had G set: a CR3 reload alone won't do

  void Add(uint64_t virt, uint64_t size, bool was_global);
};

/// Physical -> virtual for paging structures: virt = phys + offset.
struct PhysWindow {
  uintptr_t offset = 0;

  void* ToVirt(uint64_t phys) const {
    return reinterpret_cast<void*>(static_cast<uintptr_t>(phys) + offset);
  }
};

/// Source of 4 KiB physical pages for paging structures (the pmm in the kernel).
class TableAllocator {
 public:
  /// A 4 KiB-aligned physical page; contents arbitrary (PageTable zeroes it).
  /// Errors: kNoMemory.
  virtual kstd::Result<uint64_t> AllocTable() = 0;
  /// Gives back a page from AllocTable. Paging-structure caches may still hold
  /// it until the caller performs the TlbFlush of the call that freed it; an SMP
  /// kernel must delay reuse until its shootdown completes.
  virtual void FreeTable(uint64_t phys) = 0;

 protected:
  ~TableAllocator() = default;
};

class PageTable {
 public:
  PageTable(TableAllocator* allocator, PhysWindow window)
      : allocator_(allocator), window_(window) {}
  ~PageTable() { Destroy(); }
  PageTable(const PageTable&) = delete;
  PageTable& operator=(const PageTable&) = delete;

  /// Allocates the empty PML4. Errors: kNoMemory, kBusy (already done).
  kstd::Result<void> Init();
  /// Physical address of the PML4 (for CR3); 0 before Init.
  uint64_t root() const { return root_; }
  /// Paging-structure pages currently owned, the PML4 included.
  size_t table_pages() const { return table_pages_; }

  /// Maps [virt, virt + size) to [phys, phys + size). Intermediate entries get
  /// P and R/W, plus U/S when a user page lies below; the leaf decides.
  /// Errors, all before any translation changes:
  ///   kInvalid  not initialized; virt, phys or size not 4 KiB aligned; size 0;
  ///             range not canonical or crossing the canonical hole; phys beyond
  ///             2^52; attrs both user and global
  ///   kExists   part of the range is mapped and !options.overwrite
  ///   kNoMemory out of table pages (tables built so far stay, empty, for reuse;
  ///             large pages may have been split into equivalent small ones)
  /// Replaced mappings are reported to `replaced`.
  kstd::Result<TlbFlush> Map(uint64_t virt, uint64_t phys, uint64_t size, PageAttrs attrs,
                             MapOptions options = {}, MappingVisitor replaced = {});

  /// Removes every mapping in [virt, virt + size) (holes are fine), reports each
  /// to `removed`, splits large pages that straddle the range ends, and frees
  /// tables left empty (except the kernel half's PDPTs, shared by every address
  /// space). Errors: kInvalid (as Map), kNoMemory (a split needed a table;
  /// nothing was unmapped).
  kstd::Result<TlbFlush> Unmap(uint64_t virt, uint64_t size, MappingVisitor removed = {});

  /// Gives every page in [virt, virt + size) the attributes `attrs`, keeping
  /// physical addresses and A/D bits; splits large pages that straddle the ends.
  /// Errors: kInvalid (as Map), kNotFound (part of the range is unmapped; nothing
  /// changed), kNoMemory (a split needed a table; nothing changed).
  kstd::Result<TlbFlush> Protect(uint64_t virt, uint64_t size, PageAttrs attrs);

  /// The mapping of the page containing `virt`.
  /// Errors: kInvalid (not initialized or non-canonical), kNotFound.
  kstd::Result<Mapping> Query(uint64_t virt) const;

  /// Makes PML4 slots 256..511 (the kernel half) point at `kernel`'s PDPTs, so
  /// kernel mappings are shared. Only PDPTs `kernel` has at this moment are
  /// shared: the kernel should create every kernel-half PDPT it will use first.
  /// Shared PDPTs are never freed or reported by this table's Destroy.
  /// Errors: kInvalid (either table not initialized, or this one already has
  /// kernel-half mappings).
  kstd::Result<void> ShareKernelHalf(const PageTable& kernel);

  /// Frees every table, the PML4 included, reporting each leaf to `removed`
  /// (except the shared kernel half, see ShareKernelHalf). The table must not be
  /// live in CR3. Afterwards Init may be called again.
  void Destroy(MappingVisitor removed = {});

 private:
  struct Slot {
    uint64_t* entry;  // not present, or a leaf
    int level;
  };

  uint64_t* TableAt(uint64_t phys) const { return static_cast<uint64_t*>(window_.ToVirt(phys)); }
  kstd::Result<uint64_t> NewTable();
  void DeleteTable(uint64_t phys);
  Slot Lookup(uint64_t virt) const;
  bool AnyMapped(uint64_t virt, uint64_t size) const;
  kstd::Result<uint64_t*> EnsureEntry(uint64_t virt, int level, bool user, TlbFlush* flush);
  kstd::Result<void> Split(uint64_t* entry, int level, uint64_t virt, TlbFlush* flush);
  kstd::Result<void> SplitAt(uint64_t virt, TlbFlush* flush);
  void SetUserOnPath(uint64_t virt, int level);
  bool Prune(uint64_t* table, int level, uint64_t table_base, uint64_t first, uint64_t last,
             TlbFlush* flush);
  void ReleaseTable(uint64_t phys, int level, uint64_t table_base, MappingVisitor visitor);

  TableAllocator* allocator_;
  PhysWindow window_;
  uint64_t root_ = 0;
  size_t table_pages_ = 0;
  bool shares_kernel_half_ = false;
};

/// True if `virt` is canonical for 48-bit linear addresses (bits 63:47 equal).
constexpr bool IsCanonical(uint64_t virt) {
  return static_cast<uint64_t>(static_cast<int64_t>(virt << 16) >> 16) == virt;
}

}  // namespace hal::x86_64
