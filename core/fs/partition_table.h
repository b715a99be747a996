#pragma once

// Partition tables, as Linux reads them (block/partitions/msdos.c, efi.c):
// a GPT (protective MBR with a 0xEE entry, the header at LBA 1 with its
// CRC32s checked; partition N is entry N-1) or an MBR (primary partitions
// 1-4 by slot; the logical partitions of an extended one, from 5 on, along
// its chain of extended boot records; the extended partition itself shows
// as 2 sectors, as Linux's). Only what fits a disk's 15 partition minors is
// reported. A malformed table reports no partitions (and why), never a
// partition outside the disk. Portable and host-tested.

#include <stddef.h>
#include <stdint.h>

#include "kstd/result.h"
#include "kstd/span.h"

namespace core::fs {

inline constexpr uint32_t kMaxPartitions = 15;
inline constexpr uint32_t kTableSectorSize = 512;

struct Partition {
  uint32_t number = 0;        // 1..kMaxPartitions
  uint64_t first_sector = 0;  // 512-byte sectors from the start of the disk
  uint64_t sectors = 0;
};

/// Reads sector `lba` (512 bytes) into `out`. Errors: the device's.
using SectorReader = kstd::Result<void> (*)(void* context, uint64_t lba, uint8_t* out);

struct PartitionScan {
  size_t count = 0;
  const char* kind = "none";      // "gpt", "mbr" or "none"
  const char* problem = nullptr;  // why a table that was there was not used
};

/// Scans a disk of `disk_sectors` sectors; fills `out` (room for
/// kMaxPartitions) in partition-number order. Errors: the reader's.
kstd::Result<PartitionScan> ScanPartitions(SectorReader read, void* context, uint64_t disk_sectors,
                                           kstd::Span<Partition> out);

/// CRC-32 (IEEE 802.3, reflected; GPT's checksum) of `bytes`.
uint32_t Crc32(const uint8_t* bytes, size_t size);

}  // namespace core::fs
