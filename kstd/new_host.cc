// Host implementation of kstd/new.h (unit tests): malloc-backed, so ordinary
// `delete` (the C++ library's, free-backed on glibc) releases it.

#include <stdlib.h>

#include "kstd/new.h"

void* operator new(size_t size, const kstd::NoThrow&) noexcept { return malloc(size ? size : 1); }
void* operator new[](size_t size, const kstd::NoThrow&) noexcept { return malloc(size ? size : 1); }
void* operator new(size_t size, size_t align, const kstd::NoThrow&) noexcept {
  void* p = nullptr;
  if (align < sizeof(void*)) align = sizeof(void*);
  return posix_memalign(&p, align, size ? size : 1) == 0 ? p : nullptr;
}
