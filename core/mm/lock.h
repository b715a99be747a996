#pragma once

// The one place where core/mm's allocators get their lock type.
//
// The kernel is preemptive: syscalls run with interrupts enabled, and every
// interrupt's exit may switch threads (sched::PreemptIfNeeded), also when it
// interrupted kernel code. So a thread can be switched out in the middle of
// Heap::Allocate or PageAllocator::AllocRun while another thread enters the
// same allocator. The lock must therefore keep interrupts off while it is
// held (which also rules out preemption on this CPU) and spin for SMP: the
// kernel SpinLock. (It was a no-op once, on the belief that one CPU made
// callers serialize; preempted allocations then corrupted the heap's slab
// lists, see heap_test's preemption tests.)
//
// Every allocator method that touches shared state takes its lock_ through
// MmLockGuard. Lock order: Heap::lock_ before PageAllocator::lock_; both are
// leaves below every other kernel lock (core/sync/spin_lock.h).

#include "core/sync/spin_lock.h"

namespace core::mm {

using MmLock = ::core::SpinLock;

/// Holds a lock for the lifetime of the guard.
template <typename L>
class [[nodiscard]] SCOPED_CAPABILITY LockGuard {
 public:
  explicit LockGuard(L& lock) ACQUIRE(lock) : lock_(lock) { lock_.Lock(); }
  ~LockGuard() RELEASE() { lock_.Unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  L& lock_;
};

using MmLockGuard = LockGuard<MmLock>;

}  // namespace core::mm
