#pragma once

// Span<T>: a pointer and a length. Sub-spans are bounds-checked and never read
// past the end, which is what parsers of untrusted data (boot info, ELF, ACPI) need.

#include <stddef.h>
#include <stdint.h>

namespace kstd {

template <typename T>
class Span {
 public:
  constexpr Span() = default;
  constexpr Span(T* data, size_t size) : data_(data), size_(size) {}
  template <size_t N>
  constexpr Span(T (&array)[N]) : data_(array), size_(N) {}  // NOLINT

  constexpr T* data() const { return data_; }
  constexpr size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr T& operator[](size_t i) const { return data_[i]; }
  constexpr T* begin() const { return data_; }
  constexpr T* end() const { return data_ + size_; }

  /// Elements [offset, offset+count); an empty span if that range is out of bounds.
  constexpr Span Subspan(size_t offset, size_t count) const {
    if (offset > size_ || count > size_ - offset) return Span();
    return Span(data_ + offset, count);
  }
  /// Elements [offset, end); empty if offset is past the end.
  constexpr Span Subspan(size_t offset) const {
    if (offset > size_) return Span();
    return Span(data_ + offset, size_ - offset);
  }
  /// True if [offset, offset+count) lies inside the span.
  constexpr bool Contains(size_t offset, size_t count) const {
    return offset <= size_ && count <= size_ - offset;
  }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

using ByteSpan = Span<const uint8_t>;

/// Reads a little-endian T at `offset` (caller has checked bounds with Contains).
template <typename T>
T LoadLe(ByteSpan bytes, size_t offset) {
  T value;
  __builtin_memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

}  // namespace kstd
