#pragma once

// The one place where core/mm's allocators get their lock type.
//
// Today Tessera runs on one CPU with interrupts that never allocate, so the lock is
// a no-op and every allocator's contract says "callers serialize". When SMP lands,
// change MmLock to the kernel spinlock (an IRQ-saving one) and every allocator
// becomes internally locked: each public method already takes its lock_ through
// MmLockGuard. Lock order: Heap::lock_ before PageAllocator::lock_.

namespace core::mm {

class NullLock {
 public:
  constexpr NullLock() = default;
  void Lock() {}
  void Unlock() {}
};

using MmLock = NullLock;

/// Holds a lock for the lifetime of the guard.
template <typename L>
class [[nodiscard]] LockGuard {
 public:
  explicit LockGuard(L& lock) : lock_(lock) { lock_.Lock(); }
  ~LockGuard() { lock_.Unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  L& lock_;
};

using MmLockGuard = LockGuard<MmLock>;

}  // namespace core::mm
