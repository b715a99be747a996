// fault: dies of a CPU fault chosen by argv[1]. Before faulting it prints the
// exact instruction address (and data address) the kernel's kill report must
// name, in the kernel's own format, so the system test can compare them:
//
//   fault: pid P VARIANT: RIP R address A expect signal S
//
// Variants:
//   null-write         store to address 0                 -> #PF, SIGSEGV (11)
//   kernel-read        load from 0xffff800000000000        -> #PF, SIGSEGV (11)
//                      (the kernel's direct map: present but supervisor-only)
//   noncanonical-jump  jmp to 0x0000900000000000           -> #GP, SIGSEGV (11)
//   ud2                an undefined opcode                 -> #UD, SIGILL (4)
//   nx-exec            call into a present, writable data  -> #PF, SIGSEGV (11)
//                      page (NX)
// Any other variant exits with status 2 (so a typo is not a "fault").

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern "C" {
void FaultNullWrite();
void FaultKernelRead();
void FaultNoncanonicalJump();
void FaultUd2();
extern char fault_null_write_site[], fault_kernel_read_site[], fault_noncanonical_jump_site[],
    fault_ud2_site[];
}

// Each variant's faulting instruction carries a global label.
asm(R"(
    .text
    .globl FaultNullWrite, fault_null_write_site
FaultNullWrite:
    xorl %eax, %eax
fault_null_write_site:
    movq $0x5a, (%rax)
    ud2

    .globl FaultKernelRead, fault_kernel_read_site
FaultKernelRead:
    movabsq $0xffff800000000000, %rax
fault_kernel_read_site:
    movq (%rax), %rax
    ud2

    .globl FaultNoncanonicalJump, fault_noncanonical_jump_site
FaultNoncanonicalJump:
    movabsq $0x0000900000000000, %rax
fault_noncanonical_jump_site:
    jmp *%rax

    .globl FaultUd2, fault_ud2_site
FaultUd2:
    nop
fault_ud2_site:
    ud2
)");

namespace {

// A `ret` in a writable data page: with NX honoured, calling it faults on the
// instruction fetch; without NX it would return and the program ends with 3.
alignas(4096) unsigned char g_data_code[4096] = {0xC3};

void Announce(const char* variant, uint64_t rip, const char* address, int signal) {
  printf("fault: pid %d %s: RIP %lx address %s expect signal %d\n", getpid(), variant,
         static_cast<unsigned long>(rip), address, signal);
  fflush(stdout);
}

uint64_t Addr(const void* p) { return reinterpret_cast<uint64_t>(p); }

}  // namespace

int main(int argc, char** argv) {
  const char* v = argc > 1 ? argv[1] : "";
  if (strcmp(v, "null-write") == 0) {
    Announce(v, Addr(fault_null_write_site), "0", 11);
    FaultNullWrite();
  } else if (strcmp(v, "kernel-read") == 0) {
    Announce(v, Addr(fault_kernel_read_site), "ffff800000000000", 11);
    FaultKernelRead();
  } else if (strcmp(v, "noncanonical-jump") == 0) {
    Announce(v, Addr(fault_noncanonical_jump_site), "none", 11);
    FaultNoncanonicalJump();
  } else if (strcmp(v, "ud2") == 0) {
    Announce(v, Addr(fault_ud2_site), "none", 4);
    FaultUd2();
  } else if (strcmp(v, "nx-exec") == 0) {
    // Touch the page first, so the fetch meets a present PTE with NX set
    // ("protection violation"), not a page that is merely not there yet.
    g_data_code[1] = 0xC3;
    char address[32];
    snprintf(address, sizeof address, "%lx", static_cast<unsigned long>(Addr(g_data_code)));
    Announce(v, Addr(g_data_code), address, 11);
    reinterpret_cast<void (*)()>(reinterpret_cast<uintptr_t>(g_data_code))();
    printf("fault: nx-exec: executed a data page (NX not enforced)\n");
    return 3;
  } else {
    printf("fault: unknown variant '%s'\n", v);
    return 2;
  }
  printf("fault: %s did not fault\n", v);
  return 1;
}
