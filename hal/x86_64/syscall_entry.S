// SYSCALL entry and the common return-to-user paths (Intel SDM vol. 2B
// SYSCALL/SYSRET; vol. 3A §5.8.8).
//
// On SYSCALL the CPU loads RIP from LSTAR, saves the user RIP in RCX and
// RFLAGS in R11, masks RFLAGS with FMASK (IF, DF, TF, AC cleared) and does not
// touch RSP. We switch to the thread's kernel stack and build the same
// InterruptFrame an interrupt would (hal/x86_64/interrupts.h), with vector
// kSyscallVector, so every path back to user mode can use one frame layout.

#define PERCPU_KERNEL_RSP 0x08
#define PERCPU_USER_RSP 0x10
#define USER_DATA_SELECTOR (0x20 | 3)
#define USER_CODE_SELECTOR (0x28 | 3)
#define SYSCALL_VECTOR 0x100

#include "hal/x86_64/register_frame.inc"

.text
.global x86_64_syscall_entry
.type x86_64_syscall_entry, @function
x86_64_syscall_entry:
  swapgs
  movq %rsp, %gs:PERCPU_USER_RSP
  movq %gs:PERCPU_KERNEL_RSP, %rsp
  // The CPU-pushed part of an interrupt frame: ss, rsp, rflags, cs, rip.
  pushq $USER_DATA_SELECTOR
  pushq %gs:PERCPU_USER_RSP
  pushq %r11
  pushq $USER_CODE_SELECTOR
  pushq %rcx
  pushq $0                       // error code
  pushq $SYSCALL_VECTOR          // vector
  PUSH_GENERAL_REGISTERS
  sti
  cld
  movq %rsp, %rdi
  call X86SyscallDispatch
  cli
  jmp x86_64_return_to_user

// Returns to user mode from a frame at %rsp (syscall, interrupt, or a new
// thread's first entry). Uses SYSRET when the frame allows it: canonical user
// RIP (SYSRET with a non-canonical RCX faults in ring 0 on Intel CPUs), the
// standard user selectors, and RCX/R11 equal to RIP/RFLAGS (a syscall's
// clobbers); otherwise IRETQ, which restores every register exactly (signal
// return, execve, preempted user code).
.global x86_64_return_to_user
.type x86_64_return_to_user, @function
x86_64_return_to_user:
  movq 17*8(%rsp), %rcx          // frame.rip
  movq %rcx, %r11
  sarq $47, %r11
  jnz .Liret                     // non-canonical or kernel-half RIP
  cmpq $SYSCALL_VECTOR, 15*8(%rsp)
  jne .Liret                     // not a syscall frame: registers must all be restored
  cmpq 12*8(%rsp), %rcx          // frame.rcx == rip (unchanged by the kernel)?
  jne .Liret
  movq 19*8(%rsp), %r11          // frame.rflags
  cmpq 4*8(%rsp), %r11           // frame.r11 == rflags?
  jne .Liret
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  addq $8, %rsp                  // r11 (reloaded from rflags below)
  popq %r10
  popq %r9
  popq %r8
  popq %rbp
  popq %rdi
  popq %rsi
  popq %rdx
  addq $8, %rsp                  // rcx (= rip)
  popq %rbx
  popq %rax
  addq $16, %rsp                 // vector, error code
  popq %rcx                      // rip
  addq $8, %rsp                  // cs
  popq %r11                      // rflags
  popq %rsp                      // user rsp (ss is implied by STAR)
  swapgs
  sysretq

.Liret:
  POP_GENERAL_REGISTERS
  addq $16, %rsp
  swapgs
  iretq

// First entry of a user thread: rsp points at a prepared InterruptFrame.
.global x86_64_enter_user
.type x86_64_enter_user, @function
x86_64_enter_user:
  movq %rdi, %rsp
  cli
  jmp .Liret

.section .note.GNU-stack, "", @progbits
