#include "core/mm/pmm_page_source.h"

namespace core::mm {

kstd::Result<void*> PmmPageSource::AllocPages(size_t count) {
  if (count == 0 || count > (size_t{1} << PageAllocator::kMaxOrder)) {
    return kstd::Error::kNoMemory;
  }
  const PhysAddr phys = TRY(pmm_->AllocRun(count));
  void* pages = pmm_->phys_map().ToVirt(phys);
  // Whole pages are cleared before use: no data of a previous owner can leak
  // into kernel objects, and under QEMU's TCG a page that once held code
  // stops being tracked as code (otherwise every later write to it takes
  // the emulator's slow self-modifying-code path).
  __builtin_memset(pages, 0, count * kPageSize);
  return pages;
}

void PmmPageSource::FreePages(void* pages, size_t count) {
  kstd::Result<void> freed = pmm_->FreeRun(pmm_->phys_map().ToPhys(pages), count);
  (void)freed;  // already counted by the pmm; the heap has no better recourse
}

}  // namespace core::mm
