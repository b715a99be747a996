// Linux signal calls: rt_sigaction, rt_sigprocmask, rt_sigreturn, kill,
// tkill, tgkill, rt_sigqueueinfo, rt_sigpending, rt_sigsuspend, pause,
// sigaltstack.

#include "abi/linux/signal.h"
#include "core/posix/signals.h"
#include "core/proc/linux_thread.h"
#include "core/proc/signal_delivery.h"
#include "core/proc/signals.h"
#include "core/syscall/pid_view.h"
#include "core/syscall/sys_common.h"

namespace core::syscall {
namespace {

posix::ThreadSignals* ThreadState() { return SignalsOf(CurrentThread()); }

// The sender's pid is a kernel id here: each receiver gets it as its PID
// namespace numbers it (core/proc/signals.h's SendSignal).
linux_abi::SigInfo KillInfo(int signo, int32_t code = linux_abi::kSiUser) {
  return linux_abi::SigInfo::FromKill(signo, static_cast<int32_t>(CurrentProcess()->pid()), 0,
                                      code);
}

// Blocks until a signal interrupts the thread; returns the restart code.
kstd::Error SleepUntilSignal() {
  sched::PrepareToBlock();
  for (;;) {
    if (sched::Block(sched::kNoDeadline) == sched::WakeReason::kInterrupted) {
      return kstd::Error::kRestartNoHand;
    }
  }
}

}  // namespace

kstd::Result<uint64_t> SysLinuxRtSigaction(int32_t signo, UserPtr<const linux_abi::KSigAction> act,
                                           UserPtr<linux_abi::KSigAction> oldact,
                                           uint64_t sigsetsize) {
  if (posix::CheckSigSetSize(sigsetsize).is_error()) return kstd::Error::kInvalid;
  linux_abi::KSigAction new_action, old_action;
  if (act.address() != 0 && act.CopyIn(&new_action).is_error()) return kstd::Error::kFault;
  Process* p = CurrentProcess();
  {
    SpinLockGuard guard(p->signal_lock());
    TRY(p->signals().SetAction(signo, act.address() != 0 ? &new_action : nullptr, &old_action));
  }
  if (oldact.address() != 0 && oldact.CopyOut(&old_action).is_error()) return kstd::Error::kFault;
  return 0;
}

kstd::Result<uint64_t> SysLinuxRtSigprocmask(int32_t how, UserPtr<const uint64_t> set,
                                             UserPtr<uint64_t> oldset, uint64_t sigsetsize) {
  if (posix::CheckSigSetSize(sigsetsize).is_error()) return kstd::Error::kInvalid;
  posix::SigSet in = 0;
  if (set.address() != 0 && set.CopyIn(&in).is_error()) return kstd::Error::kFault;
  posix::SigSet old;
  Process* p = CurrentProcess();
  {
    SpinLockGuard guard(p->signal_lock());
    auto r = TRY(ThreadState()->ProcMask(how, set.address() != 0 ? &in : nullptr));
    old = r;
    // Unblocking may make a pending signal deliverable on the way out.
    if (ThreadState()->HasDeliverable()) CurrentThread()->interrupt_pending_ = true;
  }
  if (oldset.address() != 0 && oldset.CopyOut(&old).is_error()) return kstd::Error::kFault;
  return 0;
}

kstd::Result<uint64_t> SysLinuxRtSigreturn() {
  hal::UserFrame* frame = hal::CurrentUserFrame();
  TRY(SigReturn(frame));
  // The restored rax is the interrupted code's: the dispatcher must not
  // overwrite it with a result.
  CurrentThread()->interrupt_pending_ = true;  // the restored mask may unblock something
  return frame->rax;
}

kstd::Result<uint64_t> SysLinuxKill(int32_t pid, int32_t signo) {
  if (signo < 0 || signo > linux_abi::kNumSignals) return kstd::Error::kInvalid;
  linux_abi::SigInfo info = KillInfo(signo);
  Process* self = CurrentProcess();
  const posix::Credentials cred = self->credentials();
  const SignalSender sender{&cred, self->sid(), self->pid()};
  // Pids and groups are the caller's namespace's numbers; one it cannot
  // see is no process (ESRCH).
  kstd::Result<void> r = kstd::Ok();
  if (pid > 0) {
    const uint64_t target = PidFromUser(pid);
    if (target == 0) return kstd::Error::kSearch;
    r = SendSignalToProcess(target, signo, info, &sender);
  } else if (pid == 0) {
    r = SendSignalToGroup(self->pgid(), signo, info, &sender);
  } else if (pid == -1) {
    // Every process of the caller's PID namespace except its init and the
    // caller that the caller may signal (none of them: still success, as
    // Linux).
    struct All {
      uint64_t self;
      const PidNamespace* ns;
      int sent = 0;
    } all{self->pid(), self->pid_namespace()};
    Process::ForEach(
        [](Process* p, void* c) {
          auto* a = static_cast<All*>(c);
          if (p->PidIn(a->ns) > 1 && p->pid() != a->self && !p->terminated()) ++a->sent;
        },
        &all);
    for (uint64_t target = 2;; ++target) {
      // Walk pids outside the table lock (sending takes other locks).
      kstd::RefPtr<Process> p = Process::FindByPid(target);
      if (target > 1 << 22) break;
      if (!p) {
        if (all.sent == 0) break;
        continue;
      }
      if (p->PidIn(all.ns) <= 1 || p->pid() == self->pid() || p->terminated()) continue;
      if (MaySignalProcess(&sender, p.get(), signo)) SendSignal(p.get(), signo, info);
      if (--all.sent == 0) break;
    }
  } else {
    const uint64_t group = PidFromUser(-static_cast<int64_t>(pid));
    if (group == 0) return kstd::Error::kSearch;
    r = SendSignalToGroup(group, signo, info, &sender);
  }
  if (r.is_error()) return r.error();
  // A signal to ourselves is taken before kill returns.
  if (CurrentThread()->interrupt_pending_) return 0;
  return 0;
}

kstd::Result<uint64_t> SysLinuxTgkill(int32_t tgid, int32_t tid, int32_t signo) {
  if (tgid <= 0 || tid <= 0 || signo < 0 || signo > linux_abi::kNumSignals)
    return kstd::Error::kInvalid;
  const posix::Credentials cred = CurrentProcess()->credentials();
  const SignalSender sender{&cred, CurrentProcess()->sid(), CurrentProcess()->pid()};
  const uint64_t process = PidFromUser(tgid), thread = PidFromUser(tid);
  if (process == 0 || thread == 0) return kstd::Error::kSearch;
  TRY(SendSignalToThread(process, thread, signo, KillInfo(signo, linux_abi::kSiTkill), &sender));
  return 0;
}

kstd::Result<uint64_t> SysLinuxTkill(int32_t tid, int32_t signo) {
  if (tid <= 0 || signo < 0 || signo > linux_abi::kNumSignals) return kstd::Error::kInvalid;
  const posix::Credentials cred = CurrentProcess()->credentials();
  const SignalSender sender{&cred, CurrentProcess()->sid(), CurrentProcess()->pid()};
  const uint64_t thread = PidFromUser(tid);
  if (thread == 0) return kstd::Error::kSearch;
  TRY(SendSignalToThread(0, thread, signo, KillInfo(signo, linux_abi::kSiTkill), &sender));
  return 0;
}

kstd::Result<uint64_t> SysLinuxRtSigqueueinfo(int32_t pid, int32_t signo,
                                              UserPtr<const linux_abi::SigInfo> info) {
  linux_abi::SigInfo si;
  TRY(info.CopyIn(&si));
  si.signo = signo;  // as Linux: the argument wins
  if (signo < 0 || signo > linux_abi::kNumSignals) return kstd::Error::kInvalid;
  const uint64_t target = PidFromUser(pid);  // 0: none the caller can see
  bool to_self = target != 0 && target == CurrentProcess()->pid();
  TRY(posix::CheckUserSigInfo(si, to_self));
  if (target == 0) return kstd::Error::kSearch;
  const posix::Credentials cred = CurrentProcess()->credentials();
  const SignalSender sender{&cred, CurrentProcess()->sid(), CurrentProcess()->pid()};
  TRY(SendSignalToProcess(target, signo, si, &sender));
  return 0;
}

kstd::Result<uint64_t> SysLinuxRtSigpending(UserPtr<uint64_t> set, uint64_t sigsetsize) {
  if (sigsetsize > 8) return kstd::Error::kInvalid;
  posix::SigSet pending;
  {
    SpinLockGuard guard(CurrentProcess()->signal_lock());
    pending = ThreadState()->PendingBlocked();
  }
  TRY(set.CopyOut(&pending));
  return 0;
}

kstd::Result<uint64_t> SysLinuxRtSigsuspend(UserPtr<const uint64_t> mask, uint64_t sigsetsize) {
  if (posix::CheckSigSetSize(sigsetsize).is_error()) return kstd::Error::kInvalid;
  posix::SigSet m;
  TRY(mask.CopyIn(&m));
  {
    SpinLockGuard guard(CurrentProcess()->signal_lock());
    ThreadState()->SetTemporaryMask(m);
    if (ThreadState()->HasDeliverable()) {
      CurrentThread()->interrupt_pending_ = true;
      return kstd::Error::kRestartNoHand;
    }
  }
  return SleepUntilSignal();
}

kstd::Result<uint64_t> SysLinuxPause() {
  {
    SpinLockGuard guard(CurrentProcess()->signal_lock());
    if (ThreadState()->HasDeliverable()) {
      CurrentThread()->interrupt_pending_ = true;
      return kstd::Error::kRestartNoHand;
    }
  }
  return SleepUntilSignal();
}

kstd::Result<uint64_t> SysLinuxSigaltstack(UserPtr<const linux_abi::StackT> ss,
                                           UserPtr<linux_abi::StackT> old) {
  linux_abi::StackT in, out;
  if (ss.address() != 0 && ss.CopyIn(&in).is_error()) return kstd::Error::kFault;
  kstd::Result<void> r = kstd::Ok();
  {
    SpinLockGuard guard(CurrentProcess()->signal_lock());
    r = ThreadState()->SigAltStack(ss.address() != 0 ? &in : nullptr, &out,
                                   hal::UserSp(hal::CurrentUserFrame()));
  }
  if (r.is_error()) return r.error();
  if (old.address() != 0 && old.CopyOut(&out).is_error()) return kstd::Error::kFault;
  return 0;
}

}  // namespace core::syscall
