// hal/cpu.h, hal/machine.h and hal/timer.h for x86-64.

#include "hal/cpu.h"
#include "hal/machine.h"
#include "hal/memory.h"
#include "hal/timer.h"
#include "hal/x86_64/address_space_layout.h"
#include "hal/x86_64/interrupts.h"
#include "hal/x86_64/port_io.h"
#include "hal/x86_64/timer.h"

namespace hal {
namespace {

// QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4,iosize=4):
// writing v makes QEMU exit with status (v << 1) | 1.
constexpr uint16_t kDebugExitPort = 0xF4;

}  // namespace

void EnableInterrupts() { asm volatile("sti" ::: "memory"); }
void DisableInterrupts() { asm volatile("cli" ::: "memory"); }
bool SaveAndDisableInterrupts() {
  uint64_t flags;
  asm volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
  return (flags & (1 << 9)) != 0;  // RFLAGS.IF
}
void RestoreInterrupts(bool were_enabled) {
  if (were_enabled) asm volatile("sti" ::: "memory");
}
void WaitForInterrupt() { asm volatile("sti; hlt" ::: "memory"); }

void HaltForever() {
  for (;;) asm volatile("cli; hlt");
}

void ExitMachine(int code) {
  x86_64::Out32(kDebugExitPort, static_cast<uint32_t>(code));
  HaltForever();
}

void* PhysToVirt(uint64_t phys) { return x86_64::PhysToVirt(phys); }

uint64_t TimerTicks() { return x86_64::InterruptCount(x86_64::kTimerVector); }
void SetTickCallback(void (*callback)()) { x86_64::SetTickCallback(callback); }
void SetInterruptExitCallback(void (*callback)()) { x86_64::SetInterruptExitCallback(callback); }
uint32_t TimerHz() { return x86_64::TimerFrequency(); }

}  // namespace hal
