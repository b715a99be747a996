// hal/cpu_id.h on x86-64: CPUID and RDTSC.

#include "hal/cpu_id.h"

#include "hal/x86_64/cpu.h"

namespace hal {

CpuIdRegisters ReadCpuId(uint32_t leaf, uint32_t subleaf) {
  const x86_64::CpuidResult r = x86_64::Cpuid(leaf, subleaf);
  return CpuIdRegisters{r.eax, r.ebx, r.ecx, r.edx};
}

uint64_t ReadCycleCounter() { return x86_64::ReadTsc(); }

}  // namespace hal
