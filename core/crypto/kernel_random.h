#pragma once

// The kernel's one CSPRNG instance: behind /dev/random and /dev/urandom
// (devfs) and getrandom(2). Seeded at boot from the HAL's entropy sources
// (hal/entropy.h: RDRAND where the CPU has it, the TSC's jitter); the
// generator is Csprng (chacha20.h). Board only.

#include <stdint.h>

#include "core/crypto/chacha20.h"
#include "kstd/span.h"

namespace core::crypto {

/// The generator (for devfs's random devices).
Csprng& KernelCsprng();

/// Seeds the generator (once, at boot). False if the CPU gave no hardware
/// entropy (it is then seeded from the TSC's jitter only).
bool SeedKernelCsprng();

/// Fills `out` from the generator.
void RandomBytes(kstd::Span<uint8_t> out);

}  // namespace core::crypto
