// Linux pidfd_open and pidfd_send_signal (the file is core/events/pidfd.h).

#include "abi/linux/fcntl.h"
#include "abi/linux/signal.h"
#include "core/events/pidfd.h"
#include "core/fd/fd_table.h"
#include "core/posix/signals.h"
#include "core/proc/signals.h"
#include "core/syscall/pid_view.h"
#include "core/syscall/sys_common.h"
#include "core/unsupported/refusals.h"

namespace core::syscall {

kstd::Result<uint64_t> SysLinuxPidfdOpen(int32_t pid, uint32_t flags) {
  // PIDFD_THREAD (O_EXCL, Linux 6.9): a pidfd for one thread is refused.
  if (flags & linux_abi::kOExcl) return Refuse("pidfd_open", "flags", linux_abi::kOExcl);
  // The caller's namespace's number; one it cannot see is no process.
  int32_t target = pid;
  if (pid > 0) {
    target = static_cast<int32_t>(PidFromUser(pid));
    if (target == 0) return kstd::Error::kSearch;
  }
  auto file = TRY(events::OpenPidFd(target, flags));
  // A pidfd is always close-on-exec.
  return static_cast<uint64_t>(TRY(CurrentProcess()->fds()->Install(kstd::Move(file), true)));
}

kstd::Result<uint64_t> SysLinuxPidfdSendSignal(int32_t pidfd, int32_t signo,
                                               UserPtr<const linux_abi::SigInfo> info,
                                               uint32_t flags) {
  // PIDFD_SIGNAL_THREAD, _THREAD_GROUP, _PROCESS_GROUP (Linux 6.9): refused.
  constexpr uint32_t kKnownFlags = 0x7;
  if ((flags & ~kKnownFlags) != 0) return kstd::Error::kInvalid;
  if (flags != 0) return Refuse("pidfd_send_signal", "flags", flags);
  if (signo < 0 || signo > linux_abi::kNumSignals) return kstd::Error::kInvalid;
  auto file = TRY(CurrentProcess()->fds()->Get(pidfd));
  kstd::RefPtr<Process> target = TRY(events::ProcessOfPidFd(file.get()));
  Process* self = CurrentProcess();
  linux_abi::SigInfo si;
  if (info.address() != 0) {
    TRY(info.CopyIn(&si));
    if (si.signo != signo) return kstd::Error::kInvalid;
    TRY(posix::CheckUserSigInfo(si, target.get() == self));
  } else {
    si = linux_abi::SigInfo::FromKill(signo, static_cast<int32_t>(self->pid()), 0);
  }
  // Reaped: the process is gone (a zombie still takes the signal and drops it).
  if (Process::FindByPid(target->pid()).get() != target.get()) return kstd::Error::kSearch;
  const posix::Credentials cred = self->credentials();
  const SignalSender sender{&cred, self->sid(), self->pid()};
  if (!MaySignalProcess(&sender, target.get(), signo)) return kstd::Error::kPermission;
  // From an ancestor PID namespace SIGKILL/SIGSTOP reach a namespace's init.
  const bool from_outside = target->pid_namespace()->ToLocal(self->pid()) == 0;
  if (signo != 0) SendSignal(target.get(), signo, si, from_outside);
  return 0;
}

}  // namespace core::syscall
