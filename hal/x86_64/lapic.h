#pragma once

// Local APIC in xAPIC (MMIO) mode (Intel SDM vol. 3A chapter 10) and its timer.

#include <stdint.h>

namespace hal::x86_64 {

/// Enables the boot CPU's local APIC at physical `base` (from the MADT or the
/// IA32_APIC_BASE MSR) with the spurious vector, and masks LINT0/LINT1.
void InitLapic(uint64_t base_phys);

/// Signals end of interrupt to the local APIC (no-op before InitLapic).
void LapicEndOfInterrupt();

/// The current CPU's local APIC id.
uint32_t LapicId();

/// Measures the timer's input clock (and the TSC, into *tsc_hz) against the
/// PIT over a 10 ms window and starts a periodic interrupt at `hz` on
/// kTimerVector. Returns the measured timer frequency in Hz (after the
/// divide-by-16), or 0 if calibration failed.
uint64_t StartLapicTimer(uint32_t hz, uint64_t* tsc_hz);

}  // namespace hal::x86_64
