// hal::MonotonicNanos from the TSC.

#include "hal/timer.h"
#include "hal/x86_64/cpu.h"
#include "hal/x86_64/timer.h"

namespace hal {
namespace {
uint64_t g_tsc_hz = 0;
uint64_t g_tsc_at_calibration = 0;
}  // namespace

namespace x86_64 {
void SetTscFrequency(uint64_t hz) {
  g_tsc_hz = hz;
  g_tsc_at_calibration = ReadTsc();
}
}  // namespace x86_64

uint64_t MonotonicNanos() {
  if (g_tsc_hz == 0) return 0;
  uint64_t delta = x86_64::ReadTsc() - g_tsc_at_calibration;
  // delta * 1e9 / hz without overflowing for ~centuries: split seconds and rest.
  uint64_t seconds = delta / g_tsc_hz;
  uint64_t rest = delta % g_tsc_hz;
  return seconds * 1'000'000'000ULL + rest * 1'000'000'000ULL / g_tsc_hz;
}

}  // namespace hal
