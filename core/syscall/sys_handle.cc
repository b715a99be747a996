// Native calls on handles: close and duplicate.

#include "core/syscall/sys_common.h"

namespace core::syscall {

int64_t SysHandleClose(tessera::handle_t handle) {
  auto r = CurrentProcess()->handles().Close(handle);
  return r.ok() ? 0 : Errno(r.error());
}

int64_t SysHandleDuplicate(tessera::handle_t handle, uint32_t rights) {
  HandleTable& table = CurrentProcess()->handles();
  if (rights == tessera::kRightSameRights) {
    auto current = table.RightsOf(handle);
    if (current.is_error()) return Errno(current.error());
    rights = current.value();
  } else if ((rights & ~kRightsAll) != 0) {
    return Errno(kstd::Error::kInvalid);
  }
  auto dup = table.Duplicate(handle, rights);
  return dup.ok() ? static_cast<int64_t>(dup.value()) : Errno(dup.error());
}

}  // namespace core::syscall
