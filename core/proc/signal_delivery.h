#pragma once

// Signal delivery on the way back to user mode, rt_sigreturn, and the
// kernel-raised signals of a process's life (faults, child exit).

#include <stdint.h>

#include "hal/traps.h"
#include "kstd/result.h"

namespace core {

class Process;

/// Runs before every return to user mode: takes the pending signals the
/// thread does not block and acts on them (handler frame, stop, terminate),
/// and turns a pending syscall restart code into EINTR or a restart.
void DeliverSignals(hal::UserFrame* frame);

/// rt_sigreturn: restores the registers, FPU, mask and alternate stack saved
/// in the handler's frame at the user stack pointer. Errors: kFault (bad
/// frame: SIGSEGV is raised), kNoMemory.
kstd::Result<void> SigReturn(hal::UserFrame* frame);

/// A CPU fault in user code: raises `signo` (SIGSEGV, SIGILL, ...) in the
/// current thread; if it is not caught the process dies of it.
void RaiseFaultSignal(int signo, int code, uint64_t address);

/// SIGCHLD to the parent of a process that just ended.
void NotifyParentOfExit(Process* child);

/// True if the parent of `child` reaps its children automatically (SIGCHLD
/// ignored or SA_NOCLDWAIT): the child does not stay a zombie.
bool ParentAutoReaps(Process* child);

}  // namespace core
