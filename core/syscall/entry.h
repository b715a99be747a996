#pragma once

// The system-call entry: the one trap handler that belongs to the syscall
// layer. InitTraps joins it to the process trap handlers (core/proc) and
// installs them all with the HAL.

namespace core::syscall {

/// Installs the trap handlers (faults, syscalls, return to user mode) and
/// connects channel arrivals to channel_call waiters. Call once at boot.
void InitTraps();

}  // namespace core::syscall
