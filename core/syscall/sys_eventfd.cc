// Linux eventfd and eventfd2 (the counter is core/events/eventfd.h).

#include "abi/linux/event_fds.h"
#include "core/events/eventfd.h"
#include "core/fd/fd_table.h"
#include "core/syscall/sys_common.h"

namespace core::syscall {

kstd::Result<uint64_t> SysLinuxEventfd2(uint32_t initval, int32_t flags) {
  auto file = TRY(events::CreateEventFd(initval, static_cast<uint32_t>(flags)));
  bool cloexec = (static_cast<uint32_t>(flags) & linux_abi::kEfdCloexec) != 0;
  return static_cast<uint64_t>(TRY(CurrentProcess()->fds()->Install(kstd::Move(file), cloexec)));
}

kstd::Result<uint64_t> SysLinuxEventfd(uint32_t initval) { return SysLinuxEventfd2(initval, 0); }

}  // namespace core::syscall
