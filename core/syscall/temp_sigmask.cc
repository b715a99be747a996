#include "core/syscall/temp_sigmask.h"

#include "core/posix/signals.h"
#include "core/proc/linux_thread.h"
#include "core/syscall/caller.h"

namespace core::syscall {

kstd::Result<bool> BeginTemporaryMask(UserPtr<const uint64_t> set, uint64_t sigsetsize) {
  if (set.address() == 0) return false;
  if (posix::CheckSigSetSize(sigsetsize).is_error()) return kstd::Error::kInvalid;
  posix::SigSet mask;
  TRY(set.CopyIn(&mask));
  SpinLockGuard guard(CurrentProcess()->signal_lock());
  posix::ThreadSignals* ts = SignalsOf(CurrentThread());
  ts->SetTemporaryMask(mask);
  // A signal the new mask lets in ends the wait at once (as rt_sigsuspend).
  if (ts->HasDeliverable()) CurrentThread()->interrupt_pending_ = true;
  return true;
}

void EndTemporaryMask(bool installed, bool interrupted) {
  if (!installed || interrupted) return;
  SpinLockGuard guard(CurrentProcess()->signal_lock());
  SignalsOf(CurrentThread())->RestoreSavedMask();
}

}  // namespace core::syscall
