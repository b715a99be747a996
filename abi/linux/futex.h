#pragma once

// Linux futex(2) ABI (include/uapi/linux/futex.h): operations, their flag
// bits, and the robust-futex word and list head.

#include <stdint.h>

namespace linux_abi {

// Operations and the bits that modify them.
inline constexpr int32_t kFutexWait = 0;
inline constexpr int32_t kFutexWake = 1;
inline constexpr int32_t kFutexWaitBitset = 9;
inline constexpr int32_t kFutexWakeBitset = 10;
inline constexpr int32_t kFutexPrivate = 128;  // FUTEX_PRIVATE_FLAG
inline constexpr int32_t kFutexClockRealtime = 256;

// The robust futex word: owner tid and two state bits.
inline constexpr uint32_t kFutexWaiters = 0x80000000u;
inline constexpr uint32_t kFutexOwnerDied = 0x40000000u;
inline constexpr uint32_t kFutexTidMask = 0x3fffffffu;
/// ROBUST_LIST_LIMIT: the most entries the kernel walks (ends loops in a
/// corrupt list).
inline constexpr int kRobustListLimit = 2048;

/// struct robust_list_head (set_robust_list).
struct RobustListHead {
  uint64_t next;             // struct robust_list *: the first entry, or the head itself
  int64_t futex_offset;      // from an entry to its futex word
  uint64_t list_op_pending;  // the entry being locked or unlocked, or 0
};
static_assert(sizeof(RobustListHead) == 24);

}  // namespace linux_abi
