#pragma once

// splice(2)/tee(2)/vmsplice(2) flags (include/uapi/linux/fcntl.h... as
// glibc's <fcntl.h> spells them) and sendfile's and copy_file_range's limit.

#include <stdint.h>

namespace linux_abi {

inline constexpr uint32_t kSpliceFMove = 0x01;
inline constexpr uint32_t kSpliceFNonBlock = 0x02;
inline constexpr uint32_t kSpliceFMore = 0x04;
inline constexpr uint32_t kSpliceFGift = 0x08;
inline constexpr uint32_t kSpliceFAll =
    kSpliceFMove | kSpliceFNonBlock | kSpliceFMore | kSpliceFGift;

/// The most bytes one read, write, sendfile or splice moves (MAX_RW_COUNT).
inline constexpr uint64_t kMaxRwCount = 0x7ffff000;

}  // namespace linux_abi
