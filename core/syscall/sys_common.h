#pragma once

// Helpers shared by the syscall handlers: the calling process/thread, handle
// lookups that turn errors into -errno, and blocking waits.

#include "core/ipc/message_packet.h"
#include "core/ipc/wait.h"
#include "core/object/handle_table.h"
#include "core/proc/futex.h"
#include "core/proc/process.h"
#include "core/proc/thread_exit.h"
#include "core/sched/scheduler.h"
#include "core/syscall/handlers.h"

namespace core::syscall {

using ipc::WaitForSignals;

inline sched::Thread* CurrentThread() { return sched::Current(); }
inline Process* CurrentProcess() { return sched::Current()->process(); }

/// Writes `usage` as Linux's struct rusage (144 bytes: user and system time,
/// ru_maxrss in KiB, ru_minflt; the fields Tessera does not count stay 0) at
/// `rusage`; nothing for a null pointer. False if the copy faulted.
bool CopyOutRusage(UserPtr<void> rusage, const ResourceUsage& usage);

/// Connects channel arrivals to the threads waiting in channel_call (boot).
void InitChannelCalls();

/// The kernel-stamped identity of the calling thread, for messages.
ipc::SenderInfo CurrentSender();

/// Converts a user's absolute CLOCK_MONOTONIC deadline (ns; tessera::kInfinite
/// for none) into a scheduler deadline.
uint64_t DeadlineTick(int64_t deadline_ns);

}  // namespace core::syscall
