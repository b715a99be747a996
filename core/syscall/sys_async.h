#pragma once

// fcntl's signal-driven I/O commands (sys_async.cc): F_SETOWN, F_GETOWN,
// F_SETOWN_EX, F_GETOWN_EX, F_SETSIG, F_GETSIG, and what F_SETFL does when
// it turns O_ASYNC on. The signals themselves come from the descriptions
// (core/fd/file.h: pipes and sockets) through the sender installed here.

#include <stdint.h>

#include "core/fd/file.h"
#include "kstd/result.h"

namespace core::syscall {

/// fcntl(fd, cmd, arg) for the six commands above. Errors: kInvalid (an
/// unknown F_OWNER_ type, a signal above 64), kSearch (no such process,
/// group or thread), kFault (F_*OWN_EX's struct), kNoMemory (the sigio
/// thread could not start).
kstd::Result<uint64_t> FcntlAsync(fd::FileDescription* file, int32_t cmd, uint64_t arg);

/// Starts the "sigio" thread and installs the sender core/fd calls (for
/// F_SETOWN and leases' break signals). Errors: kNoMemory.
kstd::Result<void> EnableSender();

/// F_SETFL turned O_ASYNC on through `fd`: its signals name that fd.
void NoteAsyncEnabled(fd::FileDescription* file, int32_t fd);

}  // namespace core::syscall
