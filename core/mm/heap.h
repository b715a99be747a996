#pragma once

// Heap: the kernel's general-purpose allocator (behind operator new and friends).
//
// Small requests (<= kMaxSmallSize after alignment padding) come from per-size-
// class slabs: runs of 1-8 pages cut into equal slots. Larger ones get a run of
// whole pages of their own. Every allocation is preceded by a 16-byte header
// holding a magic number and its owner, so Free can reject double frees and
// pointers it never handed out (reported to the error handler, never acted on)
// instead of corrupting its lists.
//
// Failure convention: Allocate returns kstd::Result<void*> (never nullptr).
//
// Thread safety: every public method takes lock_ (an interrupt-disabling
// spinlock, see lock.h: the kernel is preemptive, so a thread can be switched
// out in any code running with interrupts on); the heap calls its PageSource
// with the lock held, so lock order is Heap before the page source (the pmm).

#include <stddef.h>
#include <stdint.h>

#include "core/mm/lock.h"
#include "core/mm/phys_map.h"
#include "kstd/result.h"

namespace core::mm {

/// Where the heap gets memory: runs of contiguous, page-aligned, writable pages.
class PageSource {
 public:
  /// Returns `count` (>= 1) contiguous pages. Errors: kNoMemory.
  virtual kstd::Result<void*> AllocPages(size_t count) = 0;
  /// Gives back a run from AllocPages(count), with the same count.
  virtual void FreePages(void* pages, size_t count) = 0;

 protected:
  ~PageSource() = default;
};

enum class HeapError : uint8_t {
  kDoubleFree,  // the block's header says it is already free
  kBadPointer,  // no heap header before the pointer
  kCorrupted,   // a header names an owner that does not look like a heap run
};

/// Called (with the heap lock held) when Free rejects a pointer. The handler must
/// not call back into the heap; the kernel's handler logs and may panic.
using HeapErrorHandler = void (*)(void* context, HeapError error, const void* pointer);

struct HeapStats {
  size_t bytes_in_use = 0;  // sum of requested sizes of live allocations
  size_t allocations = 0;   // live allocations
  size_t pages_held = 0;    // pages taken from the page source (slabs + large)
  size_t slab_pages = 0;
  size_t large_pages = 0;
  size_t errors = 0;  // rejected frees
};

class Heap {
 public:
  static constexpr size_t kMinAlign = 16;  // every allocation is 16-byte aligned
  static constexpr size_t kMaxAlign = kPageSize;
  static constexpr size_t kMaxSmallSize = 8192;  // largest slab-backed payload (path buffers fit)
  static constexpr size_t kMaxSize = (size_t{1} << 32) - 1;
  static constexpr size_t kClassCount = 17;

  explicit constexpr Heap(PageSource* source) : source_(source) {}
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;

  /// Where rejected frees are reported (default: counted in stats only).
  void SetErrorHandler(HeapErrorHandler handler, void* context);

  /// Allocates `size` bytes aligned to `align` (a power of two <= kMaxAlign;
  /// smaller values mean kMinAlign). Size 0 yields a unique minimal block.
  /// Errors: kInvalid (bad align), kNoMemory (page source exhausted, or
  /// size > kMaxSize).
  kstd::Result<void*> Allocate(size_t size, size_t align = kMinAlign);

  /// Frees a block from Allocate; nullptr is ignored. A pointer that is not a
  /// live heap block is reported to the error handler and otherwise ignored.
  void Free(void* pointer);

  /// Returns the empty slabs kept for reuse (one per size class) to the source.
  void ReleaseCachedSlabs();

  HeapStats Stats() const;

 private:
  struct Slab;
  struct LargeRun;
  struct ObjectHeader;
  struct FreeSlot;
  struct SizeClass {
    Slab* partial = nullptr;  // slabs with at least one free slot
    Slab* empty = nullptr;    // one cached empty slab
  };

  kstd::Result<void*> AllocateSmall(size_t class_index, size_t size, size_t align) REQUIRES(lock_);
  kstd::Result<void*> AllocateLarge(size_t size, size_t align) REQUIRES(lock_);
  kstd::Result<Slab*> NewSlab(size_t class_index) REQUIRES(lock_);
  void FreeSmall(Slab* slab, ObjectHeader* header) REQUIRES(lock_);
  void FreeLarge(LargeRun* run, ObjectHeader* header) REQUIRES(lock_);
  void ReleaseSlab(Slab* slab) REQUIRES(lock_);
  void Report(HeapError error, const void* pointer) REQUIRES(lock_);
  static void Unlink(Slab** list, Slab* slab);
  static void Push(Slab** list, Slab* slab);

  mutable MmLock lock_;
  PageSource* source_;
  HeapErrorHandler error_handler_ = nullptr;
  void* error_context_ = nullptr;
  SizeClass classes_[kClassCount] GUARDED_BY(lock_);
  HeapStats stats_ GUARDED_BY(lock_);
};

}  // namespace core::mm
