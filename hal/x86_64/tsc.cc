// hal::MonotonicNanos from the TSC.

#include "hal/timer.h"
#include "hal/x86_64/cpu.h"
#include "hal/x86_64/timer.h"

namespace hal {
namespace {
uint64_t g_tsc_hz = 0;
uint64_t g_tsc_at_calibration = 0;
uint64_t g_ns_per_tick_q32 = 0;  // nanoseconds per TSC tick, 32.32 fixed point
}  // namespace

namespace x86_64 {
void SetTscFrequency(uint64_t hz) {
  g_tsc_hz = hz;
  g_ns_per_tick_q32 = hz == 0 ? 0 : (1'000'000'000ULL << 32) / hz;
  g_tsc_at_calibration = ReadTsc();
}
}  // namespace x86_64

uint64_t MonotonicNanos() {
  if (g_tsc_hz == 0) return 0;
  uint64_t delta = x86_64::ReadTsc() - g_tsc_at_calibration;
  // delta * 1e9 / hz: whole seconds, then the rest through a fixed-point
  // multiply with a 128-bit product (a 64-bit rest * 1e9 would overflow once
  // the TSC runs faster than 18.4 GHz; the kernel has no 128-bit division).
  uint64_t seconds = delta / g_tsc_hz;
  uint64_t rest = delta % g_tsc_hz;
  return seconds * 1'000'000'000ULL +
         static_cast<uint64_t>((static_cast<unsigned __int128>(rest) * g_ns_per_tick_q32) >> 32);
}

}  // namespace hal
