#include "core/kernel/memory.h"

#include "core/kernel/log.h"
#include "core/mm/pmm_page_source.h"
#include "hal/memory.h"
#include "hal/platform.h"

namespace core {
namespace {

mm::PageAllocator g_pmm;
mm::PmmPageSource g_page_source(&g_pmm);
mm::Heap g_heap(&g_page_source);

// Feeds the HAL's page-table builder with pages from the pmm.
class PmmFrames final : public hal::FrameAllocator {
 public:
  kstd::Result<uint64_t> AllocFrame() override { return g_pmm.AllocPage(); }
  void FreeFrame(uint64_t phys) override {
    if (g_pmm.FreePage(phys).is_error()) Log("mm", "page-table frame %lx was not allocated", phys);
  }
};
PmmFrames g_frames;

void OnHeapError(void*, mm::HeapError error, const void* pointer) {
  const char* what = error == mm::HeapError::kDoubleFree   ? "double free"
                     : error == mm::HeapError::kBadPointer ? "free of a non-heap pointer"
                                                           : "corrupted heap header";
  Panic("kernel heap: %s of %p", what, pointer);
}

// Physical memory that must never be handed out: the first MiB (real-mode
// structures, later the SMP trampoline), the kernel image, the boot modules
// and the loader's information block.
size_t CollectReserved(const hal::BootInfo& boot_info, mm::PhysRange* out, size_t capacity) {
  size_t n = 0;
  auto add = [&](uint64_t start, uint64_t end) {
    if (end > start && n < capacity) out[n++] = mm::PhysRange{start, end - start};
  };
  add(0, 1 << 20);
  hal::PhysRange kernel = hal::KernelImagePhysRange();
  add(kernel.start, kernel.end);
  add(boot_info.info_phys_start, boot_info.info_phys_end);
  for (size_t i = 0; i < boot_info.module_count; ++i) {
    add(boot_info.modules[i].phys_start, boot_info.modules[i].phys_end);
  }
  return n;
}

}  // namespace

mm::PageAllocator& Pmm() { return g_pmm; }
mm::Heap& KernelHeap() { return g_heap; }

void InitMemory(const hal::BootInfo& boot_info) {
  mm::PhysRange reserved[hal::BootInfo::kMaxModules + 3];
  size_t reserved_count =
      CollectReserved(boot_info, reserved, sizeof reserved / sizeof reserved[0]);
  void* direct_map_zero = hal::PhysToVirt(0);
  auto pmm =
      g_pmm.Init(kstd::Span<const hal::MemoryRange>(boot_info.memory, boot_info.memory_count),
                 kstd::Span<const mm::PhysRange>(reserved, reserved_count),
                 mm::PhysMap(reinterpret_cast<uintptr_t>(direct_map_zero)));
  if (pmm.is_error()) Panic("physical memory: %s", g_pmm.InitFailureReason());
  mm::PmmStats stats = g_pmm.Stats();
  Log("mm", "physical pages: %lu total, %lu free, %lu reserved (%lu KiB free)", stats.total_pages,
      stats.free_pages, stats.reserved_pages, stats.free_pages * 4);

  auto space = hal::InitKernelAddressSpace(boot_info, &g_frames);
  if (space.is_error()) Panic("kernel page tables: %s", kstd::ErrorName(space.error()));

  g_heap.SetErrorHandler(OnHeapError, nullptr);
  // Prove the heap end to end before anything depends on it.
  auto probe = g_heap.Allocate(100);
  if (probe.is_error())
    Panic("kernel heap: first allocation failed: %s", kstd::ErrorName(probe.error()));
  g_heap.Free(probe.value());
  mm::HeapStats heap = g_heap.Stats();
  Log("mm", "kernel heap ready (%zu pages held)", heap.pages_held);
}

}  // namespace core
