#pragma once

// The system-call dispatcher: one entry for both number ranges (Linux
// x86-64 and Tessera native), generated from abi/tessera/syscall_table.h
// and abi/tessera/linux_syscalls.h. Unknown numbers return -ENOSYS and are counted.

#include <stdint.h>

#include "hal/traps.h"

namespace core::syscall {

/// Decodes the frame, runs the handler, stores the result in the frame.
void Dispatch(hal::UserFrame* frame);

/// How many times an unimplemented syscall `number` was attempted since boot
/// (numbers 0..kTrackedNumbers-1; others are lumped into the last slot).
inline constexpr uint64_t kTrackedNumbers = 512;
uint64_t UnsupportedCount(uint64_t number);

/// Logs every system call with its arguments and result (kernel option
/// `tessera.strace`); for debugging.
void SetTrace(bool on);

/// The name of a syscall number from the tables ("?" if unknown).
const char* SyscallName(uint64_t number);

}  // namespace core::syscall
