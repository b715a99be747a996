#include "core/kernel/wall_clock.h"

#include "core/kernel/log.h"
#include "hal/timer.h"
#include "kstd/error.h"

namespace core {

namespace {

// Wall time = monotonic time + offset.
int64_t g_offset_ns = 0;

}  // namespace

void InitWallClock() {
  auto rtc = hal::ReadRealTimeClock();
  if (rtc.is_error()) {
    Log("clock", "no usable real-time clock (%s): the wall clock starts at the epoch",
        kstd::ErrorName(rtc.error()));
    return;
  }
  int64_t now = static_cast<int64_t>(hal::MonotonicNanos());
  __atomic_store_n(&g_offset_ns, rtc.value() * 1'000'000'000LL - now, __ATOMIC_RELAXED);
  Log("clock", "real-time clock: %ld seconds since the epoch", rtc.value());
}

int64_t WallClockNanos() {
  return static_cast<int64_t>(hal::MonotonicNanos()) +
         __atomic_load_n(&g_offset_ns, __ATOMIC_RELAXED);
}

void SetWallClockNanos(int64_t nanos) {
  __atomic_store_n(&g_offset_ns, nanos - static_cast<int64_t>(hal::MonotonicNanos()),
                   __ATOMIC_RELAXED);
}

uint64_t MonotonicForWall(int64_t wall_nanos) {
  int64_t mono = wall_nanos - __atomic_load_n(&g_offset_ns, __ATOMIC_RELAXED);
  return mono <= 0 ? 1 : static_cast<uint64_t>(mono);
}

}  // namespace core
