// Linux process and thread lifecycle: fork, vfork and clone (processes and
// CLONE_THREAD threads), wait4 and waitid (reaping children), exit and
// exit_group, set_tid_address (the word cleared when the thread exits).
// execve is in sys_exec.cc.

#include "abi/linux/sched.h"
#include "abi/linux/signal.h"
#include "core/events/pidfd.h"
#include "core/posix/wait_status.h"
#include "core/proc/linux_thread.h"
#include "core/proc/process.h"
#include "core/syscall/pid_view.h"
#include "core/syscall/rusage.h"
#include "core/syscall/sys_common.h"
#include "core/syscall/sys_credentials.h"
#include "core/unsupported/refusals.h"
#include "core/vm/vm_aspace.h"
#include "hal/thread.h"
#include "kstd/new.h"

namespace core::syscall {
namespace {

constexpr size_t kMaxWaitChildren = 256;

struct ChildList {
  uint64_t parent;
  const PidNamespace* view;  // the waiter's: pids and groups as it numbers them
  posix::WaitChild children[kMaxWaitChildren];
  Process* processes[kMaxWaitChildren];
  size_t n = 0;
};

void CollectChild(Process* p, void* context) {
  auto* list = static_cast<ChildList*>(context);
  if (p->parent_pid() != list->parent || list->n == kMaxWaitChildren) return;
  posix::WaitChild& c = list->children[list->n];
  c = posix::WaitChild{};
  c.pid = static_cast<int32_t>(p->PidIn(list->view));
  c.pgid = static_cast<int32_t>(list->view->ToLocal(p->pgid()));
  // An ended namespace init is reported once its namespace is empty.
  c.zombie = p->terminated() && !p->exit_report_deferred();
  c.exit_status = p->wait_status();
  {
    SpinLockGuard guard(p->signal_lock());
    c.stop_unreported = p->job_control().stop_unreported;
    c.stop_signo = p->job_control().stop_signo;
    c.continue_unreported = p->job_control().continue_unreported;
  }
  ResourceUsage usage = p->Usage();
  c.utime = static_cast<int64_t>(usage.user_ticks / (sched::kTickHz / 100));
  c.stime = static_cast<int64_t>(usage.system_ticks / (sched::kTickHz / 100));
  p->AddRef();
  list->processes[list->n++] = p;
}

struct WaitCondition {
  Process* self;
  uint64_t generation;
};

bool NothingChanged(void* context) {
  auto* c = static_cast<WaitCondition*>(context);
  return c->self->child_event_count() == c->generation;
}

}  // namespace

namespace {

// A process's own usage and that of the children it waited for (RUSAGE_BOTH:
// what wait4 reports for a reaped child, and what its parent inherits).
ResourceUsage TotalUsage(Process* p) {
  ResourceUsage u = p->Usage();
  u.Add(p->ChildrenUsage());
  return u;
}

// The wait loop shared by wait4 and waitid: selects a child per `request`,
// blocks until one has something to report (unless WNOHANG), lets
// `copy_out` store the report in user memory (a fault aborts before the
// child is consumed) and then consumes it (reap, clear the stop/continue).
// Fills *outcome (kReport or kNoneReady). Errors: kNoMemory, kFault (the
// copy-out faulted), kInterrupted, and SelectChild's.
kstd::Result<void> WaitForChild(const posix::WaitRequest& request, posix::WaitOutcome* outcome,
                                bool (*copy_out)(const posix::WaitOutcome& o, Process* child,
                                                 void* context),
                                void* context) {
  Process* self = CurrentProcess();
  auto* list = new (kstd::nothrow) ChildList();
  if (list == nullptr) return kstd::Error::kNoMemory;
  struct Release {
    ChildList* l;
    void Drop() {
      for (size_t i = 0; i < l->n; ++i) {
        if (l->processes[i]->Release()) delete l->processes[i];
      }
      l->n = 0;
    }
    ~Release() {
      Drop();
      delete l;
    }
  } release{list};
  // A signal that interrupts the sleep ends the wait only if, looking once
  // more, no child has anything to report (Linux's do_wait: the SIGCHLD of
  // the child being waited for does not hide its report).
  bool interrupted = false;
  for (;;) {
    WaitCondition condition{self, self->child_event_count()};
    release.Drop();
    list->parent = self->pid();
    list->view = self->pid_namespace();
    Process::ForEach(CollectChild, list);
    const posix::WaitOutcome o = TRY(
        posix::SelectChild(request, kstd::Span<const posix::WaitChild>(list->children, list->n)));
    if (o.kind == posix::WaitOutcome::Kind::kNoneReady) {
      *outcome = o;
      if (!copy_out(o, nullptr, context)) return kstd::Error::kFault;
      return kstd::Ok();
    }
    if (o.kind == posix::WaitOutcome::Kind::kReport) {
      Process* child = list->processes[o.index];
      if (!copy_out(o, child, context)) return kstd::Error::kFault;
      switch (o.consume) {
        case posix::WaitOutcome::Consume::kReap:
          self->AddReapedChildUsage(TotalUsage(child));
          child->Reap();
          break;
        case posix::WaitOutcome::Consume::kClearStop: {
          SpinLockGuard guard(child->signal_lock());
          child->job_control().stop_unreported = false;
          break;
        }
        case posix::WaitOutcome::Consume::kClearContinue: {
          SpinLockGuard guard(child->signal_lock());
          child->job_control().continue_unreported = false;
          break;
        }
        case posix::WaitOutcome::Consume::kNone: break;
      }
      *outcome = o;
      return kstd::Ok();
    }
    release.Drop();
    if (interrupted) return kstd::Error::kInterrupted;
    sched::WakeReason why =
        self->child_events().WaitIf(sched::kNoDeadline, NothingChanged, &condition);
    if (why == sched::WakeReason::kInterrupted) interrupted = true;
  }
}

}  // namespace

kstd::Result<uint64_t> SysLinuxWait4(int32_t pid, UserPtr<int32_t> status, int32_t options,
                                     UserPtr<void> rusage) {
  auto request = TRY(posix::DecodeWait4(pid, static_cast<uint32_t>(options),
                                        static_cast<int32_t>(PidToUser(CurrentProcess()->pgid()))));
  struct Out {
    UserPtr<int32_t> status;
    UserPtr<void> rusage;
  } out{status, rusage};
  posix::WaitOutcome o;
  TRY(WaitForChild(
      request, &o,
      [](const posix::WaitOutcome& w, Process* child, void* c) {
        auto* out = static_cast<Out*>(c);
        if (w.kind != posix::WaitOutcome::Kind::kReport) return true;
        int32_t st = w.status;
        if (!out->status.is_null() && out->status.CopyOut(&st).is_error()) return false;
        return CopyOutRusage(out->rusage, TotalUsage(child));
      },
      &out));
  if (o.kind != posix::WaitOutcome::Kind::kReport) return 0;
  return o.pid;  // a child's pid (as the caller numbers it: CollectChild)
}

kstd::Result<uint64_t> SysLinuxWaitid(int32_t idtype, int32_t id, UserPtr<void> infop,
                                      int32_t options, UserPtr<void> rusage) {
  // P_PIDFD: the process behind a pidfd, then as P_PID.
  constexpr int32_t kPPid = 1, kPPidfd = 3;
  if (idtype == kPPidfd) {
    if (id < 0) return kstd::Error::kInvalid;
    auto file = TRY(CurrentProcess()->fds()->Get(id));
    kstd::RefPtr<Process> target = TRY(events::ProcessOfPidFd(file.get()));
    idtype = kPPid;
    id = static_cast<int32_t>(PidToUser(target->pid()));
    if (id == 0) return kstd::Error::kInvalid;  // not a child (nor visible)
  }
  auto request =
      TRY(posix::DecodeWaitid(idtype, id, static_cast<uint32_t>(options),
                              static_cast<int32_t>(PidToUser(CurrentProcess()->pgid()))));
  struct Out {
    UserPtr<void> infop;
    UserPtr<void> rusage;
  } out{infop, rusage};
  posix::WaitOutcome o;
  TRY(WaitForChild(
      request, &o,
      [](const posix::WaitOutcome& w, Process* child, void* c) {
        auto* out = static_cast<Out*>(c);
        // WNOHANG with nothing to report: the siginfo is zeroed (si_pid = 0),
        // and so is the rusage.
        linux_abi::SigInfo info{};
        if (w.kind == posix::WaitOutcome::Kind::kReport) info = w.info;
        if (out->infop.address() != 0 && out->infop.CopyOut(&info, sizeof info).is_error())
          return false;
        return CopyOutRusage(out->rusage, child != nullptr ? TotalUsage(child) : ResourceUsage{});
      },
      &out));
  return 0;
}

kstd::Result<uint64_t> SysLinuxFork() {
  Process* self = CurrentProcess();
  hal::ThreadContext* cpu = CurrentThread()->context();
  hal::SaveFpuState(cpu);
  auto child = TRY(self->Fork(hal::CurrentUserFrame(), *cpu));
  return PidToUser(child->pid());
}

namespace {

// clone flags (uapi sched.h).

// What Tessera supports: new processes, copy-on-write (fork) or sharing the
// parent's memory until exec/exit (vfork), either one the caller's sibling
// (CLONE_PARENT); and threads (CLONE_THREAD), which
// share everything a thread shares on Linux (memory, signal actions, fds,
// fs context; SysV semaphores: Tessera has no undo lists). A process that
// shares only some of these with its parent (CLONE_VM or CLONE_FILES or
// CLONE_FS or CLONE_SIGHAND without CLONE_THREAD, except vfork's CLONE_VM),
// and namespaces other than CLONE_NEWUTS, CLONE_NEWNS and CLONE_NEWPID (a
// new process's, not a thread's: sys_namespace.cc) are refused with EINVAL.
constexpr uint64_t kCloneSupported =
    linux_abi::kCloneSignalMask | linux_abi::kCloneVm | linux_abi::kCloneFs |
    linux_abi::kCloneFiles | linux_abi::kCloneSighand | linux_abi::kCloneVfork |
    linux_abi::kCloneThread | linux_abi::kCloneSysvsem | linux_abi::kCloneSetTls |
    linux_abi::kCloneParentSetTid | linux_abi::kCloneChildClearTid | linux_abi::kCloneDetached |
    linux_abi::kCloneChildSetTid | linux_abi::kCloneNewUts | linux_abi::kCloneNewNs |
    linux_abi::kCloneNewPid | linux_abi::kCloneParent;
constexpr uint64_t kCloneThreadShares =
    linux_abi::kCloneVm | linux_abi::kCloneFs | linux_abi::kCloneFiles | linux_abi::kCloneSighand;

// clone(CLONE_THREAD): a thread of the caller's process.
kstd::Result<uint64_t> CloneThread(uint64_t flags, uint64_t newsp, UserPtr<int32_t> parent_tid,
                                   UserPtr<int32_t> child_tid, uint64_t tls) {
  // Linux's rules: CLONE_THREAD needs CLONE_SIGHAND, which needs CLONE_VM.
  if ((flags & linux_abi::kCloneSighand) == 0 || (flags & linux_abi::kCloneVm) == 0)
    return kstd::Error::kInvalid;
  // A thread with its own fd table or fs context: not supported.
  if ((flags & kCloneThreadShares) != kCloneThreadShares) {
    return Refuse("clone", "flags", kCloneThreadShares & ~flags);
  }
  if (flags & linux_abi::kCloneVfork)
    return Refuse("clone", "flags", linux_abi::kCloneVfork);  // a vfork thread
  if (flags & linux_abi::kCloneNewUts)                        // namespaces are per process here
    return Refuse("clone", "flags", linux_abi::kCloneNewUts);
  Process* self = CurrentProcess();
  // Linux: no thread once later children go to another PID namespace.
  if (self->pid_namespace_for_children().get() != self->pid_namespace())
    return kstd::Error::kInvalid;
  hal::ThreadContext* cpu = CurrentThread()->context();
  hal::SaveFpuState(cpu);
  Process::ThreadOptions options;
  options.clone.share_address_space = true;
  options.clone.stack = newsp;
  options.clone.set_tls = (flags & linux_abi::kCloneSetTls) != 0;
  options.clone.tls = tls;
  if (flags & linux_abi::kCloneChildClearTid) options.clone.clear_child_tid = child_tid.address();
  if (flags & linux_abi::kCloneParentSetTid) options.parent_tid = parent_tid.address();
  if (flags & linux_abi::kCloneChildSetTid) options.child_tid = child_tid.address();
  auto thread = self->CloneThread(hal::CurrentUserFrame(), *cpu, options);
  if (thread.is_error()) {
    // The process is ending: the caller dies on its way out.
    if (thread.error() == kstd::Error::kInterrupted) return kstd::Error::kRestartNoIntr;
    return thread.error();
  }
  return PidToUser(LinuxOf(thread.value()).tid);
}

}  // namespace

kstd::Result<uint64_t> SysLinuxClone(uint64_t flags, uint64_t newsp, UserPtr<int32_t> parent_tid,
                                     UserPtr<int32_t> child_tid, uint64_t tls) {
  // Linux: a new PID namespace's first process is not a thread.
  if ((flags & linux_abi::kCloneNewPid) != 0 && (flags & linux_abi::kCloneThread) != 0)
    return kstd::Error::kInvalid;
  if ((flags & ~kCloneSupported) != 0) return Refuse("clone", "flags", flags & ~kCloneSupported);
  if ((flags & linux_abi::kCloneSighand) != 0 && (flags & linux_abi::kCloneVm) == 0)
    return kstd::Error::kInvalid;
  // Linux: a new mount namespace cannot share the fs context (threads do).
  constexpr uint64_t kNewNsAndFs = linux_abi::kCloneNewNs | linux_abi::kCloneFs;
  if ((flags & kNewNsAndFs) == kNewNsAndFs) return kstd::Error::kInvalid;
  if (flags & linux_abi::kCloneThread) return CloneThread(flags, newsp, parent_tid, child_tid, tls);
  if ((flags & (linux_abi::kCloneFs | linux_abi::kCloneFiles | linux_abi::kCloneSighand)) != 0) {
    return Refuse("clone", "flags",
                  flags & (linux_abi::kCloneFs | linux_abi::kCloneFiles |
                           linux_abi::kCloneSighand));  // sharing without threads
  }
  if ((flags & linux_abi::kCloneVm) != 0 && (flags & linux_abi::kCloneVfork) == 0) {
    return Refuse("clone", "flags", linux_abi::kCloneVm);  // a process sharing memory without vfork
  }
  uint64_t exit_signal = flags & linux_abi::kCloneSignalMask;
  if (exit_signal != 0 && exit_signal != 17)
    return Refuse("clone", "exit_signal", exit_signal);  // SIGCHLD only
  Process* self = CurrentProcess();
  // CLONE_PARENT: the child is the caller's sibling. Linux refuses it to
  // init and to a PID namespace's init (a second root of the tree, or a
  // child whose parent is outside the namespace).
  if ((flags & linux_abi::kCloneParent) && (self->pid() == 1 || self->IsNamespaceInit()))
    return kstd::Error::kInvalid;
  // CLONE_NEWUTS: the child starts in a copy of the caller's namespace.
  kstd::RefPtr<UtsNamespace> uts;
  if (flags & linux_abi::kCloneNewUts) {
    if (!Capable(linux_abi::kCapSysAdmin)) return kstd::Error::kPermission;
    uts = TRY(UtsNamespace::CopyOf(*self->uts_namespace()));
  }
  // CLONE_NEWNS: a copy of the caller's mount namespace.
  kstd::RefPtr<vfs::MountNamespace> mounts;
  if (flags & linux_abi::kCloneNewNs) {
    if (!Capable(linux_abi::kCapSysAdmin)) return kstd::Error::kPermission;
    kstd::RefPtr<vfs::MountNamespace> current = self->mount_namespace();
    if (!current) return kstd::Error::kNotFound;  // (cannot happen: the caller runs)
    mounts = TRY(vfs::MountNamespace::CopyOf(*current));
  }
  // CLONE_NEWPID: the child is pid 1 of a new namespace below the caller's
  // (Linux: EINVAL once unshare(CLONE_NEWPID) already chose another one
  // for the caller's children).
  kstd::RefPtr<PidNamespace> pid_ns;
  if (flags & linux_abi::kCloneNewPid) {
    if (!Capable(linux_abi::kCapSysAdmin)) return kstd::Error::kPermission;
    if (self->pid_namespace_for_children().get() != self->pid_namespace())
      return kstd::Error::kInvalid;
    pid_ns = TRY(PidNamespace::CreateChild(self->pid_namespace()));  // kNoSpace: 32 levels
  }
  hal::ThreadContext* cpu = CurrentThread()->context();
  hal::SaveFpuState(cpu);
  Process::CloneOptions options;
  options.uts_namespace = uts.get();
  options.mount_namespace = mounts.get();
  options.pid_namespace = pid_ns.get();
  options.parent_is_callers_parent = (flags & linux_abi::kCloneParent) != 0;
  options.share_address_space = (flags & linux_abi::kCloneVm) != 0;
  options.stack = newsp;
  options.set_tls = (flags & linux_abi::kCloneSetTls) != 0;
  options.tls = tls;
  if (flags & linux_abi::kCloneChildClearTid) options.clear_child_tid = child_tid.address();
  // The child's memory (its copy-on-write copy, or the shared space for
  // vfork) gets its tid before it first runs: Clone writes it.
  if (flags & linux_abi::kCloneChildSetTid) options.child_set_tid = child_tid.address();
  auto child = TRY(self->Clone(hal::CurrentUserFrame(), *cpu, options));
  // A process's first thread id is its pid (as the caller numbers it).
  int32_t tid = static_cast<int32_t>(PidToUser(child->pid()));
  if (flags & linux_abi::kCloneParentSetTid) (void)parent_tid.CopyOut(&tid);
  if (flags & linux_abi::kCloneVfork) child->WaitForVforkRelease();
  return tid;
}

kstd::Result<uint64_t> SysLinuxVfork() {
  return SysLinuxClone(linux_abi::kCloneVm | linux_abi::kCloneVfork | 17, 0, UserPtr<int32_t>(),
                       UserPtr<int32_t>(), 0);
}

kstd::Result<uint64_t> SysLinuxSetTidAddress(uint64_t tidptr) {
  // The word the kernel zeroes and futex-wakes when this thread exits.
  LinuxOf(CurrentThread()).clear_child_tid = tidptr;
  return SysLinuxGettid();
}

kstd::Result<uint64_t> SysLinuxExit(int32_t code) {
  // Ends only the calling thread; the process ends with its last thread and
  // then reports this status if it is the latest (Process::NoteThreadExit).
  CurrentProcess()->NoteThreadExit((code & 0xFF) << 8);
  ExitCurrentThread();
}

kstd::Result<uint64_t> SysLinuxExitGroup(int32_t code) {
  CurrentProcess()->Kill((code & 0xFF) << 8);
  ExitCurrentThread();
}

}  // namespace core::syscall
