#pragma once

// Linux wait4/waitid ABI (include/uapi/linux/wait.h): options and waitid's
// idtype. The status word's encoding is in core/posix/wait_status.h.

#include <stdint.h>

namespace linux_abi {

// Options.
inline constexpr uint32_t kWNoHang = 0x00000001;
inline constexpr uint32_t kWUntraced = 0x00000002;  // wait4's name
inline constexpr uint32_t kWStopped = 0x00000002;   // waitid's name
inline constexpr uint32_t kWExited = 0x00000004;    // waitid only
inline constexpr uint32_t kWContinued = 0x00000008;
inline constexpr uint32_t kWNoWait = 0x01000000;    // waitid only
inline constexpr uint32_t kWNoThread = 0x20000000;  // __WNOTHREAD
inline constexpr uint32_t kWAll = 0x40000000;       // __WALL
inline constexpr uint32_t kWClone = 0x80000000;     // __WCLONE

// waitid idtype.
inline constexpr int32_t kPAll = 0;
inline constexpr int32_t kPPid = 1;
inline constexpr int32_t kPPgid = 2;
inline constexpr int32_t kPPidfd = 3;

}  // namespace linux_abi
