#include "core/sched/scheduler.h"

#include "core/kernel/log.h"
#include "core/sync/spin_lock.h"
#include "hal/cpu.h"
#include "hal/percpu.h"
#include "hal/timer.h"

namespace core::sched {

// The scheduler's access to a Thread's private scheduling state (Thread
// befriends it; nothing outside this file uses it).
struct ThreadAccess {
  using SleepList = kstd::IntrusiveList<Thread, &Thread::sleep_node_>;
  using WaitList = kstd::IntrusiveList<Thread, &Thread::wait_node_>;
  static RunQueueEntry& entry(Thread* t) { return t->entry_; }
  static ThreadState& state(Thread* t) { return t->state_; }
  static WakeReason& wake_reason(Thread* t) { return t->wake_reason_; }
  static bool& wake_pending(Thread* t) { return t->wake_pending_; }
  static uint64_t& deadline(Thread* t) { return t->deadline_; }
  static WaitQueue*& waiting_on(Thread* t) { return t->waiting_on_; }
  static int& slice_left(Thread* t) { return t->slice_left_; }
  static uint64_t& cpu_ticks(Thread* t) { return t->cpu_ticks_; }
  static uint64_t& system_ticks(Thread* t) { return t->system_ticks_; }
  static uint64_t& switches(Thread* t) { return t->switches_; }
};

namespace {

using S = ThreadAccess;

// Guards everything below and every Thread's scheduler-private fields.
RawSpinLock g_lock;
RunQueue g_run_queue GUARDED_BY(g_lock);
Thread* g_idle = nullptr;
uint64_t g_ticks = 0;
bool g_need_resched = false;
bool g_started = false;
uint64_t g_switches = 0;
uint64_t g_preemptions = 0;
uint64_t g_idle_ticks = 0;
uint64_t g_user_ticks = 0;  // ticks that interrupted user mode
// Threads with a deadline, unsorted (checked each tick; few in practice).
ThreadAccess::SleepList g_sleepers GUARDED_BY(g_lock);
// Exited threads whose stacks can be freed once another thread runs.
ThreadAccess::WaitList g_dead GUARDED_BY(g_lock);

class SCOPED_CAPABILITY IrqLock {
 public:
  IrqLock() ACQUIRE(g_lock) : were_enabled_(hal::SaveAndDisableInterrupts()) { g_lock.Lock(); }
  ~IrqLock() RELEASE() {
    g_lock.Unlock();
    hal::RestoreInterrupts(were_enabled_);
  }

