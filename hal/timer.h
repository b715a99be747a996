#pragma once

// Facade: the periodic system timer.

#include <stdint.h>

#include "kstd/result.h"

namespace hal {

/// Number of timer interrupts since the timer was started (monotonic).
uint64_t TimerTicks();

/// The timer interrupt frequency in Hz (0 before the timer is started).
uint32_t TimerHz();

/// Registers the function the timer interrupt calls on every tick (the
/// scheduler's accounting), with interrupts disabled; `from_user` says the
/// tick interrupted user mode (user vs system CPU time).
void SetTickCallback(void (*callback)(bool from_user));

/// Registers the function called on the way out of every interrupt, after the
/// end-of-interrupt (the scheduler's preemption point).
void SetInterruptExitCallback(void (*callback)());

/// Nanoseconds since boot from the CPU's invariant time-stamp counter
/// (calibrated against the PIT); monotonic, fine-grained.
uint64_t MonotonicNanos();

/// Reads the platform's battery-backed real-time clock now: seconds since the
/// Unix epoch, UTC. Slow (port I/O, waits out an update cycle): call it once
/// at boot. Errors: kNotSupported (no RTC), kIo (it reads as nonsense).
kstd::Result<int64_t> ReadRealTimeClock();

}  // namespace hal
