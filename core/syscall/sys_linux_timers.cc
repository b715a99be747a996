// Interval timers: getitimer, setitimer and alarm (ITIMER_REAL, SIGALRM).
// ITIMER_VIRTUAL and ITIMER_PROF (CPU-time timers) are not implemented and
// refused with EINVAL.

#include "core/proc/interval_timers.h"
#include "core/proc/process.h"
#include "core/syscall/sys_common.h"

namespace core::syscall {

namespace {

constexpr int32_t kItimerReal = 0;
constexpr uint64_t kNsPerUs = 1000, kNsPerSec = 1'000'000'000;

tessera::linux_timeval ToTimeval(uint64_t ns, bool armed) {
  tessera::linux_timeval tv{static_cast<int64_t>(ns / kNsPerSec),
                            static_cast<int64_t>((ns % kNsPerSec) / kNsPerUs)};
  // An armed timer never reads as zero (that would mean "disarmed").
  if (armed && tv.tv_sec == 0 && tv.tv_usec == 0) tv.tv_usec = 1;
  return tv;
}

tessera::linux_itimerval ToItimerval(const posix::IntervalTimerValue& v) {
  return {ToTimeval(v.interval_ns, v.interval_ns != 0), ToTimeval(v.value_ns, v.value_ns != 0)};
}

bool FromTimeval(const tessera::linux_timeval& tv, uint64_t* ns) {
  if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1'000'000) return false;
  uint64_t sec = static_cast<uint64_t>(tv.tv_sec);
  if (sec > (~0ULL - kNsPerSec) / kNsPerSec) sec = (~0ULL - kNsPerSec) / kNsPerSec;  // saturate
  *ns = sec * kNsPerSec + static_cast<uint64_t>(tv.tv_usec) * kNsPerUs;
  return true;
}

// ITIMER_VIRTUAL and ITIMER_PROF exist in Linux but not here: EINVAL, like
// any unknown timer.
int64_t CheckWhich(int32_t which) {
  return which == kItimerReal ? 0 : Errno(kstd::Error::kInvalid);
}

}  // namespace

int64_t SysLinuxGetitimer(int32_t which, UserPtr<tessera::linux_itimerval> value) {
  if (int64_t r = CheckWhich(which); r != 0) return r;
  tessera::linux_itimerval out = ToItimerval(GetRealTimer(CurrentProcess()->pid()));
  if (value.CopyOut(&out).is_error()) return Errno(kstd::Error::kFault);
  return 0;
}

int64_t SysLinuxSetitimer(int32_t which, UserPtr<const tessera::linux_itimerval> value,
                          UserPtr<tessera::linux_itimerval> old) {
  if (int64_t r = CheckWhich(which); r != 0) return r;
  posix::IntervalTimerValue next;
  // Linux still treats a null new value as "disarm" (a documented misfeature).
  if (value.address() != 0) {
    tessera::linux_itimerval in;
    if (value.CopyIn(&in).is_error()) return Errno(kstd::Error::kFault);
    if (!FromTimeval(in.it_value, &next.value_ns) || !FromTimeval(in.it_interval, &next.interval_ns)) {
      return Errno(kstd::Error::kInvalid);
    }
  }
  auto previous = SetRealTimer(CurrentProcess()->pid(), next);
  if (previous.is_error()) return Errno(previous.error());
  if (old.address() != 0) {
    tessera::linux_itimerval out = ToItimerval(previous.value());
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
