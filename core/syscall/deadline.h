#pragma once

// Deadlines of the waiting calls: the native ones (wait_one, wait_many,
// channel_call) pass an absolute CLOCK_MONOTONIC time in nanoseconds, or
// tessera::kInfinite; Linux ones a relative struct timespec.

#include <stdint.h>

#include "abi/linux/time.h"
#include "abi/tessera/native.h"
#include "core/sched/scheduler.h"
#include "core/user/user_ptr.h"
#include "kstd/result.h"

namespace core::syscall {

/// The scheduler deadline of a user's absolute deadline: none for
/// kInfinite, an immediate poll for one already past.
inline uint64_t DeadlineTick(int64_t deadline_ns) {
  if (deadline_ns == tessera::kInfinite) return sched::kNoDeadline;
  if (deadline_ns <= 0) return 1;  // already past: poll
  return static_cast<uint64_t>(deadline_ns);
}

/// The scheduler deadline of a Linux relative timeout (a struct timespec in
/// user memory; null: none): semtimedop, recvmmsg. A zero timeout is a
/// deadline already due (a poll). Errors: kFault, kInvalid (negative, or
/// tv_nsec >= 10^9).
inline kstd::Result<uint64_t> DeadlineAfterTimespec(UserPtr<const linux_abi::Timespec> timeout) {
  if (timeout.address() == 0) return sched::kNoDeadline;
  linux_abi::Timespec ts;
  TRY(timeout.CopyIn(&ts));
  if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1'000'000'000) return kstd::Error::kInvalid;
  constexpr int64_t kMaxSec = 9'000'000'000;  // ~285 years: no overflow below
  uint64_t ns = static_cast<uint64_t>(ts.tv_sec > kMaxSec ? kMaxSec : ts.tv_sec) * 1'000'000'000 +
                static_cast<uint64_t>(ts.tv_nsec);
  return sched::DeadlineAfterNanos(ns == 0 ? 1 : ns);
}

}  // namespace core::syscall
