// Linux calls on file descriptors: read/write (and vectors, positional),
// close, dup/dup2/dup3, fcntl, pipe/pipe2, lseek, ioctl, poll/ppoll.

#include "abi/linux/fcntl.h"
#include "abi/linux/poll.h"
#include "abi/linux/signal.h"
#include "abi/linux/time.h"
#include "abi/linux/uio.h"
#include "core/fd/fd_table.h"
#include "core/fd/pipe.h"
#include "core/proc/signals.h"
#include "core/syscall/bounce_pool.h"
#include "core/syscall/refusals.h"
#include "core/syscall/sys_common.h"
#include "hal/timer.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::syscall {
namespace {

using fd::FileDescription;

constexpr size_t kChunk = 4096;
constexpr uint64_t kMaxIo = 0x7FFFF000;  // Linux MAX_RW_COUNT

fd::FdTable& Fds() { return *CurrentProcess()->fds(); }

kstd::Result<kstd::RefPtr<FileDescription>> GetFile(int32_t fd) { return Fds().Get(fd); }

// Moves `count` bytes from user memory into `file` through a bounce buffer
// (a pooled 64 KiB one for large transfers, see bounce_pool.h).
int64_t WriteFromUser(FileDescription* file, uint64_t address, uint64_t count, bool positional,
                      uint64_t offset) {
  if (!file->writable()) return Errno(kstd::Error::kBadHandle);
  uint8_t stack_buf[kChunk];
  count = kstd::Min(count, kMaxIo);
  BounceBuffer bounce(count, stack_buf, sizeof stack_buf);
  uint8_t* buf = bounce.data();
  uint64_t done = 0;
  while (done < count) {
    size_t n = static_cast<size_t>(kstd::Min<uint64_t>(count - done, bounce.size()));
    if (!hal::CopyFromUser(buf, address + done, n)) {
      return done > 0 ? static_cast<int64_t>(done) : Errno(kstd::Error::kFault);
    }
    auto w = positional ? file->WriteAt(offset + done, kstd::Span<const uint8_t>(buf, n))
                        : file->Write(kstd::Span<const uint8_t>(buf, n));
    if (w.is_error()) {
      if (done > 0) return static_cast<int64_t>(done);
      if (w.error() == kstd::Error::kPipe) {
        // Writing to a pipe nobody reads: SIGPIPE (its default kills), and EPIPE.
        SendSignal(CurrentProcess(), linux_abi::kSigPipe,
                   linux_abi::SigInfo::FromKernel(linux_abi::kSigPipe));
      }
      return Errno(w.error());
    }
    done += w.value();
    if (w.value() < n) break;  // short write (stream full and nonblocking)
  }
  return static_cast<int64_t>(done);
}

// Reads into user memory. A stream read stops at the first short read.
int64_t ReadToUser(FileDescription* file, uint64_t address, uint64_t count, bool positional,
                   uint64_t offset) {
  if (!file->readable()) return Errno(kstd::Error::kBadHandle);
  uint8_t stack_buf[kChunk];
  count = kstd::Min(count, kMaxIo);
  BounceBuffer bounce(count, stack_buf, sizeof stack_buf);
  uint8_t* buf = bounce.data();
  uint64_t done = 0;
  while (done < count) {
    size_t n = static_cast<size_t>(kstd::Min<uint64_t>(count - done, bounce.size()));
    auto r = positional ? file->ReadAt(offset + done, kstd::Span<uint8_t>(buf, n))
                        : file->Read(kstd::Span<uint8_t>(buf, n));
    if (r.is_error()) return done > 0 ? static_cast<int64_t>(done) : Errno(r.error());
    if (r.value() > 0 && !hal::CopyToUser(address + done, buf, r.value())) {
      return done > 0 ? static_cast<int64_t>(done) : Errno(kstd::Error::kFault);
    }
    done += r.value();
    if (r.value() < n) break;
    // Streams (pipes, ttys): return what is there rather than block again.
    if (!positional && file->IsStream()) break;
  }
  return static_cast<int64_t>(done);
}

int64_t DoVector(int32_t fd, UserPtr<const linux_abi::Iovec> iov, int32_t iovcnt, bool write,
                 bool positional, int64_t offset) {
  if (iovcnt < 0 || iovcnt > linux_abi::kIovMax) return Errno(kstd::Error::kInvalid);
  auto file = GetFile(fd);
  if (file.is_error()) return Errno(file.error());
  if (positional && offset < 0) return Errno(kstd::Error::kInvalid);
  int64_t total = 0;
  for (int32_t i = 0; i < iovcnt; ++i) {
    linux_abi::Iovec v;
    if (iov.Offset(i).CopyIn(&v).is_error()) return total > 0 ? total : Errno(kstd::Error::kFault);
    if (v.iov_len > kMaxIo) return total > 0 ? total : Errno(kstd::Error::kInvalid);
    if (v.iov_len == 0) continue;
    int64_t n = write ? WriteFromUser(file.value().get(), v.iov_base, v.iov_len, positional,
                                      static_cast<uint64_t>(offset + total))
                      : ReadToUser(file.value().get(), v.iov_base, v.iov_len, positional,
                                   static_cast<uint64_t>(offset + total));
    if (n < 0) return total > 0 ? total : n;
    total += n;
    if (static_cast<uint64_t>(n) < v.iov_len) break;
  }
  return total;
}

}  // namespace

