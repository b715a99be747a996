#pragma once

// ITIMER_REAL (setitimer/getitimer/alarm) for every process. The timers live
// here, keyed by pid: a fork child starts without one, execve keeps it, exit
// cancels it. One kernel thread ("itimers") sleeps until the earliest
// deadline and sends SIGALRM to each process whose timer expired.

#include <stdint.h>

#include "core/posix/interval_timer.h"
#include "kstd/result.h"

namespace core {

/// Starts the itimers thread (once, at boot, before the first process).
kstd::Result<void> StartIntervalTimers();

/// setitimer(ITIMER_REAL) for process `pid`: returns the old setting.
/// kNoMemory if a first timer cannot be recorded.
kstd::Result<posix::IntervalTimerValue> SetRealTimer(uint64_t pid, posix::IntervalTimerValue value);

/// getitimer(ITIMER_REAL) for process `pid`.
posix::IntervalTimerValue GetRealTimer(uint64_t pid);

/// Drops the timer of a process that is ending.
void CancelRealTimer(uint64_t pid);

}  // namespace core
