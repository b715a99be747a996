#pragma once

// Handle rights: what the holder of a handle may do with the object. Checked
// at every native syscall together with the handle lookup. Duplicating a
// handle can only keep or drop rights, never add them.

#include <stdint.h>

namespace core {

using Rights = uint32_t;

inline constexpr Rights kRightNone = 0;
inline constexpr Rights kRightDuplicate = 1u << 0;  // make another handle to it
inline constexpr Rights kRightTransfer = 1u << 1;   // send it in a message
inline constexpr Rights kRightRead = 1u << 2;       // receive / read state
inline constexpr Rights kRightWrite = 1u << 3;      // send / signal / modify
inline constexpr Rights kRightWait = 1u << 4;       // wait on its signals
inline constexpr Rights kRightMap = 1u << 5;        // map a memory object
inline constexpr Rights kRightExecute = 1u << 6;    // map executable / run it
inline constexpr Rights kRightManage = 1u << 7;     // process/thread control (kill, start)

inline constexpr Rights kRightsBasic = kRightDuplicate | kRightTransfer | kRightWait;
inline constexpr Rights kRightsIo = kRightRead | kRightWrite;
inline constexpr Rights kRightsAll = 0xFF;

}  // namespace core
