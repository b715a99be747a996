// A tiny static x86-64 program, linked by Bazel, that elf64_test reads as a real
// ELF fixture. It is never run. The variables give it the segments a real
// program has: text, data, bss and a TLS image.
int counter = 1;             // .data
static char scratch[8192];   // .bss
__thread int tls_value = 7;  // .tdata -> PT_TLS

void _start(void) {
  for (;;) {
    counter++;
    scratch[counter & 8191] = (char)tls_value;
  }
}
