#pragma once

// Linux x86-64 file-system ABI: the layouts and constants the POSIX syscall
// layer copies to and from user space. Plain C layout only; each struct is
// checked against the host's C library headers in linux_abi_test.cc.
//
// Sources: include/uapi/asm-generic/stat.h is NOT the x86-64 layout; x86-64
// uses arch/x86/include/uapi/asm/stat.h (struct stat), include/uapi/linux/stat.h
// (struct statx, STATX_*, S_IF*), include/uapi/asm-generic/statfs.h (struct
// statfs, 64-bit longs), include/linux/dirent.h (linux_dirent64),
// include/uapi/linux/magic.h (file-system magics), include/uapi/linux/poll.h.

#include <stddef.h>
#include <stdint.h>

namespace core::vfs {

// File type and permission bits of st_mode (uapi/linux/stat.h).
inline constexpr uint32_t kModeTypeMask = 0170000;
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

// d_type values of getdents64 (include/linux/fs_types.h, DT_*).
inline constexpr uint8_t kDirentUnknown = 0;
inline constexpr uint8_t kDirentFifo = 1;
inline constexpr uint8_t kDirentCharDevice = 2;
inline constexpr uint8_t kDirentDirectory = 4;
inline constexpr uint8_t kDirentBlockDevice = 6;
inline constexpr uint8_t kDirentRegular = 8;
inline constexpr uint8_t kDirentSymlink = 10;
inline constexpr uint8_t kDirentSocket = 12;

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

struct LinuxTimespec {
  int64_t tv_sec;
  int64_t tv_nsec;
};

/// struct stat for x86-64 (arch/x86/include/uapi/asm/stat.h): stat, fstat,
/// lstat, newfstatat.
struct LinuxStat {
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
  LinuxTimespec st_atim;
  LinuxTimespec st_mtim;
  LinuxTimespec st_ctim;
  int64_t unused[3];
};
static_assert(sizeof(LinuxStat) == 144, "x86-64 struct stat is 144 bytes");
static_assert(offsetof(LinuxStat, st_mode) == 24);
static_assert(offsetof(LinuxStat, st_rdev) == 40);
static_assert(offsetof(LinuxStat, st_atim) == 72);

// statx mask bits (uapi/linux/stat.h).
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

struct LinuxStatxTimestamp {
  int64_t tv_sec;
  uint32_t tv_nsec;
  int32_t reserved;
};

/// struct statx (uapi/linux/stat.h), 256 bytes.
struct LinuxStatx {
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
  LinuxStatxTimestamp stx_atime;
  LinuxStatxTimestamp stx_btime;
  LinuxStatxTimestamp stx_ctime;
  LinuxStatxTimestamp stx_mtime;
  uint32_t stx_rdev_major;
  uint32_t stx_rdev_minor;
  uint32_t stx_dev_major;
  uint32_t stx_dev_minor;
  uint64_t stx_mnt_id;
  uint32_t stx_dio_mem_align;
  uint32_t stx_dio_offset_align;
  uint64_t spare3[12];
};
static_assert(sizeof(LinuxStatx) == 256, "struct statx is 256 bytes");
static_assert(offsetof(LinuxStatx, stx_atime) == 64);
static_assert(offsetof(LinuxStatx, stx_rdev_major) == 128);

/// struct statfs for x86-64 (asm-generic/statfs.h with 64-bit longs): statfs,
/// fstatfs.
struct LinuxStatfs {
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
static_assert(sizeof(LinuxStatfs) == 120, "x86-64 struct statfs is 120 bytes");

// f_type magics (uapi/linux/magic.h).
inline constexpr int64_t kRamfsMagic = 0x858458f6;
inline constexpr int64_t kTmpfsMagic = 0x01021994;
inline constexpr int64_t kProcMagic = 0x9fa0;

/// The fixed head of a getdents64 record (struct linux_dirent64); the
/// NUL-terminated name follows, and d_reclen rounds the record up to 8 bytes.
struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;  // the cursor after this entry (what lseek/telldir take)
  uint16_t d_reclen;
  uint8_t d_type;
  // char d_name[];
};
inline constexpr size_t kDirent64HeaderSize = 19;  // offsetof(d_name)
static_assert(offsetof(LinuxDirent64, d_type) == 18);

// poll(2) event bits (uapi/asm-generic/poll.h).
inline constexpr uint32_t kPollIn = 0x001;
inline constexpr uint32_t kPollPri = 0x002;
inline constexpr uint32_t kPollOut = 0x004;
inline constexpr uint32_t kPollErr = 0x008;
inline constexpr uint32_t kPollHup = 0x010;
inline constexpr uint32_t kPollRdNorm = 0x040;
inline constexpr uint32_t kPollWrNorm = 0x100;

// open(2) access mode and the flags a vnode's Open sees (uapi fcntl.h, x86-64).
inline constexpr uint32_t kOpenAccessMask = 3;
inline constexpr uint32_t kOpenReadOnly = 0;
inline constexpr uint32_t kOpenWriteOnly = 1;
inline constexpr uint32_t kOpenReadWrite = 2;
inline constexpr uint32_t kOpenCreate = 0100;
inline constexpr uint32_t kOpenExclusive = 0200;
inline constexpr uint32_t kOpenNoCtty = 0400;
inline constexpr uint32_t kOpenTruncate = 01000;
inline constexpr uint32_t kOpenAppend = 02000;
inline constexpr uint32_t kOpenNonBlock = 04000;
inline constexpr uint32_t kOpenDirectory = 0200000;
inline constexpr uint32_t kOpenNoFollow = 0400000;

constexpr bool OpenWantsRead(uint32_t flags) { return (flags & kOpenAccessMask) != kOpenWriteOnly; }
constexpr bool OpenWantsWrite(uint32_t flags) {
  return (flags & kOpenAccessMask) == kOpenWriteOnly || (flags & kOpenAccessMask) == kOpenReadWrite;
}

// utimensat special tv_nsec values.
inline constexpr int64_t kUtimeNow = (1l << 30) - 1;
inline constexpr int64_t kUtimeOmit = (1l << 30) - 2;

}  // namespace core::vfs
