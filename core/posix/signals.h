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

#include "kstd/intrusive_list.h"
#include "kstd/result.h"

namespace core::posix {

// ---------------------------------------------------------------------------
// Signal numbers (Linux x86-64, include/uapi/asm-generic/signal.h).

inline constexpr int kSigHup = 1;
inline constexpr int kSigInt = 2;
inline constexpr int kSigQuit = 3;
inline constexpr int kSigIll = 4;
inline constexpr int kSigTrap = 5;
inline constexpr int kSigAbrt = 6;
inline constexpr int kSigBus = 7;
inline constexpr int kSigFpe = 8;
inline constexpr int kSigKill = 9;
inline constexpr int kSigUsr1 = 10;
inline constexpr int kSigSegv = 11;
inline constexpr int kSigUsr2 = 12;
inline constexpr int kSigPipe = 13;
inline constexpr int kSigAlrm = 14;
inline constexpr int kSigTerm = 15;
inline constexpr int kSigStkflt = 16;
inline constexpr int kSigChld = 17;
inline constexpr int kSigCont = 18;
inline constexpr int kSigStop = 19;
inline constexpr int kSigTstp = 20;
inline constexpr int kSigTtin = 21;
inline constexpr int kSigTtou = 22;
inline constexpr int kSigUrg = 23;
inline constexpr int kSigXcpu = 24;
inline constexpr int kSigXfsz = 25;
inline constexpr int kSigVtalrm = 26;
inline constexpr int kSigProf = 27;
inline constexpr int kSigWinch = 28;
inline constexpr int kSigIo = 29;
inline constexpr int kSigPwr = 30;
inline constexpr int kSigSys = 31;

/// The kernel's first realtime signal: 32..64 queue and default to terminate.
/// (glibc reserves 32 and 33 for itself and reports SIGRTMIN as 34; musl
/// reserves 32..34 and reports 35. The kernel treats all of 32..64 alike.)
inline constexpr int kSigRtMinKernel = 32;
/// glibc's user-visible SIGRTMIN.
inline constexpr int kSigRtMinGlibc = 34;
inline constexpr int kSigRtMax = 64;
/// _NSIG: signals are 1..kNumSignals.
inline constexpr int kNumSignals = 64;

constexpr bool IsValidSignal(int signo) { return signo >= 1 && signo <= kNumSignals; }
constexpr bool IsRealtimeSignal(int signo) {
  return signo >= kSigRtMinKernel && signo <= kSigRtMax;
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
constexpr int SigSetLowest(SigSet set) {
  return set == 0 ? 0 : __builtin_ctzll(set) + 1;
}

/// SIGKILL and SIGSTOP: cannot be blocked, caught or ignored.
inline constexpr SigSet kUnblockableSignals = SigMask(kSigKill) | SigMask(kSigStop);
inline constexpr SigSet kStopSignals =
    SigMask(kSigStop) | SigMask(kSigTstp) | SigMask(kSigTtin) | SigMask(kSigTtou);
/// Signals raised by the faulting instruction itself; taken before others.
inline constexpr SigSet kSynchronousSignals = SigMask(kSigSegv) | SigMask(kSigBus) |
                                              SigMask(kSigIll) | SigMask(kSigTrap) |
                                              SigMask(kSigFpe) | SigMask(kSigSys);
inline constexpr SigSet kAllSignals = ~SigSet{0};

/// The sigsetsize argument of the rt_sig* calls. Errors: kInvalid (not 8).
kstd::Result<void> CheckSigSetSize(uint64_t sigsetsize);

// rt_sigprocmask `how`.
inline constexpr int kSigBlock = 0;
inline constexpr int kSigUnblock = 1;
inline constexpr int kSigSetMask = 2;

// ---------------------------------------------------------------------------
// struct k_sigaction as rt_sigaction(2) passes it on x86-64
// (arch/x86/include/uapi/asm/signal.h, `struct sigaction` for !__i386__).
// glibc's and musl's user-level struct sigaction differ (128-byte mask); the
// libcs convert. 32 bytes.

inline constexpr uint64_t kSigDfl = 0;
inline constexpr uint64_t kSigIgn = 1;

inline constexpr uint64_t kSaNoCldStop = 0x00000001;
inline constexpr uint64_t kSaNoCldWait = 0x00000002;
inline constexpr uint64_t kSaSigInfo = 0x00000004;
inline constexpr uint64_t kSaUnsupported = 0x00000400;  // never accepted: a probe bit
inline constexpr uint64_t kSaExposeTagBits = 0x00000800;
inline constexpr uint64_t kSaRestorer = 0x04000000;
inline constexpr uint64_t kSaOnStack = 0x08000000;
inline constexpr uint64_t kSaRestart = 0x10000000;
inline constexpr uint64_t kSaNoDefer = 0x40000000;
inline constexpr uint64_t kSaResetHand = 0x80000000;
/// The flags rt_sigaction keeps; others are cleared on set and on read-back
/// (Linux >= 5.11: lets user space detect unsupported flags).
inline constexpr uint64_t kSaKnownFlags = kSaNoCldStop | kSaNoCldWait | kSaSigInfo |
                                          kSaExposeTagBits | kSaRestorer | kSaOnStack |
                                          kSaRestart | kSaNoDefer | kSaResetHand;

struct KSigAction {
  uint64_t handler = kSigDfl;  // kSigDfl, kSigIgn or a user address
  uint64_t flags = 0;
  uint64_t restorer = 0;       // user address of the code that calls rt_sigreturn
  SigSet mask = 0;             // blocked, in addition, while the handler runs
};
static_assert(sizeof(KSigAction) == 32);

// ---------------------------------------------------------------------------
// stack_t (sigaltstack(2)). 24 bytes.

inline constexpr int32_t kSsOnStack = 1;
inline constexpr int32_t kSsDisable = 2;
inline constexpr int32_t kSsAutoDisarm = static_cast<int32_t>(1u << 31);
/// The smallest alternate stack sigaltstack accepts (Linux's MINSIGSTKSZ for
/// the syscall; glibc's MINSIGSTKSZ macro may be larger).
inline constexpr uint64_t kMinSigStackSize = 2048;

struct StackT {
  uint64_t sp = 0;    // ss_sp: lowest address
  int32_t flags = kSsDisable;  // ss_flags
  int32_t pad = 0;
  uint64_t size = 0;  // ss_size
};
static_assert(sizeof(StackT) == 24);

/// Whether `sp` lies on the alternate stack `alt` (Linux's on_sig_stack: the
/// stack grows down, so sp == alt.sp + alt.size is on it and sp == alt.sp is
/// not). Always false with SS_AUTODISARM: a handler may then nest on it.
bool OnAltStack(const StackT& alt, uint64_t sp);
/// ss_flags as sigaltstack reports them and the frame's uc_stack records:
/// SS_DISABLE if none is set, SS_ONSTACK if `sp` is on it, otherwise 0; plus
/// SS_AUTODISARM if it was set.
int32_t AltStackFlags(const StackT& alt, uint64_t sp);

// ---------------------------------------------------------------------------
// siginfo_t (include/uapi/asm-generic/siginfo.h, x86-64): 128 bytes; the
// union starts at offset 16.

// si_code values for any signal.
inline constexpr int32_t kSiUser = 0;       // kill()
inline constexpr int32_t kSiKernel = 0x80;
inline constexpr int32_t kSiQueue = -1;     // sigqueue()
inline constexpr int32_t kSiTimer = -2;
inline constexpr int32_t kSiMesgq = -3;
inline constexpr int32_t kSiAsyncIo = -4;
inline constexpr int32_t kSiSigIo = -5;
inline constexpr int32_t kSiTkill = -6;     // tkill()/tgkill()
// SIGILL
inline constexpr int32_t kIllIllOpc = 1;
inline constexpr int32_t kIllIllOpn = 2;
inline constexpr int32_t kIllIllAdr = 3;
inline constexpr int32_t kIllIllTrp = 4;
inline constexpr int32_t kIllPrvOpc = 5;
inline constexpr int32_t kIllPrvReg = 6;
inline constexpr int32_t kIllCoproc = 7;
inline constexpr int32_t kIllBadStk = 8;
// SIGFPE
inline constexpr int32_t kFpeIntDiv = 1;
inline constexpr int32_t kFpeIntOvf = 2;
inline constexpr int32_t kFpeFltDiv = 3;
inline constexpr int32_t kFpeFltOvf = 4;
inline constexpr int32_t kFpeFltUnd = 5;
inline constexpr int32_t kFpeFltRes = 6;
inline constexpr int32_t kFpeFltInv = 7;
inline constexpr int32_t kFpeFltSub = 8;
// SIGSEGV
inline constexpr int32_t kSegvMapErr = 1;
inline constexpr int32_t kSegvAccErr = 2;
// SIGBUS
inline constexpr int32_t kBusAdrAln = 1;
inline constexpr int32_t kBusAdrErr = 2;
inline constexpr int32_t kBusObjErr = 3;
// SIGTRAP
inline constexpr int32_t kTrapBrkpt = 1;
inline constexpr int32_t kTrapTrace = 2;
// SIGCHLD (see wait_status.h)
inline constexpr int32_t kCldExited = 1;
inline constexpr int32_t kCldKilled = 2;
inline constexpr int32_t kCldDumped = 3;
inline constexpr int32_t kCldTrapped = 4;
inline constexpr int32_t kCldStopped = 5;
inline constexpr int32_t kCldContinued = 6;

struct SigInfo {
  int32_t signo = 0;   // si_signo
  int32_t err = 0;     // si_errno
  int32_t code = 0;    // si_code
  int32_t pad = 0;
  union {
    struct {           // kill(), tgkill()
      int32_t pid;
      uint32_t uid;
    } kill;
    struct {           // POSIX.1b timers
      int32_t tid;
      int32_t overrun;
      uint64_t value;  // union sigval
    } timer;
    struct {           // sigqueue()
      int32_t pid;
      uint32_t uid;
      uint64_t value;  // union sigval
    } rt;
    struct {           // SIGCHLD
      int32_t pid;
      uint32_t uid;
      int32_t status;  // exit code or signal
      int32_t pad;
      int64_t utime;   // clock ticks
      int64_t stime;
    } child;
    struct {           // SIGILL, SIGFPE, SIGSEGV, SIGBUS, SIGTRAP
      uint64_t addr;
      int16_t addr_lsb;
      int16_t pad[3];
      uint64_t lower;  // SEGV_BNDERR; si_pkey (u32) overlays `lower` for SEGV_PKUERR
      uint64_t upper;
    } fault;
    struct {           // SIGPOLL
      int64_t band;
      int32_t fd;
    } poll;
    struct {           // SIGSYS (seccomp)
      uint64_t call_addr;
      int32_t syscall;
      uint32_t arch;
    } sys;
    uint8_t raw[112] = {};
  };

  /// A signal from kill() (SI_USER) or tgkill() (SI_TKILL) by `pid`/`uid`.
  static SigInfo FromKill(int signo, int32_t pid, uint32_t uid, int32_t code = kSiUser);
  /// A signal the kernel raises on its own (SI_KERNEL), e.g. SIGPIPE.
  static SigInfo FromKernel(int signo);
  /// A fault signal for the instruction that touched `addr`.
  static SigInfo FromFault(int signo, int32_t code, uint64_t addr);
};
static_assert(sizeof(SigInfo) == 128);
static_assert(offsetof(SigInfo, raw) == 16);

/// The check rt_sigqueueinfo/rt_tgsigqueueinfo apply to a user-made siginfo:
/// to another process, si_code must be negative and not SI_TKILL (no faking
/// kernel or kill() signals). Errors: kPermission.
kstd::Result<void> CheckUserSigInfo(const SigInfo& info, bool to_self);

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
    SigInfo info;
  };

