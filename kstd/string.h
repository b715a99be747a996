#pragma once

// NUL-terminated string helpers for freestanding code (no libc).

#include <stddef.h>

namespace kstd {

constexpr size_t StringLength(const char* s) {
  size_t n = 0;
  while (s[n] != '\0') ++n;
  return n;
}

constexpr bool StringEqual(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

/// Copies src into dst (capacity `size`, always NUL-terminated when size > 0).
/// Returns false if src had to be truncated.
inline bool CopyString(char* dst, size_t size, const char* src) {
  if (size == 0) return false;
  size_t i = 0;
  for (; src[i] != '\0'; ++i) {
    if (i + 1 >= size) {
      dst[i] = '\0';
      return false;
    }
    dst[i] = src[i];
  }
  dst[i] = '\0';
  return true;
}

}  // namespace kstd
