#pragma once

// Facade: PCI configuration space, memory-mapped (PCIe ECAM). The platform
// finds the ECAM windows (ACPI MCFG on x86-64); core/pci enumerates.

#include <stdint.h>

#include "kstd/result.h"

namespace hal {

struct PciEcamWindow {
  uint64_t base;  // physical address of bus start_bus's configuration space
  uint16_t segment;
  uint8_t start_bus;
  uint8_t end_bus;
};

/// The ECAM windows the firmware described (at most `capacity`); returns how
/// many were written.
int PciEcamWindows(PciEcamWindow* out, int capacity);

/// The kernel-virtual address of the 4 KiB configuration space of
/// bus:device.function in `window` (mapped uncached on first use).
/// Errors: kInvalid (outside the window), kNoMemory.
kstd::Result<volatile uint8_t*> PciConfigSpace(const PciEcamWindow& window, uint8_t bus,
                                               uint8_t device, uint8_t function);

}  // namespace hal
