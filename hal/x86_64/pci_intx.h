#pragma once

// hal/irq.h's PCI INTx lines on x86-64: the ICH9 router (ich9_intx.h) and
// IOAPIC inputs routed level triggered, active low, to vectors
// kFirstLevelGsiVector.. (one per GSI, shared by every function on it).

#include <stdint.h>

namespace hal::x86_64 {

/// Records that the MADT routes ISA IRQ `irq` to `gsi` (such a GSI is not
/// handed out as a PCI line). Boot only, before the first EnableLevelGsi.
void NoteIsaOverride(uint8_t irq, uint32_t gsi);

}  // namespace hal::x86_64