int64_t SysLinuxRead(int32_t fd, UserPtr<void> buf, uint64_t count) {
  auto file = GetFile(fd);
  if (file.is_error()) return Errno(file.error());
  return ReadToUser(file.value().get(), buf.address(), count, false, 0);
}

int64_t SysLinuxWrite(int32_t fd, UserPtr<const void> buf, uint64_t count) {
  auto file = GetFile(fd);
  if (file.is_error()) return Errno(file.error());
  return WriteFromUser(file.value().get(), buf.address(), count, false, 0);
}

int64_t SysLinuxPread64(int32_t fd, UserPtr<void> buf, uint64_t count, int64_t offset) {
  if (offset < 0) return Errno(kstd::Error::kInvalid);
  auto file = GetFile(fd);
  if (file.is_error()) return Errno(file.error());
  return ReadToUser(file.value().get(), buf.address(), count, true, static_cast<uint64_t>(offset));
}

int64_t SysLinuxPwrite64(int32_t fd, UserPtr<const void> buf, uint64_t count, int64_t offset) {
  if (offset < 0) return Errno(kstd::Error::kInvalid);
  auto file = GetFile(fd);
  if (file.is_error()) return Errno(file.error());
  return WriteFromUser(file.value().get(), buf.address(), count, true, static_cast<uint64_t>(offset));
}

int64_t SysLinuxReadv(int32_t fd, UserPtr<const linux_abi::Iovec> iov, int32_t iovcnt) {
  return DoVector(fd, iov, iovcnt, false, false, 0);
}

int64_t SysLinuxWritev(int32_t fd, UserPtr<const linux_abi::Iovec> iov, int32_t iovcnt) {
  return DoVector(fd, iov, iovcnt, true, false, 0);
}

int64_t SysLinuxLseek(int32_t fd, int64_t offset, int32_t whence) {
  auto file = GetFile(fd);
  if (file.is_error()) return Errno(file.error());
  if (whence < 0 || whence > 4) return Errno(kstd::Error::kInvalid);
  auto r = file.value()->Seek(offset, whence);
  return r.ok() ? r.value() : Errno(r.error());
}

int64_t SysLinuxClose(int32_t fd) {
  auto r = Fds().Close(fd);
  return r.ok() ? 0 : Errno(r.error());
}

int64_t SysLinuxDup(int32_t fd) {
  auto file = GetFile(fd);
  if (file.is_error()) return Errno(file.error());
  auto n = Fds().Install(file.release_value(), false);
  return n.ok() ? n.value() : Errno(n.error());
}