  /// Adds `info.signo` (see the file comment). `*budget_used` counts entries
  /// against kMaxQueuedSignals. Errors: kAgain (realtime queue overflow).
  kstd::Result<void> Add(const SigInfo& info, uint32_t* budget_used);
  /// Removes one instance of `signo` (its oldest entry) into *info.
  void Take(int signo, SigInfo* info, uint32_t* budget_used);
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
  SigInfo info;
  /// For kHandler: the action as it was when the signal was taken (with
  /// SA_RESETHAND the installed action is already back to SIG_DFL).
  KSigAction action;
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
  const StackT& alt_stack() const { return alt_stack_; }
  /// sigaltstack(ss, old) with the interrupted user stack pointer `sp`:
  /// installs *ss (if not null) and reports the previous stack in *old (if
  /// not null; only on success, as Linux copies it out). Errors: kPermission (sp is on the current alternate stack),
  /// kInvalid (ss_flags other than 0, SS_ONSTACK, SS_DISABLE, optionally
  /// with SS_AUTODISARM), kNoMemory (ss_size < kMinSigStackSize).
  kstd::Result<void> SigAltStack(const StackT* ss, StackT* old, uint64_t sp);
  /// rt_sigreturn's restore of uc_stack: as SigAltStack, but errors are
  /// ignored (as Linux does).
  void RestoreAltStack(const StackT& ss, uint64_t sp);

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

