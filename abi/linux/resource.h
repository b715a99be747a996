#pragma once

// Linux resource ABI (include/uapi/asm-generic/resource.h,
// include/uapi/linux/resource.h): getrlimit/prlimit resources and
// getrusage's `who`.

#include <stdint.h>

namespace linux_abi {

// Resources (RLIMIT_*); RLIM_NLIMITS of them.
inline constexpr int kRlimitStack = 3;
inline constexpr int kRlimitCore = 4;
inline constexpr int kRlimitNofile = 7;
inline constexpr int kRlimitMemlock = 8;
inline constexpr int kRlimitCount = 16;
/// RLIM_INFINITY.
inline constexpr uint64_t kRlimInfinity = ~0ULL;

// getrusage `who` (RUSAGE_*).
inline constexpr int32_t kRusageSelf = 0;
inline constexpr int32_t kRusageChildren = -1;
inline constexpr int32_t kRusageThread = 1;

}  // namespace linux_abi
