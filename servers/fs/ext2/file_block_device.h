#pragma once

// FileBlockDevice: a BlockDevice over a disk image file (pread/pwrite,
// fsync on Flush). Used by the host tests and by tools; works with glibc and
// musl alike.

#include <stdint.h>

#include "kstd/result.h"
#include "servers/fs/ext2/block_device.h"

namespace servers::fs::ext2 {

class FileBlockDevice final : public BlockDevice {
 public:
  FileBlockDevice() = default;
  ~FileBlockDevice();
  FileBlockDevice(const FileBlockDevice&) = delete;
  FileBlockDevice& operator=(const FileBlockDevice&) = delete;

  /// Opens the image (read-only if asked, or if it cannot be opened for
  /// writing). The device's size is the file's size in whole sectors.
  /// Errors: kNotFound, kAccess, kInvalid (sector size), kIo.
  kstd::Result<void> Open(const char* path, bool read_only, uint32_t sector_size = 512);
  void Close();

  uint32_t sector_size() const override { return sector_size_; }
  uint64_t sector_count() const override { return sector_count_; }
  bool read_only() const override { return read_only_; }
  kstd::Result<void> Read(uint64_t lba, uint32_t count, kstd::Span<uint8_t> out) override;
  kstd::Result<void> Write(uint64_t lba, uint32_t count, kstd::Span<const uint8_t> in) override;
  kstd::Result<void> Flush() override;

  /// Write requests made so far (for tests).
  uint64_t write_count() const { return write_count_; }

 private:
  uint64_t write_count_ = 0;
  int fd_ = -1;
  uint32_t sector_size_ = 512;
  uint64_t sector_count_ = 0;
  bool read_only_ = true;
};

}  // namespace servers::fs::ext2
