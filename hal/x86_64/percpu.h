#pragma once

// Per-CPU data, reached through the GS base in kernel mode (user mode has its
// own GS base, exchanged by SWAPGS on every kernel entry and exit).
// Field offsets are used by syscall_entry.S: keep them in sync.

#include <stddef.h>
#include <stdint.h>

#include "hal/x86_64/cpu.h"

namespace hal::x86_64 {

struct PerCpu {
  PerCpu* self;          // 0x00: for ThisCpu()
  uint64_t kernel_rsp;   // 0x08: top of the current thread's kernel stack
  uint64_t user_rsp;     // 0x10: scratch for the syscall entry
  void* current_thread;  // 0x18: the running thread (the kernel's; opaque here)
  uint32_t cpu_index;    // 0x20
  uint32_t apic_id;      // 0x24
};
static_assert(offsetof(PerCpu, kernel_rsp) == 0x08);
static_assert(offsetof(PerCpu, user_rsp) == 0x10);

/// Points the boot CPU's GS base (and KERNEL_GS_BASE) at its PerCpu.
void InitBootCpu();

inline PerCpu* ThisCpu() {
  PerCpu* p;
  asm volatile("movq %%gs:0, %0" : "=r"(p));
  return p;
}

/// hal::CurrentThreadSlot() without the call, for the syscall entry and exit
/// paths (each call and return costs a translation-block lookup under TCG).
inline void* CurrentThreadInline() {
  void* t;
  asm volatile("movq %%gs:0x18, %0" : "=r"(t));
  return t;
}
static_assert(offsetof(PerCpu, current_thread) == 0x18);

inline uint64_t ReadFsBase() { return ReadMsr(kMsrFsBase); }
inline void WriteFsBase(uint64_t value) { WriteMsr(kMsrFsBase, value); }

/// Enables the FPU/SSE for user code and records the initial FPU image.
void InitFpu();

}  // namespace hal::x86_64
