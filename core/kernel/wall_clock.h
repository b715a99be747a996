#pragma once

// The wall clock (CLOCK_REALTIME): the real-time clock read once at boot,
// carried forward by the monotonic clock, and settable (clock_settime,
// settimeofday). Without a working RTC it starts at the epoch, and says so.

#include <stdint.h>

namespace core {

/// Reads the RTC (boot, once) and logs the time it found.
void InitWallClock();

/// Nanoseconds since the Unix epoch, UTC.
int64_t WallClockNanos();

/// Sets the wall clock; the monotonic clock is unaffected.
void SetWallClockNanos(int64_t nanos);

/// The monotonic time at which the wall clock will read `wall_nanos` (for
/// absolute CLOCK_REALTIME sleeps); 1 if that is already past.
uint64_t MonotonicForWall(int64_t wall_nanos);

}  // namespace core
