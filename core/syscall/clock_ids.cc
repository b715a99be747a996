#include "core/syscall/clock_ids.h"

#include "abi/linux/time.h"

namespace core::syscall {

kstd::Result<ClockInfo> DescribeClock(int32_t clock, uint64_t tick_ns) {
  // Linux's hrtimer clocks report 1 ns; the _COARSE ones the tick. The CPU
  // clocks count whole ticks here (Linux: 1 ns), so they report the tick.
  constexpr uint64_t kHighRes = 1;
  switch (clock) {
    case linux_abi::kClockRealtime:
    case linux_abi::kClockTai:
      return ClockInfo{ClockSource::kWall, false, ClockSleep::kYes, kHighRes};
    case linux_abi::kClockRealtimeCoarse:
      return ClockInfo{ClockSource::kWall, true, ClockSleep::kNotSupported, tick_ns};
    case linux_abi::kClockMonotonic:
    case linux_abi::kClockBoottime:
      return ClockInfo{ClockSource::kMonotonic, false, ClockSleep::kYes, kHighRes};
    case linux_abi::kClockMonotonicRaw:
      return ClockInfo{ClockSource::kMonotonic, false, ClockSleep::kNotSupported, kHighRes};
    case linux_abi::kClockMonotonicCoarse:
      return ClockInfo{ClockSource::kMonotonic, true, ClockSleep::kNotSupported, tick_ns};
    case linux_abi::kClockProcessCputime:
      return ClockInfo{ClockSource::kProcessCpu, false, ClockSleep::kNotImplemented, tick_ns};
    case linux_abi::kClockThreadCputime:
      return ClockInfo{ClockSource::kThreadCpu, false, ClockSleep::kNotSupported, tick_ns};
    default: return kstd::Error::kInvalid;
  }
}

}  // namespace core::syscall
