#pragma once

// Facade: interrupt vectors for devices driven from user mode (MSI/MSI-X),
// and the level-triggered lines PCI INTx arrives on.

#include <stdint.h>

#include "hal/pci.h"
#include "kstd/result.h"

namespace hal {

/// The CPU vector of device slot `slot` (0..63).
uint8_t DeviceVector(uint8_t slot);

/// Registers the function called (in interrupt context) with the slot of a
/// device vector that fired.
void SetDeviceVectorHandler(void (*handler)(uint8_t slot));

/// An MSI message that delivers `vector` to the boot CPU (fixed delivery,
/// edge triggered).
struct MsiMessage {
  uint64_t address;
  uint32_t data;
};
MsiMessage ComposeMsi(uint8_t vector);

// --- PCI INTx: shareable, level-triggered, active-low lines (GSIs) ----------

/// The GSI that INTx `pin` (1 = INTA .. 4 = INTD) of a function in `slot` of
/// the root bus of `window` drives, as the board's interrupt router is
/// configured (functions behind bridges: swizzle to the root bus first).
/// Errors: kInvalid (slot > 31, pin not 1..4), kNotSupported (the board does
/// not know this machine's interrupt router).
kstd::Result<uint32_t> PciRootIntxGsi(const PciEcamWindow& window, uint8_t slot, uint8_t pin);

/// Registers the function called (in interrupt context, interrupts off, the
/// end-of-interrupt sent after it returns) with the GSI of a line that fired.
void SetLevelGsiHandler(void (*handler)(uint32_t gsi));

/// Gives `gsi` a vector of its own and routes it level triggered, active low,
/// unmasked, to this CPU. Returns the vector. Callers serialize Enable/Disable.
/// Errors: kNotFound (no IOAPIC input), kBusy (the firmware's MADT gives the
/// GSI to an ISA interrupt through an override), kNoSpace (no free vector),
/// kExists (already enabled).
kstd::Result<uint8_t> EnableLevelGsi(uint32_t gsi);

/// Masks `gsi` (it stays enabled: its vector is kept). For a line that keeps
/// firing with nobody to quiet it.
void MaskLevelGsi(uint32_t gsi);

/// Masks `gsi` and frees its vector (no-op if not enabled).
void DisableLevelGsi(uint32_t gsi);

/// Maps device registers uncached in the kernel and returns their address.
/// Errors: kNoMemory.
kstd::Result<volatile uint32_t*> MapDeviceRegisters(uint64_t phys, uint64_t size);

}  // namespace hal
