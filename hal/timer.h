#pragma once

// Facade: the periodic system timer.

#include <stdint.h>

namespace hal {

/// Number of timer interrupts since the timer was started (monotonic).
uint64_t TimerTicks();

/// The timer interrupt frequency in Hz (0 before the timer is started).
uint32_t TimerHz();

/// Registers the function the timer interrupt calls on every tick (the
/// scheduler's accounting), with interrupts disabled.
void SetTickCallback(void (*callback)());

/// Registers the function called on the way out of every interrupt, after the
/// end-of-interrupt (the scheduler's preemption point).
void SetInterruptExitCallback(void (*callback)());

/// Nanoseconds since boot from the CPU's invariant time-stamp counter
/// (calibrated against the PIT); monotonic, fine-grained.
uint64_t MonotonicNanos();

}  // namespace hal
