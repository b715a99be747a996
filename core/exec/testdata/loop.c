// A small static x86-64 program without a C library, linked three ways by
// BUILD, that elf_loader_test loads into a fake address space. It never runs.
// Its variables give it the segments a real program has: code, read-only
// data, data, a bss that spans several pages, and a TLS image.
const char kGreeting[] = "tessera exec fixture";  // .rodata
long counter = 0x1122334455667788;                // .data
static unsigned char zeroes[3 * 4096 + 123];      // .bss
__thread int tls_word = 5;                        // .tdata -> PT_TLS

void _start(void) {
  for (;;) {
    counter += kGreeting[counter & 15];
    zeroes[(unsigned long)counter % sizeof(zeroes)] = (unsigned char)tls_word;
  }
}
