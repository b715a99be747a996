#include "core/posix/signals.h"

#include "abi/linux/signal.h"
#include "kstd/new.h"

namespace core::posix {
namespace {

struct SignalInfoEntry {
  const char* name;
  DefaultAction action;
};

// signal(7), Linux x86-64.
constexpr SignalInfoEntry kStandardSignals[32] = {
    {"SIG?", DefaultAction::kIgnore},         {"SIGHUP", DefaultAction::kTerminate},
    {"SIGINT", DefaultAction::kTerminate},    {"SIGQUIT", DefaultAction::kCoreDump},
    {"SIGILL", DefaultAction::kCoreDump},     {"SIGTRAP", DefaultAction::kCoreDump},
    {"SIGABRT", DefaultAction::kCoreDump},    {"SIGBUS", DefaultAction::kCoreDump},
    {"SIGFPE", DefaultAction::kCoreDump},     {"SIGKILL", DefaultAction::kTerminate},
    {"SIGUSR1", DefaultAction::kTerminate},   {"SIGSEGV", DefaultAction::kCoreDump},
    {"SIGUSR2", DefaultAction::kTerminate},   {"SIGPIPE", DefaultAction::kTerminate},
    {"SIGALRM", DefaultAction::kTerminate},   {"SIGTERM", DefaultAction::kTerminate},
    {"SIGSTKFLT", DefaultAction::kTerminate}, {"SIGCHLD", DefaultAction::kIgnore},
    {"SIGCONT", DefaultAction::kContinue},    {"SIGSTOP", DefaultAction::kStop},
    {"SIGTSTP", DefaultAction::kStop},        {"SIGTTIN", DefaultAction::kStop},
    {"SIGTTOU", DefaultAction::kStop},        {"SIGURG", DefaultAction::kIgnore},
    {"SIGXCPU", DefaultAction::kCoreDump},    {"SIGXFSZ", DefaultAction::kCoreDump},
    {"SIGVTALRM", DefaultAction::kTerminate}, {"SIGPROF", DefaultAction::kTerminate},
    {"SIGWINCH", DefaultAction::kIgnore},     {"SIGIO", DefaultAction::kTerminate},
    {"SIGPWR", DefaultAction::kTerminate},    {"SIGSYS", DefaultAction::kCoreDump},
};

// "SIGRTMIN", "SIGRTMIN+1" .. "SIGRTMIN+32" (= SIGRTMAX, signal 64).
constexpr const char* kRealtimeNames[33] = {
    "SIGRTMIN",    "SIGRTMIN+1",  "SIGRTMIN+2",  "SIGRTMIN+3",  "SIGRTMIN+4",  "SIGRTMIN+5",
    "SIGRTMIN+6",  "SIGRTMIN+7",  "SIGRTMIN+8",  "SIGRTMIN+9",  "SIGRTMIN+10", "SIGRTMIN+11",
    "SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14", "SIGRTMIN+15", "SIGRTMIN+16", "SIGRTMIN+17",
    "SIGRTMIN+18", "SIGRTMIN+19", "SIGRTMIN+20", "SIGRTMIN+21", "SIGRTMIN+22", "SIGRTMIN+23",
    "SIGRTMIN+24", "SIGRTMIN+25", "SIGRTMIN+26", "SIGRTMIN+27", "SIGRTMIN+28", "SIGRTMIN+29",
    "SIGRTMIN+30", "SIGRTMIN+31", "SIGRTMAX",
};

bool IsDefaultIgnored(int signo) {
  DefaultAction action = DefaultActionOf(signo);
  return action == DefaultAction::kIgnore || action == DefaultAction::kContinue;
}

bool HandlerIgnores(uint64_t handler, int signo) {
  return handler == linux_abi::kSigIgn ||
         (handler == linux_abi::kSigDfl && IsDefaultIgnored(signo));
}

// The next signal to take from `pending` & ~blocked: synchronous ones first,
// then the lowest. 0 if none.
int NextSignal(SigSet pending, SigSet blocked) {
  SigSet ready = pending & ~blocked;
  if (ready & kSynchronousSignals) ready &= kSynchronousSignals;
  return SigSetLowest(ready);
}

}  // namespace

DefaultAction DefaultActionOf(int signo) {
  if (signo >= 1 && signo < linux_abi::kSigRtMinKernel) return kStandardSignals[signo].action;
  if (IsRealtimeSignal(signo)) return DefaultAction::kTerminate;
  return DefaultAction::kIgnore;
}

const char* SignalName(int signo) {
  if (signo >= 1 && signo < linux_abi::kSigRtMinKernel) return kStandardSignals[signo].name;
  if (IsRealtimeSignal(signo)) return kRealtimeNames[signo - linux_abi::kSigRtMinKernel];
  return "SIG?";
}

kstd::Result<void> CheckSigSetSize(uint64_t sigsetsize) {
  if (sigsetsize != sizeof(SigSet)) return kstd::Error::kInvalid;
  return kstd::Ok();
}

bool OnAltStack(const linux_abi::StackT& alt, uint64_t sp) {
  if (alt.flags & linux_abi::kSsAutoDisarm) return false;
  return sp > alt.sp && sp - alt.sp <= alt.size;
}

int32_t AltStackFlags(const linux_abi::StackT& alt, uint64_t sp) {
  int32_t disarm = alt.flags & linux_abi::kSsAutoDisarm;
  if (alt.size == 0) return linux_abi::kSsDisable | disarm;
  return (OnAltStack(alt, sp) ? linux_abi::kSsOnStack : 0) | disarm;
}

kstd::Result<void> CheckUserSigInfo(const linux_abi::SigInfo& info, bool to_self) {
  if (!to_self && (info.code >= 0 || info.code == linux_abi::kSiTkill)) {
    return kstd::Error::kPermission;
  }
  return kstd::Ok();
}

// --- PendingSignals ---------------------------------------------------------

PendingSignals::~PendingSignals() {
  while (Entry* entry = queue_.PopFront()) delete entry;
}

kstd::Result<void> PendingSignals::Add(const linux_abi::SigInfo& info, uint32_t* budget_used) {
  const int signo = info.signo;
  // Standard signals coalesce: the first siginfo is the one kept.
  if (!IsRealtimeSignal(signo) && (set_ & SigMask(signo))) return kstd::Ok();
  Entry* entry = nullptr;
  // Standard signals from the kernel or kill() may exceed the budget (they
  // coalesce, so a set holds at most 31 of them); the others may not.
  bool over_budget_ok = !IsRealtimeSignal(signo) && info.code >= 0;
  if (signo != linux_abi::kSigKill && (over_budget_ok || *budget_used < kMaxQueuedSignals)) {
    entry = new (kstd::nothrow) Entry;
  }
  if (entry != nullptr) {
    entry->info = info;
    queue_.PushBack(entry);
    ++*budget_used;
  } else if (IsRealtimeSignal(signo) && info.code != linux_abi::kSiUser) {
    // A queued signal that cannot be queued: sigqueue() learns it.
    return kstd::Error::kAgain;
  }
  // Otherwise the signal is still sent, without its siginfo.
  set_ |= SigMask(signo);
  return kstd::Ok();
}

void PendingSignals::Take(int signo, linux_abi::SigInfo* info, uint32_t* budget_used) {
  Entry* entry = queue_.FindIf([signo](Entry* e) { return e->info.signo == signo; });
  if (entry != nullptr) {
    *info = entry->info;
    queue_.Remove(entry);
    delete entry;
    --*budget_used;
  } else {
    // Pending without an entry (SIGKILL, or out of queue space).
    *info = linux_abi::SigInfo();
    info->signo = signo;
    info->code = linux_abi::kSiUser;
  }
  bool more = queue_.FindIf([signo](Entry* e) { return e->info.signo == signo; }) != nullptr;
  if (!more) set_ &= ~SigMask(signo);
}

void PendingSignals::Discard(SigSet signals, uint32_t* budget_used) {
  if ((set_ & signals) == 0) return;
  set_ &= ~signals;
  while (Entry* entry = queue_.FindIf(
             [signals](Entry* e) { return (SigMask(e->info.signo) & signals) != 0; })) {
    queue_.Remove(entry);
    delete entry;
    --*budget_used;
  }
}

// --- ThreadSignals ----------------------------------------------------------

ThreadSignals::ThreadSignals(ProcessSignals& process) : process_(&process) {
  process.threads_.PushBack(this);
}

ThreadSignals::~ThreadSignals() {
  pending_.Discard(kAllSignals, &process_->budget_used_);
  process_->threads_.Remove(this);
}

void ThreadSignals::SetBlocked(SigSet mask) { blocked_ = mask & ~kUnblockableSignals; }

kstd::Result<SigSet> ThreadSignals::ProcMask(int how, const SigSet* set) {
  SigSet old = blocked_;
  if (set == nullptr) return old;
  switch (how) {
    case linux_abi::kSigBlock: SetBlocked(blocked_ | *set); break;
    case linux_abi::kSigUnblock: SetBlocked(blocked_ & ~*set); break;
    case linux_abi::kSigSetMask: SetBlocked(*set); break;
    default: return kstd::Error::kInvalid;
  }
  return old;
}

SigSet ThreadSignals::PendingBlocked() const {
  return (pending_.set() | process_->shared_.set()) & blocked_;
}

bool ThreadSignals::HasDeliverable() const {
  return ((pending_.set() | process_->shared_.set()) & ~blocked_) != 0;
}

void ThreadSignals::SetTemporaryMask(SigSet mask) {
  if (!has_saved_mask_) {
    saved_mask_ = blocked_;
    has_saved_mask_ = true;
  }
  SetBlocked(mask);
}

void ThreadSignals::RestoreSavedMask() {
  if (!has_saved_mask_) return;
  has_saved_mask_ = false;
  SetBlocked(saved_mask_);
}

kstd::Result<void> ThreadSignals::SigAltStack(const linux_abi::StackT* ss, linux_abi::StackT* old,
                                              uint64_t sp) {
  linux_abi::StackT current;
  current.sp = alt_stack_.sp;
  current.size = alt_stack_.size;
  current.flags = AltStackFlags(alt_stack_, sp);
  TRY(SetAltStack(ss, sp));
  if (old != nullptr) *old = current;
  return kstd::Ok();
}

kstd::Result<void> ThreadSignals::SetAltStack(const linux_abi::StackT* ss, uint64_t sp) {
  if (ss == nullptr) return kstd::Ok();
  if (OnAltStack(alt_stack_, sp)) return kstd::Error::kPermission;
  int32_t mode = ss->flags & ~linux_abi::kSsAutoDisarm;
  if (mode != 0 && mode != linux_abi::kSsOnStack && mode != linux_abi::kSsDisable) {
    return kstd::Error::kInvalid;
  }
  linux_abi::StackT next;
  next.flags = ss->flags;
  if (mode == linux_abi::kSsDisable) {
    next.sp = 0;
    next.size = 0;
  } else {
    if (ss->size < linux_abi::kMinSigStackSize) return kstd::Error::kNoMemory;
    next.sp = ss->sp;
    next.size = ss->size;
  }
  alt_stack_ = next;
  return kstd::Ok();
}

void ThreadSignals::RestoreAltStack(const linux_abi::StackT& ss, uint64_t sp) {
  (void)SigAltStack(&ss, nullptr, sp);
}

Delivery ThreadSignals::Dequeue(bool pgrp_orphaned) {
  ProcessSignals& proc = *process_;
  for (;;) {
    Delivery d;
    // A synchronous fault of this thread first, then the thread's signals,
    // then the process's.
    int signo = NextSignal(pending_.set() & kSynchronousSignals, blocked_);
    PendingSignals* from = &pending_;
    if (signo == 0) signo = NextSignal(pending_.set(), blocked_);
    if (signo == 0) {
      signo = NextSignal(proc.shared_.set(), blocked_);
      from = &proc.shared_;
    }
    if (signo == 0) return d;
    from->Take(signo, &d.info, &proc.budget_used_);
    d.signo = signo;

    linux_abi::KSigAction& action = proc.actions_[signo - 1];
    if (action.handler == linux_abi::kSigIgn) continue;
    if (action.handler != linux_abi::kSigDfl) {
      d.kind = Delivery::Kind::kHandler;
      d.action = action;
      if (action.flags & linux_abi::kSaResetHand) action.handler = linux_abi::kSigDfl;
      return d;
    }
    switch (DefaultActionOf(signo)) {
      case DefaultAction::kIgnore:
      case DefaultAction::kContinue:  // its effect happened when it was sent
        continue;
      case DefaultAction::kStop:
        if (proc.unkillable_ && signo != linux_abi::kSigStop) continue;
        if (signo != linux_abi::kSigStop && pgrp_orphaned) continue;
        d.kind = Delivery::Kind::kStop;
        return d;
      case DefaultAction::kTerminate:
      case DefaultAction::kCoreDump:
        // init only dies of what cannot be caught (and only if forced in).
        if (proc.unkillable_ && signo != linux_abi::kSigKill) continue;
        d.kind = DefaultActionOf(signo) == DefaultAction::kCoreDump ? Delivery::Kind::kCoreDump
                                                                    : Delivery::Kind::kTerminate;
        return d;
    }
  }
}

SigSet ThreadSignals::PendingIn(SigSet mask) const {
  return (pending_.set() | process_->shared_.set()) & mask;
}

bool ThreadSignals::TakeFromMask(SigSet mask, linux_abi::SigInfo* info) {
  ProcessSignals& proc = *process_;
  PendingSignals* from = &pending_;
  int signo = NextSignal(pending_.set() & mask, 0);
  if (signo == 0) {
    from = &proc.shared_;
    signo = NextSignal(proc.shared_.set() & mask, 0);
  }
  if (signo == 0) return false;
  from->Take(signo, info, &proc.budget_used_);
  return true;
}

void ThreadSignals::CommitHandler(const Delivery& delivery) {
  SigSet mask = blocked_ | delivery.action.mask;
  if (!(delivery.action.flags & linux_abi::kSaNoDefer)) mask |= SigMask(delivery.signo);
  has_saved_mask_ = false;
  SetBlocked(mask);
  if (alt_stack_.flags & linux_abi::kSsAutoDisarm) alt_stack_ = linux_abi::StackT();
}

void ThreadSignals::InheritFrom(const ThreadSignals& creator, bool keep_alt_stack) {
  blocked_ = creator.blocked_;
  alt_stack_ = keep_alt_stack ? creator.alt_stack_ : linux_abi::StackT();
}

void ThreadSignals::ResetForExec() { alt_stack_ = linux_abi::StackT(); }

// --- ProcessSignals ---------------------------------------------------------

ProcessSignals::~ProcessSignals() { shared_.Discard(kAllSignals, &budget_used_); }

kstd::Result<void> ProcessSignals::SetAction(int signo, const linux_abi::KSigAction* act,
                                             linux_abi::KSigAction* old) {
  if (!IsValidSignal(signo)) return kstd::Error::kInvalid;
  if (act != nullptr && (kUnblockableSignals & SigMask(signo))) return kstd::Error::kInvalid;
  linux_abi::KSigAction& slot = actions_[signo - 1];
  if (old != nullptr) {
    *old = slot;
    old->flags &= kSaKnownFlags;
  }
  if (act == nullptr) return kstd::Ok();
  slot = *act;
  slot.flags &= kSaKnownFlags;
  slot.mask &= ~kUnblockableSignals;
  if (HandlerIgnores(slot.handler, signo)) DiscardEverywhere(SigMask(signo));
  return kstd::Ok();
}

bool ProcessSignals::IsIgnored(int signo) const {
  return IsValidSignal(signo) && HandlerIgnores(actions_[signo - 1].handler, signo);
}

bool ProcessSignals::WantsChildStopSignals() const {
  return !(actions_[linux_abi::kSigChld - 1].flags & linux_abi::kSaNoCldStop);
}

bool ProcessSignals::AutoReapsChildren() const {
  const linux_abi::KSigAction& chld = actions_[linux_abi::kSigChld - 1];
  return chld.handler == linux_abi::kSigIgn || (chld.flags & linux_abi::kSaNoCldWait);
}

void ProcessSignals::EnterStop(int signo) {
  stopped_ = true;
  stop_signo_ = signo;
}

void ProcessSignals::InheritFrom(const ProcessSignals& parent) {
  for (int i = 0; i < linux_abi::kNumSignals; ++i) actions_[i] = parent.actions_[i];
}

void ProcessSignals::ResetForExec() {
  for (linux_abi::KSigAction& action : actions_) {
    if (action.handler != linux_abi::kSigIgn) action.handler = linux_abi::kSigDfl;
    action.flags = 0;
    action.restorer = 0;
    action.mask = 0;
  }
}

void ProcessSignals::DiscardEverywhere(SigSet signals) {
  shared_.Discard(signals, &budget_used_);
  threads_.ForEach(
      [this, signals](ThreadSignals* t) { t->pending_.Discard(signals, &budget_used_); });
}

bool ProcessSignals::IgnoredForSend(int signo, bool force) const {
  uint64_t handler = actions_[signo - 1].handler;
  if (unkillable_ && handler == linux_abi::kSigDfl &&
      !(force && (kUnblockableSignals & SigMask(signo)))) {
    return true;
  }
  // SIGKILL/SIGSTOP cannot have another action, so they are never ignored here.
  return HandlerIgnores(handler, signo);
}

bool ProcessSignals::Prepare(int signo, SigSet blocked, bool force, SendResult* result) {
  if (exiting_) return false;
  if (kStopSignals & SigMask(signo)) {
    DiscardEverywhere(SigMask(linux_abi::kSigCont));
  } else if (signo == linux_abi::kSigCont) {
    DiscardEverywhere(kStopSignals);
    if (stopped_) {
      stopped_ = false;
      stop_signo_ = 0;
      result->continued = true;
    }
  } else if (signo == linux_abi::kSigKill && stopped_) {
    // SIGKILL ends a stopped process without continuing it first (no
    // SIGCHLD/CLD_CONTINUED): the stop simply ends so the kill is taken.
    stopped_ = false;
    stop_signo_ = 0;
  }
  // A blocked signal is kept even if ignored now: the action may change
  // before it is unblocked.
  if (blocked & SigMask(signo)) return true;
  return !IgnoredForSend(signo, force);
}

ThreadSignals* ProcessSignals::PickThread(int signo, ThreadSignals* first) const {
  if (first != nullptr && !(first->blocked_ & SigMask(signo))) return first;
  return threads_.FindIf([signo](ThreadSignals* t) { return !(t->blocked_ & SigMask(signo)); });
}

kstd::Result<SendResult> ProcessSignals::SendLocked(ThreadSignals* thread,
                                                    const linux_abi::SigInfo& info, bool force) {
  const int signo = info.signo;
  if (!IsValidSignal(signo)) return kstd::Error::kInvalid;
  SendResult result;
  ThreadSignals* receiver = thread != nullptr ? thread : MainThread();
  SigSet blocked = receiver != nullptr ? receiver->blocked_ : 0;
  if (!Prepare(signo, blocked, force, &result)) return result;

  PendingSignals& pending = thread != nullptr ? thread->pending_ : shared_;
  bool was_pending = pending.set() & SigMask(signo);
  TRY(pending.Add(info, &budget_used_));
  result.queued = IsRealtimeSignal(signo) || !was_pending;

  // Who takes it: the target thread only (thread-directed), or any thread
  // that does not block it (process-directed).
  if (thread != nullptr) {
    result.wake = (thread->blocked_ & SigMask(signo)) ? nullptr : thread;
  } else {
    result.wake = PickThread(signo, receiver);
  }
  if (result.wake != nullptr && actions_[signo - 1].handler == linux_abi::kSigDfl) {
    DefaultAction def = DefaultActionOf(signo);
    result.fatal = (def == DefaultAction::kTerminate || def == DefaultAction::kCoreDump) &&
                   !(unkillable_ && signo != linux_abi::kSigKill);
  }
  // SIGKILL ends the process whatever state its threads are in (a stopped
  // process too: it is resumed to die).
  if (signo == linux_abi::kSigKill) result.fatal = true;
  return result;
}

kstd::Result<SendResult> ProcessSignals::Send(const linux_abi::SigInfo& info, bool force) {
  return SendLocked(nullptr, info, force);
}

kstd::Result<SendResult> ProcessSignals::SendToThread(ThreadSignals& thread,
                                                      const linux_abi::SigInfo& info, bool force) {
  return SendLocked(&thread, info, force);
}

SendResult ProcessSignals::ForceFault(ThreadSignals& thread, const linux_abi::SigInfo& info) {
  const int signo = info.signo;
  linux_abi::KSigAction& action = actions_[signo - 1];
  bool blocked = thread.blocked_ & SigMask(signo);
  if (blocked || action.handler == linux_abi::kSigIgn) {
    action.handler = linux_abi::kSigDfl;
    if (blocked) thread.blocked_ &= ~SigMask(signo);
  }
  if (action.handler == linux_abi::kSigDfl) unkillable_ = false;
  // A fault signal is standard, so Add cannot fail (it is coalesced or kept
  // without its siginfo at worst).
  kstd::Result<SendResult> sent = SendLocked(&thread, info, /*force=*/true);
  return sent.ok() ? sent.value() : SendResult();
}

SendResult ProcessSignals::ForceSegvForBadFrame(ThreadSignals& thread, int failed_signo) {
  if (failed_signo == linux_abi::kSigSegv) {
    actions_[linux_abi::kSigSegv - 1].handler = linux_abi::kSigDfl;
  }
  return ForceFault(thread, linux_abi::SigInfo::FromKernel(linux_abi::kSigSegv));
}

}  // namespace core::posix
