#pragma once

// File locks as fcntl(2) asks for them (sys_lock.cc; flock(2) is there
// too): F_GETLK, F_SETLK, F_SETLKW and their F_OFD_ forms.

#include <stdint.h>

#include "core/fd/file.h"
#include "kstd/result.h"

namespace core::syscall {

/// fcntl(fd, cmd, arg) for the six lock commands: `arg` is the user's
/// struct flock. Errors: kFault, kInvalid (bad l_type, l_whence, range;
/// OFD with l_pid != 0; a file with no vnode), kOverflow, kBadHandle (a
/// read lock on a description not open for reading, a write lock on one not
/// open for writing), kAgain (F_SETLK conflicts), kDeadlock, kRestartSys.
kstd::Result<uint64_t> FcntlLock(fd::FileDescription* file, int32_t cmd, uint64_t arg);

}  // namespace core::syscall
