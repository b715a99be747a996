// Linux time calls: the clocks (clock_gettime and clock_getres on the ids
// clock_ids.h describes, and the wall clock: time, gettimeofday,
// settimeofday, clock_settime), sleeping (nanosleep, clock_nanosleep) and
// interval timers: getitimer, setitimer and alarm
// (ITIMER_REAL, SIGALRM; ITIMER_VIRTUAL and ITIMER_PROF count the
// process's CPU time in scheduler ticks: core/proc/cpu_time.h).

#include "abi/linux/time.h"
#include "core/kernel/wall_clock.h"
#include "core/proc/interval_timers.h"
#include "core/proc/process.h"
#include "core/syscall/clock_ids.h"
#include "core/syscall/sys_common.h"
#include "core/syscall/sys_credentials.h"
#include "core/unsupported/refusals.h"
#include "hal/timer.h"

namespace core::syscall {

namespace {

constexpr uint64_t kNsPerUs = 1000, kNsPerSec = 1'000'000'000;

linux_abi::Timeval ToTimeval(uint64_t ns, bool armed) {
  linux_abi::Timeval tv{static_cast<int64_t>(ns / kNsPerSec),
                        static_cast<int64_t>((ns % kNsPerSec) / kNsPerUs)};
  // An armed timer never reads as zero (that would mean "disarmed").
  if (armed && tv.tv_sec == 0 && tv.tv_usec == 0) tv.tv_usec = 1;
  return tv;
}

linux_abi::Itimerval ToItimerval(const posix::IntervalTimerValue& v) {
  return {ToTimeval(v.interval_ns, v.interval_ns != 0), ToTimeval(v.value_ns, v.value_ns != 0)};
}

bool FromTimeval(const linux_abi::Timeval& tv, uint64_t* ns) {
  if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1'000'000) return false;
  uint64_t sec = static_cast<uint64_t>(tv.tv_sec);
  if (sec > (~0ULL - kNsPerSec) / kNsPerSec) sec = (~0ULL - kNsPerSec) / kNsPerSec;  // saturate
  *ns = sec * kNsPerSec + static_cast<uint64_t>(tv.tv_usec) * kNsPerUs;
  return true;
}

// ITIMER_REAL, ITIMER_VIRTUAL and ITIMER_PROF; anything else is EINVAL.
kstd::Result<void> CheckWhich(int32_t which) {
  if (which != linux_abi::kItimerReal && which != linux_abi::kItimerVirtual &&
      which != linux_abi::kItimerProf) {
    return kstd::Error::kInvalid;
  }
  return kstd::Ok();
}

// The CPU-time timers count scheduler ticks: nanoseconds to ticks round up
// (a nonzero value is at least one tick), ticks to nanoseconds exactly.
constexpr uint64_t kNsPerTick = kNsPerSec / sched::kTickHz;
posix::CpuTimers::Which CpuTimerOf(int32_t which) {
  return which == linux_abi::kItimerVirtual ? posix::CpuTimers::kVirtual : posix::CpuTimers::kProf;
}
uint64_t TicksOf(uint64_t ns) { return ns / kNsPerTick + (ns % kNsPerTick != 0 ? 1 : 0); }
posix::IntervalTimerValue NanosOf(posix::CpuTimerSetting s) {
  return {s.value_ticks * kNsPerTick, s.interval_ticks * kNsPerTick};
}

// A timezone argument is obsolete; Linux accepts and ignores a null one and
// keeps a kernel timezone nobody uses. Tessera reports UTC, offset 0.
struct LinuxTimezone {
  int32_t minuteswest;
  int32_t dsttime;
};

}  // namespace

kstd::Result<uint64_t> SysLinuxTime(UserPtr<int64_t> tloc) {
  int64_t seconds = WallClockNanos() / static_cast<int64_t>(kNsPerSec);
  if (tloc.address() != 0) TRY(tloc.CopyOut(&seconds));
  return seconds;  // a time_t: negative before 1970, as on Linux
}

kstd::Result<uint64_t> SysLinuxGettimeofday(UserPtr<linux_abi::Timeval> tv, UserPtr<void> tz) {
  int64_t now = WallClockNanos();
  if (tv.address() != 0) {
    linux_abi::Timeval out{
        now / static_cast<int64_t>(kNsPerSec),
        (now % static_cast<int64_t>(kNsPerSec)) / static_cast<int64_t>(kNsPerUs)};
    TRY(tv.CopyOut(&out));
  }
  if (tz.address() != 0) {
    LinuxTimezone utc{0, 0};
    TRY(tz.CopyOut(&utc, sizeof utc));
  }
  return 0;
}

