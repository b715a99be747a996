#include "core/fd/file_lock_wait.h"

#include "core/sched/scheduler.h"

namespace core::fd {
namespace {

sched::WaitQueue g_waiters;

void WakeWaiters() { g_waiters.WakeAll(); }

bool Unchanged(void* seen) { return LockGeneration() == *static_cast<uint64_t*>(seen); }

}  // namespace

kstd::Result<void> SetLockWaiting(const LockRequest& request) {
  SetLockWaker(&WakeWaiters);
  for (;;) {
    LockWaiter waiter;
    uint64_t seen = 0;
    auto tried = TrySetLock(request, &waiter, &seen);
    if (tried.ok() || tried.error() != kstd::Error::kAgain) return tried;
    sched::WakeReason why = g_waiters.WaitIf(sched::kNoDeadline, Unchanged, &seen);
    RemoveLockWaiter(&waiter);
    if (why == sched::WakeReason::kInterrupted) return kstd::Error::kRestartSys;
  }
}

}  // namespace core::fd
