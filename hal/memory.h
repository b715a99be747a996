#pragma once

// Facade: how the kernel reaches physical memory. On x86-64 every page of RAM
// (and device memory mapped on request) is in the kernel's direct map; on the
// host fake, "physical" addresses are plain host pointers.

#include <stdint.h>

#include "hal/boot/boot_info.h"
#include "kstd/result.h"

namespace hal {

/// Source of 4 KiB physical frames for the HAL's own structures (page tables).
class FrameAllocator {
 public:
  /// A free, 4 KiB-aligned physical frame. Errors: kNoMemory.
  virtual kstd::Result<uint64_t> AllocFrame() = 0;
  /// Returns a frame from AllocFrame.
  virtual void FreeFrame(uint64_t phys) = 0;

 protected:
  ~FrameAllocator() = default;
};

/// Builds the kernel's final page tables and switches to them: every range of
/// the boot memory map in the direct map (write-back, no-execute), the kernel
/// image with text read-only+executable, rodata read-only and data/bss
/// writable, all no-execute except text; nothing in the lower half. Frames come
/// from `frames`. Errors: kNoMemory.
kstd::Result<void> InitKernelAddressSpace(const hal::BootInfo& boot_info, FrameAllocator* frames);

/// The kernel virtual address through which physical address `phys` is read
/// and written. Valid for RAM listed in the boot memory map.
void* PhysToVirt(uint64_t phys);

}  // namespace hal
