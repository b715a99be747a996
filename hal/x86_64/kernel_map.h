#pragma once

// The kernel's own address space on x86-64: the direct map of physical memory,
// the kernel image with per-section permissions, and device memory (MMIO)
// mapped uncached on request. Implements hal::InitKernelAddressSpace and
// hal::KernelPageTable (hal/page_table.h).

#include <stddef.h>
#include <stdint.h>

#include "kstd/result.h"

namespace hal::x86_64 {

/// True if [phys, phys + len) is readable through the direct map: RAM
/// (usable, ACPI reclaimable, ACPI NVS ranges of the boot memory map) and what
/// MapMmio or MapFirmware added.
bool IsDirectMapped(uint64_t phys, size_t len);

/// Makes firmware data [phys, phys + len) (e.g. ACPI tables in a "reserved"
/// range) readable in the direct map, write-back and read-only, if it lies
/// inside a range of the boot memory map; RAM is already mapped.
/// Errors: kFault (not in the memory map, or overflow), kNoMemory.
kstd::Result<void> MapFirmware(uint64_t phys, uint64_t len);

/// Maps device registers [phys, phys + size) uncached in the direct map (at
/// PhysToVirt(phys)), replacing any write-back mapping there.
/// Errors: kNoMemory, kInvalid (not page aligned after rounding: never).
kstd::Result<void> MapMmio(uint64_t phys, uint64_t size);

/// Physical address of the kernel's PML4 (0 while the boot tables are in use).
uint64_t KernelPageTableRoot();

}  // namespace hal::x86_64
