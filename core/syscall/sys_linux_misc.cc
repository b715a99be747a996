// Linux calls busybox and the C libraries use routinely: clock_nanosleep,
// getrandom, resource limits, sysinfo, times/getrusage, madvise, group ids,
// CPU affinity, personality.

#include "abi/linux/mman.h"
#include "abi/linux/prctl.h"
#include "abi/linux/random.h"
#include "abi/linux/resource.h"
#include "abi/linux/time.h"
#include "core/fd/file.h"
#include "core/fs/root.h"
#include "core/kernel/memory.h"
#include "core/kernel/wall_clock.h"
#include "core/proc/process.h"
#include "core/procfs/sysinfo.h"
#include "core/syscall/refusals.h"
#include "core/syscall/sys_common.h"
#include "core/vm/vm_aspace.h"
#include "hal/timer.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::syscall {

namespace {


// Resource limits: what Tessera enforces is fixed; reported as Linux would.
struct Rlimit {
  uint64_t cur, max;
};

Rlimit DefaultLimit(int resource) {
  switch (resource) {
    case linux_abi::kRlimitNofile: return {1024, 1024};
    case linux_abi::kRlimitStack: return {8ULL << 20, linux_abi::kRlimInfinity};
    case linux_abi::kRlimitMemlock: return {64 * 1024, 64 * 1024};
    case linux_abi::kRlimitCore: return {0, linux_abi::kRlimInfinity};
    default: return {linux_abi::kRlimInfinity, linux_abi::kRlimInfinity};
  }
}


}  // namespace

