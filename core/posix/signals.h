#pragma once

// Linux signals for the POSIX personality: the numbers, default actions and
// user-visible structures of the Linux x86-64 ABI (k_sigaction as passed to
// rt_sigaction, siginfo_t, stack_t), and a pure model of the signal state of
// a process and its threads: what is pending where, what is blocked, which
// action is installed, which alternate stack is set, and what happens when a
// signal is sent and when one is taken for delivery.
//
// The model never blocks, never touches user memory and knows nothing about
// scheduling: Send reports which thread to interrupt and whether the process
// must die or resume; Dequeue reports what the thread returning to user mode
// must do (run a handler, stop, terminate). The syscall layer copies the
// structures in and out and acts on those reports (see signal_frame.h for
// the handler frame, wait_status.h for what the parent sees).
//
// Locking: none inside. One lock per process (Linux's sighand->siglock) must
// guard the ProcessSignals and every ThreadSignals linked to it; every call
// below is made with that lock held.
//
// Allocation: queued siginfo entries come from `new (kstd::nothrow)`.
// Standard signals coalesce (one entry, the first sender's siginfo);
// realtime signals (32..64) queue one entry per send. A process may have at
// most kMaxQueuedSignals entries (Linux's RLIMIT_SIGPENDING, but per
// process), except that standard signals from the kernel or kill() always
// get theirs (at most 31 per pending set, as Linux overrides the limit for
// them). When no entry can be had, a standard signal (or a realtime one
// sent by kill()) is still made pending but its siginfo is lost (Dequeue
// then reports si_code SI_USER, pid 0), as in Linux; a realtime signal sent
// by sigqueue/tgkill/rt_sigqueueinfo is refused with EAGAIN.

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/signal.h"
#include "kstd/intrusive_list.h"
#include "kstd/result.h"

