#pragma once

// PageAllocator: the physical page allocator ("pmm").
//
// Built once from the boot memory map minus the ranges the kernel already uses
// (kernel image, boot modules, boot info, low 1 MiB). It is a binary buddy
// allocator over 4 KiB pages: a block of order n is 2^n pages, physically
// contiguous and aligned to its own size. Per-page metadata (struct Page) lives in
// an array carved out of usable RAM during Init, so the allocator needs no heap,
// and it never writes to the pages it manages (free lists are threaded through the
// metadata), only to that array.
//
// Every allocated block carries a reference count (in its head page) so that
// copy-on-write and shared mappings can share frames: AllocPages returns a block
// with refcount 1, Ref/Unref adjust it and Unref frees the block at zero.
//
// Thread safety: every public method takes lock_ (an interrupt-disabling
// spinlock, see lock.h: the kernel is preemptive, so callers cannot rely on
// running alone).

#include <stddef.h>
#include <stdint.h>

#include "core/mm/lock.h"
#include "core/mm/phys_map.h"
#include "hal/boot/boot_info.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::mm {

/// A physical byte range [base, base + length).
struct PhysRange {
  PhysAddr base = 0;
  uint64_t length = 0;
};

/// Metadata for one 4 KiB frame of usable RAM. Guarded by the allocator's lock;
/// other code reads it through PageOf but changes it only via the allocator.
struct Page {
  enum class State : uint8_t {
    kReserved,       // never handed out (kernel, modules, metadata, ...)
    kFreeHead,       // first page of a free block of 2^order pages
    kFree,           // inside a free block
    kAllocatedHead,  // first page of an allocated block; owns refcount
    kAllocated,      // inside an allocated block
  };
  uint32_t refcount = 0;  // kAllocatedHead only
  uint8_t order = 0;      // heads only
  State state = State::kReserved;
  uint16_t flags = 0;    // for later users (COW, pinning); the pmm ignores it
  Page* next = nullptr;  // free-list links, kFreeHead only
  Page* prev = nullptr;
};

struct PmmStats {
  static constexpr unsigned kOrders = 11;
  uint64_t total_pages = 0;  // usable RAM pages covered by metadata
  uint64_t free_pages = 0;
  uint64_t reserved_pages = 0;  // usable but never allocatable (incl. metadata)
  uint64_t allocated_pages = 0;
  uint64_t bad_frees = 0;              // rejected frees/unrefs (double free, bad address)
  uint64_t free_blocks[kOrders] = {};  // free blocks per order
};

class PageAllocator {
 public:
  static constexpr unsigned kMaxOrder = PmmStats::kOrders - 1;  // 4 MiB blocks
  /// Most disjoint usable ranges the map may yield (BootInfo holds at most 64
  /// entries; each non-usable entry can split one usable range in two).
  static constexpr size_t kMaxSections = 128;

  constexpr PageAllocator() = default;
  PageAllocator(const PageAllocator&) = delete;
  PageAllocator& operator=(const PageAllocator&) = delete;

  /// Builds the allocator. Usable map entries are trimmed inward to page
  /// boundaries; entries may be unsorted, overlap and lie above 4 GiB; where a
  /// usable and a non-usable entry overlap, the non-usable one wins. `reserved`
  /// ranges are widened outward to page boundaries and never handed out. The
  /// metadata array is placed at the lowest free address that fits.
  /// Errors (nothing is usable afterwards; InitFailureReason() says why):
  ///   kNoMemory  no usable RAM, all of it reserved, or no room for metadata
  ///   kTooBig    the map splits into more than kMaxSections ranges
  ///   kBusy      Init already succeeded
  kstd::Result<void> Init(kstd::Span<const hal::MemoryRange> map,
                          kstd::Span<const PhysRange> reserved, PhysMap phys_map);

  /// Why the last Init failed ("" if it did not).
  const char* InitFailureReason() const { return failure_reason_; }

  /// Allocates 2^order contiguous pages aligned to 2^order pages; refcount 1.
  /// Errors: kInvalid (order > kMaxOrder), kNoMemory.
  kstd::Result<PhysAddr> AllocPages(unsigned order);
  kstd::Result<PhysAddr> AllocPage() { return AllocPages(0); }

