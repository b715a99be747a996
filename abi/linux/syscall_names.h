#pragma once

// Linux x86-64 system-call names by number: ABI data (the numbers are
// Linux's, arch/x86/entry/syscalls/syscall_64.tbl), kept whole because the
// kernel names the calls it does NOT implement too: /proc/tessera/unsupported
// lists each unknown call a program tried as "number name count". The calls
// Tessera implements, with their handlers and restart rules, are the rows of
// abi/tessera/linux_syscalls.h; every other number is unknown (ENOSYS, counted).

#include <stddef.h>
#include <stdint.h>

namespace tessera {

/// The Linux name of x86-64 system call `number` ("sysinfo" for 99), or null
/// for a number Linux has not assigned.
const char* LinuxSyscallName(uint64_t number);

}  // namespace tessera
