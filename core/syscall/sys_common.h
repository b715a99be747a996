#pragma once

// Helpers shared by the syscall handlers: the calling process/thread, handle
// lookups that turn errors into -errno, and blocking waits.

#include "core/ipc/message_packet.h"
#include "core/object/handle_table.h"
#include "core/proc/process.h"
#include "core/sched/scheduler.h"
#include "core/syscall/handlers.h"

namespace core::vfs {
class FileSystem;
}  // namespace core::vfs

namespace core::syscall {

inline sched::Thread* CurrentThread() { return sched::Current(); }
inline Process* CurrentProcess() { return sched::Current()->process(); }

/// Writes `usage` as Linux's struct rusage (144 bytes: user and system time,
/// ru_maxrss in KiB, ru_minflt; the fields Tessera does not count stay 0) at
/// `rusage`; nothing for a null pointer. False if the copy faulted.
bool CopyOutRusage(UserPtr<void> rusage, const ResourceUsage& usage);

/// Connects channel arrivals to the threads waiting in channel_call (boot).
void InitChannelCalls();

/// sync(2) for the user-space file systems (sys_fs_mount.cc).
void SyncRemoteFileSystems();
/// Asks the server of `fs` to flush (before a remount read-only); nothing to
/// do if `fs` is not a user-space file system. Errors: kIo, kInterrupted,
/// the server's errno.
kstd::Result<void> SyncRemoteFileSystem(const vfs::FileSystem* fs);
/// Before the machine stops: asks every user-space file system to flush and
/// unmount (a clean unmount marks ext2 clean); they are dead afterwards.
void UnmountRemoteFileSystems();
/// Wakes the waiters of a shared futex word of the current process.
void FutexWakeShared(uint64_t address);
/// At a thread's exit (the current one, on its address space): marks the
/// robust futexes it still holds OWNER_DIED and wakes a waiter of each
/// (set_robust_list).
void ReleaseRobustFutexes(sched::Thread* t);
/// At a thread's exit: CLONE_CHILD_CLEARTID/set_tid_address: writes 0 to the
/// thread's clear-tid word and wakes one futex waiter on it (pthread_join).
/// A bad address is ignored.
void ClearChildTid(sched::Thread* t);

/// Ends the calling user thread (its process ends with its last thread).
[[noreturn]] void ExitCurrentThread();

/// The kernel-stamped identity of the calling thread, for messages.
ipc::SenderInfo CurrentSender();

/// Converts a user's absolute CLOCK_MONOTONIC deadline (ns; tessera::kInfinite
/// for none) into a scheduler deadline.
uint64_t DeadlineTick(int64_t deadline_ns);

/// Blocks until one of `objects` shows a wanted signal, the deadline passes or
/// the thread is killed. Returns the index of the ready object. `observed`
/// (size n, may be null) gets each object's last seen signals.
/// Errors: kTimedOut, kInterrupted, kNoMemory, kInvalid (n > 64).
kstd::Result<size_t> WaitForSignals(kstd::RefPtr<KernelObject>* objects, const Signals* wanted,
                                    size_t n, uint64_t deadline_tick, Signals* observed);

}  // namespace core::syscall
