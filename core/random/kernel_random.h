#pragma once

// The kernel's one CSPRNG: behind /dev/random and /dev/urandom (devfs),
// and getrandom(2). Seeded at boot
// from the CPU (RDRAND where the CPU has it, and the TSC's jitter); the
// generator itself is vfs::Csprng (core/vfs/chacha20.h).

#include <stdint.h>

#include "core/vfs/chacha20.h"
#include "kstd/span.h"

namespace core::random {

/// The generator (for devfs's random devices).
vfs::Csprng& KernelCsprng();

/// Seeds the generator (once, at boot). False if the CPU gave no hardware
/// entropy (it is then seeded from the TSC's jitter only).
bool SeedKernelCsprng();

/// Fills `out` from the generator.
void RandomBytes(kstd::Span<uint8_t> out);

}  // namespace core::random
