#pragma once

// Connects the HAL's traps to processes: system calls, page faults (demand
// paging, copy-on-write), faults that kill a process, and pending kills.

namespace core {

/// Registers the handlers with the HAL (hal::InitTraps). Call once at boot.
void InitProcessTraps();

}  // namespace core
