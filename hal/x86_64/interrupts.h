#pragma once

// Interrupt descriptor table, interrupt dispatch and the exception reporter
// (Intel SDM vol. 3A chapter 6).

#include <stdint.h>

namespace hal::x86_64 {

/// The register state saved by interrupt_entry.S, lowest address first.
struct InterruptFrame {
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
  uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector, error_code;
  // Pushed by the CPU.
  uint64_t rip, cs, rflags, rsp, ss;
};

// Vector assignment.
inline constexpr uint8_t kFirstExternalVector = 0x20;
inline constexpr uint8_t kTimerVector = 0x20;
inline constexpr uint8_t kLegacyPicBase = 0x30;      // masked 8259 (spurious only)
inline constexpr uint8_t kFirstIsaIrqVector = 0x40;  // ISA IRQ n -> 0x40 + n via IOAPIC
inline constexpr uint8_t kFirstLevelGsiVector =
    0x50;                                            // PCI INTx GSIs, one vector each (pci_intx.cc)
inline constexpr uint8_t kLevelGsiVectorCount = 32;  // 0x50..0x6F
// 0x80..0xBF: MSI/MSI-X device vectors (device_irq.cc).
inline constexpr uint8_t kSpuriousVector = 0xFF;

/// Handler for an external interrupt; runs with interrupts disabled. The
/// dispatcher sends the LAPIC end-of-interrupt after it returns.
using InterruptHandler = void (*)(InterruptFrame* frame);

/// Loads the IDT with every vector pointing at its entry stub.
void InitIdt();

/// Installs `handler` for `vector` (>= kFirstExternalVector). Replaces any
/// previous handler.
void SetInterruptHandler(uint8_t vector, InterruptHandler handler);

/// See hal::SetInterruptExitCallback.
void SetInterruptExitCallback(void (*callback)());

/// Number of times `vector` has been taken since boot.
uint64_t InterruptCount(uint8_t vector);

/// Trap layer (traps.cc): resolves or redirects an exception; false = kernel bug.
bool HandleTrap(InterruptFrame* frame);
/// Trap layer: the hook run before returning to user mode.
void BeforeReturnToUser(InterruptFrame* frame);

/// Prints the full report for an exception frame (name, error code, RIP,
/// CR2, registers, backtrace). Used by the panic path.
void DumpExceptionFrame(const InterruptFrame& frame);

}  // namespace hal::x86_64
