#include "core/proc/signals.h"

#include "core/proc/core_dump_hook.h"

#include "abi/linux/signal.h"
#include "abi/linux/ucontext.h"
#include "core/kernel/log.h"
#include "core/posix/signal_frame.h"
#include "core/posix/wait_status.h"
#include "core/proc/linux_thread.h"
#include "core/proc/process.h"
#include "core/proc/signal_delivery.h"
#include "core/proc/thread_exit.h"
#include "core/sched/scheduler.h"
#include "hal/thread.h"
#include "hal/traps.h"
#include "kstd/new.h"

namespace core {
namespace {

struct InterruptRequest {
  posix::ThreadSignals* target;  // null: every thread
};

void InterruptThread(sched::Thread* t, void* context) {
  auto* req = static_cast<InterruptRequest*>(context);
  if (req->target != nullptr && SignalsOf(t) != req->target) return;
  t->interrupt_pending_ = true;
  sched::Wake(t, sched::WakeReason::kInterrupted);
}

// Resumes threads parked in a job-control stop.
void ResumeStopped(Process* p) { p->stop_waiters().WakeAll(); }

// Tells the parent about a child's stop or continuation (SIGCHLD and wait4).
void NotifyParentOfJobControl(Process* child, int code, int status_signo) {
  kstd::RefPtr<Process> parent = Process::FindByPid(child->parent_pid());
  if (!parent) return;
  bool wants;
  {
    SpinLockGuard guard(parent->signal_lock());
    wants = parent->signals().WantsChildStopSignals();
  }
  if (wants) {
    linux_abi::SigInfo info = linux_abi::SigInfo::FromKernel(linux_abi::kSigChld);
    info.code = code;
    info.child.pid = static_cast<int32_t>(child->pid());
    info.child.status = status_signo;
    SendSignal(parent.get(), linux_abi::kSigChld, info);
  }
  parent->NotifyChildEvent();
}

}  // namespace

namespace {

SignalQueuedHook g_signal_queued_hook = nullptr;  // atomic

// Acts on what a send did: resumes a stopped process for SIGCONT, and
// interrupts the thread that will take the signal (every thread for a fatal
// one); tells signalfd of a signal made pending.
void AfterSend(Process* p, int signo, const posix::SendResult& result) {
  if (result.queued) {
    SignalQueuedHook hook = __atomic_load_n(&g_signal_queued_hook, __ATOMIC_ACQUIRE);
    if (hook != nullptr) hook(signo);
  }
  if (result.continued) {
    {
      SpinLockGuard guard(p->signal_lock());
      p->job_control().stop_unreported = false;
      p->job_control().continue_unreported = true;
    }
    ResumeStopped(p);
    NotifyParentOfJobControl(p, linux_abi::kCldContinued, linux_abi::kSigCont);
  }
  if (result.fatal) {
    InterruptRequest all{nullptr};
    p->ForEachThread(InterruptThread, &all);
    ResumeStopped(p);
  } else if (result.wake != nullptr) {
    InterruptRequest one{result.wake};
    p->ForEachThread(InterruptThread, &one);
  }
}

}  // namespace

void SetSignalQueuedHook(SignalQueuedHook hook) {
  __atomic_store_n(&g_signal_queued_hook, hook, __ATOMIC_RELEASE);
}

namespace {

// `info` as `receiver` gets it: a kernel id in si_pid becomes the
// receiver's namespace's number for it.
linux_abi::SigInfo ForReceiver(const linux_abi::SigInfo& info, const Process* receiver) {
  linux_abi::SigInfo local = info;
  const bool carries_pid =
      info.code == linux_abi::kSiUser || info.code == linux_abi::kSiTkill ||
      (info.signo == linux_abi::kSigChld && info.code >= linux_abi::kCldExited &&
       info.code <= linux_abi::kCldContinued);
  if (carries_pid && info.kill.pid > 0) {
    local.kill.pid = static_cast<int32_t>(
        receiver->pid_namespace()->ToLocal(static_cast<uint64_t>(info.kill.pid)));
  }
  return local;
}

// A user sender the target's namespace cannot see: SIGKILL/SIGSTOP reach
// the namespace's init (see SignalSender).
bool FromOutside(const SignalSender* sender, const Process* target) {
  return sender != nullptr && sender->pid != 0 &&
         target->pid_namespace()->ToLocal(sender->pid) == 0;
}

}  // namespace

void SendSignal(Process* p, int signo, const linux_abi::SigInfo& info, bool force) {
  if (signo == 0 || p->terminated()) return;
  const linux_abi::SigInfo local = ForReceiver(info, p);
  kstd::Result<posix::SendResult> r = kstd::Error::kInvalid;
  {
    SpinLockGuard guard(p->signal_lock());
    r = p->signals().Send(local, force);
  }
  if (r.is_error()) return;
  AfterSend(p, signo, r.value());
}

bool MaySignalProcess(const SignalSender* sender, Process* target, int signo) {
  if (sender == nullptr) return true;
  if (posix::MaySignal(*sender->cred, target->credentials())) return true;
  return signo == linux_abi::kSigCont && target->sid() == sender->sid;
}

kstd::Result<void> SendSignalToThread(uint64_t tgid, uint64_t tid, int signo,
                                      const linux_abi::SigInfo& info, const SignalSender* sender) {
  if (signo < 0 || signo > linux_abi::kNumSignals) return kstd::Error::kInvalid;
  kstd::RefPtr<Process> p = tgid != 0 ? Process::FindByPid(tgid) : Process::FindByTid(tid);
  if (!p) return kstd::Error::kSearch;
  kstd::RefPtr<sched::Thread> t = p->FindThread(tid);
  if (!t) return kstd::Error::kSearch;
  if (!MaySignalProcess(sender, p.get(), signo)) return kstd::Error::kPermission;
  if (signo == 0) return kstd::Ok();
  kstd::Result<posix::SendResult> r = kstd::Error::kInvalid;
  {
    // The thread's signal state lives until its exit, which takes this lock.
    SpinLockGuard guard(p->signal_lock());
    auto* ts = SignalsOf(t);
    if (ts == nullptr) return kstd::Error::kSearch;  // it just exited
    r = p->signals().SendToThread(*ts, ForReceiver(info, p.get()), FromOutside(sender, p.get()));
  }
  if (r.is_error()) return r.error();  // kInvalid, kAgain (realtime queue full)
  AfterSend(p.get(), signo, r.value());
  return kstd::Ok();
}

kstd::Result<void> SendSignalToProcess(uint64_t pid, int signo, const linux_abi::SigInfo& info,
                                       const SignalSender* sender) {
  if (signo < 0 || signo > linux_abi::kNumSignals) return kstd::Error::kInvalid;
  kstd::RefPtr<Process> p = Process::FindByPid(pid);
  // Another thread's tid names its process too (Linux signals the group).
  if (!p) p = Process::FindByTid(pid);
  // A zombie exists until it is reaped: the signal succeeds and does nothing
  // (SendSignal ignores terminated processes), as on Linux.
  if (!p) return kstd::Error::kSearch;
  if (!MaySignalProcess(sender, p.get(), signo)) return kstd::Error::kPermission;
  SendSignal(p.get(), signo, info, FromOutside(sender, p.get()));
  return kstd::Ok();
}

kstd::Result<void> SendSignalToGroup(uint64_t pgid, int signo, const linux_abi::SigInfo& info,
                                     const SignalSender* sender) {
  if (signo < 0 || signo > linux_abi::kNumSignals) return kstd::Error::kInvalid;
  // Collect the members first: sending takes locks the table lock must not nest.
  constexpr size_t kMax = 256;
  struct Members {
    uint64_t pgid;
    Process* list[kMax];
    size_t n = 0;
  };
  auto* m = new (kstd::nothrow) Members();
  if (m == nullptr) return kstd::Error::kNoMemory;
  m->pgid = pgid;
  Process::ForEach(
      [](Process* p, void* c) {
        auto* members = static_cast<Members*>(c);
        // Zombies still belong to their group (the send is a no-op for them).
        if (p->pgid() == members->pgid && members->n < kMax) {
          p->AddRef();
          members->list[members->n++] = p;
        }
      },
      m);
  size_t found = m->n, sent = 0;
  for (size_t i = 0; i < m->n; ++i) {
    if (MaySignalProcess(sender, m->list[i], signo)) {
      SendSignal(m->list[i], signo, info, FromOutside(sender, m->list[i]));
      ++sent;
    }
    if (m->list[i]->Release()) delete m->list[i];
  }
  delete m;
  if (found == 0) return kstd::Error::kSearch;
  return sent > 0 ? kstd::Ok() : kstd::Result<void>(kstd::Error::kPermission);
}

namespace {

posix::UserRegs FrameToRegs(const hal::UserFrame* f) {
  posix::UserRegs r;
  r.r8 = f->r8;
  r.r9 = f->r9;
  r.r10 = f->r10;
  r.r11 = f->r11;
  r.r12 = f->r12;
  r.r13 = f->r13;
  r.r14 = f->r14;
  r.r15 = f->r15;
  r.rdi = f->rdi;
  r.rsi = f->rsi;
  r.rbp = f->rbp;
  r.rbx = f->rbx;
  r.rdx = f->rdx;
  r.rax = f->rax;
  r.rcx = f->rcx;
  r.rsp = f->rsp;
  r.rip = f->rip;
  r.rflags = f->rflags;
  r.cs = f->cs;
  r.ss = f->ss;
  return r;
}

void RegsToFrame(const posix::UserRegs& r, hal::UserFrame* f) {
  f->r8 = r.r8;
  f->r9 = r.r9;
  f->r10 = r.r10;
  f->r11 = r.r11;
  f->r12 = r.r12;
  f->r13 = r.r13;
  f->r14 = r.r14;
  f->r15 = r.r15;
  f->rdi = r.rdi;
  f->rsi = r.rsi;
  f->rbp = r.rbp;
  f->rbx = r.rbx;
  f->rdx = r.rdx;
  f->rax = r.rax;
  f->rcx = r.rcx;
  f->rsp = r.rsp;
  f->rip = r.rip;
  f->rflags = r.rflags;
  // The selectors are always the kernel's user ones.
  hal::ForceUserSelectors(f);
  // The frame no longer is a plain syscall return (rcx/r11 are real values).
  hal::MarkFrameModified(f);
}

bool ReadUser(void*, uint64_t address, void* dst, size_t len) {
  return hal::CopyFromUser(dst, address, len);
}

// Parks the thread while its process is stopped (job control).
void WaitWhileStopped(Process* p) {
  struct Stopped {
    static bool Check(void* c) {
      auto* process = static_cast<Process*>(c);
      SpinLockGuard guard(process->signal_lock());
      return process->signals().stopped() && !process->signals().exiting();
    }
  };
  while (Stopped::Check(p)) {
    sched::Thread* self = sched::Current();
    self->interrupt_pending_ = false;
    if (p->stop_waiters().WaitIf(sched::kNoDeadline, Stopped::Check, p) ==
        sched::WakeReason::kInterrupted) {
      if (self->kill_pending_) return;
    }
  }
}

}  // namespace

void DeliverSignals(hal::UserFrame* frame) {
  sched::Thread* self = sched::Current();
  Process* p = self->process();
  if (p == nullptr || SignalsOf(self) == nullptr) return;
  auto* ts = SignalsOf(self);
  bool in_syscall = hal::IsSyscallFrame(frame) && self->syscall_nr_ != ~0ULL;
  uint64_t nr = self->syscall_nr_;
  self->syscall_nr_ = ~0ULL;
  // Another thread took a stop signal: this one stops too (group stop).
  if (p->live_threads() > 1) {
    WaitWhileStopped(p);
    if (self->kill_pending_) ExitCurrentThread();
  }
  for (;;) {
    posix::Delivery d;
    {
      SpinLockGuard guard(p->signal_lock());
      if (!ts->HasDeliverable()) {
        self->interrupt_pending_ = false;
        if (in_syscall) {
          posix::UserRegs regs = FrameToRegs(frame);
          uint64_t before = regs.rax;
          posix::ApplySyscallRestart(regs, nr, nullptr);
          if (regs.rax != before) RegsToFrame(regs, frame);
        }
        ts->RestoreSavedMask();
        return;
      }
      d = ts->Dequeue(false);
    }
    switch (d.kind) {
      case posix::Delivery::Kind::kNone: continue;
      case posix::Delivery::Kind::kTerminate:
      case posix::Delivery::Kind::kCoreDump: {
        {
          SpinLockGuard guard(p->signal_lock());
          p->signals().MarkExiting();
        }
        // The core file is written by the dying thread, its address space
        // still live, before the process is torn down.
        bool core_written = false;
        CoreDumper dumper = GetCoreDumper();
        if (d.kind == posix::Delivery::Kind::kCoreDump && dumper != nullptr) {
          core_written = dumper(p, d.signo, FrameToRegs(frame), in_syscall ? nr : ~uint64_t{0});
        }
        p->Kill(posix::WaitStatusForDelivery(d, core_written));
        ExitCurrentThread();
      }
      case posix::Delivery::Kind::kStop: {
        {
          SpinLockGuard guard(p->signal_lock());
          p->signals().EnterStop(d.signo);
          p->job_control().stop_unreported = true;
          p->job_control().continue_unreported = false;
          p->job_control().stop_signo = d.signo;
        }
        NotifyParentOfJobControl(p, linux_abi::kCldStopped, d.signo);
        // A stop stops every thread: the others park on their way to user mode.
        InterruptRequest all{nullptr};
        p->ForEachThread(InterruptThread, &all);
        WaitWhileStopped(p);
        if (self->kill_pending_) ExitCurrentThread();
        continue;
      }
      case posix::Delivery::Kind::kHandler: {
        posix::UserRegs regs = FrameToRegs(frame);
        if (in_syscall) {
          posix::ApplySyscallRestart(regs, nr, &d.action);
          in_syscall = false;  // restart is decided once per syscall exit
        }
        hal::ThreadContext* cpu = self->context();
        hal::SaveFpuState(cpu);
        auto* built = new (kstd::nothrow) posix::SignalFrame();
        posix::SignalFrameInput in;
        in.regs = regs;
        in.fpu = cpu->fpu_state;
        in.signo = d.signo;
        in.info = d.info;
        in.action = d.action;
        {
          SpinLockGuard guard(p->signal_lock());
          in.saved_mask = ts->MaskToSave();
          in.alt_stack = ts->alt_stack();
        }
        bool ok = built != nullptr && posix::BuildSignalFrame(in, built).ok() &&
                  hal::CopyToUser(built->address, built->image, built->size);
        if (!ok) {
          delete built;
          SpinLockGuard guard(p->signal_lock());
          p->signals().ForceSegvForBadFrame(*ts, d.signo);
          continue;
        }
        RegsToFrame(built->handler_regs, frame);
        delete built;
        uint8_t initial[linux_abi::kFpuAreaSize];
        posix::InitialFpuState(initial);
        hal::LoadFpuState(cpu, initial);
        {
          SpinLockGuard guard(p->signal_lock());
          ts->CommitHandler(d);
        }
        continue;  // more signals may be deliverable: each gets its frame
      }
    }
  }
}

kstd::Result<void> SigReturn(hal::UserFrame* frame) {
  sched::Thread* self = sched::Current();
  Process* p = self->process();
  auto* ts = SignalsOf(self);
  self->syscall_nr_ = ~0ULL;  // never restart rt_sigreturn itself
  posix::SigreturnContext ctx;
  ctx.user_cs = hal::UserCodeSelector();
  ctx.user_ss = hal::UserDataSelector();
  ctx.user_limit = hal::UserAddressLimit();
  ctx.current_rflags = frame->rflags;
  ctx.mxcsr_mask = hal::MxcsrMask();
  auto* st = new (kstd::nothrow) posix::SigreturnState();
  if (st == nullptr) return kstd::Error::kNoMemory;
  auto parsed = posix::ParseSigreturnFrame(frame->rsp, ReadUser, nullptr, ctx, st);
  if (parsed.is_error()) {
    delete st;
    SpinLockGuard guard(p->signal_lock());
    p->signals().ForceFault(*ts, linux_abi::SigInfo::FromFault(linux_abi::kSigSegv, 0, frame->rsp));
    return kstd::Error::kFault;
  }
  {
    SpinLockGuard guard(p->signal_lock());
    ts->RestoreAltStack(st->alt_stack, frame->rsp);
    ts->SetBlocked(st->mask);
  }
  RegsToFrame(st->regs, frame);
  hal::LoadFpuState(self->context(), st->fpu);
  delete st;
  return kstd::Ok();
}

void RaiseFaultSignal(int signo, int code, uint64_t address) {
  sched::Thread* self = sched::Current();
  Process* p = self->process();
  auto* ts = SignalsOf(self);
  if (ts == nullptr) return;
  SpinLockGuard guard(p->signal_lock());
  p->signals().ForceFault(*ts, linux_abi::SigInfo::FromFault(signo, code, address));
  self->interrupt_pending_ = true;
}

void NotifyParentOfExit(Process* child) {
  kstd::RefPtr<Process> parent = Process::FindByPid(child->parent_pid());
  if (!parent) return;
  linux_abi::SigInfo info = linux_abi::SigInfo::FromKernel(linux_abi::kSigChld);
  int status = child->wait_status();
  info.code = (status & 0x7F) != 0
                  ? ((status & 0x80) ? linux_abi::kCldDumped : linux_abi::kCldKilled)
                  : linux_abi::kCldExited;
  info.child.pid = static_cast<int32_t>(child->pid());
  info.child.status = (status & 0x7F) != 0 ? (status & 0x7F) : ((status >> 8) & 0xFF);
  SendSignal(parent.get(), linux_abi::kSigChld, info);
}

bool ParentAutoReaps(Process* child) {
  kstd::RefPtr<Process> parent = Process::FindByPid(child->parent_pid());
  if (!parent) return false;
  SpinLockGuard guard(parent->signal_lock());
  return parent->signals().AutoReapsChildren();
}

}  // namespace core
