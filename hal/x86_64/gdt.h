#pragma once

// Global descriptor table and task-state segment (Intel SDM vol. 3A §3.4.5,
// §7.7 "Task management in 64-bit mode").
//
// Selector layout, fixed by SYSCALL/SYSRET (SDM vol. 3A §5.8.8): STAR[47:32]
// = kKernelCode (SS = +8), STAR[63:48] = 0x18|3 so that SYSRET loads
// SS = 0x20|3 (kUserData) and CS = 0x28|3 (kUserCode).

#include <stdint.h>

namespace hal::x86_64 {

inline constexpr uint16_t kKernelCode = 0x08;
inline constexpr uint16_t kKernelData = 0x10;
inline constexpr uint16_t kUserData = 0x20 | 3;
inline constexpr uint16_t kUserCode = 0x28 | 3;
inline constexpr uint16_t kTssSelector = 0x30;

// Interrupt stack table slots (1-based as the IDT gate encodes them).
inline constexpr uint8_t kIstDoubleFault = 1;
inline constexpr uint8_t kIstNmi = 2;
inline constexpr uint8_t kIstMachineCheck = 3;

struct [[gnu::packed]] Tss {
  uint32_t reserved0;
  uint64_t rsp[3];  // stacks for CPL 0..2 on a privilege change
  uint64_t reserved1;
  uint64_t ist[7];  // interrupt stack table
  uint64_t reserved2;
  uint16_t reserved3;
  uint16_t iomap_base;
};
static_assert(sizeof(Tss) == 104);

/// Loads the boot CPU's GDT and TSS (with IST stacks for #DF, NMI and #MC) and
/// reloads every segment register. Call once, early, with interrupts off.
void InitGdt();

/// Sets the stack the CPU switches to on an interrupt from user mode.
void SetKernelStack(uint64_t rsp0);

/// Bounds of the emergency (IST) stacks, for the backtrace walker.
bool IsOnIstStack(uint64_t address);

}  // namespace hal::x86_64