  /// Frees a block from AllocPages(order). Errors (state untouched, bad_frees
  /// counted): kInvalid (not the head of an allocated block of this order:
  /// double free, wrong order, reserved or unknown address), kBusy (refcount > 1:
  /// still shared, use Unref).
  kstd::Result<void> FreePages(PhysAddr phys, unsigned order);
  kstd::Result<void> FreePage(PhysAddr phys) { return FreePages(phys, 0); }

  /// Allocates `count` contiguous pages (1 <= count <= 2^kMaxOrder) aligned to
  /// the next power of two; the unused tail of that block is freed at once. The
  /// run is made of blocks of decreasing order, each with refcount 1.
  /// Errors: kInvalid (count out of range), kNoMemory.
  kstd::Result<PhysAddr> AllocRun(uint64_t count);
  /// Frees a run from AllocRun(count); all or nothing. Errors as FreePages.
  kstd::Result<void> FreeRun(PhysAddr phys, uint64_t count);

  /// Adds a reference to the allocated block whose head page is `phys`; returns
  /// the new count. Errors: kInvalid (not an allocated block head), kOverflow.
  kstd::Result<uint32_t> Ref(PhysAddr phys);
  /// Drops a reference; frees the block when the count reaches zero. Returns the
  /// remaining count (0: freed). Errors: kInvalid (not an allocated block head,
  /// e.g. already freed; counted in bad_frees).
  kstd::Result<uint32_t> Unref(PhysAddr phys);

  /// Metadata of the page containing `phys`, or nullptr if it is not usable RAM
  /// known to the allocator. The pointer stays valid forever (the section table
  /// is fixed after Init, so this takes no lock).
  Page* PageOf(PhysAddr phys);
  const Page* PageOf(PhysAddr phys) const;
  /// Physical address of the page `page` describes (page came from PageOf).
  PhysAddr PhysOf(const Page* page) const;

  PmmStats Stats() const;
  /// Where Init put the metadata array (reserved; for tests and diagnostics).
  PhysRange metadata_range() const { return metadata_; }
  const PhysMap& phys_map() const { return phys_map_; }

 private:
  struct Section {  // one disjoint, page-aligned range of usable RAM
    PhysAddr base = 0;
    uint64_t page_count = 0;
    Page* pages = nullptr;
    PhysAddr end() const { return base + page_count * kPageSize; }
  };

  kstd::Result<void> Fail(kstd::Error error, const char* reason) REQUIRES(lock_);
  kstd::Result<void> CollectSections(kstd::Span<const hal::MemoryRange> map) REQUIRES(lock_);
  kstd::Result<void> SubtractFromSections(PhysAddr base, PhysAddr end) REQUIRES(lock_);
  // Advances *cursor to the next run of [*cursor, end) outside `reserved` and
  // `extra`; false when there is none.
  bool NextFreeRun(kstd::Span<const PhysRange> reserved, PhysRange extra, PhysAddr* cursor,
                   PhysAddr end, PhysAddr* run_base, PhysAddr* run_end) const;
  void AddFreeRange(PhysAddr base, PhysAddr end) REQUIRES(lock_);

  const Section* SectionOf(PhysAddr phys) const;
  Page* PageIn(const Section& section, PhysAddr phys) const;
  kstd::Result<PhysAddr> AllocLocked(unsigned order) REQUIRES(lock_);
  kstd::Result<Page*> CheckFreeable(PhysAddr phys, unsigned order) REQUIRES(lock_);
  void MarkAllocated(Page* head, unsigned order) REQUIRES(lock_);
  void FreeBlock(const Section& section, PhysAddr phys, unsigned order) REQUIRES(lock_);
  void PushFree(Page* head, unsigned order) REQUIRES(lock_);
  void RemoveFree(Page* head, unsigned order) REQUIRES(lock_);

  mutable MmLock lock_;
  bool initialized_ = false;
  const char* failure_reason_ = "";
  PhysMap phys_map_;
  PhysRange metadata_;
  Section sections_[kMaxSections];
  size_t section_count_ = 0;
  Page* free_lists_[kMaxOrder + 1] GUARDED_BY(lock_) = {};
  PmmStats stats_ GUARDED_BY(lock_);
};

}  // namespace core::mm
