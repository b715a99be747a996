// Linux calls that wait for fds to become ready: poll, ppoll, select and
// pselect6 (select's fd sets become a poll array). ppoll and pselect6 wait
// under their temporary signal mask (temp_sigmask.h).

#include "abi/linux/epoll.h"
#include "abi/linux/poll.h"
#include "abi/linux/time.h"
#include "core/fd/epoll.h"
#include "core/fd/fd_table.h"
#include "core/syscall/sys_common.h"
#include "core/syscall/temp_sigmask.h"
#include "kstd/new.h"

namespace core::syscall {

namespace {

struct linux_pollfd {
  int32_t fd;
  int16_t events;
  int16_t revents;
};

// More idle fds than one wait can take (64): a temporary epoll watches them
// all (each an observer on its file), so the wait ends when any of them
// becomes ready. Errors: kInterrupted, kTimedOut, kNoMemory.
kstd::Result<void> WaitOnMany(const linux_pollfd* pfds, uint64_t nfds, uint64_t deadline) {
  auto ep = TRY(fd::EpollInstance::Create());
  for (uint64_t i = 0; i < nfds; ++i) {
    if (pfds[i].fd < 0) continue;
    auto file = CurrentProcess()->fds()->Get(pfds[i].fd);
    if (file.is_error() || file.value()->WaitTarget() == nullptr) continue;
    // poll's event bits are epoll's; a repeated fd is already watched (EEXIST).
    linux_abi::EpollEvent ev{static_cast<uint16_t>(pfds[i].events), 0};
    auto added = ep->Control(linux_abi::kEpollCtlAdd, pfds[i].fd, file.value().get(), ev);
    if (added.is_error() && added.error() == kstd::Error::kNoMemory) return added.error();
  }
  kstd::RefPtr<KernelObject> object = ep;
  Signals wanted = kSignalReadable;
  TRY(WaitForSignals(&object, &wanted, 1, deadline, nullptr));
  return kstd::Ok();
}

// poll's core on a kernel array: fills revents, returns the ready count.
// `timeout_ns` < 0 waits forever.
kstd::Result<uint64_t> PollKernel(linux_pollfd* pfds, uint64_t nfds, int64_t timeout_ns) {
  uint64_t deadline = timeout_ns < 0 ? sched::kNoDeadline
                                     : sched::DeadlineAfterNanos(static_cast<uint64_t>(timeout_ns));
  constexpr size_t kMaxWaited = 64;
  for (;;) {
    uint64_t ready = 0;
    kstd::RefPtr<KernelObject> objects[kMaxWaited];
    Signals wanted[kMaxWaited];
    size_t waited = 0;
    bool too_many = false;
    for (uint64_t i = 0; i < nfds; ++i) {
      pfds[i].revents = 0;
      if (pfds[i].fd < 0) continue;
      auto file = CurrentProcess()->fds()->Get(pfds[i].fd);
      if (file.is_error()) {
        pfds[i].revents = linux_abi::kPollNval;
        ++ready;
        continue;
      }
      int16_t ev = file.value()->PollEvents();
      int16_t mask = pfds[i].events | linux_abi::kPollErr | linux_abi::kPollHup;
      pfds[i].revents = static_cast<int16_t>(ev & mask);
      if (pfds[i].revents != 0) {
        ++ready;
      } else if (file.value()->WaitTarget() == nullptr) {
        // Never blocks, yet not ready for what was asked: nothing to wait for.
      } else if (waited < kMaxWaited) {
        Signals w = kSignalPeerClosed;
        if (pfds[i].events & (linux_abi::kPollIn | linux_abi::kPollRdNorm | linux_abi::kPollPri))
          w |= kSignalReadable;
        if (pfds[i].events & (linux_abi::kPollOut | linux_abi::kPollWrNorm)) w |= kSignalWritable;
        objects[waited] = kstd::RefPtr<KernelObject>::FromRaw(file.value()->WaitTarget());
        wanted[waited] = w;
        ++waited;
      } else {
        too_many = true;
      }
    }
    if (ready > 0 || timeout_ns == 0 ||
        (deadline != sched::kNoDeadline && sched::Now() >= deadline)) {
      return ready;
    }
    if (waited == 0) {
      // Nothing to wait on (all fds negative): sleep out the timeout.
      sched::PrepareToBlock();
      if (sched::Block(deadline) == sched::WakeReason::kInterrupted)
        return kstd::Error::kInterrupted;
      continue;
    }
    kstd::Error failed = kstd::Error::kTimedOut;
    if (too_many) {
      auto r = WaitOnMany(pfds, nfds, deadline);
      if (r.is_error()) failed = r.error();
    } else {
      auto r = WaitForSignals(objects, wanted, waited, deadline, nullptr);
      if (r.is_error()) failed = r.error();
    }
    if (failed == kstd::Error::kInterrupted) return kstd::Error::kInterrupted;
  }
}

// poll(2) on a user array.
kstd::Result<uint64_t> DoPoll(UserPtr<linux_pollfd> user_fds, uint64_t nfds, int64_t timeout_ns) {
  if (nfds > static_cast<uint64_t>(fd::kMaxFds)) return kstd::Error::kInvalid;
  linux_pollfd* pfds = new (kstd::nothrow) linux_pollfd[nfds > 0 ? nfds : 1];
  if (pfds == nullptr) return kstd::Error::kNoMemory;
  struct Cleanup {
    linux_pollfd* p;
    ~Cleanup() { delete[] p; }
  } cleanup{pfds};
  if (nfds > 0) TRY(user_fds.CopyIn(pfds, nfds));
  const uint64_t ready = TRY(PollKernel(pfds, nfds, timeout_ns));
  if (nfds > 0) TRY(user_fds.CopyOut(pfds, nfds));
  return ready;
}

// select(2)/pselect6(2): the fd sets become a poll array.
kstd::Result<uint64_t> DoSelect(int32_t nfds, uint64_t readfds, uint64_t writefds,
                                uint64_t exceptfds, int64_t timeout_ns) {
  if (nfds < 0 || nfds > fd::kMaxFds) return kstd::Error::kInvalid;
  constexpr size_t kWords = fd::kMaxFds / 64;
  auto* sets = new (kstd::nothrow) uint64_t[3][kWords];
  auto* pfds = new (kstd::nothrow) linux_pollfd[nfds > 0 ? nfds : 1];
  struct Cleanup {
    uint64_t (*s)[kWords];
    linux_pollfd* p;
    ~Cleanup() {
      delete[] s;
      delete[] p;
    }
  } cleanup{sets, pfds};
  if (sets == nullptr || pfds == nullptr) return kstd::Error::kNoMemory;
  size_t words = (static_cast<size_t>(nfds) + 63) / 64;
  uint64_t user[3] = {readfds, writefds, exceptfds};
  for (int i = 0; i < 3; ++i) {
    for (size_t w = 0; w < kWords; ++w) sets[i][w] = 0;
    if (user[i] != 0 && words > 0 && UserPtr<uint64_t>(user[i]).CopyIn(sets[i], words).is_error()) {
      return kstd::Error::kFault;
    }
  }
  uint64_t n = 0;
  for (int fd = 0; fd < nfds; ++fd) {
    int16_t ev = 0;
    if ((sets[0][fd / 64] >> (fd % 64)) & 1) ev |= linux_abi::kPollIn;
    if ((sets[1][fd / 64] >> (fd % 64)) & 1) ev |= linux_abi::kPollOut;
    if ((sets[2][fd / 64] >> (fd % 64)) & 1) ev |= linux_abi::kPollPri;
    if (ev != 0) pfds[n++] = linux_pollfd{fd, ev, 0};
  }
  TRY(PollKernel(pfds, n, timeout_ns));
  for (int i = 0; i < 3; ++i) {
    for (size_t w = 0; w < kWords; ++w) sets[i][w] = 0;
  }
  uint64_t count = 0;
  for (uint64_t i = 0; i < n; ++i) {
    int fd = pfds[i].fd;
    int16_t rev = pfds[i].revents;
    if (rev & linux_abi::kPollNval) return kstd::Error::kBadHandle;
    auto mark = [&](int set) {
      sets[set][fd / 64] |= 1ULL << (fd % 64);
      ++count;
    };
    if ((pfds[i].events & linux_abi::kPollIn) &&
        (rev & (linux_abi::kPollIn | linux_abi::kPollHup | linux_abi::kPollErr)))
      mark(0);
    if ((pfds[i].events & linux_abi::kPollOut) &&
        (rev & (linux_abi::kPollOut | linux_abi::kPollErr)))
      mark(1);
    if ((pfds[i].events & linux_abi::kPollPri) && (rev & linux_abi::kPollPri)) mark(2);
  }
  for (int i = 0; i < 3; ++i) {
    if (user[i] != 0 && words > 0 &&
        UserPtr<uint64_t>(user[i]).CopyOut(sets[i], words).is_error()) {
      return kstd::Error::kFault;
    }
  }
  return count;
}

// The timeout of ppoll and pselect6 in nanoseconds; -1 (wait forever) for a
// null pointer. Errors: kFault, kInvalid (negative, or tv_nsec >= 10^9).
kstd::Result<int64_t> TimeoutNanos(UserPtr<const linux_abi::Timespec> timeout) {
  if (timeout.address() == 0) return int64_t{-1};
  linux_abi::Timespec ts;
  TRY(timeout.CopyIn(&ts));
  if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1'000'000'000) return kstd::Error::kInvalid;
  return ts.tv_sec * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

kstd::Result<uint64_t> SysLinuxSelect(int32_t nfds, UserPtr<void> readfds, UserPtr<void> writefds,
                                      UserPtr<void> exceptfds, UserPtr<void> timeout) {
  int64_t ns = -1;
  if (timeout.address() != 0) {
    int64_t tv[2];  // struct timeval
    TRY(UserPtr<int64_t>(timeout.address()).CopyIn(tv, 2));
    if (tv[0] < 0 || tv[1] < 0 || tv[1] >= 1'000'000) return kstd::Error::kInvalid;
    ns = tv[0] * 1'000'000'000 + tv[1] * 1000;
  }
  return DoSelect(nfds, readfds.address(), writefds.address(), exceptfds.address(), ns);
}

kstd::Result<uint64_t> SysLinuxPselect6(int32_t nfds, UserPtr<void> readfds, UserPtr<void> writefds,
                                        UserPtr<void> exceptfds,
                                        UserPtr<const linux_abi::Timespec> timeout,
                                        UserPtr<const void> sigmask) {
  const int64_t ns = TRY(TimeoutNanos(timeout));
  // The sigmask argument is a {sigset pointer, size} pair.
  uint64_t pair[2] = {0, 0};
  if (sigmask.address() != 0) TRY(UserPtr<uint64_t>(sigmask.address()).CopyIn(pair, 2));
  bool installed = TRY(BeginTemporaryMask(UserPtr<const uint64_t>(pair[0]), pair[1]));
  auto r = DoSelect(nfds, readfds.address(), writefds.address(), exceptfds.address(), ns);
  EndTemporaryMask(installed, r.is_error() && r.error() == kstd::Error::kInterrupted);
  return r;
}

kstd::Result<uint64_t> SysLinuxPoll(UserPtr<void> fds, uint64_t nfds, int32_t timeout_ms) {
  int64_t ns = timeout_ms < 0 ? -1 : static_cast<int64_t>(timeout_ms) * 1'000'000;
  return DoPoll(UserPtr<linux_pollfd>(fds.address()), nfds, ns);
}

kstd::Result<uint64_t> SysLinuxPpoll(UserPtr<void> fds, uint64_t nfds,
                                     UserPtr<const linux_abi::Timespec> timeout,
                                     UserPtr<const void> sigmask, uint64_t sigsetsize) {
  const int64_t ns = TRY(TimeoutNanos(timeout));
  bool installed = TRY(BeginTemporaryMask(UserPtr<const uint64_t>(sigmask.address()), sigsetsize));
  auto r = DoPoll(UserPtr<linux_pollfd>(fds.address()), nfds, ns);
  EndTemporaryMask(installed, r.is_error() && r.error() == kstd::Error::kInterrupted);
  return r;
}

}  // namespace core::syscall