 private:
  bool were_enabled_;
};

Thread* CurrentLocked() { return static_cast<Thread*>(hal::CurrentThreadSlot()); }

void MakeRunnableLocked(Thread* t, bool front) REQUIRES(g_lock) {
  if (t == g_idle) return;  // runs only when nothing else can
  S::state(t) = ThreadState::kRunnable;
  if (S::slice_left(t) <= 0) {
    // Its time slice is used up: a fresh one, at the back of its priority.
    S::slice_left(t) = kTimeSliceTicks;
    front = false;
  }
  if (front) {
    g_run_queue.EnqueueFront(&S::entry(t));
  } else {
    g_run_queue.Enqueue(&S::entry(t));
  }
  Thread* cur = CurrentLocked();
  if (cur == nullptr || cur == t) return;
  if (t->priority() > cur->priority()) g_need_resched = true;
}

// A thread woken from a wait: it goes to the front of its priority with what
// is left of its slice, and preempts an equal-priority thread that has been
// computing for at least a tick (so a CPU hog cannot delay a wake-up by a
// whole slice). Slices are kept across blocking, so threads that keep waking
// each other still use theirs up and fall behind a hog in turn.
void MakeWokenRunnableLocked(Thread* t) REQUIRES(g_lock) {
  MakeRunnableLocked(t, true);
  Thread* cur = CurrentLocked();
  if (cur != nullptr && cur != t && cur != g_idle && t->priority() == cur->priority() &&
      S::slice_left(cur) < kTimeSliceTicks) {
    g_need_resched = true;
  }
}

Thread* FromEntry(RunQueueEntry* e) {
  constexpr uintptr_t kBase = 4096;
  auto* probe = reinterpret_cast<Thread*>(kBase);
  uintptr_t offset = reinterpret_cast<uintptr_t>(&S::entry(probe)) - kBase;
  return reinterpret_cast<Thread*>(reinterpret_cast<uintptr_t>(e) - offset);
}

// Picks the next thread and switches to it. The current thread must already
// be requeued, blocked or dead. Called with g_lock held and interrupts off;
// returns (in the same thread) with g_lock held once it runs again.
void ScheduleLocked() REQUIRES(g_lock) {
  Thread* cur = CurrentLocked();
  RunQueueEntry* e = g_run_queue.PopHighest();
  Thread* next = e != nullptr ? FromEntry(e) : g_idle;
  g_need_resched = false;
  if (next == cur) {
    S::state(cur) = ThreadState::kRunning;
    return;
  }
  S::state(next) = ThreadState::kRunning;
  ++S::switches(next);
  ++g_switches;
  hal::SetCurrentThreadSlot(next);
  if (next->page_table_root_ != cur->page_table_root_) {
    hal::SwitchAddressSpace(next->page_table_root_);
  }
  hal::SwitchThread(cur->context(), next->context());
  // Back in `cur`. Free the stacks of threads that died meanwhile (never our own).
  while (!g_dead.empty()) {
    Thread* dead = g_dead.PopFront();
    if (dead->Release()) delete dead;
  }
}

void RemoveDeadlineLocked(Thread* t) REQUIRES(g_lock) {
  if (decltype(g_sleepers)::Contains(t)) g_sleepers.Remove(t);
  S::deadline(t) = 0;
}

}  // namespace

// First run of a thread: it arrives from another thread's ScheduleLocked with
// g_lock held, which the analysis cannot follow across the switch.
void ThreadTrampoline(void* arg) NO_THREAD_SAFETY_ANALYSIS {
  auto* t = static_cast<Thread*>(arg);
  g_lock.Unlock();
  hal::EnableInterrupts();
  t->entry_fn_(t->entry_arg_);
  ExitCurrent();
}

void IdleLoop(void*) {
  for (;;) hal::WaitForInterrupt();
}

void InitScheduler(uintptr_t boot_stack_base, size_t boot_stack_size) {
  Thread* main = Thread::AdoptBoot("kmain", boot_stack_base, boot_stack_size);
  auto idle = Thread::CreateIdle(IdleLoop);
  if (main == nullptr || idle.is_error()) Panic("scheduler: no memory for the first threads");
  g_idle = idle.value().leak_ref();
  hal::SetCurrentThreadSlot(main);
  g_started = true;
}

Thread* Current() { return static_cast<Thread*>(hal::CurrentThreadSlot()); }

void Start(Thread* thread) {
  thread->AddRef();  // the scheduler's reference, dropped when the thread is reaped
  IrqLock lock;
  MakeRunnableLocked(thread, false);
}

void Yield() {
  IrqLock lock;
  Thread* cur = CurrentLocked();
  if (cur != g_idle) MakeRunnableLocked(cur, false);
  ScheduleLocked();
}

void PrepareToBlock() {
  IrqLock lock;
  Thread* cur = CurrentLocked();
  S::wake_pending(cur) = false;
  S::wake_reason(cur) = WakeReason::kNone;
}

// Whether `cur` may not start (or continue) a wait: it is being killed, or
// a signal waits for it and its waits are not killable-only.
static bool MustNotWait(const Thread* cur) {
  return cur->kill_pending_ || (cur->interrupt_pending_ && cur->killable_waits_ == 0);
}

KillableWaits::KillableWaits() { ++Current()->killable_waits_; }
KillableWaits::~KillableWaits() { --Current()->killable_waits_; }

bool KillPending() { return Current()->kill_pending_; }

bool InterruptEndsWait() {
  const Thread* cur = Current();
  return cur->killable_waits_ == 0 || cur->kill_pending_;
}

static WakeReason BlockLocked(Thread* cur, uint64_t deadline) REQUIRES(g_lock) {
  if (MustNotWait(cur)) return WakeReason::kInterrupted;
  if (S::wake_pending(cur)) {
    S::wake_pending(cur) = false;
    return S::wake_reason(cur);
  }
  if (deadline != kNoDeadline && deadline <= hal::MonotonicNanos()) return WakeReason::kTimedOut;
  S::state(cur) = ThreadState::kBlocked;
  S::wake_reason(cur) = WakeReason::kNone;
  if (deadline != kNoDeadline) {
    S::deadline(cur) = deadline;
    g_sleepers.PushBack(cur);
  }
  ScheduleLocked();
  WakeReason reason = S::wake_reason(cur);
  S::wake_pending(cur) = false;
  return reason;
}

WakeReason Block(uint64_t deadline) {
  IrqLock lock;
  return BlockLocked(CurrentLocked(), deadline);
}

WakeReason SleepTicks(uint64_t ticks) {
  IrqLock lock;
  Thread* cur = CurrentLocked();
  S::wake_pending(cur) = false;
  uint64_t deadline = DeadlineAfterNanos((ticks == 0 ? 1 : ticks) * (1'000'000'000ULL / kTickHz));
  for (;;) {
    WakeReason r = BlockLocked(cur, deadline);
    if (r == WakeReason::kTimedOut || r == WakeReason::kInterrupted) return r;
  }
}

void Wake(Thread* thread, WakeReason reason) {
  IrqLock lock;
  if (S::state(thread) != ThreadState::kBlocked) {
    // Not asleep yet (between PrepareToBlock and Block) or running: remember.
    if (S::state(thread) != ThreadState::kDead) {
      S::wake_pending(thread) = true;
      S::wake_reason(thread) = reason;
    }
    return;
  }
  RemoveDeadlineLocked(thread);
  if (S::waiting_on(thread) != nullptr) {
    S::waiting_on(thread)->waiters_.Remove(thread);
    S::waiting_on(thread) = nullptr;
  }
  S::wake_reason(thread) = reason;
  MakeWokenRunnableLocked(thread);
}

WakeReason WaitQueue::Wait(uint64_t deadline) {
  IrqLock lock;
  Thread* cur = CurrentLocked();
  S::wake_pending(cur) = false;
  if (MustNotWait(cur)) return WakeReason::kInterrupted;
  waiters_.PushBack(cur);
  S::waiting_on(cur) = this;
  WakeReason r = BlockLocked(cur, deadline);
  if (S::waiting_on(cur) == this) {  // timed out or interrupted: still queued
    waiters_.Remove(cur);
    S::waiting_on(cur) = nullptr;
  }
  return r;
}

WakeReason WaitQueue::WaitIf(uint64_t deadline, bool (*still_needed)(void*), void* context) {
  IrqLock lock;
  Thread* cur = CurrentLocked();
  S::wake_pending(cur) = false;
  if (MustNotWait(cur)) return WakeReason::kInterrupted;
  if (!still_needed(context)) return WakeReason::kWoken;
  waiters_.PushBack(cur);
  S::waiting_on(cur) = this;
  WakeReason r = BlockLocked(cur, deadline);
  if (S::waiting_on(cur) == this) {
    waiters_.Remove(cur);
    S::waiting_on(cur) = nullptr;
  }
  return r;
}

bool WaitQueue::WakeOne() {
  Thread* t;
  {
    IrqLock lock;
    t = waiters_.Front();
    if (t == nullptr) return false;
  }
  Wake(t, WakeReason::kWoken);
  return true;
}

int WaitQueue::WakeAll(WakeReason reason) {
  int n = 0;
  for (;;) {
    Thread* t;
    {
      IrqLock lock;
      t = waiters_.Front();
    }
    if (t == nullptr) return n;
    Wake(t, reason);
    ++n;
  }
}

void SetPriority(Thread* thread, int priority) {
  IrqLock lock;
  if (thread == g_idle) return;
  if (S::state(thread) == ThreadState::kRunnable) {
    g_run_queue.Remove(&S::entry(thread));
    S::entry(thread).priority = priority;
    MakeRunnableLocked(thread, false);
  } else {
    S::entry(thread).priority = priority;
  }
  if (thread == CurrentLocked() && g_run_queue.HighestPriority() > priority) g_need_resched = true;
}

void ExitCurrent() {
  hal::DisableInterrupts();
  g_lock.Lock();
  Thread* cur = CurrentLocked();
  if (cur == g_idle) Panic("the idle thread tried to exit");
  S::state(cur) = ThreadState::kDead;
  RemoveDeadlineLocked(cur);
  g_dead.PushBack(cur);
  ScheduleLocked();
  Panic("a dead thread was scheduled");
}

namespace {
TickHook g_tick_hook = nullptr;
}  // namespace

void SetTickHook(TickHook hook) { g_tick_hook = hook; }

void OnTick(bool from_user) {
  g_lock.Lock();  // interrupts are already off in the handler
  ++g_ticks;
  Thread* cur = CurrentLocked();
  if (cur != nullptr) {
    ++S::cpu_ticks(cur);
    if (!from_user) ++S::system_ticks(cur);
    if (cur == g_idle) ++g_idle_ticks;
    if (from_user) ++g_user_ticks;
  }
  // Expired deadlines.
  uint64_t now = hal::MonotonicNanos();
  for (;;) {
    Thread* expired = g_sleepers.FindIf([now](Thread* x) { return S::deadline(x) <= now; });
    if (expired == nullptr) break;
    g_sleepers.Remove(expired);
    S::deadline(expired) = 0;
    if (S::state(expired) == ThreadState::kBlocked) {
      if (S::waiting_on(expired) != nullptr) {
        S::waiting_on(expired)->waiters_.Remove(expired);
        S::waiting_on(expired) = nullptr;
      }
      S::wake_reason(expired) = WakeReason::kTimedOut;
      MakeWokenRunnableLocked(expired);
    }
  }
  if (cur != nullptr && cur != g_idle && --S::slice_left(cur) <= 0) g_need_resched = true;
  if (cur == g_idle && !g_run_queue.empty()) g_need_resched = true;
  g_lock.Unlock();
  if (g_tick_hook != nullptr && cur != nullptr && cur != g_idle) g_tick_hook(cur, from_user);
}

void PreemptIfNeeded() {
  if (!g_started) return;
  bool were_enabled = hal::SaveAndDisableInterrupts();
  g_lock.Lock();
  if (g_need_resched) {
    Thread* cur = CurrentLocked();
    if (cur != g_idle && S::state(cur) == ThreadState::kRunning) {
      // Slice over: to the back of its priority, with a fresh slice.
      // Preempted by a higher priority: it keeps its turn in its own.
      // Preempted by an equal-priority wake-up: behind the woken thread.
      bool keep_turn = S::slice_left(cur) > 0 && g_run_queue.HighestPriority() > cur->priority();
      MakeRunnableLocked(cur, keep_turn);
      ++g_preemptions;
    }
    ScheduleLocked();
  }
  g_lock.Unlock();
  hal::RestoreInterrupts(were_enabled);
}

uint64_t Ticks() { return __atomic_load_n(&g_ticks, __ATOMIC_RELAXED); }

uint64_t Now() { return hal::MonotonicNanos(); }

uint64_t UserTicks() { return __atomic_load_n(&g_user_ticks, __ATOMIC_RELAXED); }

uint64_t DeadlineAfterNanos(uint64_t nanos) {
  uint64_t now = hal::MonotonicNanos();
  if (nanos > ~0ULL - now - 1) return ~0ULL - 1;
  uint64_t d = now + nanos;
  return d == kNoDeadline ? 1 : d;
}

SchedulerStats Stats() {
  IrqLock lock;
  return SchedulerStats{g_switches, g_preemptions, g_run_queue.size(), g_idle_ticks};
}

}  // namespace core::sched
