#pragma once

namespace core::syscall {

/// Has core/proc apply a process's SEM_UNDO adjustments when it ends, and
/// core/sysv ask for the caller's credentials. Called once by InitTraps.
void InitSysvCalls();

}  // namespace core::syscall
