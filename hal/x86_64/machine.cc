// hal/cpu.h, hal/machine.h and hal/timer.h for x86-64.

#include "hal/machine.h"
#include "hal/cpu.h"
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
// The chipset's Reset Control Register (ICH9/q35 and PIIX: port 0xCF9):
// bit 2 starts the reset, bit 1 makes it a hard (full) reset.
constexpr uint16_t kResetControlPort = 0xCF9;
constexpr uint8_t kResetHard = 0x02, kResetStart = 0x04;
// The 8042 keyboard controller's "pulse reset line" command.
constexpr uint16_t kKeyboardCommandPort = 0x64;
constexpr uint8_t kKeyboardPulseReset = 0xFE;

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

void ResetMachine() {
  DisableInterrupts();
  x86_64::Out8(kResetControlPort, kResetHard);
  x86_64::Out8(kResetControlPort, kResetHard | kResetStart);
  for (int i = 0; i < 1000000; ++i) asm volatile("pause");
  x86_64::Out8(kKeyboardCommandPort, kKeyboardPulseReset);
  for (int i = 0; i < 1000000; ++i) asm volatile("pause");
  // Last resort: a triple fault (an empty IDT, then an exception).
  struct [[gnu::packed]] {
    uint16_t limit;
    uint64_t base;
  } empty_idt{0, 0};
  asm volatile("lidt %0; int3" : : "m"(empty_idt));
  HaltForever();
}

void* PhysToVirt(uint64_t phys) { return x86_64::PhysToVirt(phys); }

uint64_t TimerTicks() { return x86_64::InterruptCount(x86_64::kTimerVector); }
void SetTickCallback(void (*callback)(bool from_user)) { x86_64::SetTickCallback(callback); }
void SetInterruptExitCallback(void (*callback)()) { x86_64::SetInterruptExitCallback(callback); }
uint32_t TimerHz() { return x86_64::TimerFrequency(); }

}  // namespace hal
