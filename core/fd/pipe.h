#pragma once

// Pipes: a 64 KiB ring (F_SETPIPE_SZ changes it) shared by a read end and a write end (two file
// descriptions). POSIX semantics: writes of up to PIPE_BUF (4096) bytes are
// atomic; a read with no writers left returns 0 (EOF); a write with no
// readers left fails with EPIPE (the caller raises SIGPIPE); O_NONBLOCK gives
// EAGAIN instead of blocking; blocking calls return EINTR when the thread is
// interrupted. Readiness is published as signals on both ends.
//
// Blocking is done here (the ends wait on their own signals), so callers just
// call Read/Write.

#include "core/fd/file.h"
#include "core/sync/spin_lock.h"
#include "kstd/ref_ptr.h"

namespace core::fd {

inline constexpr size_t kPipeCapacity = 64 * 1024;
inline constexpr size_t kPipeBuf = 4096;
/// Linux's /proc/sys/fs/pipe-max-size default: F_SETPIPE_SZ's limit.
inline constexpr size_t kPipeMaxSize = 1024 * 1024;

struct PipePair {
  kstd::RefPtr<FileDescription> read_end;
  kstd::RefPtr<FileDescription> write_end;
};

/// Creates a pipe; `flags` may hold O_NONBLOCK (for both ends) and O_DIRECT
/// (packet mode is not supported: EINVAL). Errors: kNoMemory, kInvalid.
kstd::Result<PipePair> CreatePipe(uint32_t flags);

// For splice, tee and sendfile (core/syscall/sys_splice.cc): calls that never
// block, whatever the ends' O_NONBLOCK; the caller waits on the end's
// signals (readable, writable) itself.

/// Whether `file` is an end of a pipe made by CreatePipe.
bool IsPipe(const FileDescription& file);
/// Whether `a` and `b` are ends of the same pipe.
bool SamePipe(const FileDescription& a, const FileDescription& b);
/// Copies up to out.size() bytes from the head of the pipe without taking
/// them; 0 at end of file (empty, no writer left). Errors: kAgain (empty),
/// kBadHandle (not a pipe's read end).
kstd::Result<size_t> PeekPipe(FileDescription& read_end, kstd::Span<uint8_t> out);
/// Takes up to `count` bytes from the head (what a peek returned and was
/// then used); returns how many went.
size_t DropFromPipe(FileDescription& read_end, size_t count);
/// Writes what fits now (up to PIPE_BUF bytes go in one piece or not at all,
/// as write(2)). Errors: kAgain (no room), kPipe (no reader left: the caller
/// raises SIGPIPE), kBadHandle (not a pipe's write end).
kstd::Result<size_t> WritePipeNow(FileDescription& write_end, kstd::Span<const uint8_t> in);

/// F_GETPIPE_SZ: the ring's size in bytes (a pipe's or an open fifo's).
/// Errors: kBadHandle (neither).
kstd::Result<size_t> PipeSize(FileDescription& end);
/// F_SETPIPE_SZ: rounds `bytes` up to a page and a power of two (as Linux)
/// and resizes the ring (of a pipe or an open fifo); returns the new size.
/// Errors: kBadHandle (neither), kInvalid (above 2^31), kPermission (above kPipeMaxSize: Linux's
/// limit without CAP_SYS_RESOURCE, which Tessera does not grant; or all
/// resized pipes together past 64 MiB beyond their default size, Linux's
/// pipe-user-pages-soft for one user), kBusy
/// (more bytes in the pipe than the new size), kNoMemory.
kstd::Result<size_t> SetPipeSize(FileDescription& end, uint32_t bytes);

}  // namespace core::fd
