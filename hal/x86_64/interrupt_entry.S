// Interrupt and exception entry stubs (Intel SDM vol. 3A §6.12, §6.14).
// Each vector's stub pushes a dummy error code where the CPU pushes none, then
// the vector number, and joins interrupt_common, which saves the general
// registers into an InterruptFrame (hal/x86_64/interrupts.h) and calls
// X86InterruptDispatch(frame).

// The stubs are 16 bytes apart: stub v is at interrupt_stubs + 16 * v.

#include "hal/x86_64/register_frame.inc"

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
  PUSH_GENERAL_REGISTERS
  cld
  mov %rsp, %rdi
  call X86InterruptDispatch
  POP_GENERAL_REGISTERS
  testb $3, 24(%rsp)
  jz 2f
  swapgs
2:
  add $16, %rsp          // vector and error code
  iretq

.section .note.GNU-stack, "", @progbits
