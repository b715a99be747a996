// Linux identity calls: who the caller is. Process, thread, parent, group
// and session ids (setpgid and setsid change the last two), and prctl (the
// process name; the credential options are in sys_credentials.cc). User and
// group ids and capabilities are in sys_credentials.cc.

#include "abi/linux/prctl.h"
#include "core/proc/linux_thread.h"
#include "core/proc/process.h"
#include "core/syscall/pid_view.h"
#include "core/syscall/sys_common.h"
#include "core/syscall/sys_credentials.h"
#include "core/unsupported/refusals.h"
#include "kstd/string.h"

namespace core::syscall {

// Every id here is shown as the caller's PID namespace numbers it
// (pid_view.h): a parent, group or session outside it reads as 0.
kstd::Result<uint64_t> SysLinuxGetpid() { return PidToUser(CurrentProcess()->pid()); }

// A Linux process's main thread has the pid as its tid, a CLONE_THREAD
// thread a number from the pid space (what tkill/tgkill take). Further
// native threads report the scheduler's thread id, which tgkill does not take.
kstd::Result<uint64_t> SysLinuxGettid() {
  sched::Thread* t = CurrentThread();
  return LinuxOf(t).tid != 0 ? PidToUser(LinuxOf(t).tid) : t->tid();
}

kstd::Result<uint64_t> SysLinuxGetppid() { return PidToUser(CurrentProcess()->parent_pid()); }

kstd::Result<uint64_t> SysLinuxGetpgrp() { return PidToUser(CurrentProcess()->pgid()); }

kstd::Result<uint64_t> SysLinuxGetpgid(int32_t pid) {
  if (pid == 0) return PidToUser(CurrentProcess()->pgid());
  kstd::RefPtr<Process> p = FindProcessFromUser(pid);
  if (!p || pid < 0) return kstd::Error::kSearch;
  return PidToUser(p->pgid());
}

kstd::Result<uint64_t> SysLinuxGetsid(int32_t pid) {
  if (pid == 0) return PidToUser(CurrentProcess()->sid());
  kstd::RefPtr<Process> p = FindProcessFromUser(pid);
  if (!p || pid < 0) return kstd::Error::kSearch;
  return PidToUser(p->sid());
}

kstd::Result<uint64_t> SysLinuxSetpgid(int32_t pid, int32_t pgid) {
  Process* self = CurrentProcess();
  if (pid < 0 || pgid < 0) return kstd::Error::kInvalid;
  kstd::RefPtr<Process> target =
      pid == 0 ? kstd::RefPtr<Process>::FromRaw(self) : FindProcessFromUser(pid);
  if (!target || (target.get() != self && target->parent_pid() != self->pid())) {
    return kstd::Error::kSearch;
  }
  // A child that has run execve is out of its parent's hands (POSIX).
  if (target.get() != self && target->did_exec()) return kstd::Error::kAccess;
  if (target->sid() != self->sid()) return kstd::Error::kPermission;
  if (target->pid() == target->sid()) return kstd::Error::kPermission;  // a session leader
  uint64_t new_pgid = pgid == 0 ? target->pid() : PidFromUser(pgid);
  if (new_pgid == 0) return kstd::Error::kPermission;  // no such group in the caller's namespace
  if (new_pgid != target->pid()) {
    // Joining an existing group: it must exist in the same session.
    struct Find {
      uint64_t pgid, sid;
      bool found = false;
    } find{new_pgid, self->sid()};
    Process::ForEach(
        [](Process* p, void* c) {
          auto* f = static_cast<Find*>(c);
          // A zombie still holds its group until it is reaped.
          if (p->pgid() == f->pgid && p->sid() == f->sid) f->found = true;
        },
        &find);
    if (!find.found) return kstd::Error::kPermission;
  }
  target->set_pgid(new_pgid);
  return 0;
}

kstd::Result<uint64_t> SysLinuxSetsid() {
  Process* self = CurrentProcess();
  // A process group leader cannot start a session (its group would straddle two).
  if (self->pgid() == self->pid()) return kstd::Error::kPermission;
  self->set_sid(self->pid());
  self->set_pgid(self->pid());
  return PidToUser(self->pid());
}

// prctl: the process name (PR_SET_NAME / PR_GET_NAME, 16 bytes with the
// NUL, as Linux's comm), the calling thread's timer slack
// (PR_SET_TIMERSLACK / PR_GET_TIMERSLACK: core/proc/linux_thread.h) and the
// credential options (PrctlCredentials).
// Every other option is refused with EINVAL.
kstd::Result<uint64_t> SysLinuxPrctl(int32_t option, uint64_t arg2, uint64_t arg3, uint64_t arg4,
                                     uint64_t arg5) {
  constexpr int32_t kPrSetName = 15, kPrGetName = 16;
  constexpr size_t kCommBytes = 16;
  switch (option) {
    case kPrSetName: {
      char name[kCommBytes] = {};
      auto len = CopyStringIn(arg2, name, kCommBytes - 1);
      // Longer names are cut to 15 bytes, not refused (Linux).
      if (len.is_error() && len.error() != kstd::Error::kNameTooLong) return len.error();
      if (len.is_error() && UserPtr<char>(arg2).CopyIn(name, kCommBytes - 1).is_error()) {
        return kstd::Error::kFault;
      }
      name[kCommBytes - 1] = '\0';
      CurrentProcess()->SetName(name);
      return 0;
    }
    case kPrGetName: {
      char name[kCommBytes] = {};
      kstd::CopyString(name, sizeof name, CurrentProcess()->name());
      TRY(UserPtr<char>(arg2).CopyOut(name, sizeof name));
      return 0;
    }
    case linux_abi::kPrSetTimerslack: {
      LinuxThread& self = LinuxOf(CurrentThread());
      self.timer_slack_ns = arg2 == 0 ? self.default_timer_slack_ns : arg2;
      return 0;
    }
    case linux_abi::kPrGetTimerslack: return LinuxOf(CurrentThread()).timer_slack_ns;
    default: {
      auto handled = PrctlCredentials(option, arg2, arg3, arg4, arg5);
      if (handled.is_error() && handled.error() == kstd::Error::kNotSupported) {
        return Refuse("prctl", "option", static_cast<uint32_t>(option));
      }
      return handled;
    }
  }
}

}  // namespace core::syscall
