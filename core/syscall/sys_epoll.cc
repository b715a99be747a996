// Linux epoll calls: epoll_create, epoll_create1, epoll_ctl, epoll_wait,
// epoll_pwait, epoll_pwait2. The instance and its ready list are
// core/fd/epoll.h; waiting is on the instance's readable signal.

#include "abi/linux/epoll.h"
#include "abi/linux/time.h"
#include "core/fd/epoll.h"
#include "core/fd/fd_table.h"
#include "core/syscall/sys_common.h"
#include "core/syscall/temp_sigmask.h"
#include "hal/traps.h"
#include "kstd/new.h"

namespace core::syscall {
namespace {

using linux_abi::EpollEvent;

kstd::Result<uint64_t> CreateEpoll(bool cloexec) {
  auto ep = TRY(fd::EpollInstance::Create());
  int fd = TRY(CurrentProcess()->fds()->Install(kstd::RefPtr<fd::FileDescription>(ep), cloexec));
  return static_cast<uint64_t>(fd);
}

// Harvests into user memory in chunks; returns the count. Errors: kFault.
kstd::Result<uint64_t> HarvestToUser(fd::EpollInstance* ep, uint64_t user, int32_t maxevents) {
  // 32 events (384 bytes) on the stack: most waits want fewer, and a heap
  // buffer per call costs more than the harvest itself.
  constexpr size_t kChunk = 32;
  EpollEvent buf[kChunk];
  uint64_t total = 0;
  kstd::Result<uint64_t> result = uint64_t{0};
  while (total < static_cast<uint64_t>(maxevents)) {
    size_t want =
        static_cast<size_t>(kstd::Min<uint64_t>(kChunk, static_cast<uint64_t>(maxevents) - total));
    size_t got = ep->Harvest(kstd::Span<EpollEvent>(buf, want));
    if (got == 0) break;
    if (UserPtr<EpollEvent>(user + total * sizeof(EpollEvent)).CopyOut(buf, got).is_error()) {
      if (total == 0) result = kstd::Error::kFault;
      break;
    }
    total += got;
    if (got < want) break;
  }
  if (result.is_error()) return result;
  return total;
}

// epoll_wait's core; `timeout_ns` < 0 waits forever.
kstd::Result<uint64_t> EpollWait(int32_t epfd, uint64_t events, int32_t maxevents,
                                 int64_t timeout_ns) {
  if (maxevents <= 0 || maxevents > linux_abi::kEpMaxEvents) return kstd::Error::kInvalid;
  // Linux's access_ok: the whole buffer must be user addresses, even when
  // nothing is written to it.
  uint64_t bytes = static_cast<uint64_t>(maxevents) * sizeof(EpollEvent);
  if (events + bytes < events || events + bytes > hal::UserAddressLimit())
    return kstd::Error::kFault;
  auto file = TRY(CurrentProcess()->fds()->Get(epfd));
  if (!file->IsEpoll()) return kstd::Error::kInvalid;
  auto* ep = static_cast<fd::EpollInstance*>(file.get());
  // A poll (timeout 0) or a wait that finds events at once never reads the clock.
  uint64_t n = TRY(HarvestToUser(ep, events, maxevents));
  if (n > 0 || timeout_ns == 0) return n;
  uint64_t deadline = timeout_ns < 0 ? sched::kNoDeadline
                                     : sched::DeadlineAfterNanos(static_cast<uint64_t>(timeout_ns));
  for (;;) {
    n = TRY(HarvestToUser(ep, events, maxevents));
    if (n > 0) return n;
    if (deadline != sched::kNoDeadline && sched::Now() >= deadline) return n;
    kstd::RefPtr<KernelObject> object = file;
    Signals wanted = kSignalReadable;
    auto woke = WaitForSignals(&object, &wanted, 1, deadline, nullptr);
    if (woke.is_error()) {
      if (woke.error() != kstd::Error::kTimedOut) return woke.error();
      return HarvestToUser(ep, events, maxevents);  // one last look, as Linux
    }
  }
}

// epoll_pwait/epoll_pwait2: the wait under a temporary signal mask.
kstd::Result<uint64_t> EpollPwait(int32_t epfd, uint64_t events, int32_t maxevents,
                                  int64_t timeout_ns, UserPtr<const uint64_t> sigmask,
                                  uint64_t sigsetsize) {
  bool installed = TRY(BeginTemporaryMask(sigmask, sigsetsize));
  auto r = EpollWait(epfd, events, maxevents, timeout_ns);
  EndTemporaryMask(installed, r.is_error() && r.error() == kstd::Error::kInterrupted);
  return r;
}

}  // namespace

kstd::Result<uint64_t> SysLinuxEpollCreate(int32_t size) {
  if (size <= 0) return kstd::Error::kInvalid;
  return CreateEpoll(false);
}

kstd::Result<uint64_t> SysLinuxEpollCreate1(int32_t flags) {
  if ((flags & ~linux_abi::kEpollCloexec) != 0) return kstd::Error::kInvalid;
  return CreateEpoll((flags & linux_abi::kEpollCloexec) != 0);
}

kstd::Result<uint64_t> SysLinuxEpollCtl(int32_t epfd, int32_t op, int32_t fd,
                                        UserPtr<const EpollEvent> event) {
  EpollEvent ev{};
  // Linux reads the event for every op but DEL (an unknown op too).
  if (op != linux_abi::kEpollCtlDel) TRY(event.CopyIn(&ev));
  auto ep = TRY(CurrentProcess()->fds()->Get(epfd));
  auto target = TRY(CurrentProcess()->fds()->Get(fd));
  // Linux's order: a file that cannot be polled first, then "not an epoll".
  if (target->WaitTarget() == nullptr) return kstd::Error::kPermission;
  if (!ep->IsEpoll()) return kstd::Error::kInvalid;
  TRY(static_cast<fd::EpollInstance*>(ep.get())->Control(op, fd, target.get(), ev));
  return 0;
}

kstd::Result<uint64_t> SysLinuxEpollWait(int32_t epfd, UserPtr<void> events, int32_t maxevents,
                                         int32_t timeout) {
  int64_t ns = timeout < 0 ? -1 : static_cast<int64_t>(timeout) * 1'000'000;
  return EpollWait(epfd, events.address(), maxevents, ns);
}

kstd::Result<uint64_t> SysLinuxEpollPwait(int32_t epfd, UserPtr<void> events, int32_t maxevents,
                                          int32_t timeout, UserPtr<const uint64_t> sigmask,
                                          uint64_t sigsetsize) {
  int64_t ns = timeout < 0 ? -1 : static_cast<int64_t>(timeout) * 1'000'000;
  return EpollPwait(epfd, events.address(), maxevents, ns, sigmask, sigsetsize);
}

kstd::Result<uint64_t> SysLinuxEpollPwait2(int32_t epfd, UserPtr<void> events, int32_t maxevents,
                                           UserPtr<const linux_abi::Timespec> timeout,
                                           UserPtr<const uint64_t> sigmask, uint64_t sigsetsize) {
  int64_t ns = -1;
  if (timeout.address() != 0) {
    linux_abi::Timespec ts;
    TRY(timeout.CopyIn(&ts));
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1'000'000'000)
      return kstd::Error::kInvalid;
    constexpr int64_t kMaxSec = 9'000'000'000;  // ~285 years: no overflow below
    ns = (ts.tv_sec > kMaxSec ? kMaxSec : ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  }
  return EpollPwait(epfd, events.address(), maxevents, ns, sigmask, sigsetsize);
}

}  // namespace core::syscall
