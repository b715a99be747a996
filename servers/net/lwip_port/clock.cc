// lwIP's clock: sys_now() over CLOCK_MONOTONIC (clock_gettime works the same
// under glibc on the host and musl on Tessera), replaceable by tests.
#include <time.h>

#include "lwip/sys.h"
#include "servers/net/lwip_port/port.h"

namespace lwip_port {
namespace {

ClockSource g_clock_source = nullptr;

uint64_t RealMonotonicNanos() {
  timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
    lwip_port_assert_failed("clock_gettime(CLOCK_MONOTONIC) failed", __FILE__, __LINE__);
  }
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

uint64_t MonotonicNanos() {
  return g_clock_source != nullptr ? g_clock_source() : RealMonotonicNanos();
}

void SetClockSourceForTesting(ClockSource source) { g_clock_source = source; }

}  // namespace lwip_port

// lwIP's timers compare sys_now() values with wrapping arithmetic.
extern "C" u32_t sys_now(void) {
  return static_cast<u32_t>(lwip_port::MonotonicNanos() / 1000000ull);
}
