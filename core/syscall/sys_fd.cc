// Linux calls on file descriptors: read/write (and vectors, positional),
// close, dup/dup2/dup3, fcntl, pipe/pipe2, lseek, ioctl. Waiting for fds
// (poll, select) is in sys_poll.cc.

#include "abi/linux/fcntl.h"
#include "abi/linux/signal.h"
#include "abi/linux/uio.h"
#include "core/fd/fd_table.h"
#include "core/fd/pipe.h"
#include "core/proc/signals.h"
#include "core/syscall/bounce_pool.h"
#include "core/syscall/file_size_limit.h"
#include "core/syscall/sys_async.h"
#include "core/syscall/sys_common.h"
#include "core/syscall/sys_lease.h"
#include "core/syscall/sys_lock.h"
#include "core/syscall/sys_memfd.h"
#include "core/unsupported/refusals.h"
#include "kstd/utility.h"

namespace core::syscall {
namespace {

using fd::FileDescription;

constexpr size_t kChunk = 4096;
constexpr uint64_t kMaxIo = 0x7FFFF000;  // Linux MAX_RW_COUNT

// fcntl commands (uapi).

fd::FdTable& Fds() { return *CurrentProcess()->fds(); }

kstd::Result<kstd::RefPtr<FileDescription>> GetFile(int32_t fd) { return Fds().Get(fd); }

// One write of kernel bytes; writing to a pipe nobody reads raises SIGPIPE
// (its default kills) and fails with EPIPE.
kstd::Result<uint64_t> WriteKernel(FileDescription* file, kstd::Span<const uint8_t> bytes,
                                   bool positional, uint64_t offset) {
  auto w = positional ? file->WriteAt(offset, bytes) : file->Write(bytes);
  if (w.is_error() && w.error() == kstd::Error::kPipe) {
    SendSignal(CurrentProcess(), linux_abi::kSigPipe,
               linux_abi::SigInfo::FromKernel(linux_abi::kSigPipe));
  }
  return w;
}

// Moves `count` bytes from user memory into `file` through a bounce buffer
// (a pooled 64 KiB one for large transfers, see bounce_pool.h).
kstd::Result<uint64_t> WriteFromUser(FileDescription* file, uint64_t address, uint64_t count,
                                     bool positional, uint64_t offset) {
  if (!file->writable()) return kstd::Error::kBadHandle;
  count = TRY(FileSizeLimited(file, positional, offset, count));
  uint8_t stack_buf[kChunk];
  count = kstd::Min(count, kMaxIo);
  BounceBuffer bounce(count, stack_buf, sizeof stack_buf);
  uint8_t* buf = bounce.data();
  uint64_t done = 0;
  while (done < count) {
    size_t n = static_cast<size_t>(kstd::Min<uint64_t>(count - done, bounce.size()));
    if (!hal::CopyFromUser(buf, address + done, n)) {
      if (done > 0) return done;
      return kstd::Error::kFault;
    }
    auto w = WriteKernel(file, kstd::Span<const uint8_t>(buf, n), positional, offset + done);
    if (w.is_error()) {
      if (done > 0) return done;
      return w.error();
    }
    done += w.value();
    if (w.value() < n) break;  // short write (stream full and nonblocking)
  }
  return done;
}

// Reads into user memory. A stream read stops at the first short read.
kstd::Result<uint64_t> ReadToUser(FileDescription* file, uint64_t address, uint64_t count,
                                  bool positional, uint64_t offset) {
  if (!file->readable()) return kstd::Error::kBadHandle;
  uint8_t stack_buf[kChunk];
  count = kstd::Min(count, kMaxIo);
  BounceBuffer bounce(count, stack_buf, sizeof stack_buf);
  uint8_t* buf = bounce.data();
  uint64_t done = 0;
  while (done < count) {
    size_t n = static_cast<size_t>(kstd::Min<uint64_t>(count - done, bounce.size()));
    auto r = positional ? file->ReadAt(offset + done, kstd::Span<uint8_t>(buf, n))
                        : file->Read(kstd::Span<uint8_t>(buf, n));
    if (r.is_error()) {
      if (done > 0) return done;
      return r.error();
    }
    if (r.value() > 0 && !hal::CopyToUser(address + done, buf, r.value())) {
      if (done > 0) return done;
      return kstd::Error::kFault;
    }
    done += r.value();
    if (r.value() < n) break;
    // Streams (pipes, ttys): return what is there rather than block again.
    if (!positional && file->IsStream()) break;
  }
  return done;
}

// Writes a vector of at most 16 steps and kChunk (PIPE_BUF) bytes as one
// write, as Linux does: atomic on a pipe, one piece on a terminal (a libc's
// line written as buffer + tail does not interleave with another process's
// output). Any other vector returns kNotSmall and goes step by step. Not
// inlined: its buffer is on the stack only while it runs.
constexpr uint64_t kNotSmall = ~uint64_t{0};
[[gnu::noinline]] kstd::Result<uint64_t> WriteSmallVector(FileDescription* file,
                                                          UserPtr<const linux_abi::Iovec> iov,
                                                          int32_t iovcnt, bool positional,
                                                          uint64_t offset) {
  linux_abi::Iovec v[16];
  if (iovcnt <= 0 || iovcnt > 16) return kNotSmall;
  if (iov.CopyIn(v, static_cast<size_t>(iovcnt)).is_error()) return kstd::Error::kFault;
  uint64_t total = 0;
  for (int32_t i = 0; i < iovcnt; ++i) {
    if (v[i].iov_len > kChunk) return kNotSmall;
    total += v[i].iov_len;
  }
  if (total > kChunk) return kNotSmall;
  if (!file->writable()) return kstd::Error::kBadHandle;
  // A write RLIMIT_FSIZE may cut goes step by step (WriteFromUser cuts it).
  if (TRY(FileSizeLimited(file, positional, offset, total)) != total) return kNotSmall;
  uint8_t gathered[kChunk];
  size_t at = 0;
  for (int32_t i = 0; i < iovcnt; ++i) {
    if (v[i].iov_len == 0) continue;
    if (!hal::CopyFromUser(gathered + at, v[i].iov_base, v[i].iov_len)) {
      // As Linux: the steps before a bad one are written; none is EFAULT.
      if (at == 0) return kstd::Error::kFault;
      break;
    }
    at += v[i].iov_len;
  }
  return WriteKernel(file, kstd::Span<const uint8_t>(gathered, at), positional, offset);
}

kstd::Result<uint64_t> DoVector(int32_t fd, UserPtr<const linux_abi::Iovec> iov, int32_t iovcnt,
                                bool write, bool positional, int64_t offset) {
  if (iovcnt < 0 || iovcnt > linux_abi::kIovMax) return kstd::Error::kInvalid;
  auto file = TRY(GetFile(fd));
  if (positional && offset < 0) return kstd::Error::kInvalid;
  if (write) {
    const uint64_t n =
        TRY(WriteSmallVector(file.get(), iov, iovcnt, positional, static_cast<uint64_t>(offset)));
    if (n != kNotSmall) return n;
  }
  // Each step moves at most kMaxIo bytes and at most linux_abi::kIovMax steps run, so
  // the total stays far below 2^63.
  uint64_t total = 0;
  for (int32_t i = 0; i < iovcnt; ++i) {
    linux_abi::Iovec v;
    if (iov.Offset(i).CopyIn(&v).is_error()) {
      if (total > 0) return total;
      return kstd::Error::kFault;
    }
    if (v.iov_len > kMaxIo) {
      if (total > 0) return total;
      return kstd::Error::kInvalid;
    }
    if (v.iov_len == 0) continue;
    const uint64_t at = static_cast<uint64_t>(offset) + total;
    kstd::Result<uint64_t> n =
        write ? WriteFromUser(file.get(), v.iov_base, v.iov_len, positional, at)
              : ReadToUser(file.get(), v.iov_base, v.iov_len, positional, at);
    if (n.is_error()) {
      if (total > 0) return total;
      return n.error();
    }
    total += n.value();
    if (n.value() < v.iov_len) break;
  }
  return total;
}

}  // namespace

kstd::Result<uint64_t> SysLinuxRead(int32_t fd, UserPtr<void> buf, uint64_t count) {
  auto file = TRY(GetFile(fd));
  return ReadToUser(file.get(), buf.address(), count, false, 0);
}

kstd::Result<uint64_t> SysLinuxWrite(int32_t fd, UserPtr<const void> buf, uint64_t count) {
  auto file = TRY(GetFile(fd));
  return WriteFromUser(file.get(), buf.address(), count, false, 0);
}

kstd::Result<uint64_t> SysLinuxPread64(int32_t fd, UserPtr<void> buf, uint64_t count,
                                       int64_t offset) {
  if (offset < 0) return kstd::Error::kInvalid;
  auto file = TRY(GetFile(fd));
  return ReadToUser(file.get(), buf.address(), count, true, static_cast<uint64_t>(offset));
}

kstd::Result<uint64_t> SysLinuxPwrite64(int32_t fd, UserPtr<const void> buf, uint64_t count,
                                        int64_t offset) {
  if (offset < 0) return kstd::Error::kInvalid;
  auto file = TRY(GetFile(fd));
  return WriteFromUser(file.get(), buf.address(), count, true, static_cast<uint64_t>(offset));
}

kstd::Result<uint64_t> SysLinuxReadv(int32_t fd, UserPtr<const linux_abi::Iovec> iov,
                                     int32_t iovcnt) {
  return DoVector(fd, iov, iovcnt, false, false, 0);
}

kstd::Result<uint64_t> SysLinuxWritev(int32_t fd, UserPtr<const linux_abi::Iovec> iov,
                                      int32_t iovcnt) {
  return DoVector(fd, iov, iovcnt, true, false, 0);
}

kstd::Result<uint64_t> SysLinuxLseek(int32_t fd, int64_t offset, int32_t whence) {
  auto file = TRY(GetFile(fd));
  if (whence < 0 || whence > 4) return kstd::Error::kInvalid;
  return TRY(file->Seek(offset, whence));
}

kstd::Result<uint64_t> SysLinuxClose(int32_t fd) {
  TRY(Fds().Close(fd));
  return 0;
}

kstd::Result<uint64_t> SysLinuxDup(int32_t fd) {
  auto file = TRY(GetFile(fd));
  return TRY(Fds().Install(kstd::Move(file), false));
}

kstd::Result<uint64_t> SysLinuxDup3(int32_t oldfd, int32_t newfd, int32_t flags) {
  if ((flags & ~static_cast<int32_t>(linux_abi::kOCloExec)) != 0) {
    return Refuse("dup3", "flags",
                  static_cast<uint32_t>(flags & ~static_cast<int32_t>(linux_abi::kOCloExec)));
  }
  if (oldfd == newfd) return kstd::Error::kInvalid;
  auto file = TRY(GetFile(oldfd));
  if (newfd < 0 || newfd >= fd::kMaxFds) return kstd::Error::kBadHandle;
  TRY(Fds().InstallAt(newfd, kstd::Move(file), (flags & linux_abi::kOCloExec) != 0));
  return newfd;
}

kstd::Result<uint64_t> SysLinuxDup2(int32_t oldfd, int32_t newfd) {
  if (oldfd == newfd) {
    TRY(GetFile(oldfd));
    return newfd;
  }
  return SysLinuxDup3(oldfd, newfd, 0);
}

kstd::Result<uint64_t> SysLinuxFcntl(int32_t fd, int32_t cmd, uint64_t arg) {
  auto file = TRY(GetFile(fd));
  switch (cmd) {
    case linux_abi::kFDupFd:
    case linux_abi::kFDupFdCloexec: {
      if (arg >= static_cast<uint64_t>(fd::kMaxFds)) return kstd::Error::kInvalid;
      return TRY(
          Fds().Install(kstd::Move(file), cmd == linux_abi::kFDupFdCloexec, static_cast<int>(arg)));
    }
    case linux_abi::kFGetFd: {
      if (TRY(Fds().GetCloexec(fd))) return 1;
      return 0;
    }
    case linux_abi::kFSetFd: {
      TRY(Fds().SetCloexec(fd, (arg & linux_abi::kFdCloexec) != 0));
      return 0;
    }
    case linux_abi::kFGetFl: return file->status_flags();
    case linux_abi::kFSetFl: {
      const bool was_async = (file->status_flags() & linux_abi::kOAsync) != 0;
      const bool async = (arg & linux_abi::kOAsync) != 0;
      if (async && !was_async) NoteAsyncEnabled(file.get(), fd);
      file->set_status_flags(static_cast<uint32_t>(arg));
      if (async != was_async) file->AsyncChanged(async);
      return 0;
    }
    case linux_abi::kFSetOwn:
    case linux_abi::kFGetOwn:
    case linux_abi::kFSetOwnEx:
    case linux_abi::kFGetOwnEx:
    case linux_abi::kFSetSig:
    case linux_abi::kFGetSig: return FcntlAsync(file.get(), cmd, arg);
    case linux_abi::kFGetLk:
    case linux_abi::kFSetLk:
    case linux_abi::kFSetLkW:
    case linux_abi::kFOfdGetLk:
    case linux_abi::kFOfdSetLk:
    case linux_abi::kFOfdSetLkW: return FcntlLock(file.get(), cmd, arg);
    case linux_abi::kFGetPipeSz: return TRY(fd::PipeSize(*file));
    case linux_abi::kFSetPipeSz: return TRY(fd::SetPipeSize(*file, static_cast<uint32_t>(arg)));
    case linux_abi::kFSetLease:
    case linux_abi::kFGetLease: return FcntlLease(file.get(), fd, cmd, arg);
    case linux_abi::kFAddSeals:
    case linux_abi::kFGetSeals: return FcntlSeals(file.get(), cmd, arg);
    default: return Refuse("fcntl", "cmd", static_cast<uint32_t>(cmd));
  }
}

kstd::Result<uint64_t> SysLinuxPipe2(UserPtr<int32_t> fds, int32_t flags) {
  auto pair = TRY(fd::CreatePipe(static_cast<uint32_t>(flags)));
  bool cloexec = (flags & linux_abi::kOCloExec) != 0;
  auto r = TRY(Fds().Install(pair.read_end, cloexec));
  auto w = Fds().Install(pair.write_end, cloexec);
  if (w.is_error()) {
    (void)Fds().Close(r);
    return w.error();
  }
  int32_t out[2] = {r, w.value()};
  if (fds.CopyOut(out, 2).is_error()) {
    (void)Fds().Close(out[0]);
    (void)Fds().Close(out[1]);
    return kstd::Error::kFault;
  }
  return 0;
}

kstd::Result<uint64_t> SysLinuxPipe(UserPtr<int32_t> fds) { return SysLinuxPipe2(fds, 0); }

kstd::Result<uint64_t> SysLinuxIoctl(int32_t fd, uint32_t request, uint64_t arg) {
  auto file = TRY(GetFile(fd));
  return TRY(file->Ioctl(request, arg));
}

}  // namespace core::syscall
