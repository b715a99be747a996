#pragma once

// MultiWait: the bookkeeping half of a blocking wait on several objects
// (wait-one, wait-many, channel call). It registers one SignalObserver per
// (object, wanted signals) item, notes which item became ready first
// (observed & wanted != 0), and calls a wake hook once when that happens after
// registration. It never blocks; the blocking syscall owns the sleeping:
//
//   MultiWait wait(WakeThread, current_thread);
//   for (...) TRY(wait.Add(object, wanted));
//   if (!wait.ready()) { sleep until woken, timed out or interrupted }
//   wait.Cancel();                      // no wake call can follow this
//   report wait.ready_index(), wait.observed(i)
//
// Wake rule: an item already satisfied when Add registers it makes ready()
// true at once WITHOUT calling wake (the caller is running and checks
// ready()); otherwise wake is called exactly once, from the observer of the
// first item to become ready, under that object's lock (so wake must only
// mark the thread runnable: no blocking, no calls into objects).
//
// Size: about 3.6 KiB (kMaxWaitItems inline items, no heap): embed it in the
// waiting thread or allocate it with kstd::nothrow rather than putting it on
// a small kernel stack. Not copyable or movable (observers point into it).
// Add and Cancel are for the owning thread only; observer callbacks may run
// concurrently on other CPUs, so ready state and observed signals are atomics.

#include <stddef.h>
#include <stdint.h>

#include "core/object/kernel_object.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::ipc {

inline constexpr size_t kMaxWaitItems = 64;

class MultiWait {
 public:
  using WakeFn = void (*)(void* context);
  static constexpr size_t kNotReady = static_cast<size_t>(-1);

  /// `wake` (may be null) is called with `context` as described above.
  MultiWait(WakeFn wake, void* context);
  /// Cancels (unregisters and drops references).
  ~MultiWait();
  MultiWait(const MultiWait&) = delete;
  MultiWait& operator=(const MultiWait&) = delete;

  /// Registers interest in `wanted` signals of `object` (keeping a reference
  /// until Cancel) and returns the item's index. The object's current signals
  /// are recorded at once, so an already-satisfied item is ready immediately.
  /// `wanted` may be 0 (never ready; its signals are still observed).
  /// Errors: kInvalid (object is null, kMaxWaitItems items already added, or
  /// Add after Cancel).
  kstd::Result<size_t> Add(kstd::RefPtr<KernelObject> object, Signals wanted);

  /// Whether some item has seen a wanted signal.
  bool ready() const { return ready_index() != kNotReady; }
  /// The index of the first item that became ready, or kNotReady.
  size_t ready_index() const { return __atomic_load_n(&ready_index_, __ATOMIC_ACQUIRE); }
  /// Item i's most recent signal set (frozen by Cancel). i < size().
  Signals observed(size_t i) const;
  /// Items added.
  size_t size() const { return count_; }

  /// Unregisters every observer and drops the references. Afterwards wake is
  /// never called again and observed() no longer changes. Idempotent; call it
  /// with no object lock held (dropping a reference may destroy the object).
  void Cancel();

 private:
  class Item final : public SignalObserver {
   public:
    void OnSignalsChanged(Signals signals) override;

    MultiWait* owner = nullptr;
    uint32_t index = 0;
    Signals wanted = 0;
    kstd::RefPtr<KernelObject> object;
    // Low 32 bits: the signals; bit 32: written by a callback (so the value
    // Add read cannot overwrite a newer one). Accessed atomically.
    uint64_t observed = 0;
  };

  /// Records item `index` as ready if none was before; true if it was first.
  bool MarkReady(size_t index);

  const WakeFn wake_;
  void* const context_;
  size_t count_ = 0;  // owner thread only
  bool cancelled_ = false;
  size_t ready_index_ = kNotReady;  // atomic: first ready item
  Item items_[kMaxWaitItems];
};

}  // namespace core::ipc
