#include "core/pci/intx_swizzle.h"

namespace core::pci {

kstd::Result<RootPin> SwizzleToRoot(uint8_t root_bus, uint8_t bus, uint8_t device, uint8_t pin,
                                    kstd::Span<const BridgeLink> bridges) {
  if (pin < 1 || pin > 4) return kstd::Error::kInvalid;
  // Each hop moves one bus up; a tree of 256 buses has no longer path.
  for (int hops = 0; bus != root_bus; ++hops) {
    if (hops == 256) return kstd::Error::kNotFound;
    const BridgeLink* parent = nullptr;
    for (const BridgeLink& b : bridges) {
      if (b.secondary_bus == bus && b.bus != bus) {
        parent = &b;
        break;
      }
    }
    if (parent == nullptr) return kstd::Error::kNotFound;
    pin = BridgeSwizzle(device, pin);
    bus = parent->bus;
    device = parent->device;
  }
  return RootPin{device, pin};
}

}  // namespace core::pci
