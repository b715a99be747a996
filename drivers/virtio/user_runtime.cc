// The C++ runtime a Tessera user program (static, musl, no libstdc++) needs
// for kstd-based code: allocation that can fail (kstd/new.h) and the
// matching deletes over musl's malloc, and the pure-virtual trap.
//
// Weak: another user runtime (e.g. the fs server's) linked into the same
// program wins without a duplicate-symbol error. One shared runtime in lib/
// should replace both.

#include <stdlib.h>
#include <unistd.h>

#include "kstd/new.h"

[[gnu::weak]] void* operator new(size_t size, const kstd::NoThrow&) noexcept { return malloc(size ? size : 1); }
[[gnu::weak]] void* operator new[](size_t size, const kstd::NoThrow&) noexcept { return malloc(size ? size : 1); }
[[gnu::weak]] void* operator new(size_t size, size_t align, const kstd::NoThrow&) noexcept {
  if (align < sizeof(void*)) align = sizeof(void*);
  void* p = nullptr;
  return posix_memalign(&p, align, size ? size : 1) == 0 ? p : nullptr;
}
[[gnu::weak]] void operator delete(void* p) noexcept { free(p); }
[[gnu::weak]] void operator delete(void* p, size_t) noexcept { free(p); }
[[gnu::weak]] void operator delete[](void* p) noexcept { free(p); }
[[gnu::weak]] void operator delete[](void* p, size_t) noexcept { free(p); }

extern "C" [[gnu::weak]] void __cxa_pure_virtual() {
  static const char kMessage[] = "pure virtual function called\n";
  (void)write(2, kMessage, sizeof(kMessage) - 1);
  abort();
}
