#pragma once

// Linux x86-64 system-call names by number, for /proc/tessera/unsupported
// (abi/tessera/linux_syscalls.h lists only the calls Tessera implements, so
// the names of the ones it refuses come from here).

#include <stddef.h>
#include <stdint.h>

namespace core::procfs {

/// The Linux name of x86-64 system call `number` ("sysinfo" for 99), or null
/// for a number Linux has not assigned.
const char* LinuxSyscallName(uint64_t number);

}  // namespace core::procfs
