#pragma once

// The host fake HAL backend: lets core/ run in host unit tests. The console
// is an in-memory buffer; ExitMachine prints that buffer to stderr and ends
// the test process with the code (so death tests can check panics); timer
// ticks are set by the test.

#include <stdint.h>

#include <string>

namespace hal::host {

/// Everything written to the console since the last ResetConsole().
const std::string& ConsoleOutput();
void ResetConsole();

/// Sets what hal::TimerTicks()/TimerHz() report.
void SetTimer(uint64_t ticks, uint32_t hz);

/// Whether hal::EnableInterrupts() was called more recently than DisableInterrupts().
bool InterruptsEnabled();

}  // namespace hal::host
