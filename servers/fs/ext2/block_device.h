#pragma once

// BlockDevice: what the ext2 code needs from a disk. The fs server's real one
// forwards to the virtio-blk driver over IPC; tests use a file-backed image
// (file_block_device.h) or memory with fault injection (memory_block_device.h).
//
// Addresses are in the device's own sectors (`sector_size()` bytes each, a
// power of two from 512 to 65536). Calls are synchronous. Not synchronized: the
// file system that owns the device serializes its calls.

#include <stddef.h>
#include <stdint.h>

#include "kstd/error.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace servers::fs::ext2 {

class BlockDevice {
 public:
  /// Bytes per sector (power of two, 512..65536).
  virtual uint32_t sector_size() const = 0;
  /// Number of sectors.
  virtual uint64_t sector_count() const = 0;
  /// True if writes are refused (a read-only disk or image).
  virtual bool read_only() const = 0;

  /// Reads sectors [lba, lba+count) into `out` (exactly count * sector_size()
  /// bytes). Errors: kInvalid (range past the end or size mismatch), kIo.
  virtual kstd::Result<void> Read(uint64_t lba, uint32_t count, kstd::Span<uint8_t> out) = 0;
  /// Writes sectors [lba, lba+count) from `in`. Errors: kReadOnlyFs,
  /// kInvalid, kIo. Success means the device accepted the data; it is durable
  /// only after Flush.
  virtual kstd::Result<void> Write(uint64_t lba, uint32_t count, kstd::Span<const uint8_t> in) = 0;
  /// Makes every completed write durable (virtio-blk VIRTIO_BLK_T_FLUSH,
  /// fsync on an image). Errors: kIo.
  virtual kstd::Result<void> Flush() = 0;

  /// Reads sectors [lba, lba + pieces.size() * sectors_per_piece) in one go,
  /// piece i (sectors_per_piece * sector_size() bytes) into pieces[i]: what
  /// the block cache's read-ahead fills its entries with. Devices that stage
  /// reads in a buffer of their own override it to copy straight into the
  /// pieces; the default says kNotSupported and the cache reads into a
  /// bounce buffer instead. Errors: as Read.
  virtual kstd::Result<void> ReadScatter(uint64_t lba, uint32_t sectors_per_piece,
                                         kstd::Span<uint8_t* const> pieces) {
    (void)lba;
    (void)sectors_per_piece;
    (void)pieces;
    return kstd::Error::kNotSupported;
  }

 protected:
  ~BlockDevice() = default;
};

}  // namespace servers::fs::ext2
