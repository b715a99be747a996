#pragma once

// Connects the HAL's traps to processes: page faults (demand paging,
// copy-on-write), faults that kill or signal a process, and the return to
// user mode (pending kills, signal delivery, syscall restarts). The system
// call entry itself is core/syscall's (syscall/entry.h), which adds it to
// these handlers and installs them.

#include "hal/traps.h"

namespace core {

/// The process trap handlers, every one but `syscall` filled in.
hal::TrapHandlers ProcessTrapHandlers();

}  // namespace core
