#pragma once

// Futex wait queues: threads sleep on a 32-bit word of user memory until
// another thread wakes that word. The key of a private futex is the caller's
// address space and the address; a shared one in a MAP_SHARED mapping is
// keyed by the memory object and the offset in it, so processes that map the
// same memory at different addresses meet (process-shared mutexes and
// semaphores). Waiters sleep on one of a fixed set of wait queues (hashed by
// key); a wake bumps the bucket's generation and wakes the bucket, so a
// waiter that checked the value just before can never miss it (it re-checks
// the generation under the scheduler lock). Woken threads whose word did not
// change simply wait again (futex allows spurious wake-ups).
//
// Also the two exit-time duties of a Linux thread that are futex wakes: the
// clear-tid word (CLONE_CHILD_CLEARTID, set_tid_address) and the robust list
// (set_robust_list). futex(2) itself decodes in core/syscall.

#include <stdint.h>

#include "core/sched/thread.h"
#include "kstd/result.h"

namespace core {

/// Sleeps on the futex word at `address` of the current process (4-byte
/// aligned, checked by the caller) if it still holds `expected`, until a wake,
/// the scheduler deadline `deadline` (sched::kNoDeadline: none) or a signal.
/// Errors: kFault (the word is unreadable), kAgain (it changed),
/// kInterrupted, kTimedOut.
kstd::Result<void> FutexWait(uint64_t address, bool is_private, uint32_t expected,
                             uint64_t deadline);

/// Wakes the waiters of the futex word at `address` of the current process;
/// returns how many woke, at most `max`.
int64_t FutexWake(uint64_t address, bool is_private, int64_t max);

/// Wakes the waiters of a shared futex word of the current process.
void FutexWakeShared(uint64_t address);

/// At a thread's exit (the current one, on its address space): marks the
/// robust futexes it still holds OWNER_DIED and wakes a waiter of each
/// (set_robust_list). Bad memory is skipped.
void ReleaseRobustFutexes(sched::Thread* t);

/// At a thread's exit: CLONE_CHILD_CLEARTID/set_tid_address: writes 0 to the
/// thread's clear-tid word and wakes one futex waiter on it (pthread_join).
/// A bad address is ignored.
void ClearChildTid(sched::Thread* t);

}  // namespace core