kstd::Result<uint64_t> SysLinuxSettimeofday(UserPtr<const linux_abi::Timeval> tv,
                                            UserPtr<const void> tz) {
  if (tz.address() != 0) {
    LinuxTimezone zone;
    TRY(tz.CopyIn(&zone, sizeof zone));
    // Only UTC: a kernel timezone would change nothing Tessera reports.
    if (zone.minuteswest != 0 || zone.dsttime != 0) return kstd::Error::kInvalid;
  }
  if (tv.address() == 0) return 0;
  linux_abi::Timeval in;
  TRY(tv.CopyIn(&in));
  uint64_t ns;
  if (!FromTimeval(in, &ns) || ns > static_cast<uint64_t>(INT64_MAX)) return kstd::Error::kInvalid;
  if (!Capable(linux_abi::kCapSysTime)) return kstd::Error::kPermission;
  SetWallClockNanos(static_cast<int64_t>(ns));
  return 0;
}

kstd::Result<uint64_t> SysLinuxClockSettime(int32_t clock, UserPtr<const linux_abi::Timespec> tp) {
  // Only the wall clock can be set (Linux: EINVAL for the others).
  if (clock != linux_abi::kClockRealtime) return kstd::Error::kInvalid;
  linux_abi::Timespec in;
  TRY(tp.CopyIn(&in));
  if (in.tv_sec < 0 || in.tv_nsec < 0 || in.tv_nsec >= static_cast<int64_t>(kNsPerSec) ||
      in.tv_sec > INT64_MAX / static_cast<int64_t>(kNsPerSec) - 1) {
    return kstd::Error::kInvalid;
  }
  if (!Capable(linux_abi::kCapSysTime)) return kstd::Error::kPermission;
  SetWallClockNanos(in.tv_sec * static_cast<int64_t>(kNsPerSec) + in.tv_nsec);
  return 0;
}

kstd::Result<uint64_t> SysLinuxGetitimer(int32_t which, UserPtr<linux_abi::Itimerval> value) {
  TRY(CheckWhich(which));
  posix::IntervalTimerValue now = which == linux_abi::kItimerReal
                                      ? GetRealTimer(CurrentProcess()->pid())
                                      : NanosOf(CurrentProcess()->cpu_timer(CpuTimerOf(which)));
  linux_abi::Itimerval out = ToItimerval(now);
  TRY(value.CopyOut(&out));
  return 0;
}

kstd::Result<uint64_t> SysLinuxSetitimer(int32_t which, UserPtr<const linux_abi::Itimerval> value,
                                         UserPtr<linux_abi::Itimerval> old) {
  TRY(CheckWhich(which));
  posix::IntervalTimerValue next;
  // Linux still treats a null new value as "disarm" (a documented misfeature).
  if (value.address() != 0) {
    linux_abi::Itimerval in;
    TRY(value.CopyIn(&in));
    if (!FromTimeval(in.it_value, &next.value_ns) ||
        !FromTimeval(in.it_interval, &next.interval_ns)) {
      return kstd::Error::kInvalid;
    }
  }
  posix::IntervalTimerValue previous;
  if (which == linux_abi::kItimerReal) {
    previous = TRY(SetRealTimer(CurrentProcess()->pid(), next));
  } else {
    previous = NanosOf(CurrentProcess()->SetCpuTimer(
        CpuTimerOf(which), {TicksOf(next.value_ns), TicksOf(next.interval_ns)}));
  }
  if (old.address() != 0) {
    linux_abi::Itimerval out = ToItimerval(previous);
    TRY(old.CopyOut(&out));
  }
  return 0;
}

kstd::Result<uint64_t> SysLinuxAlarm(uint32_t seconds) {
  auto previous = TRY(SetRealTimer(CurrentProcess()->pid(), {seconds * kNsPerSec, 0}));
  // Whole seconds left, rounded to nearest, but never 0 while one was armed.
  uint64_t left = previous.value_ns;
  if (left == 0) return 0;
  uint64_t secs = (left + kNsPerSec / 2) / kNsPerSec;
  return secs == 0 ? 1 : secs;
}

