// The wall clock (time, gettimeofday, settimeofday, clock_settime) and
// interval timers: getitimer, setitimer and alarm (ITIMER_REAL, SIGALRM).
// ITIMER_VIRTUAL and ITIMER_PROF (CPU-time timers) are not implemented and
// refused with EINVAL.

#include "abi/linux/time.h"
#include "core/kernel/wall_clock.h"
#include "core/proc/interval_timers.h"
#include "core/proc/process.h"
#include "core/syscall/refusals.h"
#include "core/syscall/sys_common.h"

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

// ITIMER_VIRTUAL and ITIMER_PROF exist in Linux but not here: EINVAL, like
// any unknown timer.
int64_t CheckWhich(int32_t which) {
  return which == linux_abi::kItimerReal ? 0
                                         : Refuse("itimer", "which", static_cast<uint32_t>(which));
}

// A timezone argument is obsolete; Linux accepts and ignores a null one and
// keeps a kernel timezone nobody uses. Tessera reports UTC, offset 0.
struct LinuxTimezone {
  int32_t minuteswest;
  int32_t dsttime;
};

}  // namespace

int64_t SysLinuxTime(UserPtr<int64_t> tloc) {
  int64_t seconds = WallClockNanos() / static_cast<int64_t>(kNsPerSec);
  if (tloc.address() != 0 && tloc.CopyOut(&seconds).is_error()) return Errno(kstd::Error::kFault);
  return seconds;
}

int64_t SysLinuxGettimeofday(UserPtr<linux_abi::Timeval> tv, UserPtr<void> tz) {
  int64_t now = WallClockNanos();
  if (tv.address() != 0) {
    linux_abi::Timeval out{
        now / static_cast<int64_t>(kNsPerSec),
        (now % static_cast<int64_t>(kNsPerSec)) / static_cast<int64_t>(kNsPerUs)};
    if (tv.CopyOut(&out).is_error()) return Errno(kstd::Error::kFault);
  }
  if (tz.address() != 0) {
    LinuxTimezone utc{0, 0};
    if (tz.CopyOut(&utc, sizeof utc).is_error()) return Errno(kstd::Error::kFault);
  }
  return 0;
}

int64_t SysLinuxSettimeofday(UserPtr<const linux_abi::Timeval> tv, UserPtr<const void> tz) {
  if (tz.address() != 0) {
    LinuxTimezone zone;
    if (tz.CopyIn(&zone, sizeof zone).is_error()) return Errno(kstd::Error::kFault);
    // Only UTC: a kernel timezone would change nothing Tessera reports.
    if (zone.minuteswest != 0 || zone.dsttime != 0) return Errno(kstd::Error::kInvalid);
  }
  if (tv.address() == 0) return 0;
  linux_abi::Timeval in;
  if (tv.CopyIn(&in).is_error()) return Errno(kstd::Error::kFault);
  uint64_t ns;
  if (!FromTimeval(in, &ns) || ns > static_cast<uint64_t>(INT64_MAX)) return Errno(kstd::Error::kInvalid);
  SetWallClockNanos(static_cast<int64_t>(ns));  // everyone is root: no CAP_SYS_TIME check
  return 0;
}

int64_t SysLinuxClockSettime(int32_t clock, UserPtr<const linux_abi::Timespec> tp) {
  // Only the wall clock can be set (Linux: EINVAL for the others).
  if (clock != linux_abi::kClockRealtime) return Errno(kstd::Error::kInvalid);
  linux_abi::Timespec in;
  if (tp.CopyIn(&in).is_error()) return Errno(kstd::Error::kFault);
  if (in.tv_sec < 0 || in.tv_nsec < 0 || in.tv_nsec >= static_cast<int64_t>(kNsPerSec) ||
      in.tv_sec > INT64_MAX / static_cast<int64_t>(kNsPerSec) - 1) {
    return Errno(kstd::Error::kInvalid);
  }
  SetWallClockNanos(in.tv_sec * static_cast<int64_t>(kNsPerSec) + in.tv_nsec);
  return 0;
}

int64_t SysLinuxGetitimer(int32_t which, UserPtr<linux_abi::Itimerval> value) {
  if (int64_t r = CheckWhich(which); r != 0) return r;
  linux_abi::Itimerval out = ToItimerval(GetRealTimer(CurrentProcess()->pid()));
  if (value.CopyOut(&out).is_error()) return Errno(kstd::Error::kFault);
  return 0;
}

int64_t SysLinuxSetitimer(int32_t which, UserPtr<const linux_abi::Itimerval> value,
                          UserPtr<linux_abi::Itimerval> old) {
  if (int64_t r = CheckWhich(which); r != 0) return r;
  posix::IntervalTimerValue next;
  // Linux still treats a null new value as "disarm" (a documented misfeature).
  if (value.address() != 0) {
    linux_abi::Itimerval in;
    if (value.CopyIn(&in).is_error()) return Errno(kstd::Error::kFault);
    if (!FromTimeval(in.it_value, &next.value_ns) || !FromTimeval(in.it_interval, &next.interval_ns)) {
      return Errno(kstd::Error::kInvalid);
    }
  }
  auto previous = SetRealTimer(CurrentProcess()->pid(), next);
  if (previous.is_error()) return Errno(previous.error());
  if (old.address() != 0) {
    linux_abi::Itimerval out = ToItimerval(previous.value());
    if (old.CopyOut(&out).is_error()) return Errno(kstd::Error::kFault);
  }
  return 0;
}

int64_t SysLinuxAlarm(uint32_t seconds) {
  auto previous = SetRealTimer(CurrentProcess()->pid(), {seconds * kNsPerSec, 0});
  if (previous.is_error()) return Errno(previous.error());
  // Whole seconds left, rounded to nearest, but never 0 while one was armed.
  uint64_t left = previous.value().value_ns;
  if (left == 0) return 0;
  uint64_t secs = (left + kNsPerSec / 2) / kNsPerSec;
  return static_cast<int64_t>(secs == 0 ? 1 : secs);
}

}  // namespace core::syscall
