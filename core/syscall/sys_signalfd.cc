// Linux signalfd and signalfd4 (the file is core/events/signalfd.h).

#include "abi/linux/event_fds.h"
#include "core/events/signalfd.h"
#include "core/fd/fd_table.h"
#include "core/posix/signals.h"
#include "core/syscall/sys_common.h"

namespace core::syscall {

kstd::Result<uint64_t> SysLinuxSignalfd4(int32_t fd, UserPtr<const uint64_t> mask,
                                         uint64_t sizemask, int32_t flags) {
  uint32_t f = static_cast<uint32_t>(flags);
  if (sizemask != sizeof(posix::SigSet)) return kstd::Error::kInvalid;
  if ((f & ~(linux_abi::kSfdCloexec | linux_abi::kSfdNonblock)) != 0) return kstd::Error::kInvalid;
  posix::SigSet set;
  TRY(mask.CopyIn(&set));
  if (fd == -1) {
    auto file = TRY(events::CreateSignalFd(set, f));
    bool cloexec = (f & linux_abi::kSfdCloexec) != 0;
    return static_cast<uint64_t>(TRY(CurrentProcess()->fds()->Install(kstd::Move(file), cloexec)));
  }
  auto file = TRY(CurrentProcess()->fds()->Get(fd));
  TRY(events::SetSignalFdMask(file.get(), set));
  return static_cast<uint64_t>(fd);
}

kstd::Result<uint64_t> SysLinuxSignalfd(int32_t fd, UserPtr<const uint64_t> mask,
                                        uint64_t sizemask) {
  return SysLinuxSignalfd4(fd, mask, sizemask, 0);
}

}  // namespace core::syscall