namespace core::posix {

// ---------------------------------------------------------------------------
// Signal numbers, k_sigaction, stack_t, siginfo_t and the si_codes are the
// Linux ABI's: abi/linux/signal.h.

/// glibc's user-visible SIGRTMIN (the kernel's is linux_abi::kSigRtMinKernel).
inline constexpr int kSigRtMinGlibc = 34;

constexpr bool IsValidSignal(int signo) { return signo >= 1 && signo <= linux_abi::kNumSignals; }
constexpr bool IsRealtimeSignal(int signo) {
  return signo >= linux_abi::kSigRtMinKernel && signo <= linux_abi::kSigRtMax;
}

/// What SIG_DFL does (signal(7)).
enum class DefaultAction : uint8_t {
  kTerminate,  // the process exits, killed by the signal
  kCoreDump,   // as kTerminate, and the wait status has the core flag (0x80)
  kStop,       // the process stops (job control)
  kContinue,   // the process continues if stopped (done when sent)
  kIgnore,     // nothing
};

/// The default action of `signo` (1..64; anything else reports kIgnore).
DefaultAction DefaultActionOf(int signo);

/// "SIGINT", "SIGRTMIN+3" (realtime signals are named relative to 32, as the
/// kernel numbers them), "SIG?" for an invalid number. For reports and logs.
const char* SignalName(int signo);

// ---------------------------------------------------------------------------
// Signal sets: the kernel's sigset_t on x86-64 is one 64-bit word, bit
// (signo - 1). rt_sigprocmask/rt_sigaction/rt_sigpending/rt_sigsuspend take
// its size and refuse any size but 8 (EINVAL); see CheckSigSetSize.

using SigSet = uint64_t;

/// The bit of `signo` (1..64).
constexpr SigSet SigMask(int signo) { return SigSet{1} << (signo - 1); }
constexpr bool SigSetHas(SigSet set, int signo) {
  return IsValidSignal(signo) && (set & SigMask(signo)) != 0;
}
/// The lowest signal in `set`, or 0 if it is empty.
constexpr int SigSetLowest(SigSet set) { return set == 0 ? 0 : __builtin_ctzll(set) + 1; }

/// SIGKILL and SIGSTOP: cannot be blocked, caught or ignored.
inline constexpr SigSet kUnblockableSignals =
    SigMask(linux_abi::kSigKill) | SigMask(linux_abi::kSigStop);
inline constexpr SigSet kStopSignals = SigMask(linux_abi::kSigStop) | SigMask(linux_abi::kSigTstp) |
                                       SigMask(linux_abi::kSigTtin) | SigMask(linux_abi::kSigTtou);
/// Signals raised by the faulting instruction itself; taken before others.
inline constexpr SigSet kSynchronousSignals =
    SigMask(linux_abi::kSigSegv) | SigMask(linux_abi::kSigBus) | SigMask(linux_abi::kSigIll) |
    SigMask(linux_abi::kSigTrap) | SigMask(linux_abi::kSigFpe) | SigMask(linux_abi::kSigSys);
inline constexpr SigSet kAllSignals = ~SigSet{0};

/// The sigsetsize argument of the rt_sig* calls. Errors: kInvalid (not 8).
kstd::Result<void> CheckSigSetSize(uint64_t sigsetsize);

// ---------------------------------------------------------------------------
// Actions and alternate stacks.

/// The flags rt_sigaction keeps; others are cleared on set and on read-back
/// (Linux >= 5.11: lets user space detect unsupported flags).
inline constexpr uint64_t kSaKnownFlags =
    linux_abi::kSaNoCldStop | linux_abi::kSaNoCldWait | linux_abi::kSaSigInfo |
    linux_abi::kSaExposeTagBits | linux_abi::kSaRestorer | linux_abi::kSaOnStack |
    linux_abi::kSaRestart | linux_abi::kSaNoDefer | linux_abi::kSaResetHand;

/// Whether `sp` lies on the alternate stack `alt` (Linux's on_sig_stack: the
/// stack grows down, so sp == alt.sp + alt.size is on it and sp == alt.sp is
/// not). Always false with SS_AUTODISARM: a handler may then nest on it.
bool OnAltStack(const linux_abi::StackT& alt, uint64_t sp);
/// ss_flags as sigaltstack reports them and the frame's uc_stack records:
/// SS_DISABLE if none is set, SS_ONSTACK if `sp` is on it, otherwise 0; plus
/// SS_AUTODISARM if it was set.
int32_t AltStackFlags(const linux_abi::StackT& alt, uint64_t sp);

// ---------------------------------------------------------------------------
// siginfo_t.

/// The check rt_sigqueueinfo/rt_tgsigqueueinfo apply to a user-made siginfo:
/// to another process, si_code must be negative and not SI_TKILL (no faking
/// kernel or kill() signals). Errors: kPermission.
kstd::Result<void> CheckUserSigInfo(const linux_abi::SigInfo& info, bool to_self);

// ---------------------------------------------------------------------------
// The signal state model.

/// At most this many siginfo entries may be queued in one process (its own
/// queue plus all its threads' queues).
inline constexpr uint32_t kMaxQueuedSignals = 256;

class ProcessSignals;
class ThreadSignals;

/// A set of pending signals with their queued siginfo, oldest first.
class PendingSignals {
 public:
  PendingSignals() = default;
  PendingSignals(const PendingSignals&) = delete;
  PendingSignals& operator=(const PendingSignals&) = delete;
  ~PendingSignals();

  SigSet set() const { return set_; }
  size_t queued() const { return queue_.size(); }

 private:
  friend class ProcessSignals;
  friend class ThreadSignals;
  struct Entry {
    kstd::ListNode node;
    linux_abi::SigInfo info;
  };

  /// Adds `info.signo` (see the file comment). `*budget_used` counts entries
  /// against kMaxQueuedSignals. Errors: kAgain (realtime queue overflow).
  kstd::Result<void> Add(const linux_abi::SigInfo& info, uint32_t* budget_used);
  /// Removes one instance of `signo` (its oldest entry) into *info.
  void Take(int signo, linux_abi::SigInfo* info, uint32_t* budget_used);
  /// Discards every signal in `signals` and their entries.
  void Discard(SigSet signals, uint32_t* budget_used);

