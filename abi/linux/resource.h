#pragma once

// Linux resource ABI (include/uapi/asm-generic/resource.h,
// include/uapi/linux/resource.h): getrlimit/prlimit resources and
// getrusage's `who`.

#include <stdint.h>

namespace linux_abi {

// Resources (RLIMIT_*); RLIM_NLIMITS of them.
inline constexpr int kRlimitCpu = 0;
inline constexpr int kRlimitFsize = 1;
inline constexpr int kRlimitData = 2;
inline constexpr int kRlimitStack = 3;
inline constexpr int kRlimitCore = 4;
inline constexpr int kRlimitRss = 5;
inline constexpr int kRlimitNproc = 6;
inline constexpr int kRlimitNofile = 7;
inline constexpr int kRlimitMemlock = 8;
inline constexpr int kRlimitAs = 9;
inline constexpr int kRlimitLocks = 10;
inline constexpr int kRlimitSigpending = 11;
inline constexpr int kRlimitMsgqueue = 12;
inline constexpr int kRlimitNice = 13;
inline constexpr int kRlimitRtprio = 14;
inline constexpr int kRlimitRttime = 15;
inline constexpr int kRlimitCount = 16;

/// struct rlimit / rlimit64.
struct Rlimit {
  uint64_t cur;
  uint64_t max;
};
/// RLIM_INFINITY.
inline constexpr uint64_t kRlimInfinity = ~0ULL;

// getrusage `who` (RUSAGE_*).
inline constexpr int32_t kRusageSelf = 0;
inline constexpr int32_t kRusageChildren = -1;
inline constexpr int32_t kRusageThread = 1;

}  // namespace linux_abi
