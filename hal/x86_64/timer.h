#pragma once

// The periodic system timer on x86-64: the LAPIC timer calibrated by the PIT.

#include <stdint.h>

namespace hal::x86_64 {

/// Starts the periodic tick at `hz`. Returns false if calibration failed.
bool StartSystemTimer(uint32_t hz);

/// The tick rate (0 before StartSystemTimer succeeded).
uint32_t TimerFrequency();

/// See hal::SetTickCallback.
void SetTickCallback(void (*callback)(bool from_user));

/// Records the TSC rate for MonotonicNanos (set by StartSystemTimer).
void SetTscFrequency(uint64_t hz);

}  // namespace hal::x86_64
