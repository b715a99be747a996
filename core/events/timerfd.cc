#include "core/events/timerfd.h"

#include "abi/linux/poll.h"
#include "abi/linux/time.h"
#include "core/events/file_wait.h"
#include "core/events/timer_expiry.h"
#include "core/kernel/wall_clock.h"
#include "core/sched/scheduler.h"
#include "core/sync/spin_lock.h"
#include "kstd/intrusive_list.h"
#include "kstd/new.h"

namespace core::events {
namespace {

constexpr uint64_t kNsPerSec = 1'000'000'000;

class TimerFd;

// The armed timerfds and the thread that fires them. Lock order:
// g_timers_lock -> a TimerFd's lock_ -> its observers.
SpinLock g_timers_lock;
uint64_t g_generation GUARDED_BY(g_timers_lock) = 0;  // bumped when a deadline changes
sched::WaitQueue g_timers_wake;
int g_thread_state = 0;  // atomic: 0 none, 1 starting or running

class TimerFd final : public fd::FileDescription {
 public:
  TimerFd(int32_t clock, uint32_t flags)
      : FileDescription(linux_abi::kORdWr | (flags & linux_abi::kTfdNonblock)), clock_(clock) {}
  ~TimerFd() override;

  kstd::Result<size_t> Read(kstd::Span<uint8_t> out) override {
    if (out.size() < sizeof(uint64_t)) return kstd::Error::kInvalid;
    for (;;) {
      {
        SpinLockGuard guard(lock_);
        AdvanceLocked(sched::Now());
        uint64_t n = expiry_.Take();
        if (n > 0) {
          __builtin_memcpy(out.data(), &n, sizeof n);
          SyncSignalsLocked(0);
          return sizeof n;
        }
        if (nonblocking()) return kstd::Error::kAgain;
      }
      TRY(WaitForFile(this, kSignalReadable));
    }
  }
  kstd::Result<size_t> Write(kstd::Span<const uint8_t>) override { return kstd::Error::kInvalid; }

  int16_t PollEvents() override {
    SpinLockGuard guard(lock_);
    AdvanceLocked(sched::Now());
    return expiry_.unread() > 0 ? static_cast<int16_t>(linux_abi::kPollIn) : 0;
  }

  fd::FileKind kind() const override { return fd::FileKind::kTimerfd; }
  const char* Describe() const override { return "anon_inode:[timerfd]"; }

  // timerfd_settime with the deadline already on the monotonic clock.
  TimerSetting Set(uint64_t deadline, uint64_t interval) EXCLUDES(g_timers_lock);
  TimerSetting Get() {
    SpinLockGuard guard(lock_);
    uint64_t now = sched::Now();
    AdvanceLocked(now);
    return expiry_.Get(now);
  }
  int32_t clock() const { return clock_; }

  // The timer thread's turn: counts what is due; returns the next deadline
  // (0: disarmed).
  uint64_t Fire(uint64_t now) REQUIRES(g_timers_lock) {
    SpinLockGuard guard(lock_);
    AdvanceLocked(now);
    return expiry_.deadline();
  }

  kstd::ListNode armed_node;                              // g_timers_lock
  uint64_t armed_deadline GUARDED_BY(g_timers_lock) = 0;  // 0: not on the list

 private:
  void AdvanceLocked(uint64_t now) REQUIRES(lock_) {
    if (expiry_.Advance(now) > 0) SyncSignalsLocked(linux_abi::kPollIn, /*new_arrival=*/true);
  }

