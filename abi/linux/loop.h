#pragma once

// Loop devices (Linux <linux/loop.h>): the ioctls of /dev/loopN and
// /dev/loop-control, struct loop_info64 and struct loop_config. Checked
// against the kernel's uapi header in kernel_uapi_test.cc.

#include <stdint.h>

namespace linux_abi {

inline constexpr uint32_t kLoopMajor = 7;          // block devices /dev/loopN = 7:N
inline constexpr uint32_t kLoopControlMajor = 10;  // /dev/loop-control = 10:237 (misc)
inline constexpr uint32_t kLoopControlMinor = 237;

inline constexpr uint32_t kLoopSetFd = 0x4C00;  // arg: the backing fd
inline constexpr uint32_t kLoopClrFd = 0x4C01;
inline constexpr uint32_t kLoopSetStatus = 0x4C02;    // the old struct loop_info (refused)
inline constexpr uint32_t kLoopGetStatus = 0x4C03;    // the old struct loop_info (refused)
inline constexpr uint32_t kLoopSetStatus64 = 0x4C04;  // LoopInfo64* (in)
inline constexpr uint32_t kLoopGetStatus64 = 0x4C05;  // LoopInfo64* (out)
inline constexpr uint32_t kLoopChangeFd = 0x4C06;
inline constexpr uint32_t kLoopSetCapacity = 0x4C07;
inline constexpr uint32_t kLoopSetDirectIo = 0x4C08;
inline constexpr uint32_t kLoopSetBlockSize = 0x4C09;
inline constexpr uint32_t kLoopConfigure = 0x4C0A;   // LoopConfig* (in)
inline constexpr uint32_t kLoopCtlAdd = 0x4C80;      // arg: index
inline constexpr uint32_t kLoopCtlRemove = 0x4C81;   // arg: index
inline constexpr uint32_t kLoopCtlGetFree = 0x4C82;  // returns a free index

// lo_flags
inline constexpr uint32_t kLoFlagsReadOnly = 1;
inline constexpr uint32_t kLoFlagsAutoclear = 4;
inline constexpr uint32_t kLoFlagsPartscan = 8;
inline constexpr uint32_t kLoFlagsDirectIo = 16;
/// The flags LOOP_SET_STATUS64 may change (Linux's LOOP_SET_STATUS_SETTABLE_FLAGS).
inline constexpr uint32_t kLoSettableFlags = kLoFlagsAutoclear | kLoFlagsPartscan;

inline constexpr uint32_t kLoNameSize = 64;
inline constexpr uint32_t kLoKeySize = 32;

struct LoopInfo64 {
  uint64_t lo_device;  // the backing file's st_dev
  uint64_t lo_inode;   // the backing file's st_ino
  uint64_t lo_rdevice;
  uint64_t lo_offset;
  uint64_t lo_sizelimit;  // bytes, 0 == max available
  uint32_t lo_number;
  uint32_t lo_encrypt_type;
  uint32_t lo_encrypt_key_size;
  uint32_t lo_flags;
  uint8_t lo_file_name[kLoNameSize];
  uint8_t lo_crypt_name[kLoNameSize];
  uint8_t lo_encrypt_key[kLoKeySize];
  uint64_t lo_init[2];
};
static_assert(sizeof(LoopInfo64) == 232, "struct loop_info64");

struct LoopConfig {
  uint32_t fd;
  uint32_t block_size;
  LoopInfo64 info;
  uint64_t reserved[8];
};
static_assert(sizeof(LoopConfig) == 304, "struct loop_config");

}  // namespace linux_abi
