#pragma once

// Linux poll(2) event bits (include/uapi/asm-generic/poll.h, as x86-64 uses
// them): pollfd.events and .revents, and what epoll reports.

#include <stdint.h>

namespace linux_abi {

inline constexpr uint32_t kPollIn = 0x001;
inline constexpr uint32_t kPollPri = 0x002;
inline constexpr uint32_t kPollOut = 0x004;
inline constexpr uint32_t kPollErr = 0x008;
inline constexpr uint32_t kPollHup = 0x010;
inline constexpr uint32_t kPollNval = 0x020;
inline constexpr uint32_t kPollRdNorm = 0x040;
inline constexpr uint32_t kPollWrNorm = 0x100;
inline constexpr uint32_t kPollWrBand = 0x200;
inline constexpr uint32_t kPollRdHup = 0x2000;  // the peer shut down writing (sockets)

}  // namespace linux_abi
