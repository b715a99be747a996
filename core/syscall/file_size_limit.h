#pragma once

// RLIMIT_FSIZE, as Linux's generic_write_check_limits and inode_newsize_ok:
// a write to a regular file that would start at or past the caller's soft
// limit, or a truncate beyond it, raises SIGXFSZ (its default action dumps
// core) and fails with EFBIG; a write that would cross the limit is cut
// short at it. Files that are not regular (pipes, devices, sockets) have no
// size to limit.

#include <stdint.h>

#include "core/fd/file.h"
#include "kstd/result.h"

namespace core::syscall {

/// How many of `count` bytes a write to `file` at `offset` (positional) or
/// at its current position / end (O_APPEND) may write. Errors: kFileTooBig
/// (and SIGXFSZ).
kstd::Result<uint64_t> FileSizeLimited(fd::FileDescription* file, bool positional, uint64_t offset,
                                       uint64_t count);

/// Raises SIGXFSZ for a transfer that wrote up to the limit and had more
/// (sendfile and splice into a file: Linux's loop writes the allowed part,
/// then tries the rest at the limit, which signals; its EFBIG is not
/// returned, as bytes were written).
void SignalFileSizeExceeded();

/// truncate/ftruncate of a regular file to `size`. Errors: kFileTooBig (and
/// SIGXFSZ).
kstd::Result<void> CheckNewFileSize(uint64_t size);

}  // namespace core::syscall
