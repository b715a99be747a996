#pragma once

// Block-device ioctls (Linux <linux/fs.h>, the BLK* requests of major 0x12)
// that Tessera's /dev/vdX nodes answer. Checked against the kernel's uapi
// header in kernel_uapi_test.cc.

#include <stdint.h>

namespace linux_abi {

inline constexpr uint32_t kBlkRoSet = 0x125d;          // int* (in): set read-only (root)
inline constexpr uint32_t kBlkRoGet = 0x125e;          // int* (out): 1 when read-only
inline constexpr uint32_t kBlkRrPart = 0x125f;         // re-read the partition table
inline constexpr uint32_t kBlkGetSize = 0x1260;        // unsigned long* (out): 512-byte sectors
inline constexpr uint32_t kBlkFlsBuf = 0x1261;         // flush buffers (root)
inline constexpr uint32_t kBlkSszGet = 0x1268;         // int* (out): logical block size
inline constexpr uint32_t kBlkIoMin = 0x1278;          // unsigned int* (out): minimum I/O size
inline constexpr uint32_t kBlkIoOpt = 0x1279;          // unsigned int* (out): optimal I/O size
inline constexpr uint32_t kBlkPbszGet = 0x127b;        // unsigned int* (out): physical block size
inline constexpr uint32_t kBlkBszGet = 0x80081270;     // int* (out): soft block size
inline constexpr uint32_t kBlkGetSize64 = 0x80081272;  // uint64_t* (out): bytes

}  // namespace linux_abi
