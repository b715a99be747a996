#include "core/proc/interval_timers.h"

#include "abi/linux/signal.h"
#include "core/posix/signals.h"
#include "core/proc/signals.h"
#include "core/sched/scheduler.h"
#include "core/sync/spin_lock.h"
#include "kstd/intrusive_list.h"
#include "kstd/new.h"

namespace core {

namespace {

struct RealTimer {
  uint64_t pid;
  posix::IntervalTimer timer;
  kstd::ListNode node;
};

SpinLock g_lock;                                            // guards the three below
kstd::IntrusiveList<RealTimer, &RealTimer::node> g_timers;  // armed timers only
uint64_t g_generation = 0;                                  // bumped on every arm
sched::WaitQueue g_wake;                                    // the itimers thread waits here

RealTimer* FindLocked(uint64_t pid) {
  return g_timers.FindIf([pid](RealTimer* t) { return t->pid == pid; });
}

// Expires what is due; collects up to `max` pids to signal (`*more` when
// further timers are due). Returns the earliest remaining deadline
// (kNoDeadline if none) and the generation it saw.
uint64_t ExpireDue(uint64_t now, uint64_t* pids, size_t max, size_t* count, bool* more,
                   uint64_t* generation) {
  SpinLockGuard guard(g_lock);
  *count = 0;
  uint64_t earliest = sched::kNoDeadline;
  RealTimer* t = nullptr;
  // Fired one-shot timers leave the list, so walk with a manual cursor.
  for (;;) {
    t = g_timers.FindIf([now, &earliest](RealTimer* x) {
      if (x->timer.deadline() <= now) return true;
      if (earliest == sched::kNoDeadline || x->timer.deadline() < earliest)
        earliest = x->timer.deadline();
      return false;
    });
    if (t == nullptr || *count == max) break;
    if (t->timer.Expire(now)) pids[(*count)++] = t->pid;
    if (!t->timer.armed()) {
      g_timers.Remove(t);
      delete t;
    }
    earliest = sched::kNoDeadline;  // the scan restarts from the front
  }
  *more = t != nullptr;
  *generation = g_generation;
  return earliest;
}

void TimerLoop(void*) {
  constexpr size_t kBatch = 32;
  uint64_t pids[kBatch];
  for (;;) {
    size_t count;
    bool more;
    uint64_t generation;
    uint64_t next = ExpireDue(sched::Now(), pids, kBatch, &count, &more, &generation);
    // Sending takes process locks: never under g_lock.
    for (size_t i = 0; i < count; ++i) {
      (void)SendSignalToProcess(pids[i], linux_abi::kSigAlrm,
                                linux_abi::SigInfo::FromKernel(linux_abi::kSigAlrm));
    }
    if (more) continue;
    struct Seen {
      uint64_t generation;
    } seen{generation};
    g_wake.WaitIf(
        next,
        [](void* c) {
          SpinLockGuard guard(g_lock);
          return g_generation == static_cast<Seen*>(c)->generation;
        },
        &seen);
  }
}

}  // namespace

kstd::Result<void> StartIntervalTimers() {
  auto thread = sched::Thread::Create("itimers", nullptr, TimerLoop, nullptr, sched::kPriorityHigh);
  if (thread.is_error()) return thread.error();
  sched::Start(thread.value().get());
  return kstd::Ok();
}

kstd::Result<posix::IntervalTimerValue> SetRealTimer(uint64_t pid,
                                                     posix::IntervalTimerValue value) {
  // Allocate before taking the lock (the heap must not be entered under it).
  RealTimer* fresh = new (kstd::nothrow) RealTimer{pid, {}, {}};
  if (fresh == nullptr) return kstd::Error::kNoMemory;
  RealTimer* stale = nullptr;
  posix::IntervalTimerValue old;
  {
    SpinLockGuard guard(g_lock);
    uint64_t now = sched::Now();
    RealTimer* t = FindLocked(pid);
    if (t == nullptr) {
      t = fresh;
      fresh = nullptr;
      g_timers.PushBack(t);
    }
    old = t->timer.Set(now, value);
    if (!t->timer.armed()) {
      g_timers.Remove(t);
      stale = t;
    }
    ++g_generation;
  }
  delete fresh;
  delete stale;
  g_wake.WakeAll();
  return old;
}

posix::IntervalTimerValue GetRealTimer(uint64_t pid) {
  SpinLockGuard guard(g_lock);
  RealTimer* t = FindLocked(pid);
  return t == nullptr ? posix::IntervalTimerValue{} : t->timer.Get(sched::Now());
}

void CancelRealTimer(uint64_t pid) {
  RealTimer* t;
  {
    SpinLockGuard guard(g_lock);
    t = FindLocked(pid);
    if (t != nullptr) g_timers.Remove(t);
  }
  delete t;  // the itimers thread just finds nothing due for it
}

}  // namespace core
