#pragma once

// eventfd: a 64-bit counter as a file (Linux's eventfd2). read(2) takes the
// count (EFD_SEMAPHORE: 1) as 8 bytes and blocks while it is 0; write(2)
// adds 8 bytes' worth and blocks while the sum would overflow. POLLIN while
// the count is > 0, POLLOUT while 1 more fits; every write is a new arrival
// for EPOLLET.

#include <stdint.h>

#include "core/fd/file.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::events {

/// A new eventfd with `initial` count. `flags`: EFD_SEMAPHORE, EFD_NONBLOCK
/// (EFD_CLOEXEC is the caller's). Errors: kInvalid (other bits), kNoMemory.
kstd::Result<kstd::RefPtr<fd::FileDescription>> CreateEventFd(uint32_t initial, uint32_t flags);

}  // namespace core::events
