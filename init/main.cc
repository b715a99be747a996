// init: PID 1 of Tessera. The kernel finds this boot module by its name
// ("init"). Starting it in user mode, with handles to the other boot modules,
// comes with user mode itself (the core issue); until then the kernel loads it,
// validates it as an ELF64 executable and reports it at boot.
//
// Today's program is the honest minimum of a static Linux x86-64 executable
// linked against musl: it reports its arguments on the console and exits.

#include <stdio.h>

int main(int argc, char** argv) {
  printf("init: Tessera init started with %d argument(s):", argc);
  for (int i = 0; i < argc; ++i) printf(" %s", argv[i]);
  printf("\n");
  return 0;
}
