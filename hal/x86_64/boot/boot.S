// Tessera x86-64 start-up: multiboot2 header, 32-bit entry, switch to long mode,
// jump to the higher half and call X86Main(magic, info_phys).
//
// GRUB enters _start in 32-bit protected mode with paging off, EAX = the
// multiboot2 magic 0x36d76289 and EBX = the physical address of the boot
// information (multiboot2 spec §3.3, "I386 machine state").
//
// The boot page tables map:
//   0 .. 4 GiB identity                 (so this code keeps running)
//   0 .. 4 GiB at PHYSMAP_BASE          (the direct map; widened later in C++)
//   0 .. 1 GiB at KERNEL_VMA (-2 GiB)   (the kernel image, -mcmodel=kernel)
// with 2 MiB pages. hal/x86_64/kernel_map.cc replaces them with final tables
// (NX, write-protected text, all RAM in the direct map).

#define KERNEL_VMA 0xFFFFFFFF80000000
#define MB2_MAGIC 0xE85250D6
#define MB2_ARCH_I386 0
#define PTE_PRESENT 0x1
#define PTE_WRITE 0x2
#define PTE_HUGE 0x80
#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_PGE (1 << 7)
#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define COM1 0x3F8

// ---- multiboot2 header (spec §3.1.1): must be in the first 32 KiB, 8-aligned.
.section .multiboot2, "a"
.align 8
mb2_header_start:
  .long MB2_MAGIC
  .long MB2_ARCH_I386
  .long mb2_header_end - mb2_header_start
  .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header_start))
  // End tag (type 0, flags 0, size 8).
  .word 0
  .word 0
  .long 8
mb2_header_end:

// ---- boot data (identity-mapped, physical addresses).
.section .boot.bss, "aw", @nobits
.align 4096
boot_pml4: .skip 4096
boot_pdpt_low: .skip 4096
boot_pdpt_high: .skip 4096
boot_pd: .skip 4 * 4096          // 4 GiB of 2 MiB pages
boot_stack32: .skip 4096
boot_stack32_top:

.section .boot.rodata, "a"
.align 16
boot_gdt:
  .quad 0                        // null
  .quad 0x00AF9A000000FFFF       // 0x08: 64-bit code, DPL 0
  .quad 0x00CF92000000FFFF       // 0x10: data, DPL 0
boot_gdt_end:
boot_gdt_ptr:
  .word boot_gdt_end - boot_gdt - 1
  .long boot_gdt

msg_no_long_mode:
  .asciz "Tessera: this CPU has no long mode (x86-64); cannot boot.\r\n"
msg_bad_magic:
  .asciz "Tessera: not started by a multiboot2 loader; cannot boot.\r\n"

// ---- 32-bit entry.
.section .boot.text, "ax"
.code32
.global _start
.type _start, @function
_start:
  cli
  cld
  mov $boot_stack32_top, %esp
  mov %eax, %edi                 // multiboot2 magic (kept for X86Main)
  mov %ebx, %esi                 // boot information, physical

  cmp $0x36D76289, %eax
  jne .Lbad_magic

  // Long mode available? CPUID 0x80000001 EDX bit 29 (Intel SDM vol. 2A, CPUID).
  mov $0x80000000, %eax
  cpuid
  cmp $0x80000001, %eax
  jb .Lno_long_mode
  mov $0x80000001, %eax
  cpuid
  test $(1 << 29), %edx
  jz .Lno_long_mode

  // Clear the boot page tables (the loader zeroes bss, but do not rely on it).
  push %edi
  mov $boot_pml4, %edi
  xor %eax, %eax
  mov $((3 * 4096 + 4 * 4096) / 4), %ecx
  rep stosl
  pop %edi

  // PML4[0] and PML4[256] (0xFFFF800000000000) -> low PDPT; PML4[511] -> high PDPT.
  mov $boot_pdpt_low, %eax
  or $(PTE_PRESENT | PTE_WRITE), %eax
  mov %eax, boot_pml4
  mov %eax, boot_pml4 + 256 * 8
  mov $boot_pdpt_high, %eax
  or $(PTE_PRESENT | PTE_WRITE), %eax
  mov %eax, boot_pml4 + 511 * 8

  // Low PDPT[0..3] -> the four page directories; high PDPT[510] -> the first.
  mov $boot_pd, %eax
  or $(PTE_PRESENT | PTE_WRITE), %eax
  mov %eax, boot_pdpt_low
  mov %eax, boot_pdpt_high + 510 * 8
  add $4096, %eax
  mov %eax, boot_pdpt_low + 8
  add $4096, %eax
  mov %eax, boot_pdpt_low + 16
  add $4096, %eax
  mov %eax, boot_pdpt_low + 24

  // 2048 entries of 2 MiB: physical 0 .. 4 GiB.
  mov $boot_pd, %ebx
  xor %ecx, %ecx
1:
  mov %ecx, %eax
  shl $21, %eax
  or $(PTE_PRESENT | PTE_WRITE | PTE_HUGE), %eax
  mov %eax, (%ebx, %ecx, 8)
  mov %ecx, %eax
  shr $11, %eax                  // high dword: (i * 2 MiB) >> 32
  mov %eax, 4(%ebx, %ecx, 8)
  inc %ecx
  cmp $2048, %ecx
  jne 1b

  mov $boot_pml4, %eax
  mov %eax, %cr3

  mov %cr4, %eax
  or $(CR4_PAE | CR4_PGE), %eax
  mov %eax, %cr4

  mov $MSR_EFER, %ecx
  rdmsr
  or $(EFER_LME | EFER_NXE), %eax
  wrmsr

  mov %cr0, %eax
  or $(CR0_PG | CR0_WP | CR0_PE), %eax
  mov %eax, %cr0

  lgdt boot_gdt_ptr
  ljmp $0x08, $long_mode_entry

.Lno_long_mode:
  mov $msg_no_long_mode, %esi
  jmp .Lfatal32
.Lbad_magic:
  mov $msg_bad_magic, %esi
.Lfatal32:
  // Polled write to COM1 (the loader left it initialised), then halt.
  mov $COM1 + 5, %dx
2:
  in %dx, %al
  test $0x20, %al
  jz 2b
  lodsb
  test %al, %al
  jz 3f
  mov $COM1, %dx
  out %al, %dx
  mov $COM1 + 5, %dx
  jmp 2b
3:
  hlt
  jmp 3b

.code64
long_mode_entry:
  mov $0x10, %ax
  mov %ax, %ds
  mov %ax, %es
  mov %ax, %ss
  xor %ax, %ax
  mov %ax, %fs
  mov %ax, %gs
  movabs $higher_half_entry, %rax
  jmp *%rax

.text
higher_half_entry:
  movabs $boot_stack_top, %rsp
  xor %ebp, %ebp
  mov %edi, %edi                 // zero-extend magic
  mov %esi, %esi                 // zero-extend info address
  call X86Main
4:
  cli
  hlt
  jmp 4b

.bss
.align 16
.global boot_stack_bottom
boot_stack_bottom:
  .skip 64 * 1024
.global boot_stack_top
boot_stack_top:

.section .note.GNU-stack, "", @progbits
