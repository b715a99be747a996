#pragma once

// Facade: what the CPU reports about itself, and its cycle counter. The Linux
// personality passes the identification on as Linux x86-64 does
// (/proc/cpuinfo, AT_HWCAP). Backends: hal/x86_64/cpu_id.cc (CPUID, RDTSC),
// hal/host (values the test sets).

#include <stdint.h>

namespace hal {

/// The four registers the CPU identification instruction returns.
struct CpuIdRegisters {
  uint32_t eax, ebx, ecx, edx;
};

/// The CPU's identification for `leaf` and `subleaf` (x86-64 CPUID, Intel SDM
/// vol. 2A). Leaves the CPU does not have return what the CPU returns for them.
CpuIdRegisters ReadCpuId(uint32_t leaf, uint32_t subleaf = 0);

/// The calling CPU's free-running cycle counter (x86-64: the TSC). Not
/// calibrated: for seeds and for estimating the clock rate against
/// MonotonicNanos (hal/timer.h), never as a clock.
uint64_t ReadCycleCounter();

}  // namespace hal