  kstd::Result<void> SetAltStack(const StackT* ss, uint64_t sp);

  ProcessSignals* const process_;
  PendingSignals pending_;
  SigSet blocked_ = 0;
  SigSet saved_mask_ = 0;
  bool has_saved_mask_ = false;
  StackT alt_stack_;
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
  kstd::Result<void> SetAction(int signo, const KSigAction* act, KSigAction* old);
  /// The installed action (signo 1..64).
  const KSigAction& action(int signo) const { return actions_[signo - 1]; }

  /// Sends a process-directed signal (kill(pid), kill of a process group).
  /// Applies the stop/continue rules (a stop signal discards pending SIGCONT,
  /// SIGCONT discards pending stop signals and resumes a stopped process),
  /// discards an ignored signal unless the main thread blocks it, and picks a
  /// thread to wake (the main thread if it does not block the signal).
  /// `force` is for the kernel's own signals: it lets SIGKILL/SIGSTOP reach
  /// an unkillable process (init).
  /// Errors: kInvalid (bad signo), kAgain (realtime queue overflow and the
  /// signal was not sent by kill(): see the file comment).
  kstd::Result<SendResult> Send(const SigInfo& info, bool force = false);
  /// Sends a thread-directed signal (tkill/tgkill/rt_tgsigqueueinfo) to
  /// `thread`, one of this process's threads. Same rules and errors as Send.
  kstd::Result<SendResult> SendToThread(ThreadSignals& thread, const SigInfo& info,
                                        bool force = false);
  /// Raises a synchronous fault signal (SIGSEGV, SIGILL, ...) in `thread`: if
  /// the thread blocks it or the process ignores it, the action is reset to
  /// SIG_DFL and the signal unblocked, so a fault is never ignored and never
  /// loops; with SIG_DFL the process also loses its unkillable mark.
  SendResult ForceFault(ThreadSignals& thread, const SigInfo& info);
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
  kstd::Result<SendResult> SendLocked(ThreadSignals* thread, const SigInfo& info, bool force);
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

  KSigAction actions_[kNumSignals];
  PendingSignals shared_;
  uint32_t budget_used_ = 0;
  bool stopped_ = false;
  int stop_signo_ = 0;
  bool exiting_ = false;
  bool unkillable_ = false;
  kstd::IntrusiveList<ThreadSignals, &ThreadSignals::process_node> threads_;
};

}  // namespace core::posix
