#pragma once

// The host fake HAL backend: lets core/ run in host unit tests. The console
// is an in-memory buffer; ExitMachine prints that buffer to stderr and ends
// the test process with the code (so death tests can check panics); timer
// ticks, CPU identification, the cycle counter and entropy are set by the
// test; TLB flushes are counted.

#include <stddef.h>
#include <stdint.h>

#include <string>

#include "hal/cpu_id.h"

namespace hal::host {

/// Everything written to the console since the last ResetConsole().
const std::string& ConsoleOutput();
void ResetConsole();

/// Sets what hal::TimerTicks()/TimerHz() report.
void SetTimer(uint64_t ticks, uint32_t hz);

/// Whether hal::EnableInterrupts() was called more recently than DisableInterrupts().
bool InterruptsEnabled();

/// What hal::ReadCpuId() returns (all zero while null, the default).
void SetCpuId(CpuIdRegisters (*cpuid)(uint32_t leaf, uint32_t subleaf));

/// What hal::ReadCycleCounter() returns.
void SetCycleCounter(uint64_t cycles);

/// hal::GatherEntropy() fills its buffer with `bytes` repeated (zeros while
/// empty) and counts them all as real entropy if `real`, else none.
void SetEntropy(const std::string& bytes, bool real);

/// How many hal::FlushTlb() calls had a flush to do.
size_t TlbFlushCount();

}  // namespace hal::host
