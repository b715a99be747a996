// Interrupt and exception entry stubs (Intel SDM vol. 3A §6.12, §6.14).
// Each vector's stub pushes a dummy error code where the CPU pushes none, then
// the vector number, and joins interrupt_common, which saves the general
// registers into an InterruptFrame (hal/x86_64/interrupts.h) and calls
// X86InterruptDispatch(frame).

// The stubs are 16 bytes apart: stub v is at interrupt_stubs + 16 * v.

.text
.altmacro

// Vectors whose exceptions push an error code (SDM vol. 3A table 6-1) skip the dummy.
.macro STUB vector
  .align 16
  .if !(\vector == 8 || (\vector >= 10 && \vector <= 14) || \vector == 17 || \vector == 21 || \vector == 29 || \vector == 30)
  pushq $0
  .endif
  pushq $\vector
  jmp interrupt_common
.endm

.align 16
.global interrupt_stubs
interrupt_stubs:
.set vector, 0
.rept 256
  STUB %vector
  .set vector, vector + 1
.endr
.align 16
.global interrupt_stubs_end
interrupt_stubs_end:

interrupt_common:
  // Coming from user mode (CS RPL 3)? Then switch to the kernel's GS base.
  testb $3, 24(%rsp)
  jz 1f
  swapgs
1:
  pushq %rax
  pushq %rbx
  pushq %rcx
  pushq %rdx
  pushq %rsi
  pushq %rdi
  pushq %rbp
  pushq %r8
  pushq %r9
  pushq %r10
  pushq %r11
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  cld
  mov %rsp, %rdi
  call X86InterruptDispatch
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %r11
  popq %r10
  popq %r9
  popq %r8
  popq %rbp
  popq %rdi
  popq %rsi
  popq %rdx
  popq %rcx
  popq %rbx
  popq %rax
  testb $3, 24(%rsp)
  jz 2f
  swapgs
2:
  add $16, %rsp          // vector and error code
  iretq

.section .note.GNU-stack, "", @progbits
