#pragma once

// Sending and delivering POSIX signals to processes (the glue between the
// signal model in core/posix and processes/threads). Every process has a
// posix::ProcessSignals, every user thread a posix::ThreadSignals, guarded
// by the process's signal lock.

#include <stdint.h>

#include "abi/linux/signal.h"
#include "core/posix/credentials.h"
#include "core/posix/signals.h"
#include "kstd/result.h"

namespace core {

class Process;

/// A process sending a signal from user space (kill, tgkill, sigqueue,
/// pidfd_send_signal): the send is allowed as Linux's
/// check_kill_permission, posix::MaySignal or SIGCONT within the sender's
/// session, else kPermission (also for signal 0). Null sender: the kernel
/// (terminal, timers, children), never refused.
struct SignalSender {
  const posix::Credentials* cred;
  uint64_t sid;
  // The sender's pid (a kernel id; 0: unknown). A sender the target's PID
  // namespace cannot see (an ancestor namespace's) may SIGKILL/SIGSTOP the
  // namespace's init, which ignores them from inside (Linux).
  uint64_t pid = 0;
};
/// Whether `sender` may signal `target` with `signo`.
bool MaySignalProcess(const SignalSender* sender, Process* target, int signo);

/// Sends `signo` (1..64, or 0 to only check) to process `pid` as kill(2)
/// would. Errors: kSearch (no such live process), kInvalid (bad signal),
/// kPermission (see SignalSender).
kstd::Result<void> SendSignalToProcess(uint64_t pid, int signo, const linux_abi::SigInfo& info,
                                       const SignalSender* sender = nullptr);

/// Sends `signo` to every live process of process group `pgid` that the
/// sender may signal. Errors: kSearch (no such group), kInvalid,
/// kPermission (members, but none the sender may signal).
kstd::Result<void> SendSignalToGroup(uint64_t pgid, int signo, const linux_abi::SigInfo& info,
                                     const SignalSender* sender = nullptr);

/// tgkill(tgid, tid)/tkill(tid) (tgid 0): sends `signo` to the thread
/// whose Linux tid is `tid`, in process `tgid`. Errors: kSearch (no such
/// live thread in that process), kInvalid (bad signal), kAgain (realtime
/// queue full), kPermission.
kstd::Result<void> SendSignalToThread(uint64_t tgid, uint64_t tid, int signo,
                                      const linux_abi::SigInfo& info,
                                      const SignalSender* sender = nullptr);
/// Called after every send that made a signal pending (process- or
/// thread-directed), with no lock held and maybe with interrupts disabled:
/// signalfd (core/events, above this layer) wakes its waiters through it.
/// The hook must only take spin locks and wake.
using SignalQueuedHook = void (*)(int signo);
/// Installs the hook (once; later calls replace it).
void SetSignalQueuedHook(SignalQueuedHook hook);

/// Sends to a Process object directly (kernel-generated signals: SIGCHLD,
/// SIGPIPE to the writer's process, terminal signals). Safe with interrupts
/// disabled (used from the console's receive interrupt). `force` lets
/// SIGKILL/SIGSTOP reach an unkillable process (a PID namespace's init).
///
/// The pid in `info` of kill/tkill (SI_USER, SI_TKILL) and of SIGCHLD is a
/// kernel id here: the receiver gets it as its PID namespace numbers it
/// (0 if the sender is not visible there).
void SendSignal(Process* process, int signo, const linux_abi::SigInfo& info, bool force = false);

}  // namespace core
