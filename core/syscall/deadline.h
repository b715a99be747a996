#pragma once

// Deadlines of the native waiting calls (wait_one, wait_many, channel_call):
// user space passes an absolute CLOCK_MONOTONIC time in nanoseconds, or
// tessera::kInfinite.

#include <stdint.h>

#include "abi/tessera/native.h"
#include "core/sched/scheduler.h"

namespace core::syscall {

/// The scheduler deadline of a user's absolute deadline: none for
/// kInfinite, an immediate poll for one already past.
inline uint64_t DeadlineTick(int64_t deadline_ns) {
  if (deadline_ns == tessera::kInfinite) return sched::kNoDeadline;
  if (deadline_ns <= 0) return 1;  // already past: poll
  return static_cast<uint64_t>(deadline_ns);
}

}  // namespace core::syscall
