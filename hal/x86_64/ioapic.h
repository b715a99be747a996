#pragma once

// I/O APIC (Intel 82093AA datasheet §3): routes global system interrupts
// (GSIs) to local APIC vectors. Found through the ACPI MADT.

#include <stdint.h>

#include "kstd/result.h"

namespace hal::x86_64 {

struct IoApicRoute {
  uint32_t gsi;
  uint8_t vector;
  uint8_t destination_apic_id;
  bool level_triggered;
  bool active_low;
};

/// Registers the IOAPIC at physical `base_phys` serving GSIs from `gsi_base`,
/// reads its size and masks all of its inputs. At most 8 IOAPICs.
/// Errors: kNoSpace (too many), kBadMessage (register window not answering).
kstd::Result<void> AddIoApic(uint8_t id, uint64_t base_phys, uint32_t gsi_base);

/// Programs and unmasks the redirection entry for route.gsi.
/// Errors: kNotFound if no registered IOAPIC serves that GSI.
kstd::Result<void> RouteGsi(const IoApicRoute& route);

/// Masks the redirection entry for `gsi`. Errors: kNotFound.
kstd::Result<void> MaskGsi(uint32_t gsi);

/// Total GSIs served by the registered IOAPICs.
uint32_t IoApicGsiCount();

}  // namespace hal::x86_64
