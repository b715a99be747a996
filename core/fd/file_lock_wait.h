#pragma once

// The blocking side of file locks (file_lock.h): F_SETLKW, F_OFD_SETLKW
// and flock without LOCK_NB sleep here until the lock is theirs.

#include "core/fd/file_lock.h"
#include "kstd/result.h"

namespace core::fd {

/// Applies `request`, sleeping (interruptibly) while a lock of another
/// owner conflicts; every change to the lock table wakes the sleepers to
/// try again. Errors: kDeadlock (POSIX requests whose wait would close a
/// cycle of waiting processes), kRestartSys (a signal arrived: restarted
/// under SA_RESTART, else EINTR, as Linux), kNoMemory.
kstd::Result<void> SetLockWaiting(const LockRequest& request);

}  // namespace core::fd
