#pragma once

// Declarations of every system-call handler, generated from the tables. Each
// handler lives in the file of its subject (sys_channel.cc, sys_memory.cc,
// ...) and returns its value or a kstd::Error (propagated with TRY); the
// dispatcher's thunk turns an error into -errno and a value into the register
// as it is (an fd, a count, an address, an offset).

#include <stdint.h>

#include "abi/tessera/linux_syscalls.h"
#include "abi/tessera/native.h"
#include "abi/tessera/syscall_table.h"
#include "core/posix/signals.h"
#include "core/user/user_ptr.h"
#include "kstd/result.h"

#define IN_PTR(T) ::core::UserPtr<const T>
#define OUT_PTR(T) ::core::UserPtr<T>

namespace core::syscall {

#define TESSERA_DECLARE_HANDLER(number, Name, params, args) kstd::Result<uint64_t> Sys##Name params;
#define TESSERA_DECLARE_LINUX_HANDLER(number, Name, eintr, params, args) \
  TESSERA_DECLARE_HANDLER(number, Name, params, args)
TESSERA_NATIVE_SYSCALLS(TESSERA_DECLARE_HANDLER)
TESSERA_LINUX_SYSCALLS(TESSERA_DECLARE_LINUX_HANDLER)
#undef TESSERA_DECLARE_LINUX_HANDLER
#undef TESSERA_DECLARE_HANDLER

}  // namespace core::syscall
