#pragma once

// TimerExpiry: the state of a timerfd as pure logic over an absolute
// monotonic clock in nanoseconds; no locks (TimerFd holds its lock around
// every call), no waking.
//
// Linux's semantics: an armed timer expires at its deadline and, with an
// interval, every interval after it; expirations accumulate until a read
// takes them all (timerfd's u64 count); setting the timer (armed or not)
// forgets the unread count; a zero value disarms.

#include <stdint.h>

namespace core::events {

struct TimerSetting {
  uint64_t value_ns = 0;     // time to the next expiry; 0 = disarmed
  uint64_t interval_ns = 0;  // period after it; 0 = one-shot
};

class TimerExpiry {
 public:
  bool armed() const { return deadline_ != 0; }
  /// The absolute time of the next expiry (0 when disarmed).
  uint64_t deadline() const { return deadline_; }
  /// Expirations counted and not read yet.
  uint64_t unread() const { return unread_; }

  /// timerfd_gettime at `now` (call Advance first): the time left, at least
  /// 1 ns while armed, and the interval.
  TimerSetting Get(uint64_t now) const {
    if (!armed()) return {0, interval_};
    return {deadline_ > now ? deadline_ - now : 1, interval_};
  }

  /// timerfd_settime: arms at the absolute `deadline` (0: disarms) with
  /// `interval`, which is kept (and reported) even when disarmed, as Linux
  /// does; the unread count is dropped.
  void Set(uint64_t deadline, uint64_t interval) {
    deadline_ = deadline;
    interval_ = interval;
    unread_ = 0;
  }

  /// Counts the expirations due by `now` and moves the deadline past it.
  /// Returns how many were added.
  uint64_t Advance(uint64_t now) {
    if (!armed() || now < deadline_) return 0;
    uint64_t n = 1;
    if (interval_ == 0) {
      deadline_ = 0;
    } else {
      n = (now - deadline_) / interval_ + 1;
      uint64_t next = deadline_ + n * interval_;
      deadline_ = next < deadline_ ? ~0ULL : next;  // saturate
    }
    unread_ = unread_ + n < unread_ ? ~0ULL : unread_ + n;
    return n;
  }

  /// read(2): takes the unread expirations (0 if none).
  uint64_t Take() {
    uint64_t n = unread_;
    unread_ = 0;
    return n;
  }

 private:
  uint64_t deadline_ = 0;
  uint64_t interval_ = 0;
  uint64_t unread_ = 0;
};

}  // namespace core::events
