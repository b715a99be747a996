#pragma once

// The BLK* ioctls that report a block device's geometry (Linux <linux/fs.h>),
// shared by the disks (block_file.h) and the loop devices (loop_devices.h).

#include <stdint.h>

#include "kstd/result.h"

namespace core::fs {

struct BlockGeometry {
  uint64_t capacity_bytes = 0;
  uint32_t block_size = 512;  // logical
  bool read_only = false;
};

/// BLKGETSIZE64, BLKGETSIZE, BLKSSZGET, BLKBSZGET, BLKPBSZGET, BLKIOMIN,
/// BLKIOOPT, BLKROGET: writes the answer to user address `arg`, returns 0.
/// Errors: kFault, kNotTty (another request: the caller's, or ENOTTY).
kstd::Result<int64_t> AnswerGeometryIoctl(uint32_t request, uint64_t arg, const BlockGeometry& g);

}  // namespace core::fs
