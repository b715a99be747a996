// Linux calls that move bytes between two fds inside the kernel: sendfile,
// splice, tee and copy_file_range. Each copies through a kernel bounce buffer
// (bounce_pool.h); pipes are reached through their non-blocking splice
// helpers (core/fd/pipe.h: peek, drop, write what fits), and the blocking
// calls wait on the pipe end's signals here, so bytes leave a pipe only once
// they have been written elsewhere.
//
// Not supported (EINVAL, as Linux gives for files without splice support):
// reading from a stream that is not a pipe (a terminal, /dev/zero) with
// sendfile or splice, and splicing to or from a fifo opened by path.

#include "abi/linux/fcntl.h"
#include "abi/linux/signal.h"
#include "abi/linux/splice.h"
#include "core/fd/fd_table.h"
#include "core/fd/pipe.h"
#include "core/proc/signals.h"
#include "core/syscall/bounce_pool.h"
#include "core/syscall/file_size_limit.h"
#include "core/syscall/sys_common.h"
#include "core/vfs/vnode.h"
#include "kstd/utility.h"

namespace core::syscall {
namespace {

using fd::FileDescription;
using kstd::RefPtr;
using kstd::Result;

constexpr size_t kStackChunk = 4096;

Result<RefPtr<FileDescription>> GetFile(int32_t fd) { return CurrentProcess()->fds()->Get(fd); }

// EPIPE from a write also raises SIGPIPE, as write(2).
kstd::Error WriteError(kstd::Error error) {
  if (error == kstd::Error::kPipe) {
    SendSignal(CurrentProcess(), linux_abi::kSigPipe,
               linux_abi::SigInfo::FromKernel(linux_abi::kSigPipe));
  }
  return error;
}

// Sleeps until `file` shows `wanted` (or hangs up). Errors: kInterrupted.
Result<void> WaitFor(FileDescription& file, Signals wanted) {
  KernelObject* target = file.WaitTarget();
  if (target == nullptr) return kstd::Error::kAgain;
  RefPtr<KernelObject> object = RefPtr<KernelObject>::FromRaw(target);
  Signals w = wanted | kSignalPeerClosed;
  TRY(WaitForSignals(&object, &w, 1, sched::kNoDeadline, nullptr));
  return kstd::Ok();
}

bool IsDirectory(const FileDescription& file) {
  return file.vnode() != nullptr && file.vnode()->IsDirectory();
}

bool IsRegular(const FileDescription& file) {
  return file.vnode() != nullptr && file.vnode()->type() == vfs::VnodeType::kRegular;
}

// Where a transfer reads or writes in a file: the user's *offset, or the
// description's own offset; Commit stores the new position back.
class Position {
 public:
  // Errors: kFault (the user's offset), kIllegalSeek (no file offset).
  static Result<Position> Load(FileDescription& file, UserPtr<int64_t> user) {
    Position p(file, user);
    if (!user.is_null()) {
      TRY(user.CopyIn(&p.value_));
    } else {
      p.value_ = TRY(file.Seek(0, linux_abi::kSeekCur));
    }
    return p;
  }
  int64_t value() const { return value_; }
  uint64_t* cursor() { return reinterpret_cast<uint64_t*>(&value_); }
  // Errors: kFault.
  Result<void> Commit() {
    if (!user_.is_null()) return user_.CopyOut(&value_);
    (void)file_->Seek(value_, linux_abi::kSeekSet);
    return kstd::Ok();
  }

