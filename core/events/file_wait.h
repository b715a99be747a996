#pragma once

// Blocking on an event file's own readiness signals, for the reads and
// writes of the files in this folder.

#include "core/fd/file.h"
#include "kstd/result.h"

namespace core::events {

/// Sleeps until `file` shows one of `wanted` (kSignalReadable, ...).
/// Errors: kInterrupted (a signal), kNoMemory.
kstd::Result<void> WaitForFile(fd::FileDescription* file, Signals wanted);

}  // namespace core::events
