#pragma once

// A process's CPU-time timers as pure state counted in scheduler ticks:
// ITIMER_VIRTUAL (user time: SIGVTALRM), ITIMER_PROF (user + system time:
// SIGPROF) and RLIMIT_CPU (SIGXCPU at the soft limit and every second
// after it, SIGKILL at the hard limit), as Linux. No locks and no signals:
// the caller (core/proc) charges each tick with Tick and sends what it
// returns.
//
// A value of zero disarms a timer; a timer with an interval reloads at
// expiry; a value shorter than a tick still takes one tick.

#include <stdint.h>

namespace core::posix {

struct CpuTimerSetting {
  uint64_t value_ticks = 0;     // to the next expiry; 0: disarmed
  uint64_t interval_ticks = 0;  // reload; 0: one-shot
};

class CpuTimers {
 public:
  enum Which : int { kVirtual = 0, kProf = 1 };
  // What a tick fires (Tick's result bits).
  static constexpr uint32_t kFireVirtual = 1u << 0;  // SIGVTALRM
  static constexpr uint32_t kFireProf = 1u << 1;     // SIGPROF
  static constexpr uint32_t kFireCpuSoft = 1u << 2;  // SIGXCPU
  static constexpr uint32_t kFireCpuHard = 1u << 3;  // SIGKILL
  static constexpr uint64_t kUnlimited = ~uint64_t{0};

  CpuTimerSetting Get(Which which) const { return {remaining_[which], interval_[which]}; }
  /// setitimer: returns the old setting.
  CpuTimerSetting Set(Which which, CpuTimerSetting next);

  /// RLIMIT_CPU in ticks (kUnlimited: none); counts from the CPU time the
  /// process has used so far, as Linux.
  void SetCpuLimit(uint64_t soft_ticks, uint64_t hard_ticks, uint64_t ticks_per_second);

  /// One tick of the process's CPU time, in user mode or not.
  uint32_t Tick(bool user);

  uint64_t used_ticks() const { return used_; }

 private:
  uint64_t remaining_[2] = {0, 0};
  uint64_t interval_[2] = {0, 0};
  uint64_t used_ = 0;
  uint64_t soft_ = kUnlimited;
  uint64_t hard_ = kUnlimited;
  uint64_t next_soft_signal_ = kUnlimited;  // the used_ count of the next SIGXCPU
  uint64_t ticks_per_second_ = 1000;
};

}  // namespace core::posix
