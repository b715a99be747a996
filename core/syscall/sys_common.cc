#include "core/syscall/sys_common.h"

#include "core/ipc/wait_set.h"
#include "hal/timer.h"
#include "kstd/new.h"

namespace core::syscall {
namespace {

void WakeWaiter(void* thread) { sched::Wake(static_cast<sched::Thread*>(thread)); }

}  // namespace

ipc::SenderInfo CurrentSender() {
  sched::Thread* t = CurrentThread();
  Process* p = t->process();
  return ipc::SenderInfo{p != nullptr ? p->pid() : 0, p != nullptr ? p->koid() : 0, t->koid()};
}

uint64_t DeadlineTick(int64_t deadline_ns) {
  if (deadline_ns == tessera::kInfinite) return sched::kNoDeadline;
  if (deadline_ns <= 0) return 1;  // already past: poll
  return static_cast<uint64_t>(deadline_ns);
}

kstd::Result<size_t> WaitForSignals(kstd::RefPtr<KernelObject>* objects, const Signals* wanted,
                                    size_t n, uint64_t deadline_tick, Signals* observed) {
  if (n == 0 || n > ipc::kMaxWaitItems) return kstd::Error::kInvalid;
  sched::Thread* self = CurrentThread();
  // ~3.6 KiB: too big for the kernel stack.
  ipc::MultiWait* wait = new (kstd::nothrow) ipc::MultiWait(WakeWaiter, self);
  if (wait == nullptr) return kstd::Error::kNoMemory;
  sched::PrepareToBlock();
  kstd::Result<size_t> result = kstd::Error::kInvalid;
  for (size_t i = 0; i < n; ++i) {
    auto added = wait->Add(objects[i], wanted[i]);
    if (added.is_error()) {
      result = added.error();
      break;
    }
  }
  if (wait->size() == n) {
    for (;;) {
      if (wait->ready()) {
        result = wait->ready_index();
        break;
      }
      sched::WakeReason why = sched::Block(deadline_tick);
      if (wait->ready()) continue;
      if (why == sched::WakeReason::kTimedOut) {
        result = kstd::Error::kTimedOut;
        break;
      }
      if (why == sched::WakeReason::kInterrupted) {
        result = kstd::Error::kInterrupted;
        break;
      }
    }
  }
  wait->Cancel();
  if (observed != nullptr) {
    for (size_t i = 0; i < wait->size(); ++i) observed[i] = wait->observed(i);
  }
  delete wait;
  return result;
}

bool CopyOutRusage(UserPtr<void> rusage, const ResourceUsage& usage) {
  if (rusage.address() == 0) return true;
  constexpr uint64_t kUsPerTick = 1'000'000ULL / sched::kTickHz;
  int64_t ru[18] = {};  // struct rusage: 2 timevals, then 14 longs
  const uint64_t user_us = usage.user_ticks * kUsPerTick;
  const uint64_t system_us = usage.system_ticks * kUsPerTick;
  ru[0] = static_cast<int64_t>(user_us / 1'000'000);
  ru[1] = static_cast<int64_t>(user_us % 1'000'000);
  ru[2] = static_cast<int64_t>(system_us / 1'000'000);
  ru[3] = static_cast<int64_t>(system_us % 1'000'000);
  ru[4] = static_cast<int64_t>(usage.max_rss_pages * 4);  // ru_maxrss, KiB
  ru[8] = static_cast<int64_t>(usage.minor_faults);       // ru_minflt
  static_assert(sizeof ru == 144);
  return rusage.CopyOut(ru, sizeof ru).ok();
}

}  // namespace core::syscall
