#pragma once

// One POSIX interval timer (setitimer/alarm, ITIMER_REAL) as pure state over
// an absolute monotonic clock in nanoseconds: no locks, no signals. The
// caller (core/proc/interval_timers) owns the clock, the locking and the
// SIGALRM.
//
// Semantics follow Linux: a value of zero disarms; a timer that expires with
// an interval is re-armed one interval after the expiry it was due at (not
// after the moment it was noticed), and expiries that were missed while the
// owner was late collapse into one signal, as Linux does for ITIMER_REAL.

#include <stdint.h>

namespace core::posix {

struct IntervalTimerValue {
  uint64_t value_ns = 0;     // time to the next expiry; 0 = disarmed
  uint64_t interval_ns = 0;  // reload after each expiry; 0 = one-shot
};

class IntervalTimer {
 public:
  bool armed() const { return deadline_ != 0; }
  /// Absolute expiry time (0 when disarmed).
  uint64_t deadline() const { return deadline_; }

  /// What getitimer reports at `now`: the time left (at least 1 ns while
  /// armed, so an armed timer never reads as disarmed) and the interval.
  IntervalTimerValue Get(uint64_t now) const {
    if (!armed()) return {0, interval_};
    return {deadline_ > now ? deadline_ - now : 1, interval_};
  }

  /// setitimer: arms (value != 0) or disarms, returning the old setting.
  IntervalTimerValue Set(uint64_t now, IntervalTimerValue next) {
    IntervalTimerValue old = Get(now);
    interval_ = next.value_ns == 0 ? 0 : next.interval_ns;
    deadline_ = next.value_ns == 0 ? 0 : SaturatingAdd(now, next.value_ns);
    return old;
  }

  /// Called at `now`: returns true if the timer fired (one signal is due),
  /// re-arming it past `now` when it has an interval.
  bool Expire(uint64_t now) {
    if (!armed() || deadline_ > now) return false;
    if (interval_ == 0) {
      deadline_ = 0;
      return true;
    }
    uint64_t late = now - deadline_;
    uint64_t periods = late / interval_ + 1;  // the due expiry and any missed
    deadline_ = SaturatingAdd(deadline_, periods * interval_);
    return true;
  }

 private:
  static uint64_t SaturatingAdd(uint64_t a, uint64_t b) { return a + b < a ? ~0ULL : a + b; }

  uint64_t deadline_ = 0;
  uint64_t interval_ = 0;
};

}  // namespace core::posix
