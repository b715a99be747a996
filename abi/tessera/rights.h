#pragma once

// Handles, their rights and the signals of the objects they name: the
// native ABI's vocabulary, shared by the kernel (core/object, which checks a
// right at every native call together with the handle lookup) and user
// programs (lib/tessera). Plain constants only; freestanding.

#include <stdint.h>

namespace tessera {

/// A process-local name for a kernel object. 0 is never a valid handle.
using handle_t = uint32_t;
inline constexpr handle_t kInvalidHandle = 0;

/// What the holder of a handle may do with the object. Duplicating a handle
/// can only keep or drop rights, never add them.
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
/// handle_duplicate: keep the handle's rights as they are.
inline constexpr Rights kRightSameRights = 1u << 31;

inline constexpr Rights kRightsBasic = kRightDuplicate | kRightTransfer | kRightWait;
inline constexpr Rights kRightsIo = kRightRead | kRightWrite;
inline constexpr Rights kRightsAll = 0xFF;

/// An object's state bits, as waits report them. The low 16 bits have
/// meanings per object type; the names below are the shared ones.
using Signals = uint32_t;

inline constexpr Signals kSignalReadable = 1u << 0;       // channel: a message waits
inline constexpr Signals kSignalWritable = 1u << 1;       // channel: room in the peer's queue
inline constexpr Signals kSignalPeerClosed = 1u << 2;     // channel: the other end is gone
inline constexpr Signals kSignalNotified = 1u << 3;       // notification: some bit is pending
inline constexpr Signals kSignalTerminated = 1u << 4;     // process/thread: it has ended
inline constexpr Signals kSignalHandleClosed = 1u << 31;  // the waited-on handle was closed

}  // namespace tessera
