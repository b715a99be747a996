#include "core/object/kernel_object.h"

namespace core {

namespace {
Koid g_next_koid = 1;
}  // namespace

Koid NextKoid() { return __atomic_fetch_add(&g_next_koid, 1, __ATOMIC_RELAXED); }

const char* ObjectTypeName(ObjectType type) {
  switch (type) {
    case ObjectType::kChannel: return "channel";
    case ObjectType::kNotification: return "notification";
    case ObjectType::kProcess: return "process";
    case ObjectType::kThread: return "thread";
    case ObjectType::kVmObject: return "vm-object";
    case ObjectType::kInterrupt: return "interrupt";
    case ObjectType::kFile: return "file";
    case ObjectType::kPciRoot: return "pci-root";
    case ObjectType::kPciDevice: return "pci-device";
    case ObjectType::kVfsMount: return "vfs-mount";
    case ObjectType::kResource: return "resource";
  }
  return "?";
}

KernelObject::KernelObject(ObjectType type) : type_(type), koid_(NextKoid()) {}

Signals KernelObject::signals() const {
  SpinLockGuard guard(lock_);
  return signals_;
}

Signals KernelObject::AddObserver(SignalObserver* observer) {
  SpinLockGuard guard(lock_);
  observers_.PushBack(observer);
  return signals_;
}

void KernelObject::RemoveObserver(SignalObserver* observer) {
  SpinLockGuard guard(lock_);
  if (decltype(observers_)::Contains(observer)) observers_.Remove(observer);
}

void KernelObject::UpdateSignalsLocked(Signals clear, Signals set) {
  Signals next = (signals_ & ~clear) | set;
  if (next == signals_) return;
  signals_ = next;
  observers_.ForEach([next](SignalObserver* o) { o->OnSignalsChanged(next); });
}

void KernelObject::PulseSignalsLocked(Signals clear, Signals set) {
  signals_ = (signals_ & ~clear) | set;
  Signals now = signals_;
  observers_.ForEach([now](SignalObserver* o) { o->OnSignalsChanged(now); });
}

}  // namespace core
