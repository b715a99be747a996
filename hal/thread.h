#pragma once

// Facade: the architecture half of a thread — its saved CPU context, FPU/SSE
// state and kernel stack — and switching between threads. The scheduler in
// core/sched owns the policy; the backend owns the registers.

#include <stddef.h>
#include <stdint.h>

#include "hal/x86_64/thread_context.h"  // defines hal::ThreadContext

namespace hal {

/// Prepares `context` so that the first switch to it calls entry(arg) on the
/// kernel stack [stack_base, stack_base + stack_size) with interrupts
/// disabled and the FPU in its initial state. Returns nothing; cannot fail.
void InitThreadContext(ThreadContext* context, uintptr_t stack_base, size_t stack_size,
                       void (*entry)(void*), void* arg);

/// Saves the running thread's state into `from` and resumes `to`. Returns when
/// some later switch resumes `from`. Call with interrupts disabled.
void SwitchThread(ThreadContext* from, ThreadContext* to);

/// Stores the running thread's live FPU/SSE registers into `context` (so a
/// copy, e.g. for fork, sees their current values).
void SaveFpuState(ThreadContext* context);

/// Loads a 512-byte FXSAVE image into the running thread's FPU/SSE
/// registers and into `context`'s saved copy (signal handler entry/return).
void LoadFpuState(ThreadContext* context, const uint8_t* image);

/// Puts the running thread's FPU/SSE registers (and `context`'s saved copy)
/// back in their initial state (execve).
void ResetFpuState(ThreadContext* context);

/// Sets the running thread's user TLS base register (FS base on x86-64).
void LoadFsBase(uint64_t value);

/// Loads the page tables rooted at physical `root` (0: the kernel's own).
void SwitchAddressSpace(uint64_t root);

/// Makes `context` the current CPU's thread for kernel entry (the stack used
/// when user mode traps or calls into the kernel) without switching. For the
/// boot thread, which already runs.
void AdoptBootThread(ThreadContext* context, uintptr_t stack_base, size_t stack_size);

}  // namespace hal
