#include "core/ipc/notification.h"

#include "kstd/new.h"

namespace core::ipc {

kstd::Result<kstd::RefPtr<Notification>> Notification::Create() {
  kstd::RefPtr<Notification> notification = kstd::AdoptRef(new (kstd::nothrow) Notification());
  if (!notification) return kstd::Error::kNoMemory;
  return notification;
}

void Notification::Signal(uint64_t bits) {
  SpinLockGuard guard(lock_);
  pending_ |= bits;
  if (pending_ != 0) UpdateSignalsLocked(0, kSignalNotified);
}

uint64_t Notification::Take() {
  SpinLockGuard guard(lock_);
  uint64_t bits = pending_;
  pending_ = 0;
  UpdateSignalsLocked(kSignalNotified, 0);
  return bits;
}

uint64_t Notification::Peek() const {
  SpinLockGuard guard(lock_);
  return pending_;
}

}  // namespace core::ipc
