#pragma once

// Linux x86-64 file-status ABI: st_mode bits (S_IF*, S_IS*), device numbers,
// utimensat's special times, struct stat and struct statx.
//
// Sources: x86-64's struct stat is arch/x86/include/uapi/asm/stat.h (NOT
// include/uapi/asm-generic/stat.h); struct statx, STATX_* and S_IF* are
// include/uapi/linux/stat.h; UTIME_* include/uapi/linux/stat.h too.

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/time.h"

namespace linux_abi {

// File type and permission bits of st_mode.
inline constexpr uint32_t kModeTypeMask = 0170000;  // S_IFMT
inline constexpr uint32_t kModeSocket = 0140000;
inline constexpr uint32_t kModeSymlink = 0120000;
inline constexpr uint32_t kModeRegular = 0100000;
inline constexpr uint32_t kModeBlockDevice = 0060000;
inline constexpr uint32_t kModeDirectory = 0040000;
inline constexpr uint32_t kModeCharDevice = 0020000;
inline constexpr uint32_t kModeFifo = 0010000;
inline constexpr uint32_t kModeSetUid = 04000;
inline constexpr uint32_t kModeSetGid = 02000;
inline constexpr uint32_t kModeSticky = 01000;
/// The bits chmod may set (permissions + setuid/setgid/sticky).
inline constexpr uint32_t kModePermissionMask = 07777;

// Device numbers as glibc/musl makedev() encodes them (and the kernel's
// new_encode_dev agrees for majors < 4096 and minors < 2^20).
constexpr uint64_t MakeDev(uint32_t major, uint32_t minor) {
  return (static_cast<uint64_t>(major & 0xfffff000u) << 32) |
         (static_cast<uint64_t>(major & 0xfffu) << 8) |
         (static_cast<uint64_t>(minor & 0xffffff00u) << 12) | (minor & 0xffu);
}
constexpr uint32_t DevMajor(uint64_t dev) {
  return static_cast<uint32_t>(((dev >> 32) & 0xfffff000u) | ((dev >> 8) & 0xfffu));
}
constexpr uint32_t DevMinor(uint64_t dev) {
  return static_cast<uint32_t>(((dev >> 12) & 0xffffff00u) | (dev & 0xffu));
}

// utimensat special tv_nsec values.
inline constexpr int64_t kUtimeNow = (1l << 30) - 1;
inline constexpr int64_t kUtimeOmit = (1l << 30) - 2;

/// struct stat for x86-64: stat, fstat, lstat, newfstatat.
struct Stat {
  uint64_t st_dev;
  uint64_t st_ino;
  uint64_t st_nlink;  // 64-bit and before st_mode on x86-64 (unlike generic)
  uint32_t st_mode;
  uint32_t st_uid;
  uint32_t st_gid;
  uint32_t pad0;
  uint64_t st_rdev;
  int64_t st_size;
  int64_t st_blksize;
  int64_t st_blocks;  // 512-byte units
  Timespec st_atim;
  Timespec st_mtim;
  Timespec st_ctim;
  int64_t unused[3];
};
static_assert(sizeof(Stat) == 144, "x86-64 struct stat is 144 bytes");
static_assert(offsetof(Stat, st_mode) == 24);
static_assert(offsetof(Stat, st_rdev) == 40);
static_assert(offsetof(Stat, st_atim) == 72);

// statx mask bits (STATX_*).
inline constexpr uint32_t kStatxType = 0x1;
inline constexpr uint32_t kStatxMode = 0x2;
inline constexpr uint32_t kStatxNlink = 0x4;
inline constexpr uint32_t kStatxUid = 0x8;
inline constexpr uint32_t kStatxGid = 0x10;
inline constexpr uint32_t kStatxAtime = 0x20;
inline constexpr uint32_t kStatxMtime = 0x40;
inline constexpr uint32_t kStatxCtime = 0x80;
inline constexpr uint32_t kStatxIno = 0x100;
inline constexpr uint32_t kStatxSize = 0x200;
inline constexpr uint32_t kStatxBlocks = 0x400;
inline constexpr uint32_t kStatxBasicStats = 0x7ff;
inline constexpr uint32_t kStatxBtime = 0x800;
inline constexpr uint32_t kStatxMntId = 0x1000;

struct StatxTimestamp {
  int64_t tv_sec;
  uint32_t tv_nsec;
  int32_t reserved;
};

/// struct statx, 256 bytes.
struct Statx {
  uint32_t stx_mask;
  uint32_t stx_blksize;
  uint64_t stx_attributes;
  uint32_t stx_nlink;
  uint32_t stx_uid;
  uint32_t stx_gid;
  uint16_t stx_mode;
  uint16_t spare0;
  uint64_t stx_ino;
  uint64_t stx_size;
  uint64_t stx_blocks;
  uint64_t stx_attributes_mask;
  StatxTimestamp stx_atime;
  StatxTimestamp stx_btime;
  StatxTimestamp stx_ctime;
  StatxTimestamp stx_mtime;
  uint32_t stx_rdev_major;
  uint32_t stx_rdev_minor;
  uint32_t stx_dev_major;
  uint32_t stx_dev_minor;
  uint64_t stx_mnt_id;
  uint32_t stx_dio_mem_align;
  uint32_t stx_dio_offset_align;
  uint64_t spare3[12];
};
static_assert(sizeof(Statx) == 256, "struct statx is 256 bytes");
static_assert(offsetof(Statx, stx_atime) == 64);
static_assert(offsetof(Statx, stx_rdev_major) == 128);

}  // namespace linux_abi