  SigSet set_ = 0;
  kstd::IntrusiveList<Entry, &Entry::node> queue_;
};

/// What Send did, for the caller to act on.
struct SendResult {
  /// The signal is now pending (false: discarded as ignored, coalesced with
  /// a pending one, or the process is exiting).
  bool queued = false;
  /// A thread that does not block the signal and should be interrupted (its
  /// interruptible wait ends with EINTR/restart so it returns to user mode
  /// and takes the signal). Null if every thread blocks it.
  ThreadSignals* wake = nullptr;
  /// The signal will kill the process when taken (SIGKILL, or a default
  /// terminate/core action that `wake` does not block): the caller may
  /// interrupt every thread, and must resume a stopped process so it can die.
  bool fatal = false;
  /// SIGCONT found the process stopped and resumed it (ProcessSignals::
  /// stopped() is now false): the caller makes its threads runnable again and
  /// tells the parent (CLD_CONTINUED, see wait_status.h). Happens even when
  /// SIGCONT itself is ignored or blocked.
  bool continued = false;
};

/// What a thread about to return to user mode must do.
struct Delivery {
  enum class Kind : uint8_t {
    kNone,       // nothing deliverable
    kHandler,    // build a frame (signal_frame.h) and run `action.handler`
    kStop,       // stop the process (ProcessSignals::EnterStop) and tell the parent
    kTerminate,  // the process exits, killed by `signo` (MarkExiting, then
                 // WaitStatusForDelivery gives the parent's status)
    kCoreDump,   // as kTerminate; the default action dumps core (see
                 // WaitStatusForDelivery for the 0x80 flag)
  };
  Kind kind = Kind::kNone;
  int signo = 0;
  linux_abi::SigInfo info;
  /// For kHandler: the action as it was when the signal was taken (with
  /// SA_RESETHAND the installed action is already back to SIG_DFL).
  linux_abi::KSigAction action;
};

/// Per-thread signal state: the thread's own pending signals (tgkill,
/// faults), its blocked mask, its alternate stack, and the mask saved by
/// rt_sigsuspend/ppoll/pselect6. Links itself into its process.
class ThreadSignals {
 public:
  /// A new thread of `process` with nothing blocked and no alternate stack.
  explicit ThreadSignals(ProcessSignals& process);
  ThreadSignals(const ThreadSignals&) = delete;
  ThreadSignals& operator=(const ThreadSignals&) = delete;
  /// Unlinks from the process; the thread's pending signals are discarded.
  ~ThreadSignals();

  ProcessSignals& process() const { return *process_; }

  SigSet blocked() const { return blocked_; }
  /// Replaces the blocked mask (SIGKILL and SIGSTOP are never blocked).
  /// (Unlike Linux, a process-directed signal that this thread now blocks is
  /// not handed to another thread at once; it waits for a thread that does
  /// not block it to check HasDeliverable. Only matters with several threads.)
  void SetBlocked(SigSet mask);
  /// rt_sigprocmask(how, set): returns the old mask; a null `set` only reads.
  /// Errors: kInvalid (unknown `how` with a non-null set).
  kstd::Result<SigSet> ProcMask(int how, const SigSet* set);
  /// This thread's own pending signals.
  SigSet own_pending() const { return pending_.set(); }
  /// rt_sigpending: pending for this thread or its process, and blocked.
  SigSet PendingBlocked() const;
  /// A signal is pending here or in the process that this thread does not
  /// block: returning to user mode will call Dequeue.
  bool HasDeliverable() const;

  /// signalfd: the signals of `mask` pending for this thread or its process.
  SigSet PendingIn(SigSet mask) const;
  /// signalfd's read: takes the lowest signal of `mask` pending for this
  /// thread (its own first, then its process's), blocked or not, into *info.
  /// False if none is pending.
  bool TakeFromMask(SigSet mask, linux_abi::SigInfo* info);

  /// rt_sigsuspend, ppoll, pselect6: blocks `mask` (minus SIGKILL/SIGSTOP)
  /// until the next delivery, remembering the current mask.
  void SetTemporaryMask(SigSet mask);
  bool has_saved_mask() const { return has_saved_mask_; }
  /// The mask a handler frame must record (restored by rt_sigreturn): the
  /// remembered mask during rt_sigsuspend & co., otherwise the blocked mask.
  SigSet MaskToSave() const { return has_saved_mask_ ? saved_mask_ : blocked_; }
  /// On the way to user mode without running a handler: puts the remembered
  /// mask back (no-op if there is none).
  void RestoreSavedMask();

