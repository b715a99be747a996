#pragma once

// The kernel's memory singletons, set up once by InitMemory at boot:
// the physical page allocator and the kernel heap.

#include "core/mm/heap.h"
#include "core/mm/pmm.h"
#include "hal/boot/boot_info.h"

namespace core {

/// Initialises physical memory, the kernel page tables and the kernel heap
/// from the memory map. Panics with the reason if memory cannot be set up.
void InitMemory(const hal::BootInfo& boot_info);

/// The physical page allocator (valid after InitMemory).
mm::PageAllocator& Pmm();

/// The kernel heap behind operator new (valid after InitMemory).
mm::Heap& KernelHeap();

}  // namespace core
