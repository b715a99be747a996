#pragma once

// timerfd: a timer as a file (Linux's timerfd_create/settime/gettime).
// CLOCK_MONOTONIC and CLOCK_BOOTTIME (the same clock here: nothing
// suspends) and CLOCK_REALTIME (an absolute wall time is turned into a
// monotonic deadline when the timer is set; a later clock_settime does not
// move it). read(2) returns the expirations since the last read as 8 bytes
// and blocks while there are none. One kernel thread ("timerfd") sleeps
// until the earliest armed deadline and raises the files' readiness (each
// expiry is a new arrival for EPOLLET); reads and polls also count due
// expirations themselves, so they never wait on that thread.

#include <stdint.h>

#include "abi/linux/event_fds.h"
#include "core/fd/file.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::events {

/// A new, disarmed timerfd on `clock`. `flags`: TFD_NONBLOCK (TFD_CLOEXEC
/// is the caller's). Starts the timerfd thread on first use.
/// Errors: kInvalid (unknown flag or clock id), kNoMemory.
kstd::Result<kstd::RefPtr<fd::FileDescription>> CreateTimerFd(int32_t clock, uint32_t flags);

/// timerfd_settime on `file` (a timerfd): arms (it_value != 0) or disarms,
/// relative or (TFD_TIMER_ABSTIME) absolute on the timer's clock; `*old`
/// gets the previous setting. The unread count is dropped.
/// Errors: kInvalid (not a timerfd, unknown flags, a negative time or
/// tv_nsec >= 10^9).
kstd::Result<void> SetTimerFd(fd::FileDescription* file, uint32_t flags,
                              const linux_abi::Itimerspec& value, linux_abi::Itimerspec* old);

/// timerfd_gettime: the time to the next expiry (0: disarmed) and the
/// interval. Errors: kInvalid (not a timerfd).
kstd::Result<linux_abi::Itimerspec> GetTimerFd(fd::FileDescription* file);

}  // namespace core::events
