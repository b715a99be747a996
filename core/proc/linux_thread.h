#pragma once

// LinuxThread: the Linux personality's state of one user thread, kept by
// core/proc as the thread's owner state (sched::ThreadOwnerState). Every
// thread of a process has one, made with the thread (fork, clone, a program's
// first thread) and deleted with it, so it can be read as long as anyone
// holds the thread. Kernel threads have none.

#include <stdint.h>

#include "core/posix/signals.h"
#include "core/sched/thread.h"

namespace core {

struct LinuxThread final : sched::ThreadOwnerState {
  ~LinuxThread() override { delete signals; }

  // The POSIX signal state (mask, own pending set, alternate stack): made
  // with the thread, freed when it exits (null afterwards and for threads
  // that never had one).
  posix::ThreadSignals* signals = nullptr;
  // What gettid returns and tgkill takes: the pid for a process's first
  // thread, a number from the pid space for a CLONE_THREAD thread, 0 for
  // later native threads (they report the kernel tid).
  uint64_t tid = 0;
  // set_robust_list's head (0: none).
  uint64_t robust_list = 0;
  // CLONE_CHILD_CLEARTID/set_tid_address: zeroed and futex-woken when the
  // thread exits (0: none). Set before Start or by the thread itself (exec
  // changes the others' only once they are dying).
  uint64_t clear_child_tid = 0;
  // prctl(PR_SET_TIMERSLACK): the slack the thread allows its timers, in
  // ns, and the value 0 restores (the creator's slack when the thread was
  // made: Linux's default_timer_slack_ns). Stored and reported only:
  // Tessera's timers fire without slack, which the bound allows.
  uint64_t timer_slack_ns = kDefaultTimerSlackNs;
  uint64_t default_timer_slack_ns = kDefaultTimerSlackNs;

  static constexpr uint64_t kDefaultTimerSlackNs = 50'000;  // Linux's init_task

  /// A new thread made by `creator` (fork, clone) starts with its slack.
  void InheritFrom(const LinuxThread& creator) {
    timer_slack_ns = creator.timer_slack_ns;
    default_timer_slack_ns = creator.timer_slack_ns;
  }
};

/// The Linux state of `t`, which must be a thread of a process.
inline LinuxThread& LinuxOf(const sched::Thread* t) {
  return *static_cast<LinuxThread*>(t->owner_state());
}

/// The POSIX signal state of `t`, or null (a kernel thread, an exited thread,
/// a thread that has none).
inline posix::ThreadSignals* SignalsOf(const sched::Thread* t) {
  sched::ThreadOwnerState* state = t->owner_state();
  return state != nullptr ? static_cast<LinuxThread*>(state)->signals : nullptr;
}

inline LinuxThread& LinuxOf(const kstd::RefPtr<sched::Thread>& t) { return LinuxOf(t.get()); }
inline posix::ThreadSignals* SignalsOf(const kstd::RefPtr<sched::Thread>& t) {
  return SignalsOf(t.get());
}

}  // namespace core
