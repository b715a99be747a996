// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
// 2012): a 64-bit keyed hash, the PRF F() of the RFC 6528 initial sequence
// numbers and of lwip_port_rand(). Written here from the paper's description.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace lwip_port {

inline constexpr size_t kSipHashKeyBytes = 16;

/// SipHash-2-4 of `data[0, len)` under the 128-bit `key`; the 64-bit result
/// as the little-endian reading of the paper's 8 output bytes.
uint64_t SipHash24(const uint8_t (&key)[kSipHashKeyBytes], const void* data, size_t len);

}  // namespace lwip_port
