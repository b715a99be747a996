#pragma once

// Thread: a schedulable flow of control with its own kernel stack, saved
// registers and FPU state. Kernel threads run a function; user threads also
// belong to a Process and enter user mode from their kernel stack.

#include <stdint.h>

#include "core/object/kernel_object.h"
#include "core/sched/run_queue.h"
#include "hal/thread.h"
#include "kstd/result.h"

namespace core {
class Process;
}  // namespace core

namespace core::sched {

enum class ThreadState : uint8_t {
  kNew,       // created, never run
  kRunnable,  // on a run queue
  kRunning,   // on a CPU
  kBlocked,   // waiting (wait queue, observer or sleep), maybe with a deadline
  kDead,      // exited; its stack is freed by the reaper
};

enum class WakeReason : uint8_t {
  kNone,
  kWoken,        // Wake() was called (signal, message, explicit wake)
  kTimedOut,     // the deadline passed
  kInterrupted,  // the thread is being killed
};

class WaitQueue;
struct ThreadAccess;

/// What the layer that owns a thread keeps per thread (core/proc: a user
/// thread's Linux state). The thread owns it and deletes it with itself, so
/// it lives exactly as long as anyone holds the thread.
class ThreadOwnerState {
 public:
  virtual ~ThreadOwnerState() = default;
};

class Thread final : public KernelObject {
 public:
  static constexpr size_t kKernelStackSize = 16 * 1024;
  static constexpr size_t kNameMax = 32;

  /// Creates a thread that will run entry(arg) in kernel mode once Start()ed.
  /// `process` may be nullptr (a kernel thread). Errors: kNoMemory.
  static kstd::Result<kstd::RefPtr<Thread>> Create(const char* name, Process* process,
                                                   void (*entry)(void*), void* arg,
                                                   int priority = kPriorityDefault);

  /// The boot flow of control, adopted as a thread at default priority.
  static Thread* AdoptBoot(const char* name, uintptr_t stack_base, size_t stack_size);

  /// The idle thread (priority kPriorityIdle; never on a run queue).
  static kstd::Result<kstd::RefPtr<Thread>> CreateIdle(void (*loop)(void*));

  ~Thread() override;

  const char* name() const { return name_; }
  uint64_t tid() const { return tid_; }
  Process* process() const { return process_; }
  ThreadState state() const { return state_; }
  int priority() const { return entry_.priority; }
  uint64_t cpu_ticks() const { return cpu_ticks_; }
  /// Of cpu_ticks(), those that found the thread in the kernel (system time).
  uint64_t system_ticks() const { return system_ticks_; }
  uint64_t context_switches() const { return switches_; }
  hal::ThreadContext* context() { return &context_; }
  /// Changes the argument the entry function gets (before Start only).
  void set_entry_arg(void* arg) { entry_arg_ = arg; }
  /// The owning layer's per-thread state (null for kernel threads).
  ThreadOwnerState* owner_state() const { return owner_state_; }
  /// Gives the thread its owner state (once, before Start); it is deleted
  /// with the thread.
  void set_owner_state(ThreadOwnerState* state) { owner_state_ = state; }

  // The user thread's state, kept by core/proc and the syscall layer (set
  // before Start, or by the thread itself unless noted).
  kstd::ListNode process_node_;  // on its process's thread list (process lock)
  bool kill_pending_ = false;    // exit at the next return to user mode / wait
  // A signal this thread does not block is pending: interruptible waits end
  // (EINTR/restart) so the thread returns to user mode to take it. Set by
  // senders, cleared when nothing deliverable remains (core/proc/signals).
  bool interrupt_pending_ = false;
  // > 0 while the thread waits killably (sched::KillableWaits): a pending
  // signal does not end its waits, only kill_pending_ does (Linux's
  // TASK_KILLABLE). Changed only by the thread itself.
  int killable_waits_ = 0;
  // The Linux syscall number of the call in progress (for restarts), or ~0.
  uint64_t syscall_nr_ = ~0ULL;
  // The page-table root to run with (0: the kernel's). Set before Start;
  // changed only by the thread itself (exec, exit).
  uint64_t page_table_root_ = 0;
  // Where a user thread enters user mode (read by its first kernel entry).
  uint64_t user_entry_ = 0;
  uint64_t user_sp_ = 0;
  uint64_t user_arg_ = 0;
  // A complete user register frame to start with instead (fork), owned; the
  // thread frees it on its first kernel entry. Opaque here (hal::UserFrame).
  void* initial_frame_ = nullptr;

 private:
  friend struct ThreadAccess;  // the scheduler (scheduler.cc)
  friend class WaitQueue;
  friend void ThreadTrampoline(void* thread);

  Thread(const char* name, Process* process, int priority);

  // Scheduling state, private to core/sched (guarded by the scheduler lock).
  RunQueueEntry entry_;
  kstd::ListNode wait_node_;   // on a WaitQueue, or on the dead list
  kstd::ListNode sleep_node_;  // on the deadline list
  ThreadState state_ = ThreadState::kNew;
  WakeReason wake_reason_ = WakeReason::kNone;
  bool wake_pending_ = false;  // a Wake arrived before the thread blocked
  uint64_t deadline_ = 0;      // in ticks; 0 = none
  WaitQueue* waiting_on_ = nullptr;
  int slice_left_ = 0;
  uint64_t cpu_ticks_ = 0;
  uint64_t system_ticks_ = 0;
  uint64_t switches_ = 0;

  char name_[kNameMax] = {};
  uint64_t tid_;
  Process* process_;
  hal::ThreadContext context_;
  uintptr_t stack_ = 0;  // owned kernel stack (0 for the adopted boot thread)
  void (*entry_fn_)(void*) = nullptr;
  void* entry_arg_ = nullptr;
  ThreadOwnerState* owner_state_ = nullptr;  // owned
};

}  // namespace core::sched
