#pragma once

// Linux mount(2) flags (MS_*, include/uapi/linux/mount.h).

#include <stdint.h>

namespace linux_abi {

inline constexpr uint64_t kMsReadOnly = 1;
inline constexpr uint64_t kMsNoSuid = 2;
inline constexpr uint64_t kMsNoDev = 4;
inline constexpr uint64_t kMsNoExec = 8;
inline constexpr uint64_t kMsSynchronous = 16;
inline constexpr uint64_t kMsRemount = 32;
inline constexpr uint64_t kMsMandLock = 64;
inline constexpr uint64_t kMsDirSync = 128;
inline constexpr uint64_t kMsNoSymFollow = 256;
inline constexpr uint64_t kMsNoAtime = 1024;
inline constexpr uint64_t kMsNoDirAtime = 2048;
inline constexpr uint64_t kMsBind = 4096;
inline constexpr uint64_t kMsMove = 8192;
inline constexpr uint64_t kMsRec = 16384;
inline constexpr uint64_t kMsSilent = 32768;
inline constexpr uint64_t kMsPosixAcl = 1 << 16;
inline constexpr uint64_t kMsUnbindable = 1 << 17;
inline constexpr uint64_t kMsPrivate = 1 << 18;
inline constexpr uint64_t kMsSlave = 1 << 19;
inline constexpr uint64_t kMsShared = 1 << 20;
inline constexpr uint64_t kMsRelatime = 1 << 21;
inline constexpr uint64_t kMsIVersion = 1 << 23;
inline constexpr uint64_t kMsStrictAtime = 1 << 24;
inline constexpr uint64_t kMsLazyTime = 1 << 25;
inline constexpr uint64_t kMsNoUser = 1ull << 31;
/// Old programs put this magic number in the top half of the flags
/// (MS_MGC_VAL, MS_MGC_MSK).
inline constexpr uint64_t kMsMagicValue = 0xC0ED0000;
inline constexpr uint64_t kMsMagicMask = 0xFFFF0000;

}  // namespace linux_abi
