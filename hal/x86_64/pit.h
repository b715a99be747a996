#pragma once

// The 8254 PIT, used only as a reference clock to calibrate the LAPIC timer,
// and the legacy 8259 PICs, which are remapped and masked (the IOAPIC is used).

#include <stdint.h>

namespace hal::x86_64 {

/// Starts PIT channel 2 counting down `ms` milliseconds (one-shot).
void PitOneShotStart(uint32_t ms);

/// Busy-waits for the count started by PitOneShotStart to reach zero. Returns
/// false if it did not within a generous bound (no PIT).
bool PitOneShotWait();

/// Remaps the 8259 pair to vectors kLegacyPicBase.. and masks every line.
void DisableLegacyPic();

}  // namespace hal::x86_64
