#pragma once

namespace core {

/// Boot-time check of the scheduler, logged as "[sched] ...": a kernel thread
/// that spins without yielding for 100 ms must not keep the boot thread from
/// waking after 10 ms, and sleeping/waking/exiting threads must work.
/// Panics if the scheduler does not preempt.
void CheckPreemption();

}  // namespace core
