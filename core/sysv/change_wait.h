#pragma once

// ChangeWait: where System V IPC waiters sleep until an object of their kind
// changes. A waiter notes the generation, looks at the objects under their
// lock, and if it must wait, sleeps unless the generation moved on since
// (so a change made between its look and its sleep is never missed); every
// change bumps the generation and wakes every waiter, which looks again.

#include <stdint.h>

#include "core/sched/scheduler.h"

namespace core::sysv {

class ChangeWait {
 public:
  /// The generation to pass to Wait (read before looking at the objects).
  uint64_t Generation() const { return __atomic_load_n(&generation_, __ATOMIC_ACQUIRE); }
  /// Records a change and wakes every waiter.
  void Changed() {
    __atomic_fetch_add(&generation_, 1, __ATOMIC_RELEASE);
    waiters_.WakeAll();
  }
  /// Sleeps until a change after `seen`, `deadline` (sched ticks,
  /// sched::kNoDeadline for none) or a signal.
  sched::WakeReason Wait(uint64_t seen, uint64_t deadline) {
    struct Context {
      ChangeWait* self;
      uint64_t seen;
    } context{this, seen};
    return waiters_.WaitIf(
        deadline,
        [](void* c) {
          auto* ctx = static_cast<Context*>(c);
          return ctx->self->Generation() == ctx->seen;
        },
        &context);
  }

 private:
  sched::WaitQueue waiters_;
  uint64_t generation_ = 0;  // atomic
};

/// Copies up to `max` objects of the slots [*from, slots) into `rows`:
/// `fill(slot, row)` writes one and returns true, or false for an unused
/// slot. Moves *from past the last slot looked at; returns how many.
template <typename Row, typename Fill>
size_t ListSlots(int* from, int slots, Row* rows, size_t max, Fill fill) {
  size_t n = 0;
  int i = *from < 0 ? 0 : *from;
  for (; i < slots && n < max; ++i) {
    if (fill(i, &rows[n])) ++n;
  }
  *from = i;
  return n;
}

}  // namespace core::sysv
