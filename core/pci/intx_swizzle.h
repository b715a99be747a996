#pragma once

// Where a PCI function's INTx pin arrives on the root bus: each PCI-to-PCI
// bridge (PCIe root and downstream ports included) maps INTx pin P of device
// D on its secondary bus to its own pin ((P - 1 + D) mod 4) + 1 (PCI-to-PCI
// Bridge Architecture 1.2 §9.1, table 9-1). Pure: host-tested.

#include <stdint.h>

#include "kstd/result.h"
#include "kstd/span.h"

namespace core::pci {

/// A bridge as the swizzle needs it: where it sits and the bus behind it.
struct BridgeLink {
  uint8_t bus = 0, device = 0;  // the bridge's own location
  uint8_t secondary_bus = 0;    // the bus its secondary side is
};

/// A pin on the root bus: INTx `pin` (1 = INTA .. 4 = INTD) of `slot`.
struct RootPin {
  uint8_t slot = 0;
  uint8_t pin = 0;
};

/// The bridge pin INTx `pin` of device `device` on the bridge's secondary bus
/// arrives on. `pin` must be 1..4.
inline constexpr uint8_t BridgeSwizzle(uint8_t device, uint8_t pin) {
  return static_cast<uint8_t>(((pin - 1 + device) & 3) + 1);
}

/// Follows INTx `pin` of the function at `bus`:`device` up through `bridges`
/// to `root_bus`. Errors: kInvalid (pin not 1..4), kNotFound (no bridge has
/// `bus` behind it, or the chain loops or runs deeper than 256 buses).
kstd::Result<RootPin> SwizzleToRoot(uint8_t root_bus, uint8_t bus, uint8_t device, uint8_t pin,
                                    kstd::Span<const BridgeLink> bridges);

}  // namespace core::pci
