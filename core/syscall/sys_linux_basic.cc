// Linux x86-64 calls every static program needs at start-up and exit:
// console output on fds 1 and 2, identity, TLS, time, yielding, exiting.
// (The full fd table, VFS and tty arrive with the POSIX personality.)

#include "core/kernel/log.h"
#include "core/syscall/sys_common.h"
#include "hal/console.h"
#include "hal/thread.h"
#include "hal/timer.h"

namespace core::syscall {
namespace {

constexpr int kStdout = 1;
constexpr int kStderr = 2;
constexpr size_t kChunk = 256;
constexpr int32_t kArchSetFs = 0x1002;
constexpr int32_t kArchGetFs = 0x1003;
constexpr int32_t kClockRealtime = 0;
constexpr int32_t kClockMonotonic = 1;
constexpr int32_t kClockProcessCputime = 2;
constexpr int32_t kClockThreadCputime = 3;
constexpr int32_t kClockMonotonicRaw = 4;
constexpr int32_t kClockBoottime = 7;

bool IsConsoleFd(int32_t fd) { return fd == kStdout || fd == kStderr; }

// Copies user bytes to the console in chunks. Returns bytes written or -EFAULT
// when nothing could be written.
int64_t ConsoleWriteUser(uint64_t address, uint64_t count) {
  char buf[kChunk];
  uint64_t done = 0;
  while (done < count) {
    size_t n = static_cast<size_t>(kstd::Min<uint64_t>(count - done, kChunk));
    if (!hal::CopyFromUser(buf, address + done, n)) {
      return done > 0 ? static_cast<int64_t>(done) : Errno(kstd::Error::kFault);
    }
    hal::ConsoleWrite(buf, n);
    done += n;
  }
  return static_cast<int64_t>(done);
}

}  // namespace

int64_t SysLinuxWrite(int32_t fd, UserPtr<const void> buf, uint64_t count) {
  if (!IsConsoleFd(fd)) return Errno(kstd::Error::kBadHandle);
  if (count > (1ULL << 31)) count = 1ULL << 31;  // Linux caps a write at ~2 GiB
  return ConsoleWriteUser(buf.address(), count);
}

int64_t SysLinuxWritev(int32_t fd, UserPtr<const tessera::linux_iovec> iov, int32_t iovcnt) {
  constexpr int32_t kIovMax = 1024;  // Linux UIO_MAXIOV
  if (!IsConsoleFd(fd)) return Errno(kstd::Error::kBadHandle);
  if (iovcnt < 0 || iovcnt > kIovMax) return Errno(kstd::Error::kInvalid);
  int64_t total = 0;
  for (int32_t i = 0; i < iovcnt; ++i) {
    tessera::linux_iovec v;
    if (iov.Offset(i).CopyIn(&v).is_error()) return total > 0 ? total : Errno(kstd::Error::kFault);
    if (v.iov_len > (1ULL << 31)) return Errno(kstd::Error::kInvalid);
    int64_t n = ConsoleWriteUser(v.iov_base, v.iov_len);
    if (n < 0) return total > 0 ? total : n;
    total += n;
  }
  return total;
}

int64_t SysLinuxIoctl(int32_t fd, uint32_t request, uint64_t arg) {
  // The serial console (fds 0-2) is a terminal. Its full line discipline
  // (termios, process groups) comes with the POSIX personality's tty; until
  // then only the window size is answered, as Linux answers it for a serial
  // line: 0 rows, 0 columns.
  constexpr uint32_t kTiocgwinsz = 0x5413;
  if (fd < 0 || fd > kStderr) return Errno(kstd::Error::kBadHandle);
  if (request == kTiocgwinsz) {
    struct {
      uint16_t rows, cols, xpixel, ypixel;
    } size = {0, 0, 0, 0};
    return UserPtr<decltype(size)>(arg).CopyOut(&size).ok() ? 0 : Errno(kstd::Error::kFault);
  }
  return Errno(kstd::Error::kNotTty);
}

int64_t SysLinuxGetpid() { return static_cast<int64_t>(CurrentProcess()->pid()); }

int64_t SysLinuxGettid() { return static_cast<int64_t>(CurrentThread()->tid()); }

int64_t SysLinuxSchedYield() {
  sched::Yield();
  return 0;
}

int64_t SysLinuxArchPrctl(int32_t code, uint64_t address) {
  hal::ThreadContext* context = CurrentThread()->context();
  switch (code) {
    case kArchSetFs:
      if (address >= hal::UserAddressLimit()) return Errno(kstd::Error::kPermission);
      context->fs_base = address;
      hal::LoadFsBase(address);
      return 0;
    case kArchGetFs: {
      uint64_t value = context->fs_base;
      return UserPtr<uint64_t>(address).CopyOut(&value).ok() ? 0 : Errno(kstd::Error::kFault);
    }
    default:
      return Errno(kstd::Error::kInvalid);
  }
}

int64_t SysLinuxSetTidAddress(uint64_t) {
  // The clear-child-tid futex wake belongs to the threads of the POSIX
  // personality; the call itself only reports the caller's tid.
  return static_cast<int64_t>(CurrentThread()->tid());
}

int64_t SysLinuxClockGettime(int32_t clock, UserPtr<tessera::linux_timespec> tp) {
  uint64_t ns;
  switch (clock) {
    case kClockRealtime:  // no RTC yet: the epoch is boot (documented in README)
    case kClockMonotonic:
    case kClockMonotonicRaw:
    case kClockBoottime:
      ns = hal::MonotonicNanos();
      break;
    case kClockProcessCputime:
      ns = CurrentProcess()->cpu_ticks() * (1'000'000'000ULL / sched::kTickHz);
      break;
    case kClockThreadCputime:
      ns = CurrentThread()->cpu_ticks() * (1'000'000'000ULL / sched::kTickHz);
      break;
    default:
      return Errno(kstd::Error::kInvalid);
  }
  tessera::linux_timespec ts{static_cast<int64_t>(ns / 1'000'000'000ULL),
                             static_cast<int64_t>(ns % 1'000'000'000ULL)};
  return tp.CopyOut(&ts).ok() ? 0 : Errno(kstd::Error::kFault);
}

int64_t SysLinuxNanosleep(UserPtr<const tessera::linux_timespec> req,
                          UserPtr<tessera::linux_timespec> rem) {
  tessera::linux_timespec ts;
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
      tessera::linux_timespec r{static_cast<int64_t>(left / 1'000'000'000ULL),
                                static_cast<int64_t>(left % 1'000'000'000ULL)};
      if (!rem.is_null()) (void)rem.CopyOut(&r);
      return Errno(kstd::Error::kInterrupted);
    }
  }
}

int64_t SysLinuxExit(int32_t code) {
  // Ends only the calling thread; the process ends with its last thread.
  Process* p = CurrentProcess();
  if (p->live_threads() == 1) p->Kill((code & 0xFF) << 8);
  ExitCurrentThread();
}

int64_t SysLinuxExitGroup(int32_t code) {
  CurrentProcess()->Kill((code & 0xFF) << 8);
  ExitCurrentThread();
}

}  // namespace core::syscall
