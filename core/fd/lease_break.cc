#include "core/fd/lease_break.h"

#include "core/fd/lease.h"
#include "core/sched/scheduler.h"

namespace core::fd {
namespace {

sched::WaitQueue g_waiters;

void WakeWaiters() { g_waiters.WakeAll(); }

bool Unchanged(void* seen) { return LeaseGeneration() == *static_cast<uint64_t*>(seen); }

}  // namespace

kstd::Result<void> BreakLeases(const vfs::Vnode& v, bool want_write, bool nonblock) {
  if (!AnyLeases() || v.type() != vfs::VnodeType::kRegular) return kstd::Ok();
  SetLeaseWaker(&WakeWaiters);
  const FileKey key = LeaseKeyOf(v);
  for (;;) {
    uint64_t seen = LeaseGeneration();  // before the step: its own change wakes us once
    uint64_t deadline = 0;
    if (BreakLeasesStep(key, want_write, sched::Now(), &deadline)) return kstd::Ok();
    if (nonblock) return kstd::Error::kAgain;
    if (deadline == sched::kNoDeadline) deadline = 1;
    if (g_waiters.WaitIf(deadline, Unchanged, &seen) == sched::WakeReason::kInterrupted) {
      return kstd::Error::kRestartSys;
    }
  }
}

}  // namespace core::fd
