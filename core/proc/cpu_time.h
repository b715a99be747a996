#pragma once

// CPU-time signals: ITIMER_VIRTUAL (SIGVTALRM), ITIMER_PROF (SIGPROF) and
// RLIMIT_CPU (SIGXCPU, SIGKILL). The scheduler's tick charges the running
// thread's process (Process::ChargeTick, interrupts off) and marks the
// thread; on its way back to user mode the thread turns what fired into
// signals (SendCpuTimerSignals), where sending is safe.

namespace core {

class Process;

/// Installs the tick hook (once, at boot).
void InitCpuTimers();

/// Sends the signals of the CPU timers that fired for `process` since the
/// last call. Thread context.
void SendCpuTimerSignals(Process* process);

}  // namespace core
