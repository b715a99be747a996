#pragma once

// Linux x86-64 statfs(2) ABI: struct statfs (include/uapi/asm-generic/statfs.h
// with 64-bit longs), its f_flags (ST_* of include/linux/statfs.h) and the
// f_type magics Tessera reports (include/uapi/linux/magic.h).

#include <stdint.h>

namespace linux_abi {

/// struct statfs: statfs, fstatfs.
struct Statfs {
  int64_t f_type;
  int64_t f_bsize;
  uint64_t f_blocks;
  uint64_t f_bfree;
  uint64_t f_bavail;
  uint64_t f_files;
  uint64_t f_ffree;
  int32_t f_fsid[2];
  int64_t f_namelen;
  int64_t f_frsize;
  int64_t f_flags;
  int64_t f_spare[4];
};
static_assert(sizeof(Statfs) == 120, "x86-64 struct statfs is 120 bytes");

// f_flags bits (ST_*); kStValid says the others are meaningful.
inline constexpr int64_t kStReadOnly = 0x0001;
inline constexpr int64_t kStNoSuid = 0x0002;
inline constexpr int64_t kStNoDev = 0x0004;
inline constexpr int64_t kStNoExec = 0x0008;
inline constexpr int64_t kStSynchronous = 0x0010;
inline constexpr int64_t kStValid = 0x0020;
inline constexpr int64_t kStNoAtime = 0x0400;
inline constexpr int64_t kStNoDirAtime = 0x0800;
inline constexpr int64_t kStRelatime = 0x1000;

// f_type magics.
inline constexpr int64_t kRamfsMagic = 0x858458f6;
inline constexpr int64_t kTmpfsMagic = 0x01021994;
inline constexpr int64_t kProcMagic = 0x9fa0;

}  // namespace linux_abi
