// Linux resource calls: the limits a process has (getrlimit, setrlimit,
// prlimit64: kept per process, see Process::resource_limit; RLIMIT_NOFILE's
// soft limit is the fd table's) and what it and its
// waited-for children used (getrusage, times).

#include "abi/linux/resource.h"
#include "core/fd/fd_table.h"
#include "core/proc/process.h"
#include "core/syscall/pid_view.h"
#include "core/syscall/rusage.h"
#include "core/syscall/sys_common.h"
#include "hal/timer.h"

namespace core::syscall {

kstd::Result<uint64_t> SysLinuxPrlimit64(int32_t pid, uint32_t resource,
                                         UserPtr<const void> new_limit, UserPtr<void> old_limit) {
  if (resource >= linux_abi::kRlimitCount) return kstd::Error::kInvalid;
  const int r = static_cast<int>(resource);
  kstd::RefPtr<Process> target =
      pid == 0 ? kstd::RefPtr<Process>::FromRaw(CurrentProcess()) : FindProcessFromUser(pid);
  if (!target || pid < 0) return kstd::Error::kSearch;
  const posix::Credentials me = CurrentProcess()->credentials();
  if (target.get() != CurrentProcess()) {
    // check_prlimit_permission: the target's ids all the caller's real uid
    // and gid, or CAP_SYS_RESOURCE.
    const posix::Credentials them = target->credentials();
    const bool same = me.ruid == them.ruid && me.ruid == them.euid && me.ruid == them.suid &&
                      me.rgid == them.rgid && me.rgid == them.egid && me.rgid == them.sgid;
    if (!same && !me.Has(linux_abi::kCapSysResource)) return kstd::Error::kPermission;
  }
  // RLIMIT_NOFILE's soft limit is the fd table's own.
  const bool nofile = r == linux_abi::kRlimitNofile && target->fds() != nullptr;
  linux_abi::Rlimit current = target->resource_limit(r);
  if (nofile) current.cur = static_cast<uint64_t>(target->fds()->limit());
  linux_abi::Rlimit wanted{};
  if (new_limit.address() != 0) {
    TRY(new_limit.CopyIn(&wanted, sizeof wanted));
    if (wanted.cur > wanted.max) return kstd::Error::kInvalid;
    // Raising a hard limit needs CAP_SYS_RESOURCE; open files never go past
    // what the fd table can hold (Linux's nr_open).
    if (wanted.max > current.max && !me.Has(linux_abi::kCapSysResource)) {
      return kstd::Error::kPermission;
    }
    if (nofile && wanted.max > static_cast<uint64_t>(fd::kMaxFds)) return kstd::Error::kPermission;
  }
  if (old_limit.address() != 0 && old_limit.CopyOut(&current, sizeof current).is_error()) {
    return kstd::Error::kFault;
  }
  if (new_limit.address() != 0) {
    target->set_resource_limit(r, wanted);
    if (nofile) target->fds()->set_limit(static_cast<int>(wanted.cur));
  }
  return 0;
}

kstd::Result<uint64_t> SysLinuxGetrlimit(uint32_t resource, UserPtr<void> limit) {
  return SysLinuxPrlimit64(0, resource, UserPtr<const void>(), limit);
}

kstd::Result<uint64_t> SysLinuxSetrlimit(uint32_t resource, UserPtr<const void> limit) {
  return SysLinuxPrlimit64(0, resource, limit, UserPtr<void>());
}

kstd::Result<uint64_t> SysLinuxGetrusage(int32_t who, UserPtr<void> usage) {
  constexpr int32_t kSelf = 0, kChildren = -1, kThread = 1;
  if (who != kSelf && who != kChildren && who != kThread) return kstd::Error::kInvalid;
  // RUSAGE_THREAD reports the process (its threads are counted together).
  Process* p = CurrentProcess();
  ResourceUsage u = who == kChildren ? p->ChildrenUsage() : p->Usage();
  if (usage.address() == 0) return kstd::Error::kFault;
  if (!CopyOutRusage(usage, u)) return kstd::Error::kFault;
  return 0;
}

kstd::Result<uint64_t> SysLinuxTimes(UserPtr<void> buf) {
  // struct tms in clock ticks (100 Hz): user and system time, and those of
  // the children waited for.
  constexpr uint64_t kPerClockTick = sched::kTickHz / 100;
  Process* p = CurrentProcess();
  ResourceUsage own = p->Usage(), children = p->ChildrenUsage();
  int64_t tms[4] = {static_cast<int64_t>(own.user_ticks / kPerClockTick),
                    static_cast<int64_t>(own.system_ticks / kPerClockTick),
                    static_cast<int64_t>(children.user_ticks / kPerClockTick),
                    static_cast<int64_t>(children.system_ticks / kPerClockTick)};
  if (buf.address() != 0 && buf.CopyOut(tms, sizeof tms).is_error()) return kstd::Error::kFault;
  return hal::MonotonicNanos() / 10'000'000ULL;
}

}  // namespace core::syscall
