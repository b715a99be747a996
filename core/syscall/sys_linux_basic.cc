// Linux x86-64 calls every static program needs at start-up and exit:
// identity, TLS, time, yielding, exiting.

#include "abi/linux/prctl.h"
#include "abi/linux/time.h"
#include "core/kernel/log.h"
#include "core/kernel/wall_clock.h"
#include "core/syscall/sys_common.h"
#include "hal/console.h"
#include "hal/thread.h"
#include "hal/timer.h"

namespace core::syscall {

int64_t SysLinuxGetpid() { return static_cast<int64_t>(CurrentProcess()->pid()); }

// A Linux process's main thread has the pid as its tid, a CLONE_THREAD
// thread a number from the pid space (what tkill/tgkill take). Further
// native threads report the scheduler's thread id, which tgkill does not take.
int64_t SysLinuxGettid() {
  sched::Thread* t = CurrentThread();
  return static_cast<int64_t>(t->linux_tid_ != 0 ? t->linux_tid_ : t->tid());
}

int64_t SysLinuxSchedYield() {
  sched::Yield();
  return 0;
}

int64_t SysLinuxArchPrctl(int32_t code, uint64_t address) {
  hal::ThreadContext* context = CurrentThread()->context();
  switch (code) {
    case linux_abi::kArchSetFs:
      if (address >= hal::UserAddressLimit()) return Errno(kstd::Error::kPermission);
      context->fs_base = address;
      hal::LoadFsBase(address);
      return 0;
    case linux_abi::kArchGetFs: {
      uint64_t value = context->fs_base;
      return UserPtr<uint64_t>(address).CopyOut(&value).ok() ? 0 : Errno(kstd::Error::kFault);
    }
    default:
      return Errno(kstd::Error::kInvalid);
  }
}

int64_t SysLinuxSetTidAddress(uint64_t tidptr) {
  // The word the kernel zeroes and futex-wakes when this thread exits.
  CurrentThread()->clear_child_tid_ = tidptr;
  return SysLinuxGettid();
}

int64_t SysLinuxClockGettime(int32_t clock, UserPtr<linux_abi::Timespec> tp) {
  uint64_t ns;
  switch (clock) {
    case linux_abi::kClockRealtime:
      ns = static_cast<uint64_t>(WallClockNanos());
      break;
    case linux_abi::kClockMonotonic:
    case linux_abi::kClockMonotonicRaw:
    case linux_abi::kClockBoottime:
      ns = hal::MonotonicNanos();
      break;
    case linux_abi::kClockProcessCputime:
      ns = CurrentProcess()->cpu_ticks() * (1'000'000'000ULL / sched::kTickHz);
      break;
    case linux_abi::kClockThreadCputime:
      ns = CurrentThread()->cpu_ticks() * (1'000'000'000ULL / sched::kTickHz);
      break;
    default:
      return Errno(kstd::Error::kInvalid);
  }
  linux_abi::Timespec ts{static_cast<int64_t>(ns / 1'000'000'000ULL),
                         static_cast<int64_t>(ns % 1'000'000'000ULL)};
  return tp.CopyOut(&ts).ok() ? 0 : Errno(kstd::Error::kFault);
}

int64_t SysLinuxNanosleep(UserPtr<const linux_abi::Timespec> req,
                          UserPtr<linux_abi::Timespec> rem) {
  linux_abi::Timespec ts;
  if (req.CopyIn(&ts).is_error()) return Errno(kstd::Error::kFault);
  if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1'000'000'000) {
    return Errno(kstd::Error::kInvalid);
  }
  uint64_t start = hal::MonotonicNanos();
  uint64_t total = static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
  uint64_t deadline = sched::DeadlineAfterNanos(total);
  sched::PrepareToBlock();
  for (;;) {
    sched::WakeReason why = sched::Block(deadline);
    if (why == sched::WakeReason::kTimedOut) return 0;
    if (why == sched::WakeReason::kInterrupted) {
      uint64_t elapsed = hal::MonotonicNanos() - start;
      uint64_t left = elapsed >= total ? 0 : total - elapsed;
      linux_abi::Timespec r{static_cast<int64_t>(left / 1'000'000'000ULL),
                            static_cast<int64_t>(left % 1'000'000'000ULL)};
      if (!rem.is_null()) (void)rem.CopyOut(&r);
      return Errno(kstd::Error::kInterrupted);
    }
  }
}

int64_t SysLinuxExit(int32_t code) {
  // Ends only the calling thread; the process ends with its last thread and
  // then reports this status if it is the latest (Process::NoteThreadExit).
  CurrentProcess()->NoteThreadExit((code & 0xFF) << 8);
  ExitCurrentThread();
}

int64_t SysLinuxExitGroup(int32_t code) {
  CurrentProcess()->Kill((code & 0xFF) << 8);
  ExitCurrentThread();
}

}  // namespace core::syscall
