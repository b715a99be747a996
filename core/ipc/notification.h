#pragma once

// Notification: an asynchronous bit set, for interrupts and events. Signal()
// ORs bits into the pending set (from any context, including interrupt
// handlers: the lock disables interrupts and nothing here allocates or
// blocks); Take() hands the pending bits to the waiter and clears them.
//
// Signals: kSignalNotified while any bit is pending.

#include <stdint.h>
#include "core/sync/thread_annotations.h"

#include "core/object/kernel_object.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::ipc {

class Notification final : public KernelObject {
 public:
  /// A notification with no bits pending. Errors: kNoMemory.
  static kstd::Result<kstd::RefPtr<Notification>> Create();

  /// ORs `bits` into the pending set; sets kSignalNotified if any bit is then
  /// pending (0 bits changes nothing). Never fails.
  void Signal(uint64_t bits);

  /// Returns the pending bits and clears them (and kSignalNotified).
  uint64_t Take();

  /// The pending bits, left pending.
  uint64_t Peek() const;

 private:
  Notification() : KernelObject(ObjectType::kNotification) {}

  uint64_t pending_ GUARDED_BY(lock_) = 0;
};

}  // namespace core::ipc
