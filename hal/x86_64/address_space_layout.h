#pragma once

// The kernel's virtual address layout on x86-64 (4-level paging, 48-bit):
//   0x0000000000000000 .. 0x00007FFFFFFFFFFF  user space (per process)
//   0xFFFF800000000000 .. +64 TiB             direct map of physical memory
//   0xFFFFFFFF80000000 .. top                 the kernel image (-mcmodel=kernel)

#include <stdint.h>

namespace hal::x86_64 {

inline constexpr uint64_t kPhysmapBase = 0xFFFF800000000000ULL;
inline constexpr uint64_t kPhysmapMaxSize = 64ULL << 40;
inline constexpr uint64_t kKernelVirtualBase = 0xFFFFFFFF80000000ULL;
inline constexpr uint64_t kUserTop = 0x0000800000000000ULL;

/// The direct-map address of physical address `phys`.
inline void* PhysToVirt(uint64_t phys) { return reinterpret_cast<void*>(kPhysmapBase + phys); }

/// The physical address of a kernel-image address (text, data, bss).
inline uint64_t KernelImageVirtToPhys(const void* virt) {
  return reinterpret_cast<uint64_t>(virt) - kKernelVirtualBase;
}

}  // namespace hal::x86_64
