// futex(2), get_robust_list(2), set_robust_list(2): decoding. The wait
// queues, their keys and the exit-time wakes are core/proc/futex.h.

#include "abi/linux/futex.h"
#include "abi/linux/time.h"
#include "core/proc/futex.h"
#include "core/proc/linux_thread.h"
#include "core/syscall/pid_view.h"
#include "core/syscall/sys_common.h"
#include "core/unsupported/refusals.h"
#include "hal/timer.h"

namespace core::syscall {
namespace {

constexpr int32_t kFutexCmdMask = ~(linux_abi::kFutexPrivate | linux_abi::kFutexClockRealtime);

}  // namespace

kstd::Result<uint64_t> SysLinuxFutex(UserPtr<uint32_t> uaddr, int32_t op, uint32_t val,
                                     UserPtr<const linux_abi::Timespec> timeout, uint64_t uaddr2,
                                     uint32_t val3) {
  (void)uaddr2;
  if ((uaddr.address() & 3) != 0) return kstd::Error::kInvalid;
  const bool is_private = (op & linux_abi::kFutexPrivate) != 0;
  int32_t cmd = op & kFutexCmdMask;
  if ((cmd == linux_abi::kFutexWaitBitset || cmd == linux_abi::kFutexWakeBitset) &&
      val3 != 0xFFFFFFFFu) {
    return Refuse("futex", "bitset", val3);  // only the match-any bitset is supported
  }
  switch (cmd) {
    case linux_abi::kFutexWait:
    case linux_abi::kFutexWaitBitset: {
      uint64_t deadline = sched::kNoDeadline;
      if (timeout.address() != 0) {
        linux_abi::Timespec ts;
        TRY(timeout.CopyIn(&ts));
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1'000'000'000)
          return kstd::Error::kInvalid;
        uint64_t ns =
            static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
        // FUTEX_WAIT takes a relative timeout; FUTEX_WAIT_BITSET an absolute one.
        deadline =
            cmd == linux_abi::kFutexWait ? sched::DeadlineAfterNanos(ns) : (ns == 0 ? 1 : ns);
      }
      auto waited = FutexWait(uaddr.address(), is_private, val, deadline);
      // A signal: as Linux, restarted under SA_RESTART or when no handler
      // runs (a stop and continue) without a timeout; with one, restarted
      // only when no handler runs (with the full relative timeout again, as
      // nanosleep here).
      if (waited.is_error() && waited.error() == kstd::Error::kInterrupted) {
        return deadline == sched::kNoDeadline ? kstd::Error::kRestartSys
                                              : kstd::Error::kRestartNoHand;
      }
      if (waited.is_error()) return waited.error();
      return 0;
    }
    case linux_abi::kFutexWake:
    case linux_abi::kFutexWakeBitset: {
      return FutexWake(uaddr.address(), is_private, static_cast<int64_t>(val));  // a count
    }
    default: return Refuse("futex", "op", static_cast<uint32_t>(cmd), kstd::Error::kNotSupported);
  }
}

kstd::Result<uint64_t> SysLinuxGetRobustList(int32_t pid, UserPtr<uint64_t> head,
                                             UserPtr<uint64_t> length) {
  // pid names a thread: 0 the caller, otherwise a Linux tid.
  if (pid < 0) return kstd::Error::kSearch;
  kstd::RefPtr<sched::Thread> target = kstd::RefPtr<sched::Thread>::FromRaw(CurrentThread());
  if (pid != 0) {
    const uint64_t tid = PidFromUser(pid);  // the caller's namespace's number
    kstd::RefPtr<Process> owner = tid != 0 ? Process::FindByTid(tid) : kstd::RefPtr<Process>();
    target = owner ? owner->FindThread(tid) : kstd::RefPtr<sched::Thread>();
  }
  if (!target) return kstd::Error::kSearch;
  uint64_t value = __atomic_load_n(&LinuxOf(target).robust_list, __ATOMIC_RELAXED);
  uint64_t size = sizeof(linux_abi::RobustListHead);
  if (head.CopyOut(&value).is_error() || length.CopyOut(&size).is_error()) {
    return kstd::Error::kFault;
  }
  return 0;
}

kstd::Result<uint64_t> SysLinuxSetRobustList(uint64_t head, uint64_t length) {
  if (length != sizeof(linux_abi::RobustListHead)) return kstd::Error::kInvalid;
  __atomic_store_n(&LinuxOf(CurrentThread()).robust_list, head, __ATOMIC_RELAXED);
  return 0;
}

}  // namespace core::syscall
