#pragma once

// The system-call dispatcher: one entry for both number ranges (Linux
// x86-64 and Tessera native), generated from abi/tessera's syscall_table.h
// and linux_syscalls.h. Unknown numbers return -ENOSYS and are counted
// (core/unsupported).

#include <stdint.h>

#include "hal/traps.h"

namespace core::syscall {

/// Decodes the frame, runs the handler, stores the result in the frame.
void Dispatch(hal::UserFrame* frame);

/// Logs every system call with its arguments and result (kernel option
/// `tessera.strace`); for debugging.
void SetTrace(bool on);

/// The name of a syscall number from the tables ("?" if unknown).
const char* SyscallName(uint64_t number);

}  // namespace core::syscall
