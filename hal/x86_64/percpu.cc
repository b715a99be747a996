#include "hal/x86_64/percpu.h"

namespace hal::x86_64 {
namespace {
PerCpu g_boot_cpu;
}  // namespace

void InitBootCpu() {
  g_boot_cpu.self = &g_boot_cpu;
  g_boot_cpu.cpu_index = 0;
  WriteMsr(kMsrGsBase, reinterpret_cast<uint64_t>(&g_boot_cpu));
  // SWAPGS on entry from user mode swaps this in; user GS starts at 0.
  WriteMsr(kMsrKernelGsBase, 0);
}

}  // namespace hal::x86_64

namespace hal {

void* CurrentThreadSlot() {
  void* t;
  asm volatile("movq %%gs:0x18, %0" : "=r"(t));
  return t;
}

void SetCurrentThreadSlot(void* thread) {
  asm volatile("movq %0, %%gs:0x18" : : "r"(thread) : "memory");
}

unsigned CurrentCpuIndex() {
  uint32_t index;
  asm volatile("movl %%gs:0x20, %0" : "=r"(index));
  return index;
}

}  // namespace hal
