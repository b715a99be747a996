// Copies between kernel and user memory that survive a fault: a page fault
// inside [x86_64_user_copy_begin, x86_64_user_copy_end) that the kernel
// cannot resolve resumes at x86_64_user_copy_fault, which returns 1.
//
// uint64_t x86_64_user_copy(void* dst, const void* src, size_t len)
//   returns 0 on success, 1 if a fault stopped it.

.text
.global x86_64_user_copy
.type x86_64_user_copy, @function
x86_64_user_copy:
  movq %rdx, %rcx
  shrq $3, %rcx                  // eight bytes a step (TCG runs one step at a time)
  andl $7, %edx
.global x86_64_user_copy_begin
x86_64_user_copy_begin:
  rep movsq
  movq %rdx, %rcx
  rep movsb                      // the tail
.global x86_64_user_copy_end
x86_64_user_copy_end:
  xorl %eax, %eax
  ret

.global x86_64_user_copy_fault
x86_64_user_copy_fault:
  movl $1, %eax
  ret

.section .note.GNU-stack, "", @progbits
