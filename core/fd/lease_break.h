#pragma once

// The blocking side of leases (lease.h): an open that conflicts with a
// lease waits here until the holder gives way or the break time passes.

#include "core/vfs/vnode.h"
#include "kstd/result.h"

namespace core::fd {

/// Breaks the leases on `v` that conflict with an opener (`want_write`:
/// opening for writing, or truncating) and waits (interruptibly) until none
/// conflicts. Nothing to do for files without leases. Errors: kAgain
/// (`nonblock` and a lease is in the way: its break has started; EWOULDBLOCK),
/// kRestartSys (a signal arrived: restarted under SA_RESTART, else EINTR).
kstd::Result<void> BreakLeases(const vfs::Vnode& v, bool want_write, bool nonblock);

}  // namespace core::fd
