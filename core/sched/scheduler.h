#pragma once

// The scheduler: preemptive, priority round robin (RunQueue), one CPU today
// with per-CPU state kept apart for SMP. All entry points are safe with
// interrupts on or off; they disable interrupts and take the scheduler lock
// themselves. Lock order: object locks may be held when calling Wake (the
// scheduler lock is innermost); no scheduler function calls into objects.

#include <stdint.h>

#include "core/sched/thread.h"
#include "kstd/result.h"

namespace core::sched {

inline constexpr uint32_t kTickHz = 1000;
inline constexpr int kTimeSliceTicks = 10;

/// Adopts the boot flow as thread "kmain" (default priority), creates the idle
/// thread and starts scheduling. The timer must already tick.
void InitScheduler(uintptr_t boot_stack_base, size_t boot_stack_size);

/// Makes a new thread runnable.
void Start(Thread* thread);

/// The running thread.
Thread* Current();

/// Gives up the CPU to another runnable thread of equal or higher priority.
void Yield();

/// Deadlines are absolute CLOCK_MONOTONIC nanoseconds (hal::MonotonicNanos);
/// a blocked thread wakes at the first timer tick at or after its deadline,
/// never before it.
inline constexpr uint64_t kNoDeadline = 0;

/// Blocks the running thread until Wake(thread) or until `deadline`
/// (kNoDeadline: no timeout). If a Wake arrived since PrepareToBlock, returns
/// at once. Returns why it woke.
void PrepareToBlock();
WakeReason Block(uint64_t deadline);

/// Sleeps for at least `ticks` timer ticks (kInterrupted if killed).
WakeReason SleepTicks(uint64_t ticks);

/// Wakes `thread` if it is blocked (or records the wake for its next Block).
/// Safe from interrupt handlers and signal observers.
void Wake(Thread* thread, WakeReason reason = WakeReason::kWoken);

/// Changes a thread's priority (1..31); a running or queued thread moves at
/// once (the CPU is given up if a higher-priority thread is now runnable).
void SetPriority(Thread* thread, int priority);

/// Ends the running thread. Never returns.
[[noreturn]] void ExitCurrent();

/// Timer interrupt hook: accounting, deadlines, time slices.
void OnTick(bool from_user);

/// Called at each tick for the thread that was running (not idle), after
/// the scheduler's own work, with interrupts off and no scheduler lock held:
/// the process layer charges CPU-time timers there. It may take spin locks
/// and set flags; it must not block or wake threads.
using TickHook = void (*)(Thread* current, bool from_user);
/// Installs the hook (once, at boot).
void SetTickHook(TickHook hook);

/// Called on the way out of every interrupt: switches if a higher-priority
/// thread woke or the slice ended.
void PreemptIfNeeded();

/// Ticks since the scheduler started.
uint64_t Ticks();

/// The deadline `nanos` from now (saturating).
uint64_t DeadlineAfterNanos(uint64_t nanos);

/// The monotonic clock deadlines are measured on.
uint64_t Now();

struct SchedulerStats {
  uint64_t switches;
  uint64_t preemptions;
  uint32_t runnable;
  uint64_t idle_ticks;
};
SchedulerStats Stats();

/// Ticks that found a thread of a process (user code, or the kernel working
/// for it in a syscall or fault) on the CPU: the "user" time of /proc/stat.
/// The rest of the non-idle ticks went to kernel threads.
uint64_t UserTicks();

/// While one lives, the running thread's waits are killable only: a signal
/// it can take does not end them (no EINTR, no restart), being killed does.
/// For waits that have no place to stop halfway, such as a file-system
/// server's reply (Linux waits for its disks so); such waits need their own
/// deadline, since a signal cannot end them.
class KillableWaits {
 public:
  KillableWaits();
  ~KillableWaits();
  KillableWaits(const KillableWaits&) = delete;
  KillableWaits& operator=(const KillableWaits&) = delete;
};

/// Whether the running thread is being killed (its waits end at once).
bool KillPending();

/// Whether a wait of the running thread that woke with kInterrupted must
/// end: always, unless it waits killably and is not being killed.
bool InterruptEndsWait();

/// A FIFO of blocked threads, guarded by the scheduler lock.
class WaitQueue {
 public:
  /// Blocks the current thread on this queue (see Block).
  WakeReason Wait(uint64_t deadline);
  /// Blocks only if still_needed(context) is true when checked under the
  /// scheduler lock: a waker that changes the condition before calling
  /// WakeAll/WakeOne can never be missed. Returns kWoken at once otherwise.
  WakeReason WaitIf(uint64_t deadline, bool (*still_needed)(void*), void* context);
  /// Wakes the oldest waiter; returns false if none.
  bool WakeOne();
  /// Wakes every waiter; returns how many.
  int WakeAll(WakeReason reason = WakeReason::kWoken);

 private:
  kstd::IntrusiveList<Thread, &Thread::wait_node_> waiters_;
  friend void Wake(Thread* thread, WakeReason reason);
  friend void OnTick(bool from_user);
};

}  // namespace core::sched
