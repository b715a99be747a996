#pragma once

// Sending and delivering POSIX signals to processes (the glue between the
// signal model in core/posix and processes/threads). Every process has a
// posix::ProcessSignals, every user thread a posix::ThreadSignals, guarded
// by the process's signal lock.

#include <stdint.h>

#include "abi/linux/signal.h"
#include "core/posix/signals.h"
#include "kstd/result.h"

namespace core {

class Process;

/// Sends `signo` (1..64, or 0 to only check) to process `pid` as kill(2)
/// would from `sender_pid`. Errors: kSearch (no such live process),
/// kInvalid (bad signal).
kstd::Result<void> SendSignalToProcess(uint64_t pid, int signo, const linux_abi::SigInfo& info);

/// Sends `signo` to every live process of process group `pgid`.
/// Errors: kSearch (no such group), kInvalid.
kstd::Result<void> SendSignalToGroup(uint64_t pgid, int signo, const linux_abi::SigInfo& info);

/// tgkill(tgid, tid)/tkill(tid) (tgid 0): sends `signo` to the thread
/// whose Linux tid is `tid`, in process `tgid`. Errors: kSearch (no such
/// live thread in that process), kInvalid (bad signal), kAgain (realtime
/// queue full).
kstd::Result<void> SendSignalToThread(uint64_t tgid, uint64_t tid, int signo,
                                      const linux_abi::SigInfo& info);
/// Called after every send that made a signal pending (process- or
/// thread-directed), with no lock held and maybe with interrupts disabled:
/// signalfd (core/events, above this layer) wakes its waiters through it.
/// The hook must only take spin locks and wake.
using SignalQueuedHook = void (*)(int signo);
/// Installs the hook (once; later calls replace it).
void SetSignalQueuedHook(SignalQueuedHook hook);

/// Sends to a Process object directly (kernel-generated signals: SIGCHLD,
/// SIGPIPE to the writer's process, terminal signals). Safe with interrupts
/// disabled (used from the console's receive interrupt).
void SendSignal(Process* process, int signo, const linux_abi::SigInfo& info);

}  // namespace core
