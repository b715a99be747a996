// Linux timerfd_create, timerfd_settime, timerfd_gettime (the timer is
// core/events/timerfd.h). The alarm clocks and TFD_TIMER_CANCEL_ON_SET are
// refused (counted in /proc/tessera/unsupported).

#include "abi/linux/event_fds.h"
#include "abi/linux/time.h"
#include "core/events/timerfd.h"
#include "core/fd/fd_table.h"
#include "core/syscall/sys_common.h"
#include "core/unsupported/refusals.h"

namespace core::syscall {
namespace {

constexpr int32_t kClockRealtimeAlarm = 8;
constexpr int32_t kClockBoottimeAlarm = 9;

}  // namespace

kstd::Result<uint64_t> SysLinuxTimerfdCreate(int32_t clock, int32_t flags) {
  if (clock == kClockRealtimeAlarm || clock == kClockBoottimeAlarm) {
    return Refuse("timerfd_create", "clock", static_cast<uint64_t>(clock));
  }
  auto file = TRY(events::CreateTimerFd(clock, static_cast<uint32_t>(flags)));
  bool cloexec = (static_cast<uint32_t>(flags) & linux_abi::kTfdCloexec) != 0;
  return static_cast<uint64_t>(TRY(CurrentProcess()->fds()->Install(kstd::Move(file), cloexec)));
}

kstd::Result<uint64_t> SysLinuxTimerfdSettime(int32_t fd, int32_t flags,
                                              UserPtr<const linux_abi::Itimerspec> new_value,
                                              UserPtr<linux_abi::Itimerspec> old_value) {
  uint32_t f = static_cast<uint32_t>(flags);
  if (f & linux_abi::kTfdTimerCancelOnSet) {
    return Refuse("timerfd_settime", "flags", linux_abi::kTfdTimerCancelOnSet);
  }
  linux_abi::Itimerspec in;
  TRY(new_value.CopyIn(&in));
  auto file = TRY(CurrentProcess()->fds()->Get(fd));
  linux_abi::Itimerspec old;
  TRY(events::SetTimerFd(file.get(), f, in, &old));
  if (old_value.address() != 0) TRY(old_value.CopyOut(&old));
  return 0;
}

kstd::Result<uint64_t> SysLinuxTimerfdGettime(int32_t fd, UserPtr<linux_abi::Itimerspec> cur) {
  auto file = TRY(CurrentProcess()->fds()->Get(fd));
  linux_abi::Itimerspec now = TRY(events::GetTimerFd(file.get()));
  TRY(cur.CopyOut(&now));
  return 0;
}

}  // namespace core::syscall
