#pragma once

// PidAllocator: process and thread ids as Linux hands them out (alloc_pid
// over idr_alloc_cyclic): each id is the one after the last given, below
// kernel.pid_max; past the end the count starts again from 300 (RESERVED_PIDS:
// low ids stay with daemons started at boot), skipping ids still in use
// (a live or zombie process's pid, a process group's or session's id, a
// thread's id). When every id is taken, Allocate fails with kAgain (fork's
// EAGAIN).
//
// "In use" is the caller's to say (the process table), through a callback;
// until the count first wraps no id at or after the cursor has ever been
// given, so the callback is asked only after a wrap. An id between
// Allocate and its process's (or thread's) appearance in the table is "in
// flight" and is skipped too; the caller ends that with Commit (or Abandon
// if the process never appears).
//
// Locking: lock_ (a spin lock) serialises allocation; the callback runs
// under it (order: this lock -> the process table's lock -> a process's
// lock). Host-tested (pid_allocator_test).

#include <stddef.h>
#include <stdint.h>

#include "core/sync/spin_lock.h"
#include "core/sync/thread_annotations.h"
#include "kstd/result.h"

namespace core {

class PidAllocator {
 public:
  /// Linux's RESERVED_PIDS and PID_MAX_LIMIT (x86-64); kernel.pid_max
  /// takes values in [kReserved + 1, kLimit].
  static constexpr uint64_t kReserved = 300;
  static constexpr uint64_t kLimit = 4194304;
  static constexpr uint64_t kMinMax = kReserved + 1;
  /// Ids at most in flight at once (allocated, not yet committed).
  static constexpr size_t kMaxInFlight = 64;

  /// Whether `id` is still in use (see above).
  using InUse = bool (*)(uint64_t id, void* context);

  constexpr explicit PidAllocator(uint64_t max = kLimit) : max_(max) {}

  /// The next free id, marked in flight. Errors: kAgain (every id below
  /// pid_max is in use, or kMaxInFlight are in flight).
  kstd::Result<uint64_t> Allocate(InUse in_use, void* context);
  /// `id` is now visible to the InUse callback (or was never used).
  void Commit(uint64_t id);
  void Abandon(uint64_t id) { Commit(id); }

  /// kernel.pid_max: ids are below it. Errors: kInvalid (outside
  /// [kMinMax, kLimit]; nothing changes).
  kstd::Result<void> SetMax(uint64_t max);
  uint64_t max() const;
  /// The id given last (0 before the first).
  uint64_t last() const;
  /// Ids given so far.
  uint64_t given() const;

 private:
  bool InFlightLocked(uint64_t id) const REQUIRES(lock_);

  mutable SpinLock lock_;
  uint64_t max_ GUARDED_BY(lock_);
  uint64_t cursor_ GUARDED_BY(lock_) = 1;  // the next id to try
  uint64_t last_ GUARDED_BY(lock_) = 0;
  uint64_t given_ GUARDED_BY(lock_) = 0;
  bool wrapped_ GUARDED_BY(lock_) = false;                   // ids below the cursor may be in use
  uint64_t in_flight_[kMaxInFlight] GUARDED_BY(lock_) = {};  // 0: a free slot
};

}  // namespace core
