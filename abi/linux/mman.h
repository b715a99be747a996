#pragma once

// Linux x86-64 memory-mapping ABI: mmap, mprotect, mremap, madvise
// (include/uapi/asm-generic/mman-common.h, mman.h, arch/x86 mman.h,
// include/uapi/linux/mman.h).

#include <stdint.h>

namespace linux_abi {

// Protections (PROT_*). Tessera's native vmo_map takes the same values.
inline constexpr int32_t kProtNone = 0;
inline constexpr int32_t kProtRead = 1;
inline constexpr int32_t kProtWrite = 2;
inline constexpr int32_t kProtExec = 4;

// mmap flags (MAP_*).
inline constexpr int32_t kMapShared = 0x01;
inline constexpr int32_t kMapPrivate = 0x02;
inline constexpr int32_t kMapFixed = 0x10;
inline constexpr int32_t kMapAnonymous = 0x20;
inline constexpr int32_t kMapGrowsDown = 0x100;
inline constexpr int32_t kMapDenyWrite = 0x800;
inline constexpr int32_t kMapExecutable = 0x1000;
inline constexpr int32_t kMapNoReserve = 0x4000;
inline constexpr int32_t kMapPopulate = 0x8000;
inline constexpr int32_t kMapNonBlock = 0x10000;
inline constexpr int32_t kMapStack = 0x20000;
inline constexpr int32_t kMapFixedNoReplace = 0x100000;

// mremap flags (MREMAP_*).
inline constexpr uint64_t kMremapMayMove = 1;
inline constexpr uint64_t kMremapFixed = 2;
inline constexpr uint64_t kMremapDontUnmap = 4;

// madvise advice (MADV_*).
inline constexpr int32_t kMadvNormal = 0;
inline constexpr int32_t kMadvRandom = 1;
inline constexpr int32_t kMadvSequential = 2;
inline constexpr int32_t kMadvWillNeed = 3;
inline constexpr int32_t kMadvDontNeed = 4;
inline constexpr int32_t kMadvFree = 8;
inline constexpr int32_t kMadvHugePage = 14;
inline constexpr int32_t kMadvNoHugePage = 15;
inline constexpr int32_t kMadvDontDump = 16;
inline constexpr int32_t kMadvDoDump = 17;

}  // namespace linux_abi
