#pragma once

// pidfd: a process as a file (Linux's pidfd_open). It holds the Process
// object (not its pid), so it names the same process until the fd goes.
// POLLIN once the process has ended (a zombie or reaped), POLLHUP too once
// it is reaped; reads and writes are EINVAL.

#include <stdint.h>

#include "abi/linux/signal.h"
#include "core/fd/file.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core {
class Process;
}

namespace core::events {

/// pidfd_open(pid, flags). `flags`: 0 or PIDFD_NONBLOCK. Errors: kInvalid
/// (other flags, pid <= 0, pid names a thread that does not lead its
/// process), kSearch (no such process), kNoMemory.
kstd::Result<kstd::RefPtr<fd::FileDescription>> OpenPidFd(int32_t pid, uint32_t flags);

/// The process behind a pidfd. Errors: kBadHandle (not a pidfd).
kstd::Result<kstd::RefPtr<Process>> ProcessOfPidFd(fd::FileDescription* file);

}  // namespace core::events
