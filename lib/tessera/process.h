#pragma once

// Convenience wrappers over the native process calls.

#include <stdint.h>

#include "abi/tessera/native.h"

namespace tessera {

/// Starts `executable` (a module handle, kept by the caller) as a process
/// named `name` with argv and named handles (moved into the child). Returns
/// the process handle or -errno.
int64_t Spawn(handle_t executable, const char* name, int argc, const char* const* argv,
              const handle_t* handles = nullptr, const char* const* handle_names = nullptr,
              uint32_t num_handles = 0);

/// Waits until the process ends and returns its Linux wait status, or -errno
/// (-ETIMEDOUT when the deadline passes first).
int64_t WaitForExit(handle_t process, int64_t deadline = kInfinite);

/// CLOCK_MONOTONIC in nanoseconds.
int64_t NowNs();

}  // namespace tessera
