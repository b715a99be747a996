#pragma once

// Linux x86-64 file-control ABI: open(2) flags (O_*), the *at() calls' dirfd
// and flags (AT_*), fcntl(2) commands (F_*, FD_CLOEXEC), lseek whence
// (SEEK_*) and access(2) modes (include/uapi/asm-generic/fcntl.h, which
// x86-64 uses unchanged; include/uapi/linux/fcntl.h; include/uapi/linux/fs.h).

#include <stdint.h>

namespace linux_abi {

// open(2) access mode and flags (O_*), as the kernel sees them.
inline constexpr uint32_t kORdOnly = 0;
inline constexpr uint32_t kOWrOnly = 1;
inline constexpr uint32_t kORdWr = 2;
inline constexpr uint32_t kOAccMode = 3;
inline constexpr uint32_t kOCreat = 0100;
inline constexpr uint32_t kOExcl = 0200;
inline constexpr uint32_t kONoCtty = 0400;
inline constexpr uint32_t kOTrunc = 01000;
inline constexpr uint32_t kOAppend = 02000;
inline constexpr uint32_t kONonBlock = 04000;
inline constexpr uint32_t kODsync = 010000;
inline constexpr uint32_t kODirect = 040000;
inline constexpr uint32_t kOLargeFile = 0100000;
inline constexpr uint32_t kODirectory = 0200000;
inline constexpr uint32_t kONoFollow = 0400000;
inline constexpr uint32_t kONoAtime = 01000000;
inline constexpr uint32_t kOCloExec = 02000000;
inline constexpr uint32_t kOAsync = 020000;   // FASYNC: signal the owner on I/O
inline constexpr uint32_t kOSync = 04010000;  // __O_SYNC | O_DSYNC
inline constexpr uint32_t kOPath = 010000000;
inline constexpr uint32_t kOTmpFile = 020200000;  // __O_TMPFILE | O_DIRECTORY

/// The access mode of `flags` allows reading (O_RDONLY, O_RDWR; and the
/// invalid mode 3, which Linux also treats as read-write).
constexpr bool OpenWantsRead(uint32_t flags) { return (flags & kOAccMode) != kOWrOnly; }
/// The access mode of `flags` allows writing (O_WRONLY, O_RDWR).
constexpr bool OpenWantsWrite(uint32_t flags) {
  return (flags & kOAccMode) == kOWrOnly || (flags & kOAccMode) == kORdWr;
}

// The *at() calls: the dirfd meaning "the working directory", and flags.
inline constexpr int32_t kAtFdCwd = -100;
inline constexpr int32_t kAtSymlinkNoFollow = 0x100;
inline constexpr int32_t kAtRemoveDir = 0x200;  // unlinkat
inline constexpr int32_t kAtEAccess = 0x200;    // faccessat (same bit)
inline constexpr int32_t kAtSymlinkFollow = 0x400;
inline constexpr int32_t kAtNoAutomount = 0x800;
inline constexpr int32_t kAtEmptyPath = 0x1000;
inline constexpr int32_t kAtStatxSyncMask = 0x6000;  // AT_STATX_SYNC_TYPE

// fcntl(2) commands and the fd flag.
inline constexpr int32_t kFDupFd = 0;
inline constexpr int32_t kFGetFd = 1;
inline constexpr int32_t kFSetFd = 2;
inline constexpr int32_t kFGetFl = 3;
inline constexpr int32_t kFSetFl = 4;
inline constexpr int32_t kFDupFdCloexec = 1030;  // F_LINUX_SPECIFIC_BASE + 6
inline constexpr uint64_t kFdCloexec = 1;
inline constexpr int32_t kFSetOwn = 8;
inline constexpr int32_t kFGetOwn = 9;
inline constexpr int32_t kFSetSig = 10;
inline constexpr int32_t kFGetSig = 11;
inline constexpr int32_t kFSetOwnEx = 15;
inline constexpr int32_t kFGetOwnEx = 16;
inline constexpr int32_t kFGetLk = 5;
inline constexpr int32_t kFSetLk = 6;
inline constexpr int32_t kFSetLkW = 7;
inline constexpr int32_t kFOfdGetLk = 36;
inline constexpr int32_t kFOfdSetLk = 37;
inline constexpr int32_t kFOfdSetLkW = 38;
inline constexpr int32_t kFSetPipeSz = 1031;  // F_LINUX_SPECIFIC_BASE + 7
inline constexpr int32_t kFGetPipeSz = 1032;
inline constexpr int32_t kFSetLease = 1024;  // F_LINUX_SPECIFIC_BASE + 0
inline constexpr int32_t kFGetLease = 1025;
inline constexpr int32_t kFAddSeals = 1033;  // F_LINUX_SPECIFIC_BASE + 9
inline constexpr int32_t kFGetSeals = 1034;

/// struct f_owner_ex (F_SETOWN_EX/F_GETOWN_EX) and its types.
struct FOwnerEx {
  int32_t type;
  int32_t pid;
};
inline constexpr int32_t kFOwnerTid = 0;
inline constexpr int32_t kFOwnerPid = 1;
inline constexpr int32_t kFOwnerPgrp = 2;

// struct flock's l_type.
inline constexpr int16_t kFRdLck = 0;
inline constexpr int16_t kFWrLck = 1;
inline constexpr int16_t kFUnLck = 2;

/// struct flock (x86-64: the 64-bit offsets everywhere).
struct Flock {
  int16_t l_type;
  int16_t l_whence;
  int64_t l_start;
  int64_t l_len;
  int32_t l_pid;
};
static_assert(sizeof(Flock) == 32);

// flock(2) operations.
inline constexpr int32_t kLockSh = 1;
inline constexpr int32_t kLockEx = 2;
inline constexpr int32_t kLockNb = 4;
inline constexpr int32_t kLockUn = 8;

// lseek(2) whence.
inline constexpr int kSeekSet = 0;
inline constexpr int kSeekCur = 1;
inline constexpr int kSeekEnd = 2;
inline constexpr int kSeekData = 3;
inline constexpr int kSeekHole = 4;

// access(2) modes (F_OK is 0).
inline constexpr int32_t kXOk = 1;
inline constexpr int32_t kWOk = 2;
inline constexpr int32_t kROk = 4;

}  // namespace linux_abi
