#pragma once

// Pipes: a 64 KiB ring shared by a read end and a write end (two file
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

}  // namespace core::fd
