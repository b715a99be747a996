// The C++ runtime pieces a Tessera user program built with the q35 user
// toolchain (musl's libc.a, no libstdc++/libc++abi) needs: the allocation
// operators kstd/new.h declares and the ones `delete` uses, backed by musl's
// malloc, and the handler for calls to pure virtual functions.

#include <stdlib.h>
#include <unistd.h>

#include "kstd/new.h"

void* operator new(size_t size, const kstd::NoThrow&) noexcept { return malloc(size ? size : 1); }
void* operator new[](size_t size, const kstd::NoThrow&) noexcept { return malloc(size ? size : 1); }
void* operator new(size_t size, size_t align, const kstd::NoThrow&) noexcept {
  void* p = nullptr;
  if (align < sizeof(void*)) align = sizeof(void*);
  return posix_memalign(&p, align, size ? size : 1) == 0 ? p : nullptr;
}

void operator delete(void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }

extern "C" void __cxa_pure_virtual() {
  static const char kMessage[] = "pure virtual function called\n";
  (void)write(2, kMessage, sizeof(kMessage) - 1);
  abort();
}