int64_t SysLinuxClockNanosleep(int32_t clock, int32_t flags, UserPtr<const linux_abi::Timespec> req,
                               UserPtr<linux_abi::Timespec> rem) {
  if (clock != linux_abi::kClockRealtime && clock != linux_abi::kClockMonotonic &&
      clock != linux_abi::kClockBoottime) {
    return Errno(kstd::Error::kInvalid);
  }
  if ((flags & ~linux_abi::kTimerAbstime) != 0)
    return Refuse("clock_nanosleep", "flags",
                  static_cast<uint32_t>(flags & ~linux_abi::kTimerAbstime));
  if ((flags & linux_abi::kTimerAbstime) == 0) return SysLinuxNanosleep(req, rem);
  linux_abi::Timespec ts;
  if (req.CopyIn(&ts).is_error()) return Errno(kstd::Error::kFault);
  if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1'000'000'000) return Errno(kstd::Error::kInvalid);
  if (ts.tv_sec > INT64_MAX / 1'000'000'000LL - 1) ts.tv_sec = INT64_MAX / 1'000'000'000LL - 1;
  int64_t absolute = ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
  // A CLOCK_REALTIME deadline is converted once: a later settimeofday does not
  // move it (Linux would; documented difference).
  uint64_t deadline = clock == linux_abi::kClockRealtime ? MonotonicForWall(absolute)
                                                         : static_cast<uint64_t>(absolute);
  if (deadline == 0) deadline = 1;
  sched::PrepareToBlock();
  for (;;) {
    sched::WakeReason why = sched::Block(deadline);
    if (why == sched::WakeReason::kTimedOut) return 0;
    if (why == sched::WakeReason::kInterrupted) return Errno(kstd::Error::kInterrupted);
  }
}

int64_t SysLinuxGetrandom(UserPtr<void> buf, uint64_t count, uint32_t flags) {
  constexpr uint32_t kKnown =
      linux_abi::kGrndNonBlock | linux_abi::kGrndRandom | linux_abi::kGrndInsecure;
  if ((flags & ~kKnown) != 0) return Refuse("getrandom", "flags", flags & ~kKnown);
  count = kstd::Min<uint64_t>(count, 32 * 1024 * 1024);
  uint8_t chunk[256];
  uint64_t done = 0;
  while (done < count) {
    size_t n = static_cast<size_t>(kstd::Min<uint64_t>(count - done, sizeof chunk));
    fs::RandomBytes(kstd::Span<uint8_t>(chunk, n));
    if (!hal::CopyToUser(buf.address() + done, chunk, n)) {
      return done > 0 ? static_cast<int64_t>(done) : Errno(kstd::Error::kFault);
    }
    done += n;
  }
  return static_cast<int64_t>(done);
}

int64_t SysLinuxPrlimit64(int32_t pid, uint32_t resource, UserPtr<const void> new_limit, UserPtr<void> old_limit) {
  if (resource >= linux_abi::kRlimitCount) return Errno(kstd::Error::kInvalid);
  if (pid != 0 && static_cast<uint64_t>(pid) != CurrentProcess()->pid()) {
    if (!Process::FindByPid(static_cast<uint64_t>(pid))) return Errno(kstd::Error::kSearch);
  }
  Rlimit current = DefaultLimit(static_cast<int>(resource));
  if (old_limit.address() != 0 && old_limit.CopyOut(&current, sizeof current).is_error()) {
    return Errno(kstd::Error::kFault);
  }
  if (new_limit.address() != 0) {
    Rlimit wanted;
    if (new_limit.CopyIn(&wanted, sizeof wanted).is_error()) return Errno(kstd::Error::kFault);
    if (wanted.cur > wanted.max) return Errno(kstd::Error::kInvalid);
    // Limits are fixed today: lowering or keeping them is fine (they are
    // already what is enforced or looser than what the kernel can do);
    // raising a hard limit above the kernel's is not.
    if (wanted.max > current.max) return Errno(kstd::Error::kPermission);
  }
  return 0;
}

int64_t SysLinuxGetrlimit(uint32_t resource, UserPtr<void> limit) {
  return SysLinuxPrlimit64(0, resource, UserPtr<const void>(), limit);
}

int64_t SysLinuxSetrlimit(uint32_t resource, UserPtr<const void> limit) {
  return SysLinuxPrlimit64(0, resource, limit, UserPtr<void>());
}

int64_t SysLinuxSysinfo(UserPtr<void> info) {
  // struct sysinfo (x86-64): 112 bytes.
  struct {
    int64_t uptime;
    uint64_t loads[3];
    uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    uint16_t procs;
    uint16_t pad;
    uint32_t pad2;
    uint64_t totalhigh, freehigh;
    uint32_t mem_unit;
    char reserved[4];
  } si = {};
  static_assert(sizeof(si) == 112);
  si.uptime = static_cast<int64_t>(hal::MonotonicNanos() / 1'000'000'000ULL);
  procfs::SysinfoLoads(si.loads);
  mm::PmmStats st = Pmm().Stats();
  si.totalram = st.total_pages * 4096;
  si.freeram = st.free_pages * 4096;
  si.mem_unit = 1;
  uint16_t procs = 0;
  Process::ForEach([](Process*, void* c) { ++*static_cast<uint16_t*>(c); }, &procs);
  si.procs = procs;
  return info.CopyOut(&si, sizeof si).ok() ? 0 : Errno(kstd::Error::kFault);
}

int64_t SysLinuxTimes(UserPtr<void> buf) {
  // struct tms in clock ticks (100 Hz): user and system time, and those of
  // the children waited for.
  constexpr uint64_t kPerClockTick = sched::kTickHz / 100;
  Process* p = CurrentProcess();
  ResourceUsage own = p->Usage(), children = p->ChildrenUsage();
  int64_t tms[4] = {static_cast<int64_t>(own.user_ticks / kPerClockTick),
                    static_cast<int64_t>(own.system_ticks / kPerClockTick),
                    static_cast<int64_t>(children.user_ticks / kPerClockTick),
                    static_cast<int64_t>(children.system_ticks / kPerClockTick)};
  if (buf.address() != 0 && buf.CopyOut(tms, sizeof tms).is_error()) return Errno(kstd::Error::kFault);
  return static_cast<int64_t>(hal::MonotonicNanos() / 10'000'000ULL);
}

int64_t SysLinuxGetrusage(int32_t who, UserPtr<void> usage) {
  if (who != linux_abi::kRusageSelf && who != linux_abi::kRusageChildren &&
      who != linux_abi::kRusageThread) {
    return Errno(kstd::Error::kInvalid);
  }
  // RUSAGE_THREAD reports the process (its threads are counted together).
  Process* p = CurrentProcess();
  ResourceUsage u = who == linux_abi::kRusageChildren ? p->ChildrenUsage() : p->Usage();
  if (usage.address() == 0) return Errno(kstd::Error::kFault);
  return CopyOutRusage(usage, u) ? 0 : Errno(kstd::Error::kFault);
}

int64_t SysLinuxGetgroups(int32_t size, UserPtr<void>) {
  if (size < 0) return Errno(kstd::Error::kInvalid);
  return 0;  // root belongs to no supplementary groups
}

int64_t SysLinuxSchedGetaffinity(int32_t pid, uint64_t size, UserPtr<void> mask) {
  if (size < 8 || (size & 7) != 0) return Errno(kstd::Error::kInvalid);
  if (pid != 0 && !Process::FindByPid(static_cast<uint64_t>(pid))) return Errno(kstd::Error::kSearch);
  uint64_t one_cpu = 1;  // only the boot CPU runs threads today
  return mask.CopyOut(&one_cpu, sizeof one_cpu).ok() ? 8 : Errno(kstd::Error::kFault);
}

int64_t SysLinuxPersonality(uint32_t persona) {
  // Only PER_LINUX (0) exists here; 0xffffffff queries.
  if (persona != 0 && persona != 0xFFFFFFFFu) return Errno(kstd::Error::kInvalid);
  return 0;
}

int64_t SysLinuxMadvise(uint64_t addr, uint64_t length, int32_t advice) {
  if ((addr & 4095) != 0) return Errno(kstd::Error::kInvalid);
  switch (advice) {
    case linux_abi::kMadvNormal:
    case linux_abi::kMadvRandom:
    case linux_abi::kMadvSequential:
    case linux_abi::kMadvWillNeed:
    case linux_abi::kMadvHugePage:
    case linux_abi::kMadvNoHugePage:
    case linux_abi::kMadvDontDump:
    case linux_abi::kMadvDoDump:
      return 0;  // hints about paging behaviour, free to ignore
    case linux_abi::kMadvDontNeed:
    case linux_abi::kMadvFree: {
      // The pages must read back as zero afterwards: replace the range with
      // fresh demand-zero memory of the same protection.
      if (length == 0) return 0;
      uint64_t size = kstd::AlignUp(length, 4096);
      vm::VmAspace* aspace = CurrentProcess()->aspace();
      auto region = aspace->Query(addr);
      if (region.is_error()) return Errno(kstd::Error::kNoMemory);
      if (region.value().shared || region.value().guard) return Errno(kstd::Error::kInvalid);
      auto vmo = vm::VmObject::CreateAnonymous(&Pmm(), size);
      if (vmo.is_error()) return Errno(vmo.error());
      auto r = aspace->MapFixedReplace(addr, vmo.release_value(), 0, size, region.value().prot, 0);
      return r.ok() ? 0 : Errno(r.error());
    }
    default:
      return Refuse("madvise", "advice", static_cast<uint32_t>(advice));
  }
}

}  // namespace core::syscall

namespace core::syscall {

// prctl: the process name (PR_SET_NAME / PR_GET_NAME, 16 bytes with the
// NUL, as Linux's comm). Every other option is refused with EINVAL.
int64_t SysLinuxPrctl(int32_t option, uint64_t arg2, uint64_t arg3, uint64_t arg4, uint64_t arg5) {
  switch (option) {
    case linux_abi::kPrSetName: {
      char name[linux_abi::kTaskCommLen] = {};
      auto len = CopyStringIn(arg2, name, linux_abi::kTaskCommLen - 1);
      // Longer names are cut to 15 bytes, not refused (Linux).
      if (len.is_error() && len.error() != kstd::Error::kNameTooLong) return Errno(len.error());
      if (len.is_error() &&
          UserPtr<char>(arg2).CopyIn(name, linux_abi::kTaskCommLen - 1).is_error()) {
        return Errno(kstd::Error::kFault);
      }
      name[linux_abi::kTaskCommLen - 1] = '\0';
      CurrentProcess()->SetName(name);
      return 0;
    }
    case linux_abi::kPrGetName: {
      char name[linux_abi::kTaskCommLen] = {};
      kstd::CopyString(name, sizeof name, CurrentProcess()->name());
      return UserPtr<char>(arg2).CopyOut(name, sizeof name).ok() ? 0 : Errno(kstd::Error::kFault);
    }
    default:
      return Refuse("prctl", "option", static_cast<uint32_t>(option));
  }
}

}  // namespace core::syscall
