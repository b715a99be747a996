#pragma once

// Frame-pointer backtraces for panic reports. The kernel is built with
// -fno-omit-frame-pointer; each frame is [saved rbp][return address].

#include <stdint.h>

namespace hal::x86_64 {

/// Prints "backtrace:" and up to 16 return addresses starting at `rip`,
/// following the rbp chain only while it stays inside a known kernel stack,
/// so a corrupted chain ends the walk instead of faulting.
void PrintBacktrace(uint64_t rip, uint64_t rbp);

/// Registers the current thread's kernel stack for the walker (the boot
/// stack and the IST stacks are always known).
void SetBacktraceStack(uint64_t bottom, uint64_t top);

}  // namespace hal::x86_64
