#pragma once

namespace core::syscall {

/// Has core/proc apply a process's SEM_UNDO adjustments when it ends.
/// Called once by InitTraps.
void InitSysvCalls();

}  // namespace core::syscall
