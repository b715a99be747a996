#pragma once

// Facade: per-CPU slots the portable kernel needs.

namespace hal {

/// The thread running on this CPU (owned by core/sched), nullptr before the
/// scheduler starts.
void* CurrentThreadSlot();
void SetCurrentThreadSlot(void* thread);

/// Index of the calling CPU (0 = the boot CPU).
unsigned CurrentCpuIndex();

}  // namespace hal
