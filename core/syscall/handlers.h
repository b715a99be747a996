#pragma once

// Declarations of every system-call handler, generated from the tables. Each
// handler lives in a file of its own group (sys_channel.cc, sys_linux_mm.cc,
// ...) and returns >= 0 or -errno.

#include <stdint.h>

#include "abi/tessera/linux_syscalls.h"
#include "abi/tessera/native.h"
#include "abi/tessera/syscall_table.h"
#include "core/posix/signals.h"
#include "core/syscall/user_ptr.h"

#define IN_PTR(T) ::core::UserPtr<const T>
#define OUT_PTR(T) ::core::UserPtr<T>

namespace core::syscall {

#define TESSERA_DECLARE_HANDLER(number, Name, params, args) int64_t Sys##Name params;
TESSERA_NATIVE_SYSCALLS(TESSERA_DECLARE_HANDLER)
TESSERA_LINUX_SYSCALLS(TESSERA_DECLARE_HANDLER)
#undef TESSERA_DECLARE_HANDLER

/// -errno for a kernel error.
inline int64_t Errno(kstd::Error e) { return -static_cast<int64_t>(e); }

}  // namespace core::syscall
