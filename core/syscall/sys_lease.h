#pragma once

// fcntl's lease commands (core/fd/lease.h).

#include <stdint.h>

#include "core/fd/file.h"
#include "kstd/result.h"

namespace core::syscall {

/// F_SETLEASE (`arg`: F_RDLCK, F_WRLCK or F_UNLCK) and F_GETLEASE on `file`
/// (`fd`). Errors: EINVAL (unknown type; not a regular file), EACCES (not
/// the file's owner, without CAP_LEASE), EAGAIN (Linux's conflict rules),
/// ENOLCK.
kstd::Result<uint64_t> FcntlLease(fd::FileDescription* file, int32_t fd, int32_t cmd, uint64_t arg);

}  // namespace core::syscall
