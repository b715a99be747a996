#pragma once

// Name: a borrowed string (pointer + length, not necessarily NUL-terminated)
// for path components and paths, and the POSIX length limits the VFS enforces.

#include <stddef.h>

#include "kstd/string.h"

namespace core::vfs {

/// NAME_MAX: the longest path component (bytes, without a NUL).
inline constexpr size_t kMaxNameLength = 255;
/// PATH_MAX - 1: the longest path (PATH_MAX = 4096 counts the NUL).
inline constexpr size_t kMaxPathLength = 4095;
/// Symbolic links expanded during one path resolution before ELOOP (Linux's
/// MAXSYMLINKS).
inline constexpr size_t kMaxSymlinkExpansions = 40;

class Name {
 public:
  constexpr Name() = default;
  constexpr Name(const char* data, size_t size) : data_(data), size_(size) {}
  /// From a NUL-terminated string (so literals work: `dir->Lookup("bin")`).
  constexpr Name(const char* cstr)  // NOLINT(runtime/explicit)
      : data_(cstr), size_(cstr == nullptr ? 0 : kstd::StringLength(cstr)) {}

  constexpr const char* data() const { return data_; }
  constexpr size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr char operator[](size_t i) const { return data_[i]; }

  constexpr bool operator==(Name other) const {
    if (size_ != other.size_) return false;
    for (size_t i = 0; i < size_; ++i) {
      if (data_[i] != other.data_[i]) return false;
    }
    return true;
  }
  constexpr bool operator!=(Name other) const { return !(*this == other); }

  constexpr bool IsDot() const { return size_ == 1 && data_[0] == '.'; }
  constexpr bool IsDotDot() const { return size_ == 2 && data_[0] == '.' && data_[1] == '.'; }
  constexpr bool IsDotOrDotDot() const { return IsDot() || IsDotDot(); }

  /// True if this is usable as a directory entry name: 1..kMaxNameLength
  /// bytes, no '/', no NUL, not "." or "..".
  constexpr bool IsValidEntryName() const {
    if (size_ == 0 || size_ > kMaxNameLength || IsDotOrDotDot()) return false;
    for (size_t i = 0; i < size_; ++i) {
      if (data_[i] == '/' || data_[i] == '\0') return false;
    }
    return true;
  }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace core::vfs
