// Native calls on notifications (asynchronous bit sets).

#include "core/ipc/notification.h"
#include "core/syscall/sys_common.h"

namespace core::syscall {

kstd::Result<uint64_t> SysNotificationCreate() {
  auto n = TRY(ipc::Notification::Create());
  auto h = TRY(CurrentProcess()->handles().Add(n, kRightsBasic | kRightsIo));
  return h;
}

kstd::Result<uint64_t> SysNotificationSignal(tessera::handle_t handle, uint64_t bits) {
  auto n = TRY(CurrentProcess()->handles().GetTyped<ipc::Notification>(
      handle, ObjectType::kNotification, kRightWrite));
  n->Signal(bits);
  return 0;
}

kstd::Result<uint64_t> SysNotificationTake(tessera::handle_t handle, UserPtr<uint64_t> bits) {
  auto n = TRY(CurrentProcess()->handles().GetTyped<ipc::Notification>(
      handle, ObjectType::kNotification, kRightRead));
  uint64_t pending = n->Take();
  if (bits.CopyOut(&pending).is_error()) {
    n->Signal(pending);  // give the bits back: nothing is lost
    return kstd::Error::kFault;
  }
  return 0;
}

}  // namespace core::syscall
