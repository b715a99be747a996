// Native calls on handles: close and duplicate.

#include "core/syscall/sys_common.h"

namespace core::syscall {

kstd::Result<uint64_t> SysHandleClose(tessera::handle_t handle) {
  TRY(CurrentProcess()->handles().Close(handle));
  return 0;
}

kstd::Result<uint64_t> SysHandleDuplicate(tessera::handle_t handle, uint32_t rights) {
  HandleTable& table = CurrentProcess()->handles();
  if (rights == tessera::kRightSameRights) {
    rights = TRY(table.RightsOf(handle));
  } else if ((rights & ~kRightsAll) != 0) {
    return kstd::Error::kInvalid;
  }
  return TRY(table.Duplicate(handle, rights));
}

}  // namespace core::syscall
