#pragma once

// PmmPageSource: feeds the kernel heap with runs of physical pages from the pmm,
// addressed through the physmap.

#include "core/mm/heap.h"
#include "core/mm/pmm.h"

namespace core::mm {

class PmmPageSource final : public PageSource {
 public:
  explicit constexpr PmmPageSource(PageAllocator* pmm) : pmm_(pmm) {}

  /// A run from PageAllocator::AllocRun, as a physmap pointer. Errors: kNoMemory
  /// (pmm exhausted, or count > 2^PageAllocator::kMaxOrder pages).
  kstd::Result<void*> AllocPages(size_t count) override;
  /// Gives the run back with PageAllocator::FreeRun; a rejected run is counted in
  /// the pmm's bad_frees.
  void FreePages(void* pages, size_t count) override;

 private:
  PageAllocator* pmm_;
};

}  // namespace core::mm