  const int32_t clock_;
  TimerExpiry expiry_ GUARDED_BY(lock_);
};

kstd::IntrusiveList<TimerFd, &TimerFd::armed_node> g_armed GUARDED_BY(g_timers_lock);

// Puts `t` on or off the armed list for `deadline` (0: off).
void TrackLocked(TimerFd* t, uint64_t deadline) REQUIRES(g_timers_lock) {
  bool listed = t->armed_deadline != 0;
  if (listed && deadline == 0) g_armed.Remove(t);
  if (!listed && deadline != 0) g_armed.PushBack(t);
  t->armed_deadline = deadline;
}

TimerFd::~TimerFd() {
  SpinLockGuard guard(g_timers_lock);
  TrackLocked(this, 0);
}

TimerSetting TimerFd::Set(uint64_t deadline, uint64_t interval) {
  TimerSetting old;
  {
    SpinLockGuard timers(g_timers_lock);
    {
      SpinLockGuard guard(lock_);
      uint64_t now = sched::Now();
      AdvanceLocked(now);
      old = expiry_.Get(now);
      expiry_.Set(deadline, interval);
      SyncSignalsLocked(0);
    }
    TrackLocked(this, deadline);
    ++g_generation;
  }
  g_timers_wake.WakeAll();
  return old;
}

// Fires the due timers; returns the earliest remaining deadline.
uint64_t FireDue(uint64_t* generation) {
  SpinLockGuard guard(g_timers_lock);
  uint64_t now = sched::Now();
  uint64_t earliest = sched::kNoDeadline;
  kstd::IntrusiveList<TimerFd, &TimerFd::armed_node> pass;
  while (TimerFd* t = g_armed.PopFront()) pass.PushBack(t);
  while (TimerFd* t = pass.PopFront()) {
    g_armed.PushBack(t);
    if (t->armed_deadline <= now) TrackLocked(t, t->Fire(now));
    uint64_t d = t->armed_deadline;
    if (d != 0 && (earliest == sched::kNoDeadline || d < earliest)) earliest = d;
  }
  *generation = g_generation;
  return earliest;
}

void TimerThread(void*) {
  for (;;) {
    uint64_t seen;
    uint64_t next = FireDue(&seen);
    g_timers_wake.WaitIf(
        next,
        [](void* context) {
          SpinLockGuard guard(g_timers_lock);
          return g_generation == *static_cast<uint64_t*>(context);
        },
        &seen);
  }
}

kstd::Result<void> StartTimerThreadOnce() {
  int expected = 0;
  if (!__atomic_compare_exchange_n(&g_thread_state, &expected, 1, false, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE)) {
    return kstd::Ok();
  }
  auto thread =
      sched::Thread::Create("timerfd", nullptr, TimerThread, nullptr, sched::kPriorityHigh);
  if (thread.is_error()) {
    __atomic_store_n(&g_thread_state, 0, __ATOMIC_RELEASE);
    return thread.error();
  }
  sched::Start(thread.value().get());
  return kstd::Ok();
}

bool ValidTime(int64_t sec, int64_t nsec) {
  return sec >= 0 && nsec >= 0 && nsec < static_cast<int64_t>(kNsPerSec);
}

uint64_t ToNanos(int64_t sec, int64_t nsec) {
  uint64_t s = static_cast<uint64_t>(sec);
  if (s > (~0ULL - static_cast<uint64_t>(nsec)) / kNsPerSec) return ~0ULL;  // saturate
  return s * kNsPerSec + static_cast<uint64_t>(nsec);
}

linux_abi::Itimerspec ToItimerspec(const TimerSetting& s) {
  linux_abi::Itimerspec out;
  out.it_value_sec = static_cast<int64_t>(s.value_ns / kNsPerSec);
  out.it_value_nsec = static_cast<int64_t>(s.value_ns % kNsPerSec);
  out.it_interval_sec = static_cast<int64_t>(s.interval_ns / kNsPerSec);
  out.it_interval_nsec = static_cast<int64_t>(s.interval_ns % kNsPerSec);
  return out;
}

}  // namespace

kstd::Result<kstd::RefPtr<fd::FileDescription>> CreateTimerFd(int32_t clock, uint32_t flags) {
  if ((flags & ~(linux_abi::kTfdNonblock | linux_abi::kTfdCloexec)) != 0)
    return kstd::Error::kInvalid;
  if (clock != linux_abi::kClockMonotonic && clock != linux_abi::kClockRealtime &&
      clock != linux_abi::kClockBoottime) {
    return kstd::Error::kInvalid;
  }
  TRY(StartTimerThreadOnce());
  kstd::RefPtr<fd::FileDescription> f = kstd::AdoptRef(new (kstd::nothrow) TimerFd(clock, flags));
  if (!f) return kstd::Error::kNoMemory;
  return f;
}

kstd::Result<void> SetTimerFd(fd::FileDescription* file, uint32_t flags,
                              const linux_abi::Itimerspec& value, linux_abi::Itimerspec* old) {
  if (file->kind() != fd::FileKind::kTimerfd) return kstd::Error::kInvalid;
  if ((flags & ~linux_abi::kTfdTimerAbstime) != 0) return kstd::Error::kInvalid;
  if (!ValidTime(value.it_value_sec, value.it_value_nsec) ||
      !ValidTime(value.it_interval_sec, value.it_interval_nsec)) {
    return kstd::Error::kInvalid;
  }
  auto* timer = static_cast<TimerFd*>(file);
  uint64_t v = ToNanos(value.it_value_sec, value.it_value_nsec);
  uint64_t interval = ToNanos(value.it_interval_sec, value.it_interval_nsec);
  uint64_t deadline = 0;
  if (v != 0) {
    if ((flags & linux_abi::kTfdTimerAbstime) == 0) {
      deadline = sched::DeadlineAfterNanos(v);
    } else if (timer->clock() == linux_abi::kClockRealtime) {
      deadline = MonotonicForWall(v > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX
                                                                       : static_cast<int64_t>(v));
    } else {
      deadline = v;  // CLOCK_MONOTONIC/BOOTTIME: already on the deadline clock
    }
  }
  *old = ToItimerspec(timer->Set(deadline, interval));
  return kstd::Ok();
}

kstd::Result<linux_abi::Itimerspec> GetTimerFd(fd::FileDescription* file) {
  if (file->kind() != fd::FileKind::kTimerfd) return kstd::Error::kInvalid;
  return ToItimerspec(static_cast<TimerFd*>(file)->Get());
}

}  // namespace core::events
