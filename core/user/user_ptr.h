#pragma once

// UserPtr<T>: a pointer into the calling process's memory, as a system call
// receives it. It cannot be dereferenced; data moves only through CopyIn /
// CopyOut, which check the range lies in user space and survive faults
// (returning false, which the syscall reports as EFAULT).

#include <stddef.h>
#include <stdint.h>

#include "hal/traps.h"
#include "kstd/result.h"
#include "kstd/utility.h"

namespace core {

template <typename T>
class UserPtr {
 public:
  constexpr UserPtr() = default;
  explicit constexpr UserPtr(uint64_t address) : address_(address) {}

  uint64_t address() const { return address_; }
  bool is_null() const { return address_ == 0; }

  /// Copies `count` elements from user memory into `out`. Errors: kFault.
  kstd::Result<void> CopyIn(kstd::RemoveConst<T>* out, size_t count = 1) const {
    size_t bytes;
    if (__builtin_mul_overflow(count, sizeof(T), &bytes)) return kstd::Error::kFault;
    if (address_ == 0 || !hal::CopyFromUser(out, address_, bytes)) return kstd::Error::kFault;
    return kstd::Ok();
  }

  /// Copies `count` elements from `in` to user memory. Errors: kFault.
  kstd::Result<void> CopyOut(const T* in, size_t count = 1) const {
    size_t bytes;
    if (__builtin_mul_overflow(count, sizeof(T), &bytes)) return kstd::Error::kFault;
    if (address_ == 0 || !hal::CopyToUser(address_, in, bytes)) return kstd::Error::kFault;
    return kstd::Ok();
  }

  /// The pointer `n` elements further on (no check: CopyIn/CopyOut check).
  UserPtr Offset(size_t n) const { return UserPtr(address_ + n * sizeof(T)); }

 private:
  uint64_t address_ = 0;
};

/// void pointers move bytes.
template <>
class UserPtr<const void> {
 public:
  constexpr UserPtr() = default;
  explicit constexpr UserPtr(uint64_t address) : address_(address) {}
  uint64_t address() const { return address_; }
  kstd::Result<void> CopyIn(void* out, size_t bytes) const {
    if (bytes != 0 && (address_ == 0 || !hal::CopyFromUser(out, address_, bytes))) {
      return kstd::Error::kFault;
    }
    return kstd::Ok();
  }

 private:
  uint64_t address_ = 0;
};

template <>
class UserPtr<void> {
 public:
  constexpr UserPtr() = default;
  explicit constexpr UserPtr(uint64_t address) : address_(address) {}
  uint64_t address() const { return address_; }
  kstd::Result<void> CopyOut(const void* in, size_t bytes) const {
    if (bytes != 0 && (address_ == 0 || !hal::CopyToUser(address_, in, bytes))) {
      return kstd::Error::kFault;
    }
    return kstd::Ok();
  }

 private:
  uint64_t address_ = 0;
};

/// Copies a NUL-terminated string of at most max_len bytes (NUL excluded)
/// from user memory. Errors: kFault, kNameTooLong (no NUL within max_len).
kstd::Result<size_t> CopyStringIn(uint64_t user_address, char* out, size_t max_len);

}  // namespace core