int64_t SysLinuxDup3(int32_t oldfd, int32_t newfd, int32_t flags) {
  if ((flags & ~static_cast<int32_t>(linux_abi::kOCloExec)) != 0) {
    return Refuse("dup3", "flags",
                  static_cast<uint32_t>(flags & ~static_cast<int32_t>(linux_abi::kOCloExec)));
  }
  if (oldfd == newfd) return Errno(kstd::Error::kInvalid);
  auto file = GetFile(oldfd);
  if (file.is_error()) return Errno(file.error());
  if (newfd < 0 || newfd >= fd::kMaxFds) return Errno(kstd::Error::kBadHandle);
  auto r = Fds().InstallAt(newfd, file.release_value(), (flags & linux_abi::kOCloExec) != 0);
  return r.ok() ? newfd : Errno(r.error());
}

int64_t SysLinuxDup2(int32_t oldfd, int32_t newfd) {
  if (oldfd == newfd) {
    auto file = GetFile(oldfd);
    return file.ok() ? newfd : Errno(file.error());
  }
  return SysLinuxDup3(oldfd, newfd, 0);
}

int64_t SysLinuxFcntl(int32_t fd, int32_t cmd, uint64_t arg) {
  auto file = GetFile(fd);
  if (file.is_error()) return Errno(file.error());
  switch (cmd) {
    case linux_abi::kFDupFd:
    case linux_abi::kFDupFdCloexec: {
      if (arg >= static_cast<uint64_t>(fd::kMaxFds)) return Errno(kstd::Error::kInvalid);
      auto n = Fds().Install(file.release_value(), cmd == linux_abi::kFDupFdCloexec,
                             static_cast<int>(arg));
      return n.ok() ? n.value() : Errno(n.error());
    }
    case linux_abi::kFGetFd: {
      auto c = Fds().GetCloexec(fd);
      return c.ok() ? (c.value() ? 1 : 0) : Errno(c.error());
    }
    case linux_abi::kFSetFd: {
      auto r = Fds().SetCloexec(fd, (arg & linux_abi::kFdCloexec) != 0);
      return r.ok() ? 0 : Errno(r.error());
    }
    case linux_abi::kFGetFl:
      return file.value()->status_flags();
    case linux_abi::kFSetFl:
      file.value()->set_status_flags(static_cast<uint32_t>(arg));
      return 0;
    default:
      return Refuse("fcntl", "cmd", static_cast<uint32_t>(cmd));
  }
}

int64_t SysLinuxPipe2(UserPtr<int32_t> fds, int32_t flags) {
  auto pair = fd::CreatePipe(static_cast<uint32_t>(flags));
  if (pair.is_error()) return Errno(pair.error());
  bool cloexec = (flags & linux_abi::kOCloExec) != 0;
  auto r = Fds().Install(pair.value().read_end, cloexec);
  if (r.is_error()) return Errno(r.error());
  auto w = Fds().Install(pair.value().write_end, cloexec);
  if (w.is_error()) {
    (void)Fds().Close(r.value());
    return Errno(w.error());
  }
  int32_t out[2] = {r.value(), w.value()};
  if (fds.CopyOut(out, 2).is_error()) {
    (void)Fds().Close(out[0]);
    (void)Fds().Close(out[1]);
    return Errno(kstd::Error::kFault);
  }
  return 0;
}

int64_t SysLinuxPipe(UserPtr<int32_t> fds) { return SysLinuxPipe2(fds, 0); }

int64_t SysLinuxIoctl(int32_t fd, uint32_t request, uint64_t arg) {
  auto file = GetFile(fd);
  if (file.is_error()) return Errno(file.error());
  auto r = file.value()->Ioctl(request, arg);
  return r.ok() ? r.value() : Errno(r.error());
}

