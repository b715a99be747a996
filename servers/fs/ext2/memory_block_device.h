#pragma once

// MemoryBlockDevice: a BlockDevice in memory with fault injection, for tests
// of the cache's and the file system's error handling.

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "servers/fs/ext2/block_device.h"

namespace servers::fs::ext2 {

class MemoryBlockDevice final : public BlockDevice {
 public:
  MemoryBlockDevice(uint64_t sectors, uint32_t sector_size = 512)
      : sector_size_(sector_size), sector_count_(sectors) {
    data_ = static_cast<uint8_t*>(calloc(sectors, sector_size));
  }
  ~MemoryBlockDevice() { free(data_); }
  MemoryBlockDevice(const MemoryBlockDevice&) = delete;
  MemoryBlockDevice& operator=(const MemoryBlockDevice&) = delete;

  uint8_t* data() { return data_; }
  uint64_t bytes() const { return sector_count_ * sector_size_; }

  // Fault injection: requests touching sectors [fail_from, fail_to) fail
  // with kIo (reads and/or writes as enabled); a failing write changes
  // nothing. All writes fail once `writes_left` reaches zero (if >= 0).
  uint64_t fail_from = 0;
  uint64_t fail_to = 0;
  bool fail_reads = false;
  bool fail_writes = false;
  int64_t writes_left = -1;
  bool fail_flush = false;
  bool read_only_flag = false;
  // Counters.
  uint64_t reads = 0;
  uint64_t writes = 0;
  uint64_t flushes = 0;
  uint64_t sectors_written = 0;

  uint32_t sector_size() const override { return sector_size_; }
  uint64_t sector_count() const override { return sector_count_; }
  bool read_only() const override { return read_only_flag; }

  kstd::Result<void> Read(uint64_t lba, uint32_t count, kstd::Span<uint8_t> out) override {
    if (lba > sector_count_ || count > sector_count_ - lba ||
        out.size() != static_cast<size_t>(count) * sector_size_) {
      return kstd::Error::kInvalid;
    }
    ++reads;
    if (fail_reads && Overlaps(lba, count)) return kstd::Error::kIo;
    memcpy(out.data(), data_ + lba * sector_size_, out.size());
    return kstd::Ok();
  }

  /// With `scatter` set, reads ahead straight into the cache's pieces (one
  /// counted read, as the driver-backed device does).
  bool scatter = false;
  uint64_t scatter_reads = 0;
  kstd::Result<void> ReadScatter(uint64_t lba, uint32_t sectors_per_piece,
                                 kstd::Span<uint8_t* const> pieces) override {
    if (!scatter) return kstd::Error::kNotSupported;
    const uint64_t count = static_cast<uint64_t>(sectors_per_piece) * pieces.size();
    if (lba > sector_count_ || count > sector_count_ - lba) return kstd::Error::kInvalid;
    ++reads;
    ++scatter_reads;
    if (fail_reads && Overlaps(lba, count)) return kstd::Error::kIo;
    const size_t piece_bytes = static_cast<size_t>(sectors_per_piece) * sector_size_;
    for (size_t i = 0; i < pieces.size(); ++i) {
      memcpy(pieces[i], data_ + lba * sector_size_ + i * piece_bytes, piece_bytes);
    }
    return kstd::Ok();
  }

  kstd::Result<void> Write(uint64_t lba, uint32_t count, kstd::Span<const uint8_t> in) override {
    if (read_only_flag) return kstd::Error::kReadOnlyFs;
    if (lba > sector_count_ || count > sector_count_ - lba ||
        in.size() != static_cast<size_t>(count) * sector_size_) {
      return kstd::Error::kInvalid;
    }
    ++writes;
    if (writes_left == 0) return kstd::Error::kIo;
    if (writes_left > 0) --writes_left;
    if (fail_writes && Overlaps(lba, count)) return kstd::Error::kIo;
    memcpy(data_ + lba * sector_size_, in.data(), in.size());
    sectors_written += count;
    return kstd::Ok();
  }

  kstd::Result<void> Flush() override {
    ++flushes;
    if (fail_flush) return kstd::Error::kIo;
    return kstd::Ok();
  }

 private:
  bool Overlaps(uint64_t lba, uint32_t count) const {
    return lba < fail_to && lba + count > fail_from;
  }

  uint8_t* data_ = nullptr;
  uint32_t sector_size_;
  uint64_t sector_count_;
};

}  // namespace servers::fs::ext2
