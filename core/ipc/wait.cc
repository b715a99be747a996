#include "core/ipc/wait.h"

#include "core/ipc/wait_set.h"
#include "core/sched/scheduler.h"
#include "kstd/new.h"

namespace core::ipc {
namespace {

void WakeWaiter(void* thread) { sched::Wake(static_cast<sched::Thread*>(thread)); }

}  // namespace

kstd::Result<size_t> WaitForSignals(kstd::RefPtr<KernelObject>* objects, const Signals* wanted,
                                    size_t n, uint64_t deadline_tick, Signals* observed) {
  if (n == 0 || n > kMaxWaitItems) return kstd::Error::kInvalid;
  sched::Thread* self = sched::Current();
  // ~3.6 KiB: too big for the kernel stack.
  MultiWait* wait = new (kstd::nothrow) MultiWait(WakeWaiter, self);
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
        if (!sched::InterruptEndsWait()) continue;  // a killable wait: a signal is not enough
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

}  // namespace core::ipc
