#pragma once

// StreamRead: one read(2) of a stream device that may have to wait several
// times before it returns, and the per-read deadline of those waits (a
// terminal in non-canonical mode waits for VMIN bytes, or until its VTIME
// timer runs out).

#include <stddef.h>
#include <stdint.h>

#include "core/object/kernel_object.h"

namespace core::vfs {

/// StreamRead::deadline for "no limit" (the same value as sched::kNoDeadline).
inline constexpr uint64_t kNoReadDeadline = 0;

/// One read(2) in progress. The blocking read path (fd::VnodeFile) makes one
/// per call and passes it, with the same `out` buffer, to every attempt
/// (OpenFile::ReadStream). An attempt returns the byte count of the whole
/// read (the bytes are at the start of `out`), an error, or kAgain: then the
/// caller waits on WaitObject() until it shows a `wake_on` signal or
/// `deadline` passes, and makes the next attempt. Bytes an attempt took stay
/// in `out` across waits (`done`); when a signal ends a wait, the read
/// returns them (as Linux does) rather than losing them.
struct StreamRead {
  /// Set by the caller. O_NONBLOCK: an attempt never asks to wait (it
  /// returns what it has, or kAgain with done == 0).
  bool nonblocking = false;
  /// Set by the caller: the wait before this attempt ended at `deadline`.
  bool timed_out = false;

  /// Kept by the device: an attempt has run (per-read checks happen once).
  bool started = false;
  /// Kept by the device: bytes of this read already at the start of `out`.
  size_t done = 0;

  /// Set by the device with kAgain: the signals of WaitObject() that end
  /// the wait, and when the wait ends anyway (a scheduler deadline: absolute
  /// CLOCK_MONOTONIC nanoseconds; kNoReadDeadline waits without limit).
  Signals wake_on = kSignalReadable;
  uint64_t deadline = kNoReadDeadline;
};

}  // namespace core::vfs