 private:
  Position(FileDescription& file, UserPtr<int64_t> user) : file_(&file), user_(user) {}
  FileDescription* file_;
  UserPtr<int64_t> user_;
  int64_t value_ = 0;
};

// Reads `in` at *pos (moved on) and hands each piece to write(data, done),
// which returns how much it took; stops at the end of the file, at a short
// write, after `count` bytes, or at an error (returned if nothing moved).
template <typename WriteFn>
Result<uint64_t> CopyFromFile(FileDescription& in, uint64_t* pos, uint64_t count, WriteFn write) {
  uint8_t stack_buf[kStackChunk];
  BounceBuffer bounce(count, stack_buf, sizeof stack_buf);
  uint64_t done = 0;
  while (done < count) {
    size_t n = static_cast<size_t>(kstd::Min<uint64_t>(count - done, bounce.size()));
    auto r = in.ReadAt(*pos, kstd::Span<uint8_t>(bounce.data(), n));
    if (r.is_error()) {
      if (done > 0) break;
      return r.error();
    }
    if (r.value() == 0) break;
    Result<size_t> w = write(kstd::Span<const uint8_t>(bounce.data(), r.value()), done);
    if (w.is_error()) {
      if (done > 0) break;
      return WriteError(w.error());
    }
    done += w.value();
    *pos += w.value();
    if (w.value() < r.value()) break;  // the output is full
  }
  return done;
}

// A file (read at *pos) into a pipe: what fits. Blocks only while the pipe
// is full and nothing moved yet (unless `nonblocking`: kAgain).
Result<uint64_t> FileToPipe(FileDescription& in, uint64_t* pos, FileDescription& pipe,
                            uint64_t count, bool nonblocking) {
  return CopyFromFile(
      in, pos, count, [&](kstd::Span<const uint8_t> data, uint64_t done) -> Result<size_t> {
        for (;;) {
          auto w = fd::WritePipeNow(pipe, data);
          if (w.ok() || w.error() != kstd::Error::kAgain || done > 0 || nonblocking) {
            return w;
          }
          TRY(WaitFor(pipe, kSignalWritable));
        }
      });
}

Result<uint64_t> PipeToFileUpTo(FileDescription& pipe, FileDescription& out, uint64_t* pos,
                                uint64_t count, bool nonblocking);

// A pipe into a file (at *pos, or the description's own offset when pos is
// null) or any writable stream, under RLIMIT_FSIZE. Takes from the pipe only
// what was written.
Result<uint64_t> PipeToFile(FileDescription& pipe, FileDescription& out, uint64_t* pos,
                            uint64_t count, bool nonblocking) {
  const uint64_t asked = count;
  count = TRY(FileSizeLimited(&out, pos != nullptr, pos != nullptr ? *pos : 0, count));
  uint64_t done = TRY(PipeToFileUpTo(pipe, out, pos, count, nonblocking));
  // Linux's splice writes the allowed part, then tries the rest: SIGXFSZ.
  if (count < asked && done == count && done > 0) SignalFileSizeExceeded();
  return done;
}

Result<uint64_t> PipeToFileUpTo(FileDescription& pipe, FileDescription& out, uint64_t* pos,
                                uint64_t count, bool nonblocking) {
  uint8_t stack_buf[kStackChunk];
  BounceBuffer bounce(count, stack_buf, sizeof stack_buf);
  uint64_t done = 0;
  while (done < count) {
    size_t n = static_cast<size_t>(kstd::Min<uint64_t>(count - done, bounce.size()));
    auto r = fd::PeekPipe(pipe, kstd::Span<uint8_t>(bounce.data(), n));
    if (r.is_error()) {
      if (r.error() != kstd::Error::kAgain || done > 0) break;
      if (nonblocking) return kstd::Error::kAgain;
      TRY(WaitFor(pipe, kSignalReadable));
      continue;
    }
    if (r.value() == 0) break;  // end of file: no writer left
    kstd::Span<const uint8_t> data(bounce.data(), r.value());
    auto w = pos != nullptr ? out.WriteAt(*pos, data) : out.Write(data);
    if (w.is_error()) {
      if (done > 0) break;
      return WriteError(w.error());
    }
    fd::DropFromPipe(pipe, w.value());
    done += w.value();
    if (pos != nullptr) *pos += w.value();
    if (w.value() < r.value()) break;
  }
  return done;
}

// Pipe to pipe: moves (or, for tee, copies) what is there and fits.
Result<uint64_t> PipeToPipe(FileDescription& in, FileDescription& out, uint64_t count,
                            bool nonblocking, bool keep) {
  uint8_t stack_buf[kStackChunk];
  BounceBuffer bounce(count, stack_buf, sizeof stack_buf);
  size_t n = static_cast<size_t>(kstd::Min<uint64_t>(count, bounce.size()));
  for (;;) {
    auto r = fd::PeekPipe(in, kstd::Span<uint8_t>(bounce.data(), n));
    if (r.is_error()) {
      if (r.error() != kstd::Error::kAgain || nonblocking) return r.error();
      TRY(WaitFor(in, kSignalReadable));
      continue;
    }
    if (r.value() == 0) return 0;
    auto w = fd::WritePipeNow(out, kstd::Span<const uint8_t>(bounce.data(), r.value()));
    if (w.is_error()) {
      if (w.error() != kstd::Error::kAgain) return WriteError(w.error());
      if (nonblocking) return kstd::Error::kAgain;
      TRY(WaitFor(out, kSignalWritable));
      continue;
    }
    if (!keep) fd::DropFromPipe(in, w.value());
    return w.value();
  }
}

// How a transfer into a file meets RLIMIT_FSIZE past the cut: sendfile
// signals as splice does; copy_file_range checks once, cuts and is quiet.
enum class AtTheCut { kSignal, kQuiet };

// File to file (at *out_pos, or the description's own offset when out_pos is
// null) or any writable stream, for sendfile and copy_file_range, under
// RLIMIT_FSIZE.
Result<uint64_t> FileToFile(FileDescription& in, uint64_t* in_pos, FileDescription& out,
                            uint64_t* out_pos, uint64_t count, AtTheCut at_the_cut) {
  const uint64_t asked = count;
  count = TRY(FileSizeLimited(&out, out_pos != nullptr, out_pos != nullptr ? *out_pos : 0, count));
  uint64_t done = TRY(CopyFromFile(
      in, in_pos, count, [&](kstd::Span<const uint8_t> data, uint64_t) -> Result<size_t> {
        auto w = out_pos != nullptr ? out.WriteAt(*out_pos, data) : out.Write(data);
        if (w.ok() && out_pos != nullptr) *out_pos += w.value();
        return w;
      }));
  if (at_the_cut == AtTheCut::kSignal && count < asked && done == count && done > 0) {
    SignalFileSizeExceeded();
  }
  return done;
}

}  // namespace

kstd::Result<uint64_t> SysLinuxSendfile(int32_t out_fd, int32_t in_fd, UserPtr<int64_t> offset,
                                        uint64_t count) {
  RefPtr<FileDescription> in = TRY(GetFile(in_fd));
  if (!in->readable()) return kstd::Error::kBadHandle;
  if (!offset.is_null() && in->IsStream()) return kstd::Error::kIllegalSeek;
  auto loaded = Position::Load(*in, offset);
  if (loaded.is_error()) {
    // A pipe or other stream as input: Linux cannot splice from it (EINVAL).
    return loaded.error() == kstd::Error::kIllegalSeek ? kstd::Error::kInvalid : loaded.error();
  }
  Position pos = loaded.release_value();
  if (pos.value() < 0) return kstd::Error::kInvalid;
  count = kstd::Min(count, linux_abi::kMaxRwCount);
  RefPtr<FileDescription> out = TRY(GetFile(out_fd));
  if (!out->writable()) return kstd::Error::kBadHandle;
  if (IsDirectory(*in)) return kstd::Error::kInvalid;
  uint64_t moved;
  if (fd::IsPipe(*out)) {
    bool nonblocking = out->nonblocking() || in->nonblocking();
    moved = TRY(FileToPipe(*in, pos.cursor(), *out, count, nonblocking));
  } else {
    if (out->status_flags() & linux_abi::kOAppend) return kstd::Error::kInvalid;
    if (count == 0) return 0;
    moved = TRY(FileToFile(*in, pos.cursor(), *out, nullptr, count, AtTheCut::kSignal));
  }
  TRY(pos.Commit());
  return moved;
}

kstd::Result<uint64_t> SysLinuxSplice(int32_t fd_in, UserPtr<int64_t> off_in, int32_t fd_out,
                                      UserPtr<int64_t> off_out, uint64_t length, uint32_t flags) {
  if (length == 0) return 0;
  if ((flags & ~linux_abi::kSpliceFAll) != 0) return kstd::Error::kInvalid;
  RefPtr<FileDescription> in = TRY(GetFile(fd_in));
  RefPtr<FileDescription> out = TRY(GetFile(fd_out));
  if (!in->readable() || !out->writable()) return kstd::Error::kBadHandle;
  length = kstd::Min(length, linux_abi::kMaxRwCount);
  bool nonblocking = (flags & linux_abi::kSpliceFNonBlock) != 0;
  bool in_pipe = fd::IsPipe(*in);
  bool out_pipe = fd::IsPipe(*out);
  if (in_pipe && out_pipe) {
    if (!off_in.is_null() || !off_out.is_null()) return kstd::Error::kIllegalSeek;
    if (fd::SamePipe(*in, *out)) return kstd::Error::kInvalid;
    nonblocking = nonblocking || in->nonblocking() || out->nonblocking();
    return TRY(PipeToPipe(*in, *out, length, nonblocking, /*keep=*/false));
  }
  if (in_pipe) {
    if (!off_in.is_null()) return kstd::Error::kIllegalSeek;
    if (!off_out.is_null() && out->IsStream()) return kstd::Error::kInvalid;
    if (out->status_flags() & linux_abi::kOAppend) return kstd::Error::kInvalid;
    nonblocking = nonblocking || in->nonblocking();
    if (out->IsStream()) return TRY(PipeToFile(*in, *out, nullptr, length, nonblocking));
    Position pos = TRY(Position::Load(*out, off_out));
    if (pos.value() < 0) return kstd::Error::kInvalid;
    uint64_t moved = TRY(PipeToFile(*in, *out, pos.cursor(), length, nonblocking));
    TRY(pos.Commit());
    return moved;
  }
  if (out_pipe) {
    if (!off_out.is_null()) return kstd::Error::kIllegalSeek;
    if (in->IsStream() || IsDirectory(*in)) return kstd::Error::kInvalid;
    Position pos = TRY(Position::Load(*in, off_in));
    if (pos.value() < 0) return kstd::Error::kInvalid;
    nonblocking = nonblocking || out->nonblocking();
    uint64_t moved = TRY(FileToPipe(*in, pos.cursor(), *out, length, nonblocking));
    TRY(pos.Commit());
    return moved;
  }
  return kstd::Error::kInvalid;  // one side must be a pipe
}

kstd::Result<uint64_t> SysLinuxTee(int32_t fd_in, int32_t fd_out, uint64_t length, uint32_t flags) {
  if ((flags & ~linux_abi::kSpliceFAll) != 0) return kstd::Error::kInvalid;
  if (length == 0) return 0;
  RefPtr<FileDescription> in = TRY(GetFile(fd_in));
  RefPtr<FileDescription> out = TRY(GetFile(fd_out));
  if (!in->readable() || !out->writable()) return kstd::Error::kBadHandle;
  if (!fd::IsPipe(*in) || !fd::IsPipe(*out) || fd::SamePipe(*in, *out)) {
    return kstd::Error::kInvalid;
  }
  bool nonblocking = (flags & linux_abi::kSpliceFNonBlock) != 0;
  return TRY(PipeToPipe(*in, *out, kstd::Min(length, linux_abi::kMaxRwCount), nonblocking,
                        /*keep=*/true));
}

kstd::Result<uint64_t> SysLinuxCopyFileRange(int32_t fd_in, UserPtr<int64_t> off_in, int32_t fd_out,
                                             UserPtr<int64_t> off_out, uint64_t length,
                                             uint32_t flags) {
  RefPtr<FileDescription> in = TRY(GetFile(fd_in));
  RefPtr<FileDescription> out = TRY(GetFile(fd_out));
  // Offsets first (EFAULT), as Linux; a pipe's "offset" is never used.
  auto in_loaded = Position::Load(*in, off_in);
  auto out_loaded = Position::Load(*out, off_out);
  if (in_loaded.is_error() && in_loaded.error() == kstd::Error::kFault) return kstd::Error::kFault;
  if (out_loaded.is_error() && out_loaded.error() == kstd::Error::kFault) {
    return kstd::Error::kFault;
  }
  if (flags != 0) return kstd::Error::kInvalid;
  if (IsDirectory(*in) || IsDirectory(*out)) return kstd::Error::kIsDirectory;
  if (!IsRegular(*in) || !IsRegular(*out) || in_loaded.is_error() || out_loaded.is_error()) {
    return kstd::Error::kInvalid;
  }
  if (!in->readable() || !out->writable() || (out->status_flags() & linux_abi::kOAppend)) {
    return kstd::Error::kBadHandle;
  }
  Position in_pos = in_loaded.release_value();
  Position out_pos = out_loaded.release_value();
  uint64_t in_at = static_cast<uint64_t>(in_pos.value());
  uint64_t out_at = static_cast<uint64_t>(out_pos.value());
  uint64_t end;
  // Offsets and lengths that wrap around (a negative offset) overflow.
  if (__builtin_add_overflow(in_at, length, &end) || __builtin_add_overflow(out_at, length, &end)) {
    return kstd::Error::kOverflow;
  }
  if (in_pos.value() < 0 || out_pos.value() < 0) return kstd::Error::kInvalid;
  // Shorten to the end of the input, then refuse a copy onto itself.
  uint64_t size = in->vnode()->GetAttr().size;
  uint64_t count = in_at >= size ? 0 : kstd::Min(length, size - in_at);
  count = kstd::Min(count, linux_abi::kMaxRwCount);
  if (in->vnode() == out->vnode() && out_at + count > in_at && out_at < in_at + count) {
    return kstd::Error::kInvalid;
  }
  if (count == 0) return 0;
  // No file system of Tessera copies between instances itself (Linux 5.19+).
  if (in->vnode()->fs() != out->vnode()->fs()) return kstd::Error::kCrossDevice;
  uint64_t moved =
      TRY(FileToFile(*in, in_pos.cursor(), *out, out_pos.cursor(), count, AtTheCut::kQuiet));
  TRY(in_pos.Commit());
  TRY(out_pos.Commit());
  return moved;
}

}  // namespace core::syscall
