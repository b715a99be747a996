#pragma once

// SpinLock: the kernel's basic lock. Taking it disables interrupts on this
// CPU (so an interrupt handler can never deadlock against the code it
// interrupted) and spins on an atomic flag (so it is correct on SMP).
// Hold it briefly; never block (sleep) while holding it.
//
// What each lock guards is written on the data (GUARDED_BY, see
// thread_annotations.h) and checked by clang in the kernel build.
//
// Lock order (outer first), checked by review until a debug checker lands:
//   object locks (Channel, Notification, HandleTable, VmAspace) -> scheduler
//   (signal observers wake threads with an object lock held; the scheduler
//   never calls into objects) ; VmAspace -> VmObject -> UserPageTable ->
//   mm (Heap -> PageAllocator).

#include "core/sync/thread_annotations.h"
#include "hal/cpu.h"

namespace core {

class CAPABILITY("spinlock") SpinLock {
 public:
  constexpr SpinLock() = default;
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  void Lock() ACQUIRE() {
    bool were_enabled = hal::SaveAndDisableInterrupts();
    while (__atomic_exchange_n(&locked_, true, __ATOMIC_ACQUIRE)) {
      __builtin_ia32_pause();
    }
    interrupts_were_enabled_ = were_enabled;
  }
  void Unlock() RELEASE() {
    bool were_enabled = interrupts_were_enabled_;
    __atomic_store_n(&locked_, false, __ATOMIC_RELEASE);
    hal::RestoreInterrupts(were_enabled);
  }
  bool IsHeld() const { return __atomic_load_n(&locked_, __ATOMIC_RELAXED); }

 private:
  bool locked_ = false;
  bool interrupts_were_enabled_ = false;
};

/// A spin lock that leaves interrupts alone: for the scheduler, whose callers
/// save and restore the interrupt flag on their own stacks (the flag must not
/// live in the lock, because a thread switch happens while it is held).
class CAPABILITY("spinlock") RawSpinLock {
 public:
  constexpr RawSpinLock() = default;
  RawSpinLock(const RawSpinLock&) = delete;
  RawSpinLock& operator=(const RawSpinLock&) = delete;
  void Lock() ACQUIRE() {
    while (__atomic_exchange_n(&locked_, true, __ATOMIC_ACQUIRE)) __builtin_ia32_pause();
  }
  void Unlock() RELEASE() { __atomic_store_n(&locked_, false, __ATOMIC_RELEASE); }
  bool IsHeld() const { return __atomic_load_n(&locked_, __ATOMIC_RELAXED); }

 private:
  bool locked_ = false;
};

/// Holds a SpinLock for the guard's scope.
class [[nodiscard]] SCOPED_CAPABILITY SpinLockGuard {
 public:
  explicit SpinLockGuard(SpinLock& lock) ACQUIRE(lock) : lock_(lock) { lock_.Lock(); }
  ~SpinLockGuard() RELEASE() { lock_.Unlock(); }
  SpinLockGuard(const SpinLockGuard&) = delete;
  SpinLockGuard& operator=(const SpinLockGuard&) = delete;

 private:
  SpinLock& lock_;
};

}  // namespace core