  /// The alternate signal stack (ss_flags as stored: 0 or SS_DISABLE, plus
  /// SS_AUTODISARM).
  const linux_abi::StackT& alt_stack() const { return alt_stack_; }
  /// sigaltstack(ss, old) with the interrupted user stack pointer `sp`:
  /// installs *ss (if not null) and reports the previous stack in *old (if
  /// not null; only on success, as Linux copies it out). Errors: kPermission (sp is on the current
  /// alternate stack), kInvalid (ss_flags other than 0, SS_ONSTACK, SS_DISABLE, optionally with
  /// SS_AUTODISARM), kNoMemory (ss_size < linux_abi::kMinSigStackSize).
  kstd::Result<void> SigAltStack(const linux_abi::StackT* ss, linux_abi::StackT* old, uint64_t sp);
  /// rt_sigreturn's restore of uc_stack: as SigAltStack, but errors are
  /// ignored (as Linux does).
  void RestoreAltStack(const linux_abi::StackT& ss, uint64_t sp);

  /// Takes the next signal to act on, for the thread about to return to user
  /// mode. Order: this thread's synchronous faults, then its other signals,
  /// then the process's; within a set the lowest number, except that
  /// synchronous signals (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS)
  /// go first. Signals whose action turns out to be "ignore" are consumed
  /// silently (and so are stop signals of an init process, and SIGTSTP/
  /// SIGTTIN/SIGTTOU when `pgrp_orphaned`: POSIX says an orphaned process
  /// group must not stop for them). SA_RESETHAND is applied here.
  Delivery Dequeue(bool pgrp_orphaned);
  /// After the handler frame for `delivery` was written: blocks the action's
  /// mask and the signal itself (unless SA_NODEFER), disarms an SS_AUTODISARM
  /// alternate stack and forgets the saved mask (the frame holds it).
  void CommitHandler(const Delivery& delivery);

  /// clone(): a new thread or process starts with its creator's blocked
  /// mask; the alternate stack is kept for fork/vfork and cleared for a
  /// thread sharing the address space (`keep_alt_stack` false).
  void InheritFrom(const ThreadSignals& creator, bool keep_alt_stack);
  /// execve(): the alternate stack is cleared; mask and pending signals stay.
  void ResetForExec();

  /// Link in the process's thread list (owned by ProcessSignals).
  kstd::ListNode process_node;

 private:
  friend class ProcessSignals;

  kstd::Result<void> SetAltStack(const linux_abi::StackT* ss, uint64_t sp);

  ProcessSignals* const process_;
  PendingSignals pending_;
  SigSet blocked_ = 0;
  SigSet saved_mask_ = 0;
  bool has_saved_mask_ = false;
  linux_abi::StackT alt_stack_;
};

/// Per-process signal state: the action table (shared by the threads, like
/// CLONE_SIGHAND), the process-directed pending signals, the job-control
/// stop state. Must outlive the ThreadSignals linked to it.
class ProcessSignals {
 public:
  ProcessSignals() = default;
  ProcessSignals(const ProcessSignals&) = delete;
  ProcessSignals& operator=(const ProcessSignals&) = delete;
  /// The process's threads must be gone.
  ~ProcessSignals();

  /// rt_sigaction(signo, act, old): stores the current action in *old (if
  /// not null), then installs *act (if not null) with SIGKILL/SIGSTOP removed
  /// from its mask and unknown flags cleared. Installing an action that
  /// ignores the signal (SIG_IGN, or SIG_DFL of a default-ignore signal)
  /// discards it from every pending set of the process and its threads.
  /// Errors: kInvalid (signo outside 1..64, or act for SIGKILL/SIGSTOP).
  kstd::Result<void> SetAction(int signo, const linux_abi::KSigAction* act,
                               linux_abi::KSigAction* old);
  /// The installed action (signo 1..64).
  const linux_abi::KSigAction& action(int signo) const { return actions_[signo - 1]; }

