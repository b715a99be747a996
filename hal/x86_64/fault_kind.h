#pragma once

// The x86-64 exception vectors and page-fault error codes as the hal reports
// them to core (hal::FaultKind, hal::PageFaultInfo). Pure; host-tested.

#include <stdint.h>

#include "hal/traps.h"

namespace hal::x86_64 {

/// The kind of exception `vector` is (Intel SDM vol. 3A §6.15, table 6-1).
FaultKind ClassifyFault(uint64_t vector);

/// A page fault at `address` (CR2) from `rip`, its cause decoded from
/// `error_code` (§4.7: P, W/R, U/S and I/D bits).
PageFaultInfo DecodePageFault(uint64_t address, uint64_t rip, uint64_t error_code);

}  // namespace hal::x86_64
