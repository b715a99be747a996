#pragma once

// Linux x86-64 time ABI: the structures of clock_gettime, nanosleep,
// gettimeofday and setitimer, and the clock and timer ids
// (include/uapi/linux/time.h, include/uapi/linux/time_types.h).

#include <stdint.h>

namespace linux_abi {

/// struct timespec (__kernel_timespec on x86-64).
struct Timespec {
  int64_t tv_sec;
  int64_t tv_nsec;
};

/// struct timeval (__kernel_old_timeval on x86-64).
struct Timeval {
  int64_t tv_sec;
  int64_t tv_usec;
};

/// struct itimerval (setitimer, getitimer).
struct Itimerval {
  Timeval it_interval;
  Timeval it_value;
};

// Clock ids (CLOCK_*).
inline constexpr int32_t kClockRealtime = 0;
inline constexpr int32_t kClockMonotonic = 1;
inline constexpr int32_t kClockProcessCputime = 2;
inline constexpr int32_t kClockThreadCputime = 3;
inline constexpr int32_t kClockMonotonicRaw = 4;
inline constexpr int32_t kClockRealtimeCoarse = 5;
inline constexpr int32_t kClockMonotonicCoarse = 6;
inline constexpr int32_t kClockBoottime = 7;
inline constexpr int32_t kClockRealtimeAlarm = 8;
inline constexpr int32_t kClockBoottimeAlarm = 9;
inline constexpr int32_t kClockTai = 11;

/// clock_nanosleep flag: the time is absolute (TIMER_ABSTIME).
inline constexpr int32_t kTimerAbstime = 1;

// Interval timers (ITIMER_*).
inline constexpr int32_t kItimerReal = 0;
inline constexpr int32_t kItimerVirtual = 1;
inline constexpr int32_t kItimerProf = 2;

}  // namespace linux_abi
