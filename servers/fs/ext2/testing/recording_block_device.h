#pragma once

// RecordingBlockDevice: an in-memory BlockDevice that records every write
// and flush in order, so a test can rebuild the disk as a power cut would
// leave it: after any prefix of the writes, with a write since the last
// flush lost, or with a write torn (crash-consistency tests).

#include <stdint.h>
#include <string.h>

#include <string>
#include <vector>

#include "servers/fs/ext2/block_device.h"

namespace servers::fs::ext2::testing {

class RecordingBlockDevice final : public BlockDevice {
 public:
  struct WriteRecord {
    uint64_t lba;
    std::string bytes;
  };

  /// Starts from `image` (its size a multiple of 512).
  explicit RecordingBlockDevice(std::string image) : base_(image), data_(std::move(image)) {}

  uint32_t sector_size() const override { return 512; }
  uint64_t sector_count() const override { return data_.size() / 512; }
  bool read_only() const override { return false; }

  kstd::Result<void> Read(uint64_t lba, uint32_t count, kstd::Span<uint8_t> out) override {
    if (lba > sector_count() || count > sector_count() - lba || out.size() != count * 512ull) {
      return kstd::Error::kInvalid;
    }
    memcpy(out.data(), data_.data() + lba * 512, out.size());
    return kstd::Ok();
  }
  kstd::Result<void> Write(uint64_t lba, uint32_t count, kstd::Span<const uint8_t> in) override {
    if (lba > sector_count() || count > sector_count() - lba || in.size() != count * 512ull) {
      return kstd::Error::kInvalid;
    }
    memcpy(&data_[lba * 512], in.data(), in.size());
    writes_.push_back(
        WriteRecord{lba, std::string(reinterpret_cast<const char*>(in.data()), in.size())});
    return kstd::Ok();
  }
  kstd::Result<void> Flush() override {
    flushes_.push_back(writes_.size());
    return kstd::Ok();
  }

  /// The writes so far, and after how many writes each flush came.
  const std::vector<WriteRecord>& writes() const { return writes_; }
  const std::vector<size_t>& flushes() const { return flushes_; }
  /// The disk as it is now.
  const std::string& image() const { return data_; }
  /// The disk as the first `count` writes left it.
  std::string ImageAfter(size_t count) const { return ImageWith(count, kNone, 0); }
  /// The disk as the first `count` writes left it, except that write `skip`
  /// (if < count) was lost, and that then the first `torn_sectors` sectors
  /// of write `count` (if any) landed too.
  std::string ImageWith(size_t count, size_t skip, size_t torn_sectors) const {
    std::string out = base_;
    for (size_t i = 0; i < count && i < writes_.size(); ++i) {
      if (i == skip) continue;
      memcpy(&out[writes_[i].lba * 512], writes_[i].bytes.data(), writes_[i].bytes.size());
    }
    if (count < writes_.size() && torn_sectors > 0) {
      size_t bytes = torn_sectors * 512;
      if (bytes > writes_[count].bytes.size()) bytes = writes_[count].bytes.size();
      memcpy(&out[writes_[count].lba * 512], writes_[count].bytes.data(), bytes);
    }
    return out;
  }
  static constexpr size_t kNone = ~size_t{0};

 private:
  std::string base_;
  std::string data_;
  std::vector<WriteRecord> writes_;
  std::vector<size_t> flushes_;
};

}  // namespace servers::fs::ext2::testing