namespace {

struct linux_pollfd {
  int32_t fd;
  int16_t events;
  int16_t revents;
};

// poll's core on a kernel array: fills revents, returns the ready count.
// `timeout_ns` < 0 waits forever.
int64_t PollKernel(linux_pollfd* pfds, uint64_t nfds, int64_t timeout_ns) {
  uint64_t deadline = timeout_ns < 0 ? sched::kNoDeadline
                                    : sched::DeadlineAfterNanos(static_cast<uint64_t>(timeout_ns));
  constexpr size_t kMaxWaited = 64;
  for (;;) {
    int64_t ready = 0;
    kstd::RefPtr<KernelObject> objects[kMaxWaited];
    Signals wanted[kMaxWaited];
    size_t waited = 0;
    bool too_many = false;
    for (uint64_t i = 0; i < nfds; ++i) {
      pfds[i].revents = 0;
      if (pfds[i].fd < 0) continue;
      auto file = Fds().Get(pfds[i].fd);
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
        if (pfds[i].events & (linux_abi::kPollIn | linux_abi::kPollRdNorm | linux_abi::kPollPri)) {
          w |= kSignalReadable;
        }
        if (pfds[i].events & (linux_abi::kPollOut | linux_abi::kPollWrNorm)) w |= kSignalWritable;
        objects[waited] = kstd::RefPtr<KernelObject>::FromRaw(file.value()->WaitTarget());
        wanted[waited] = w;
        ++waited;
      } else {
        too_many = true;
      }
    }
    if (ready > 0 || timeout_ns == 0 || (deadline != sched::kNoDeadline && sched::Now() >= deadline)) {
      return ready;
    }
    if (waited == 0) {
      // Nothing to wait on (all fds negative): sleep out the timeout.
      sched::PrepareToBlock();
      if (sched::Block(deadline) == sched::WakeReason::kInterrupted) return Errno(kstd::Error::kInterrupted);
      continue;
    }
    // More than 64 idle fds: wait on the first 64 and re-check the rest at
    // least every 10 ms.
    uint64_t d = deadline;
    if (too_many) {
      uint64_t soon = sched::DeadlineAfterNanos(10'000'000);
      if (d == sched::kNoDeadline || d > soon) d = soon;
    }
    auto r = WaitForSignals(objects, wanted, waited, d, nullptr);
    if (r.is_error() && r.error() == kstd::Error::kInterrupted) return Errno(kstd::Error::kInterrupted);
  }
}

// poll(2) on a user array.
int64_t DoPoll(UserPtr<linux_pollfd> user_fds, uint64_t nfds, int64_t timeout_ns) {
  if (nfds > static_cast<uint64_t>(fd::kMaxFds)) return Errno(kstd::Error::kInvalid);
  linux_pollfd* pfds = new (kstd::nothrow) linux_pollfd[nfds > 0 ? nfds : 1];
  if (pfds == nullptr) return Errno(kstd::Error::kNoMemory);
  struct Cleanup {
    linux_pollfd* p;
    ~Cleanup() { delete[] p; }
  } cleanup{pfds};
  if (nfds > 0 && user_fds.CopyIn(pfds, nfds).is_error()) return Errno(kstd::Error::kFault);
  int64_t r = PollKernel(pfds, nfds, timeout_ns);
  if (r >= 0 && nfds > 0 && user_fds.CopyOut(pfds, nfds).is_error()) return Errno(kstd::Error::kFault);
  return r;
}

