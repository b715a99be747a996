// Thread switch (hal::SwitchThread) and the first entry of a new thread.
//
// x86_64_switch_stacks(uint64_t* save_rsp, uint64_t new_rsp): pushes the
// System V callee-saved registers, stores rsp in *save_rsp, loads new_rsp and
// pops the other thread's registers; `ret` continues that thread where it
// called x86_64_switch_stacks (or in x86_64_thread_start for a new thread).

.text
.global x86_64_switch_stacks
.type x86_64_switch_stacks, @function
x86_64_switch_stacks:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret

// A new thread's stack (hal::InitThreadContext) holds six zeroed registers and
// then this address; r12 = entry, r13 = arg (placed in the register slots).
.global x86_64_thread_start
.type x86_64_thread_start, @function
x86_64_thread_start:
  xorl %ebp, %ebp
  movq %r13, %rdi
  callq *%r12
  ud2                           // entry functions never return

.section .note.GNU-stack, "", @progbits