kstd::Result<uint64_t> SysLinuxClockGettime(int32_t clock, UserPtr<linux_abi::Timespec> tp) {
  ClockInfo info = TRY(DescribeClock(clock, kNsPerTick));
  uint64_t ns = 0;
  switch (info.source) {
    case ClockSource::kWall: {
      // The coarse wall clock is the wall clock as of the last tick.
      uint64_t wall = static_cast<uint64_t>(WallClockNanos());
      if (info.coarse) {
        uint64_t mono = hal::MonotonicNanos();
        uint64_t since_tick = mono - CoarseNanos(mono, kNsPerTick);
        wall = wall >= since_tick ? wall - since_tick : 0;
      }
      ns = wall;
      break;
    }
    case ClockSource::kMonotonic:
      ns = hal::MonotonicNanos();
      if (info.coarse) ns = CoarseNanos(ns, kNsPerTick);
      break;
    case ClockSource::kProcessCpu: ns = CurrentProcess()->cpu_ticks() * kNsPerTick; break;
    case ClockSource::kThreadCpu: ns = CurrentThread()->cpu_ticks() * kNsPerTick; break;
  }
  linux_abi::Timespec ts{static_cast<int64_t>(ns / kNsPerSec),
                         static_cast<int64_t>(ns % kNsPerSec)};
  TRY(tp.CopyOut(&ts));
  return 0;
}

kstd::Result<uint64_t> SysLinuxClockGetres(int32_t clock, UserPtr<linux_abi::Timespec> res) {
  ClockInfo info = TRY(DescribeClock(clock, kNsPerTick));
  if (res.is_null()) return 0;  // Linux: a null result only checks the id
  linux_abi::Timespec ts{static_cast<int64_t>(info.resolution_ns / kNsPerSec),
                         static_cast<int64_t>(info.resolution_ns % kNsPerSec)};
  TRY(res.CopyOut(&ts));
  return 0;
}

kstd::Result<uint64_t> SysLinuxNanosleep(UserPtr<const linux_abi::Timespec> req,
                                         UserPtr<linux_abi::Timespec> rem) {
  linux_abi::Timespec ts;
  TRY(req.CopyIn(&ts));
  if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1'000'000'000) {
    return kstd::Error::kInvalid;
  }
  uint64_t start = hal::MonotonicNanos();
  uint64_t total =
      static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
  uint64_t deadline = sched::DeadlineAfterNanos(total);
  sched::PrepareToBlock();
  for (;;) {
    sched::WakeReason why = sched::Block(deadline);
    if (why == sched::WakeReason::kTimedOut) return 0;
    if (why == sched::WakeReason::kInterrupted) {
      uint64_t elapsed = hal::MonotonicNanos() - start;
      uint64_t left = elapsed >= total ? 0 : total - elapsed;
      linux_abi::Timespec r{static_cast<int64_t>(left / 1'000'000'000ULL),
                            static_cast<int64_t>(left % 1'000'000'000ULL)};
      if (!rem.is_null()) (void)rem.CopyOut(&r);
      return kstd::Error::kInterrupted;
    }
  }
}

kstd::Result<uint64_t> SysLinuxClockNanosleep(int32_t clock, int32_t flags,
                                              UserPtr<const linux_abi::Timespec> req,
                                              UserPtr<linux_abi::Timespec> rem) {
  ClockInfo info = TRY(DescribeClock(clock, kNsPerTick));
  switch (info.sleep) {
    case ClockSleep::kYes: break;
    case ClockSleep::kNotSupported: return kstd::Error::kOperationNotSupported;
    case ClockSleep::kNotImplemented:
      return Refuse("clock_nanosleep", "clock", static_cast<uint32_t>(clock));
  }
  if ((flags & ~linux_abi::kTimerAbstime) != 0)
    return Refuse("clock_nanosleep", "flags",
                  static_cast<uint32_t>(flags & ~linux_abi::kTimerAbstime));
  if ((flags & linux_abi::kTimerAbstime) == 0) return SysLinuxNanosleep(req, rem);
  linux_abi::Timespec ts;
  TRY(req.CopyIn(&ts));
  if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1'000'000'000) return kstd::Error::kInvalid;
  if (ts.tv_sec > INT64_MAX / 1'000'000'000LL - 1) ts.tv_sec = INT64_MAX / 1'000'000'000LL - 1;
  int64_t absolute = ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
  // A CLOCK_REALTIME deadline is converted once: a later settimeofday does not
  // move it (Linux would; documented difference).
  // CLOCK_TAI is the wall clock here (TAI offset 0, as Linux's default).
  uint64_t deadline = info.source == ClockSource::kWall ? MonotonicForWall(absolute)
                                                        : static_cast<uint64_t>(absolute);
  if (deadline == 0) deadline = 1;
  sched::PrepareToBlock();
  for (;;) {
    sched::WakeReason why = sched::Block(deadline);
    if (why == sched::WakeReason::kTimedOut) return 0;
    if (why == sched::WakeReason::kInterrupted) return kstd::Error::kInterrupted;
  }
}

}  // namespace core::syscall
