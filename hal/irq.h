#pragma once

// Facade: interrupt vectors for devices driven from user mode (MSI/MSI-X).

#include <stdint.h>

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

/// Maps device registers uncached in the kernel and returns their address.
/// Errors: kNoMemory.
kstd::Result<volatile uint32_t*> MapDeviceRegisters(uint64_t phys, uint64_t size);

}  // namespace hal
