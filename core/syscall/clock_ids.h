#pragma once

// The Linux clock ids clock_gettime, clock_getres and clock_nanosleep take,
// described: which time source each reads, its resolution as Linux reports
// it, and whether clock_nanosleep may sleep on it. Portable (host-tested);
// sys_time.cc reads the sources.

#include <stdint.h>

#include "kstd/result.h"

namespace core::syscall {

enum class ClockSource : uint8_t {
  kWall,        // CLOCK_REALTIME(_COARSE), CLOCK_TAI (TAI offset 0)
  kMonotonic,   // CLOCK_MONOTONIC(_RAW, _COARSE), CLOCK_BOOTTIME (no suspend)
  kProcessCpu,  // CLOCK_PROCESS_CPUTIME_ID
  kThreadCpu,   // CLOCK_THREAD_CPUTIME_ID
};

enum class ClockSleep : uint8_t {
  kYes,             // clock_nanosleep sleeps on it
  kNotSupported,    // Linux: EOPNOTSUPP (_RAW, _COARSE, the thread's CPU clock)
  kNotImplemented,  // Linux sleeps; Tessera refuses (the process CPU clock)
};

struct ClockInfo {
  ClockSource source;
  // The value is the source's at the last tick (the _COARSE clocks).
  bool coarse;
  ClockSleep sleep;
  uint64_t resolution_ns;
};

/// Describes `clock`; `tick_ns` is the scheduler tick's length. EINVAL for
/// an id Tessera does not know (the alarm clocks and the dynamic ids of
/// other processes' CPU clocks included).
kstd::Result<ClockInfo> DescribeClock(int32_t clock, uint64_t tick_ns);

/// `ns` as of the last tick: rounded down to a multiple of `tick_ns`.
inline uint64_t CoarseNanos(uint64_t ns, uint64_t tick_ns) { return ns - ns % tick_ns; }

}  // namespace core::syscall
