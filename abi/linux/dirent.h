#pragma once

// Linux getdents64(2) ABI: the record head (struct linux_dirent64 of
// include/linux/dirent.h) and the d_type values (DT_*, include/linux/fs_types.h).

#include <stddef.h>
#include <stdint.h>

namespace linux_abi {

// d_type values.
inline constexpr uint8_t kDirentUnknown = 0;
inline constexpr uint8_t kDirentFifo = 1;
inline constexpr uint8_t kDirentCharDevice = 2;
inline constexpr uint8_t kDirentDirectory = 4;
inline constexpr uint8_t kDirentBlockDevice = 6;
inline constexpr uint8_t kDirentRegular = 8;
inline constexpr uint8_t kDirentSymlink = 10;
inline constexpr uint8_t kDirentSocket = 12;

/// The fixed head of a getdents64 record; the NUL-terminated name follows,
/// and d_reclen rounds the record up to 8 bytes.
struct Dirent64 {
  uint64_t d_ino;
  int64_t d_off;  // the cursor after this entry (what lseek/telldir take)
  uint16_t d_reclen;
  uint8_t d_type;
  // char d_name[];
};
inline constexpr size_t kDirent64HeaderSize = 19;  // offsetof(d_name)
static_assert(offsetof(Dirent64, d_type) == 18);

}  // namespace linux_abi
