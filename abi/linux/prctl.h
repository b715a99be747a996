#pragma once

// Linux process-control ABI: prctl(2) options (include/uapi/linux/prctl.h)
// and arch_prctl(2) codes (arch/x86/include/uapi/asm/prctl.h).

#include <stddef.h>
#include <stdint.h>

namespace linux_abi {

// prctl options.
inline constexpr int32_t kPrSetName = 15;
inline constexpr int32_t kPrGetName = 16;
inline constexpr int32_t kPrGetTimerslack = 30;
inline constexpr int32_t kPrSetTimerslack = 29;
/// The process name's size with its NUL (TASK_COMM_LEN).
inline constexpr size_t kTaskCommLen = 16;

// arch_prctl codes.
inline constexpr int32_t kArchSetFs = 0x1002;
inline constexpr int32_t kArchGetFs = 0x1003;

}  // namespace linux_abi
