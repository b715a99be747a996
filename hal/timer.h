#pragma once

// Facade: the periodic system timer.

#include <stdint.h>

namespace hal {

/// Number of timer interrupts since the timer was started (monotonic).
uint64_t TimerTicks();

/// The timer interrupt frequency in Hz (0 before the timer is started).
uint32_t TimerHz();

}  // namespace hal