// select(2)/pselect6(2): the fd sets become a poll array.
int64_t DoSelect(int32_t nfds, uint64_t readfds, uint64_t writefds, uint64_t exceptfds, int64_t timeout_ns) {
  if (nfds < 0 || nfds > fd::kMaxFds) return Errno(kstd::Error::kInvalid);
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
  if (sets == nullptr || pfds == nullptr) return Errno(kstd::Error::kNoMemory);
  size_t words = (static_cast<size_t>(nfds) + 63) / 64;
  uint64_t user[3] = {readfds, writefds, exceptfds};
  for (int i = 0; i < 3; ++i) {
    for (size_t w = 0; w < kWords; ++w) sets[i][w] = 0;
    if (user[i] != 0 && words > 0 && UserPtr<uint64_t>(user[i]).CopyIn(sets[i], words).is_error()) {
      return Errno(kstd::Error::kFault);
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
  int64_t r = PollKernel(pfds, n, timeout_ns);
  if (r < 0) return r;
  for (int i = 0; i < 3; ++i) {
    for (size_t w = 0; w < kWords; ++w) sets[i][w] = 0;
  }
  int64_t count = 0;
  for (uint64_t i = 0; i < n; ++i) {
    int fd = pfds[i].fd;
    int16_t rev = pfds[i].revents;
    if (rev & linux_abi::kPollNval) return Errno(kstd::Error::kBadHandle);
    auto mark = [&](int set) {
      sets[set][fd / 64] |= 1ULL << (fd % 64);
      ++count;
    };
    if ((pfds[i].events & linux_abi::kPollIn) &&
        (rev & (linux_abi::kPollIn | linux_abi::kPollHup | linux_abi::kPollErr))) {
      mark(0);
    }
    if ((pfds[i].events & linux_abi::kPollOut) &&
        (rev & (linux_abi::kPollOut | linux_abi::kPollErr))) {
      mark(1);
    }
    if ((pfds[i].events & linux_abi::kPollPri) && (rev & linux_abi::kPollPri)) mark(2);
  }
  for (int i = 0; i < 3; ++i) {
    if (user[i] != 0 && words > 0 && UserPtr<uint64_t>(user[i]).CopyOut(sets[i], words).is_error()) {
      return Errno(kstd::Error::kFault);
    }
  }
  return count;
}

}  // namespace

int64_t SysLinuxSelect(int32_t nfds, UserPtr<void> readfds, UserPtr<void> writefds, UserPtr<void> exceptfds,
                       UserPtr<void> timeout) {
  int64_t ns = -1;
  if (timeout.address() != 0) {
    int64_t tv[2];  // struct timeval
    if (UserPtr<int64_t>(timeout.address()).CopyIn(tv, 2).is_error()) return Errno(kstd::Error::kFault);
    if (tv[0] < 0 || tv[1] < 0 || tv[1] >= 1'000'000) return Errno(kstd::Error::kInvalid);
    ns = tv[0] * 1'000'000'000 + tv[1] * 1000;
  }
  return DoSelect(nfds, readfds.address(), writefds.address(), exceptfds.address(), ns);
}

int64_t SysLinuxPselect6(int32_t nfds, UserPtr<void> readfds, UserPtr<void> writefds, UserPtr<void> exceptfds,
                         UserPtr<const linux_abi::Timespec> timeout, UserPtr<const void> sigmask) {
  int64_t ns = -1;
  if (timeout.address() != 0) {
    linux_abi::Timespec ts;
    if (timeout.CopyIn(&ts).is_error()) return Errno(kstd::Error::kFault);
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1'000'000'000) return Errno(kstd::Error::kInvalid);
    ns = ts.tv_sec * 1'000'000'000 + ts.tv_nsec;
  }
  // The sigmask argument is a {sigset pointer, size} pair; a temporary mask
  // needs rt_sigsuspend-style handling: refuse rather than ignore it.
  if (sigmask.address() != 0) {
    uint64_t pair[2];
    if (UserPtr<uint64_t>(sigmask.address()).CopyIn(pair, 2).is_error()) return Errno(kstd::Error::kFault);
    if (pair[0] != 0) return Errno(kstd::Error::kNotSupported);
  }
  return DoSelect(nfds, readfds.address(), writefds.address(), exceptfds.address(), ns);
}

int64_t SysLinuxPoll(UserPtr<void> fds, uint64_t nfds, int32_t timeout_ms) {
  int64_t ns = timeout_ms < 0 ? -1 : static_cast<int64_t>(timeout_ms) * 1'000'000;
  return DoPoll(UserPtr<linux_pollfd>(fds.address()), nfds, ns);
}

int64_t SysLinuxPpoll(UserPtr<void> fds, uint64_t nfds, UserPtr<const linux_abi::Timespec> timeout,
                      UserPtr<const void> sigmask, uint64_t sigsetsize) {
  int64_t ns = -1;
  if (timeout.address() != 0) {
    linux_abi::Timespec ts;
    if (timeout.CopyIn(&ts).is_error()) return Errno(kstd::Error::kFault);
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1'000'000'000) return Errno(kstd::Error::kInvalid);
    ns = ts.tv_sec * 1'000'000'000 + ts.tv_nsec;
  }
  // A temporary signal mask needs signal delivery, which is not there yet:
  // refuse rather than ignore it.
  if (sigmask.address() != 0) return Errno(kstd::Error::kNotSupported);
  (void)sigsetsize;
  return DoPoll(UserPtr<linux_pollfd>(fds.address()), nfds, ns);
}

}  // namespace core::syscall
