#pragma once

// The kernel's memory singletons, set up once by InitMemory (boot_report.h):
// the physical page allocator and the kernel heap.

#include "core/mm/heap.h"
#include "core/mm/pmm.h"

namespace core {

/// The physical page allocator (valid after InitMemory).
mm::PageAllocator& Pmm();

/// The kernel heap behind operator new (valid after InitMemory).
mm::Heap& KernelHeap();

}  // namespace core
