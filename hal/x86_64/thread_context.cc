// hal/thread.h for x86-64.

#include "hal/thread.h"

#include "hal/x86_64/backtrace.h"
#include "hal/x86_64/gdt.h"
#include "hal/x86_64/interrupts.h"
#include "hal/x86_64/percpu.h"

extern "C" void x86_64_switch_stacks(uint64_t* save_rsp, uint64_t new_rsp);
extern "C" void x86_64_thread_start();

namespace hal {
namespace {

constexpr size_t kUserFrameReserve = (sizeof(x86_64::InterruptFrame) + 15) & ~size_t{15};

// The FPU state every thread starts with (captured after FNINIT with the
// default MXCSR), so user code sees the ABI's initial control words.
alignas(16) uint8_t g_initial_fpu_state[512];

}  // namespace

namespace x86_64 {

void InitFpu() {
  // CR0: clear EM, set MP and NE; CR4: OSFXSR | OSXMMEXCPT (SDM vol. 3A §13.1.3).
  uint64_t cr0;
  asm volatile("mov %%cr0, %0" : "=r"(cr0));
  cr0 = (cr0 & ~(1ULL << 2)) | (1ULL << 1) | (1ULL << 5);
  asm volatile("mov %0, %%cr0" : : "r"(cr0));
  uint64_t cr4;
  asm volatile("mov %%cr4, %0" : "=r"(cr4));
  cr4 |= (1ULL << 9) | (1ULL << 10);
  asm volatile("mov %0, %%cr4" : : "r"(cr4));
  uint32_t mxcsr = 0x1F80;
  asm volatile("fninit; ldmxcsr %0; fxsave %1" : : "m"(mxcsr), "m"(g_initial_fpu_state));
}

}  // namespace x86_64

void InitThreadContext(ThreadContext* context, uintptr_t stack_base, size_t stack_size,
                       void (*entry)(void*), void* arg) {
  context->stack_base = stack_base;
  context->stack_size = stack_size;
  __builtin_memcpy(context->fpu_state, g_initial_fpu_state, sizeof g_initial_fpu_state);
  // The top of the stack is reserved for the user register frame a user thread
  // enters user mode from (and that every later kernel entry rebuilds in the
  // same place); kernel code runs below it.
  auto* top = reinterpret_cast<uint64_t*>(stack_base + stack_size - kUserFrameReserve);
  // Layout popped by x86_64_switch_stacks: r15 r14 r13 r12 rbx rbp, then ret.
  *--top = 0;  // alignment: at x86_64_thread_start rsp % 16 == 8 like after a call
  *--top = reinterpret_cast<uint64_t>(&x86_64_thread_start);
  *--top = 0;                                  // rbp
  *--top = 0;                                  // rbx
  *--top = reinterpret_cast<uint64_t>(entry);  // r12
  *--top = reinterpret_cast<uint64_t>(arg);    // r13
  *--top = 0;                                  // r14
  *--top = 0;                                  // r15
  context->saved_rsp = reinterpret_cast<uint64_t>(top);
}

void SwitchThread(ThreadContext* from, ThreadContext* to) {
  asm volatile("fxsave %0" : "=m"(from->fpu_state));
  asm volatile("fxrstor %0" : : "m"(to->fpu_state));
  from->fs_base = x86_64::ReadFsBase();
  x86_64::WriteFsBase(to->fs_base);
  uint64_t top = to->stack_base + to->stack_size;
  x86_64::SetKernelStack(top);
  x86_64::ThisCpu()->kernel_rsp = top;
  x86_64::SetBacktraceStack(to->stack_base, top);
  x86_64_switch_stacks(&from->saved_rsp, to->saved_rsp);
}

void SaveFpuState(ThreadContext* context) { asm volatile("fxsave %0" : "=m"(context->fpu_state)); }

void LoadFpuState(ThreadContext* context, const uint8_t* image) {
  __builtin_memcpy(context->fpu_state, image, sizeof context->fpu_state);
  asm volatile("fxrstor %0" : : "m"(context->fpu_state));
}

uint32_t MxcsrMask() {
  uint32_t mask;
  __builtin_memcpy(&mask, g_initial_fpu_state + 28, sizeof mask);  // FXSAVE MXCSR_MASK
  return mask != 0 ? mask : 0xFFBF;
}

void ResetFpuState(ThreadContext* context) {
  __builtin_memcpy(context->fpu_state, g_initial_fpu_state, sizeof g_initial_fpu_state);
  asm volatile("fxrstor %0" : : "m"(context->fpu_state));
}

void LoadFsBase(uint64_t value) { x86_64::WriteFsBase(value); }

void AdoptBootThread(ThreadContext* context, uintptr_t stack_base, size_t stack_size) {
  context->stack_base = stack_base;
  context->stack_size = stack_size;
  __builtin_memcpy(context->fpu_state, g_initial_fpu_state, sizeof g_initial_fpu_state);
  x86_64::SetKernelStack(stack_base + stack_size);
  x86_64::ThisCpu()->kernel_rsp = stack_base + stack_size;
}

}  // namespace hal
