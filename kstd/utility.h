#pragma once

// The few <utility>/<new> pieces the kernel needs, without the C++ standard library.

#include <stddef.h>
#include <stdint.h>

#if __STDC_HOSTED__
#include <new>
#else
// Placement new for freestanding builds.
inline void* operator new(size_t, void* where) noexcept { return where; }
inline void* operator new[](size_t, void* where) noexcept { return where; }
#endif

namespace kstd {

template <typename T>
struct RemoveReference {
  using Type = T;
};
template <typename T>
struct RemoveReference<T&> {
  using Type = T;
};
template <typename T>
struct RemoveReference<T&&> {
  using Type = T;
};

template <typename T>
struct RemoveConstImpl {
  using Type = T;
};
template <typename T>
struct RemoveConstImpl<const T> {
  using Type = T;
};
template <typename T>
using RemoveConst = typename RemoveConstImpl<T>::Type;

template <typename T>
constexpr typename RemoveReference<T>::Type&& Move(T&& value) {
  return static_cast<typename RemoveReference<T>::Type&&>(value);
}

template <typename T>
constexpr T&& Forward(typename RemoveReference<T>::Type& value) {
  return static_cast<T&&>(value);
}

template <typename T>
constexpr const T& Min(const T& a, const T& b) {
  return b < a ? b : a;
}
template <typename T>
constexpr const T& Max(const T& a, const T& b) {
  return a < b ? b : a;
}

/// Compile-time index lists (like std::index_sequence).
template <size_t... I>
struct IndexSequence {};
template <size_t N, size_t... I>
struct MakeIndexSequenceImpl : MakeIndexSequenceImpl<N - 1, N - 1, I...> {};
template <size_t... I>
struct MakeIndexSequenceImpl<0, I...> {
  using Type = IndexSequence<I...>;
};
template <size_t N>
using MakeIndexSequence = typename MakeIndexSequenceImpl<N>::Type;

/// Rounds `value` up/down to a multiple of `align` (a power of two).
constexpr uint64_t AlignUp(uint64_t value, uint64_t align) {
  return (value + align - 1) & ~(align - 1);
}
constexpr uint64_t AlignDown(uint64_t value, uint64_t align) { return value & ~(align - 1); }
constexpr bool IsAligned(uint64_t value, uint64_t align) { return (value & (align - 1)) == 0; }

/// a + b, or false on unsigned overflow (for bounds checks on untrusted lengths).
constexpr bool CheckedAdd(uint64_t a, uint64_t b, uint64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}

}  // namespace kstd
