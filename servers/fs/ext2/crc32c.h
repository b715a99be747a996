#pragma once

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) as JBD2 uses it for
// journal checksums: a raw update of `crc` with no inversion before or
// after (callers seed it, e.g. with ~0).

#include <stddef.h>
#include <stdint.h>

namespace servers::fs::ext2 {

/// `crc` updated with `size` bytes at `data`.
uint32_t Crc32cUpdate(uint32_t crc, const void* data, size_t size);

}  // namespace servers::fs::ext2
