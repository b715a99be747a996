// Native calls on notifications (asynchronous bit sets).

#include "core/ipc/notification.h"
#include "core/syscall/sys_common.h"

namespace core::syscall {

int64_t SysNotificationCreate() {
  auto n = ipc::Notification::Create();
  if (n.is_error()) return Errno(n.error());
  auto h = CurrentProcess()->handles().Add(n.value(), kRightsBasic | kRightsIo);
  return h.ok() ? static_cast<int64_t>(h.value()) : Errno(h.error());
}

int64_t SysNotificationSignal(tessera::handle_t handle, uint64_t bits) {
  auto n = CurrentProcess()->handles().GetTyped<ipc::Notification>(
      handle, ObjectType::kNotification, kRightWrite);
  if (n.is_error()) return Errno(n.error());
  n.value()->Signal(bits);
  return 0;
}

int64_t SysNotificationTake(tessera::handle_t handle, UserPtr<uint64_t> bits) {
  auto n = CurrentProcess()->handles().GetTyped<ipc::Notification>(
      handle, ObjectType::kNotification, kRightRead);
  if (n.is_error()) return Errno(n.error());
  uint64_t pending = n.value()->Take();
  if (bits.CopyOut(&pending).is_error()) {
    n.value()->Signal(pending);  // give the bits back: nothing is lost
    return Errno(kstd::Error::kFault);
  }
  return 0;
}

}  // namespace core::syscall
