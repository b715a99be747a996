#pragma once

// Facade: the machine's entropy sources, for seeding the kernel's CSPRNG
// (core/crypto). Backends: hal/x86_64/entropy.cc (RDRAND and cycle-counter
// jitter), hal/host (bytes the test sets).

#include <stddef.h>
#include <stdint.h>

#include "kstd/span.h"

namespace hal {

/// Fills all of `out` from the machine's entropy sources: a hardware random
/// number generator where the CPU has one, mixed with cycle-counter jitter.
/// Returns how many of the bytes count as real entropy (those that came from
/// the hardware generator; 0 without one). Never blocks; cannot fail.
size_t GatherEntropy(kstd::Span<uint8_t> out);

}  // namespace hal
