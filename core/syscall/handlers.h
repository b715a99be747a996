#pragma once

// Declarations of every system-call handler, generated from the tables. Each
// handler lives in a file of its own group (sys_channel.cc, sys_linux_mm.cc,
// ...) and returns >= 0 or -errno.

#include <stdint.h>

#include "core/posix/signals.h"
#include "core/syscall/abi.h"
#include "core/syscall/linux_table.h"
#include "core/syscall/syscall_table.h"
#include "core/user/user_ptr.h"

#define IN_PTR(T) ::core::UserPtr<const T>
#define OUT_PTR(T) ::core::UserPtr<T>

namespace core::syscall {

// TEMPORARY (conversion check): a handler's result that accepts an error, an
// unsigned value or a non-negative constant, and refuses every signed
// variable, so that no int64_t holding -errno can become a success value.
void NegativeConstant();  // not constexpr: calling it in a consteval fails the build
class SyscallResult {
 public:
  SyscallResult(kstd::Error e) : ok_(false), error_(e) {}  // NOLINT
  SyscallResult(unsigned char v) : ok_(true), value_(v) {}  // NOLINT
  SyscallResult(unsigned short v) : ok_(true), value_(v) {}  // NOLINT
  SyscallResult(unsigned int v) : ok_(true), value_(v) {}  // NOLINT
  SyscallResult(unsigned long v) : ok_(true), value_(v) {}  // NOLINT
  SyscallResult(unsigned long long v) : ok_(true), value_(v) {}  // NOLINT
  consteval SyscallResult(int literal) : ok_(true), value_(static_cast<uint64_t>(literal)) {  // NOLINT
    if (literal < 0) NegativeConstant();
  }
  template <typename T>
  SyscallResult(T) = delete;
  bool is_error() const { return !ok_; }
  kstd::Error error() const { return error_; }
  uint64_t value() const { return value_; }
  uint64_t release_value() const { return value_; }

 private:
  bool ok_;
  uint64_t value_ = 0;
  kstd::Error error_ = kstd::Error::kInvalid;
};

// TEMPORARY (conversion check): marks a signed value that was read and found
// to be a success value (an fd, a pid, a handle), never -errno.
template <typename T>
uint64_t Checked(T v) {
  return static_cast<uint64_t>(v);
}

#define TESSERA_DECLARE_HANDLER(number, Name, params, args) SyscallResult Sys##Name params;
TESSERA_NATIVE_SYSCALLS(TESSERA_DECLARE_HANDLER)
TESSERA_LINUX_SYSCALLS(TESSERA_DECLARE_HANDLER)
#undef TESSERA_DECLARE_HANDLER

/// -errno for a kernel error.
inline int64_t Errno(kstd::Error e) { return -static_cast<int64_t>(e); }

}  // namespace core::syscall
