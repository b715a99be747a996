#pragma once

// User-side stubs for Tessera's native system calls, generated from the same
// table the kernel dispatches with (abi/tessera/syscall_table.h). Each
// returns >= 0 on success, -errno on failure:
//
//   tessera::handle_t a, b;
//   if (tessera::sys::ChannelCreate(&a, &b) < 0) ...

#include <stdint.h>

#include "abi/tessera/native.h"
#include "abi/tessera/syscall_table.h"

namespace tessera::sys {

namespace internal {

template <typename T>
inline uint64_t Word(T value) {
  if constexpr (__is_pointer(T)) {
    return reinterpret_cast<uint64_t>(value);
  } else {
    return static_cast<uint64_t>(value);
  }
}

inline int64_t Raw(uint64_t n, uint64_t a = 0, uint64_t b = 0, uint64_t c = 0, uint64_t d = 0,
                   uint64_t e = 0, uint64_t f = 0) {
  int64_t ret;
  register uint64_t r10 asm("r10") = d;
  register uint64_t r8 asm("r8") = e;
  register uint64_t r9 asm("r9") = f;
  asm volatile("syscall"
               : "=a"(ret)
               : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
               : "rcx", "r11", "memory");
  return ret;
}

template <typename... A>
inline int64_t Invoke(uint64_t n, A... args) {
  return Raw(n, Word(args)...);
}

}  // namespace internal

#define IN_PTR(T) const T*
#define OUT_PTR(T) T*
#define TESSERA_STUB_ARGS(...) __VA_OPT__(, ) __VA_ARGS__
#define TESSERA_STUB(number, Name, params, args) \
  inline int64_t Name params { return internal::Invoke(number TESSERA_STUB_ARGS args); }
TESSERA_NATIVE_SYSCALLS(TESSERA_STUB)
#undef TESSERA_STUB
#undef TESSERA_STUB_ARGS
#undef IN_PTR
#undef OUT_PTR

}  // namespace tessera::sys
