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

}  // namespace core::fd