  /// Sends a process-directed signal (kill(pid), kill of a process group).
  /// Applies the stop/continue rules (a stop signal discards pending SIGCONT,
  /// SIGCONT discards pending stop signals and resumes a stopped process),
  /// discards an ignored signal unless the main thread blocks it, and picks a
  /// thread to wake (the main thread if it does not block the signal).
  /// `force` is for the kernel's own signals: it lets SIGKILL/SIGSTOP reach
  /// an unkillable process (init).
  /// Errors: kInvalid (bad signo), kAgain (realtime queue overflow and the
  /// signal was not sent by kill(): see the file comment).
  kstd::Result<SendResult> Send(const linux_abi::SigInfo& info, bool force = false);
  /// Sends a thread-directed signal (tkill/tgkill/rt_tgsigqueueinfo) to
  /// `thread`, one of this process's threads. Same rules and errors as Send.
  kstd::Result<SendResult> SendToThread(ThreadSignals& thread, const linux_abi::SigInfo& info,
                                        bool force = false);
  /// Raises a synchronous fault signal (SIGSEGV, SIGILL, ...) in `thread`: if
  /// the thread blocks it or the process ignores it, the action is reset to
  /// SIG_DFL and the signal unblocked, so a fault is never ignored and never
  /// loops; with SIG_DFL the process also loses its unkillable mark.
  SendResult ForceFault(ThreadSignals& thread, const linux_abi::SigInfo& info);
  /// The frame for a handler of `failed_signo` could not be written (bad
  /// stack, no SA_RESTORER): raises SIGSEGV as a fault; if SIGSEGV's own
  /// handler is the one that failed, it is reset first so the process dies.
  SendResult ForceSegvForBadFrame(ThreadSignals& thread, int failed_signo);

  /// True if the signal is discarded when sent: its action is SIG_IGN, or
  /// SIG_DFL with a default-ignore or default-continue action.
  bool IsIgnored(int signo) const;
  /// Whether a child's stop/continue should raise SIGCHLD in this (parent)
  /// process: false when SIGCHLD's action has SA_NOCLDSTOP.
  bool WantsChildStopSignals() const;
  /// Whether this (parent) process's children are reaped as they die, never
  /// becoming zombies: SIGCHLD is SIG_IGN or has SA_NOCLDWAIT.
  bool AutoReapsChildren() const;

  /// Process-directed signals pending.
  SigSet shared_pending() const { return shared_.set(); }

  /// Enters the job-control stop after a Delivery of kind kStop. SIGCONT
  /// (Send) ends it; a fatal signal does not (the caller resumes the process
  /// so that it can die).
  void EnterStop(int signo);
  bool stopped() const { return stopped_; }
  int stop_signal() const { return stop_signo_; }

  /// Marks the process as dying (after kTerminate/kCoreDump or exit_group):
  /// further sends are discarded.
  void MarkExiting() { exiting_ = true; }
  bool exiting() const { return exiting_; }

  /// init (PID 1): signals whose action is SIG_DFL are discarded unless
  /// forced by the kernel, so `kill -9 1` does nothing.
  void set_unkillable(bool unkillable) { unkillable_ = unkillable; }
  bool unkillable() const { return unkillable_; }

  /// fork(): copies the parent's actions (pending signals are not inherited).
  void InheritFrom(const ProcessSignals& parent);
  /// execve(): caught signals go back to SIG_DFL (ignored ones stay ignored);
  /// flags, restorers and masks are cleared. Pending signals are kept.
  void ResetForExec();

  /// Entries queued in the process and all its threads.
  uint32_t queued_entries() const { return budget_used_; }
  size_t thread_count() const { return threads_.size(); }

 private:
  friend class ThreadSignals;

  /// The common path of Send/SendToThread; `thread` is null for a
  /// process-directed signal.
  kstd::Result<SendResult> SendLocked(ThreadSignals* thread, const linux_abi::SigInfo& info,
                                      bool force);
  /// Linux's prepare_signal: the stop/continue side effects, then whether the
  /// signal is kept (false: discard). `blocked` is the receiver's mask.
  bool Prepare(int signo, SigSet blocked, bool force, SendResult* result);
  /// Discards `signals` from the shared set and every thread's set.
  void DiscardEverywhere(SigSet signals);
  /// The action ignores the signal (see IsIgnored), or the process is
  /// unkillable, the action is SIG_DFL and the send is not a forced
  /// SIGKILL/SIGSTOP.
  bool IgnoredForSend(int signo, bool force) const;
  /// A thread that does not block `signo`, trying `first` first; or null.
  ThreadSignals* PickThread(int signo, ThreadSignals* first) const;
  ThreadSignals* MainThread() const { return threads_.Front(); }

  linux_abi::KSigAction actions_[linux_abi::kNumSignals];
  PendingSignals shared_;
  uint32_t budget_used_ = 0;
  bool stopped_ = false;
  int stop_signo_ = 0;
  bool exiting_ = false;
  bool unkillable_ = false;
  kstd::IntrusiveList<ThreadSignals, &ThreadSignals::process_node> threads_;
};

}  // namespace core::posix
