#pragma once

// Blocking waits on kernel objects: the current thread sleeps until one of
// several objects shows a wanted signal, a deadline passes or the thread is
// interrupted. This is the one place the bookkeeping of MultiWait
// (wait_set.h) meets the scheduler's sleeping; pipes, files, channels and the
// wait syscalls all block through it. Board only (it sleeps in sched).

#include <stddef.h>
#include <stdint.h>

#include "core/object/kernel_object.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::ipc {

/// Blocks the current thread until one of `objects` shows a wanted signal,
/// the scheduler deadline `deadline_tick` passes (sched::kNoDeadline: none)
/// or the thread is interrupted. Returns the index of the ready object.
/// `observed` (size n, may be null) gets each object's last seen signals.
/// Errors: kTimedOut, kInterrupted, kNoMemory, kInvalid (n == 0 or n > 64).
kstd::Result<size_t> WaitForSignals(kstd::RefPtr<KernelObject>* objects, const Signals* wanted,
                                    size_t n, uint64_t deadline_tick, Signals* observed);

}  // namespace core::ipc
