#pragma once

// The ext2 code's BlockDevice (servers/fs/ext2/block_device.h) over a
// blkproto::Client: what the fs server mounts when its disk is a block driver
// process. Sectors are the device's logical blocks (Info::block_size).

#include "lib/blkproto/client.h"
#include "servers/fs/ext2/block_device.h"

namespace blkproto {

class Ext2BlockDevice final : public servers::fs::ext2::BlockDevice {
 public:
  /// `client` is open and outlives this object.
  explicit Ext2BlockDevice(Client& client) : client_(client) {}

  uint32_t sector_size() const override { return client_.info().block_size; }
  uint64_t sector_count() const override;
  bool read_only() const override { return client_.read_only(); }

  /// Errors: kInvalid (range or size), kReadOnlyFs (Write), kIo (the driver
  /// failed, timed out or is gone).
  kstd::Result<void> Read(uint64_t lba, uint32_t count, kstd::Span<uint8_t> out) override;
  kstd::Result<void> Write(uint64_t lba, uint32_t count, kstd::Span<const uint8_t> in) override;
  kstd::Result<void> Flush() override;
  /// One device read per client buffer's worth, copied from the shared
  /// buffer straight into the pieces.
  kstd::Result<void> ReadScatter(uint64_t lba, uint32_t sectors_per_piece,
                                 kstd::Span<uint8_t* const> pieces) override;

 private:
  kstd::Result<void> Check(uint64_t lba, uint32_t count, size_t bytes) const;

  Client& client_;
};

}  // namespace blkproto
