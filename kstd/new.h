#pragma once

// Allocation that can fail without exceptions: `new (kstd::nothrow) T(...)`
// returns nullptr when memory is exhausted. Every kernel allocation uses it.
// In the kernel the operators are backed by the kernel heap
// (core/kernel/kernel_new.cc); on the host by malloc.

#include <stddef.h>

namespace kstd {
struct NoThrow {
  explicit NoThrow() = default;
};
inline constexpr NoThrow nothrow{};
}  // namespace kstd

void* operator new(size_t size, const kstd::NoThrow&) noexcept;
void* operator new[](size_t size, const kstd::NoThrow&) noexcept;
void* operator new(size_t size, size_t align, const kstd::NoThrow&) noexcept;
