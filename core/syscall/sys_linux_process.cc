// Linux process-model calls: fork/vfork, wait4, parent/group/session ids,
// user ids (everything runs as root), uname.

#include "core/proc/process.h"
#include "core/syscall/sys_common.h"
#include "core/vm/vm_aspace.h"
#include "hal/thread.h"
#include "kstd/string.h"

namespace core::syscall {
namespace {

// wait4 options (Linux uapi).
constexpr int32_t kWNoHang = 1;
constexpr int32_t kWUntraced = 2;
constexpr int32_t kWContinued = 8;
constexpr int32_t kWNoThread = 0x20000000;
constexpr int32_t kWAll = 0x40000000;
constexpr int32_t kWClone = static_cast<int32_t>(0x80000000u);
constexpr int32_t kWaitKnown = kWNoHang | kWUntraced | kWContinued | kWNoThread | kWAll | kWClone;

struct WaitScan {
  uint64_t self;
  uint64_t self_pgid;
  int64_t selector;
  bool any_child = false;
  Process* zombie = nullptr;  // a terminated match (reference taken)
};

bool Matches(const WaitScan& w, Process* p) {
  if (p->parent_pid() != w.self) return false;
  if (w.selector > 0) return p->pid() == static_cast<uint64_t>(w.selector);
  if (w.selector == -1) return true;
  if (w.selector == 0) return p->pgid() == w.self_pgid;
  return p->pgid() == static_cast<uint64_t>(-w.selector);
}

void ScanOne(Process* p, void* context) {
  auto* w = static_cast<WaitScan*>(context);
  if (!Matches(*w, p)) return;
  w->any_child = true;
  if (w->zombie == nullptr && p->terminated()) {
    p->AddRef();
    w->zombie = p;
  }
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

int64_t SysLinuxFork() {
  Process* self = CurrentProcess();
  hal::ThreadContext* cpu = CurrentThread()->context();
  hal::SaveFpuState(cpu);
  auto child = self->Fork(hal::CurrentUserFrame(), *cpu);
  if (child.is_error()) return Errno(child.error());
  return static_cast<int64_t>(child.value()->pid());
}

namespace {

// clone flags (uapi sched.h).
constexpr uint64_t kCloneSignalMask = 0xFF;
constexpr uint64_t kCloneVm = 0x100;
constexpr uint64_t kCloneVfork = 0x4000;
constexpr uint64_t kCloneSetTls = 0x80000;
constexpr uint64_t kCloneParentSetTid = 0x100000;
constexpr uint64_t kCloneChildClearTid = 0x200000;
constexpr uint64_t kCloneChildSetTid = 0x1000000;

// What Tessera supports: new processes, copy-on-write (fork) or sharing the
// parent's memory until exec/exit (vfork). Threads (CLONE_THREAD), shared fd
// tables (CLONE_FILES) or fs contexts (CLONE_FS), CLONE_PARENT, CLONE_SIGHAND
// and namespaces are refused with EINVAL.
constexpr uint64_t kCloneSupported = kCloneSignalMask | kCloneVm | kCloneVfork | kCloneSetTls |
                                     kCloneParentSetTid | kCloneChildClearTid | kCloneChildSetTid;

}  // namespace

int64_t SysLinuxClone(uint64_t flags, uint64_t newsp, UserPtr<int32_t> parent_tid,
                      UserPtr<int32_t> child_tid, uint64_t tls) {
  if ((flags & ~kCloneSupported) != 0) return Errno(kstd::Error::kInvalid);
  if ((flags & kCloneVm) != 0 && (flags & kCloneVfork) == 0) return Errno(kstd::Error::kInvalid);
  uint64_t exit_signal = flags & kCloneSignalMask;
  if (exit_signal != 0 && exit_signal != 17) return Errno(kstd::Error::kInvalid);  // SIGCHLD only
  Process* self = CurrentProcess();
  hal::ThreadContext* cpu = CurrentThread()->context();
  hal::SaveFpuState(cpu);
  Process::CloneOptions options;
  options.share_address_space = (flags & kCloneVm) != 0;
  options.stack = newsp;
  options.set_tls = (flags & kCloneSetTls) != 0;
  options.tls = tls;
  auto child = self->Clone(hal::CurrentUserFrame(), *cpu, options);
  if (child.is_error()) return Errno(child.error());
  int32_t tid = static_cast<int32_t>(child.value()->pid());  // a process's first thread id is its pid
  if (flags & kCloneParentSetTid) (void)parent_tid.CopyOut(&tid);
  if (flags & kCloneChildSetTid) {
    // The child's memory: written before it first runs (its copy-on-write
    // copy, or the shared space for vfork).
    (void)child.value()->aspace()->Poke(child_tid.address(), &tid, sizeof tid);
  }
  if (flags & kCloneChildClearTid) child.value()->set_clear_child_tid(child_tid.address());
  if (flags & kCloneVfork) child.value()->WaitForVforkRelease();
  return tid;
}

int64_t SysLinuxVfork() {
  return SysLinuxClone(kCloneVm | kCloneVfork | 17, 0, UserPtr<int32_t>(), UserPtr<int32_t>(), 0);
}

int64_t SysLinuxWait4(int64_t pid, UserPtr<int32_t> status, int32_t options, UserPtr<void> rusage) {
  if ((options & ~kWaitKnown) != 0) return Errno(kstd::Error::kInvalid);
  if (pid == INT64_MIN) return Errno(kstd::Error::kSearch);
  Process* self = CurrentProcess();
  for (;;) {
    WaitCondition condition{self, self->child_event_count()};
    WaitScan scan{self->pid(), self->pgid(), static_cast<int32_t>(pid)};
    Process::ForEach(ScanOne, &scan);
    if (scan.zombie != nullptr) {
      kstd::RefPtr<Process> child = kstd::AdoptRef(scan.zombie);
      int32_t st = child->wait_status();
      if (!status.is_null() && status.CopyOut(&st).is_error()) return Errno(kstd::Error::kFault);
      if (rusage.address() != 0) {
        uint8_t zeros[144] = {};  // struct rusage: not accounted yet
        if (rusage.CopyOut(zeros, sizeof zeros).is_error()) return Errno(kstd::Error::kFault);
      }
      child->Reap();
      return static_cast<int64_t>(child->pid());
    }
    if (!scan.any_child) return Errno(kstd::Error::kNoChild);
    if (options & kWNoHang) return 0;
    sched::WakeReason why = self->child_events().WaitIf(sched::kNoDeadline, NothingChanged, &condition);
    if (why == sched::WakeReason::kInterrupted) return Errno(kstd::Error::kInterrupted);
  }
}

int64_t SysLinuxGetppid() { return static_cast<int64_t>(CurrentProcess()->parent_pid()); }
int64_t SysLinuxGetuid() { return 0; }
int64_t SysLinuxGetgid() { return 0; }
int64_t SysLinuxGeteuid() { return 0; }
int64_t SysLinuxGetegid() { return 0; }
int64_t SysLinuxGetpgrp() { return static_cast<int64_t>(CurrentProcess()->pgid()); }

int64_t SysLinuxGetpgid(int64_t pid) {
  if (pid == 0) return static_cast<int64_t>(CurrentProcess()->pgid());
  kstd::RefPtr<Process> p = Process::FindByPid(static_cast<uint64_t>(pid));
  if (!p || pid < 0) return Errno(kstd::Error::kSearch);
  return static_cast<int64_t>(p->pgid());
}

int64_t SysLinuxGetsid(int64_t pid) {
  if (pid == 0) return static_cast<int64_t>(CurrentProcess()->sid());
  kstd::RefPtr<Process> p = Process::FindByPid(static_cast<uint64_t>(pid));
  if (!p || pid < 0) return Errno(kstd::Error::kSearch);
  return static_cast<int64_t>(p->sid());
}

int64_t SysLinuxSetpgid(int64_t pid, int64_t pgid) {
  Process* self = CurrentProcess();
  if (pid < 0 || pgid < 0) return Errno(kstd::Error::kInvalid);
  kstd::RefPtr<Process> target =
      pid == 0 ? kstd::RefPtr<Process>::FromRaw(self) : Process::FindByPid(static_cast<uint64_t>(pid));
  if (!target || (target.get() != self && target->parent_pid() != self->pid())) {
    return Errno(kstd::Error::kSearch);
  }
  if (target->sid() != self->sid()) return Errno(kstd::Error::kPermission);
  if (target->pid() == target->sid()) return Errno(kstd::Error::kPermission);  // a session leader
  uint64_t new_pgid = pgid == 0 ? target->pid() : static_cast<uint64_t>(pgid);
  if (new_pgid != target->pid()) {
    // Joining an existing group: it must exist in the same session.
    struct Find {
      uint64_t pgid, sid;
      bool found = false;
    } find{new_pgid, self->sid()};
    Process::ForEach([](Process* p, void* c) {
      auto* f = static_cast<Find*>(c);
      if (p->pgid() == f->pgid && p->sid() == f->sid && !p->terminated()) f->found = true;
    }, &find);
    if (!find.found) return Errno(kstd::Error::kPermission);
  }
  target->set_pgid(new_pgid);
  return 0;
}

int64_t SysLinuxSetsid() {
  Process* self = CurrentProcess();
  // A process group leader cannot start a session (its group would straddle two).
  if (self->pgid() == self->pid()) return Errno(kstd::Error::kPermission);
  self->set_sid(self->pid());
  self->set_pgid(self->pid());
  return static_cast<int64_t>(self->pid());
}

int64_t SysLinuxUname(UserPtr<void> buf) {
  // struct utsname: six 65-byte fields.
  char u[6][65] = {};
  kstd::CopyString(u[0], 65, "Linux");  // programs (busybox, libcs) key on the Linux ABI
  kstd::CopyString(u[1], 65, "tessera");
  kstd::CopyString(u[2], 65, "6.1.0-tessera");
  kstd::CopyString(u[3], 65, "#1 Tessera 0.1.0");
  kstd::CopyString(u[4], 65, "x86_64");
  kstd::CopyString(u[5], 65, "(none)");
  return buf.CopyOut(u, sizeof u).ok() ? 0 : Errno(kstd::Error::kFault);
}

}  // namespace core::syscall
