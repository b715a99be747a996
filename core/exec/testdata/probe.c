// Prints, one "key=value" line each, what the C library's start-up code found
// on the entry stack: argc, argv, envp, the auxiliary vector (walked by hand
// past envp's NULL, and through getauxval), and whether TLS, data and bss were
// set up from the program headers. run_on_host_test starts it with a stack
// from BuildInitialStack and compares. Built against glibc (static and
// static-pie) and musl (the Tessera user toolchain).
#include <stdint.h>
#include <stdio.h>
#include <sys/auxv.h>

static __thread int tls_value = 42;  // found through AT_PHDR -> PT_TLS
static __thread int tls_zero;        // .tbss
static long data_value = 7;          // .data
static char bss_block[10000];        // .bss

int main(int argc, char** argv, char** envp) {
  printf("argc=%d\n", argc);
  printf("argv_addr=%#lx\n", (unsigned long)(uintptr_t)argv);
  for (int i = 0; i < argc; ++i) printf("argv=%s\n", argv[i]);
  printf("argv_null=%d\n", argv[argc] == NULL);
  char** p = envp;
  for (; *p != NULL; ++p) printf("envp=%s\n", *p);
  for (unsigned long* a = (unsigned long*)(p + 1); a[0] != AT_NULL; a += 2) {
    printf("auxv=%lu:%#lx\n", a[0], a[1]);
  }
  const unsigned long types[] = {AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_FLAGS,
                                 AT_ENTRY, AT_UID,  AT_EUID,  AT_GID,    AT_EGID, AT_HWCAP,
                                 AT_CLKTCK, AT_SECURE, AT_HWCAP2, AT_RANDOM};
  for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); ++i) {
    printf("getauxval=%lu:%#lx\n", types[i], getauxval(types[i]));
  }
  printf("platform=%s\n", (const char*)getauxval(AT_PLATFORM));
  printf("execfn=%s\n", (const char*)getauxval(AT_EXECFN));
  const unsigned char* random = (const unsigned char*)getauxval(AT_RANDOM);
  printf("random=");
  for (int i = 0; i < 16; ++i) printf("%02x", random[i]);
  printf("\n");
  int bss_zero = 1;
  for (unsigned i = 0; i < sizeof(bss_block); ++i) bss_zero &= bss_block[i] == 0;
  printf("tls=%d tls_zero=%d data=%ld bss_zero=%d\n", tls_value, tls_zero, data_value, bss_zero);
  return 0;
}
