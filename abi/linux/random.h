#pragma once

// Linux getrandom(2) flags (GRND_*, include/uapi/linux/random.h).

#include <stdint.h>

namespace linux_abi {

inline constexpr uint32_t kGrndNonBlock = 0x1;
inline constexpr uint32_t kGrndRandom = 0x2;
inline constexpr uint32_t kGrndInsecure = 0x4;

}  // namespace linux_abi
