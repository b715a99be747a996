#pragma once

// Finding a virtio device's structures through its PCI capability list
// (virtio 1.2 §4.1.2, §4.1.4). Everything read from configuration space is
// untrusted: the walk is bounded and loop-free, and every structure is checked
// against the BAR it points into before the driver may touch it.

#include <stdint.h>

#include "drivers/virtio/hw.h"
#include "drivers/virtio/spec.h"
#include "kstd/result.h"

namespace virtio {

/// Identifies a virtio PCI function: returns its virtio device type (§5,
/// e.g. kDeviceTypeBlock). Modern IDs (0x1040 + type) and transitional IDs
/// (0x1000-0x103F, type in the subsystem ID) are accepted.
/// Errors: kNotSupported (not a virtio function), config read errors.
kstd::Result<uint16_t> IdentifyDevice(PciConfig& config);

/// Where one virtio structure lives: `length` bytes at `offset` in BAR `bar`.
struct PciRegion {
  bool present = false;
  uint8_t bar = 0;
  uint32_t offset = 0;
  uint32_t length = 0;
};

/// The structures of a modern virtio PCI function.
struct PciCapabilities {
  PciRegion common;                    // §4.1.4.3, always present
  PciRegion notify;                    // §4.1.4.4, always present
  uint32_t notify_off_multiplier = 0;  // 0 or a power of two
  PciRegion isr;                       // §4.1.4.5, always present
  PciRegion device;                    // §4.1.4.6, absent for some device types
  uint8_t pci_cfg_cap = 0;             // config offset of the §4.1.4.9 window, 0: none
  uint8_t msix_cap = 0;                // config offset of the MSI-X capability, 0: none
  uint16_t msix_table_size = 0;        // MSI-X table entries (0 without MSI-X)
  int ignored = 0;                     // virtio capabilities skipped as unusable
};

/// The size of each memory BAR of the function, as the kernel sized it
/// (0: not implemented, an I/O BAR, or the upper half of a 64-bit BAR).
struct BarSizes {
  uint64_t size[pci::kBarCount] = {};
};

/// Walks the capability list (status bit, capability pointer, at most one
/// visit per slot) and returns the first usable instance of each virtio
/// structure (§4.1.4: later instances are alternatives). A virtio capability
/// is skipped as unusable when its cap_len is too short or runs past the
/// configuration space, its BAR index is reserved or names a BAR of size 0,
/// offset+length do not fit in the BAR, or its alignment, length or notify
/// multiplier break §4.1.4's rules.
/// Errors: kNotSupported (no capability list, or no common/notify/ISR
/// structure at all), kBadMessage (the list points into the header, loops, or
/// a required structure exists only in unusable instances), config read errors.
kstd::Result<PciCapabilities> ParseCapabilities(PciConfig& config, const BarSizes& bars);

}  // namespace virtio
