#pragma once

// The virtio-blk half of the fake device (tests only): serves IN, OUT,
// FLUSH and GET_ID requests against an in-memory disk, parsing each chain
// without assuming its framing (§5.2.6: header in the first 16 readable
// bytes, status in the last writable byte), and checks the driver keeps the
// limits it negotiated.

#include <stdint.h>

#include <set>
#include <string>
#include <vector>

#include "drivers/virtio/testing/fake_virtio_device.h"
#include "drivers/virtio_blk/blk_spec.h"

namespace virtio_blk::testing {

class FakeBlkBackend final : public virtio::testing::FakeBackend {
 public:
  struct Config {
    uint64_t capacity_sectors = 2048;  // 1 MiB
    uint32_t seg_max = 0;              // 0: SEG_MAX not offered
    uint32_t size_max = 0;             // 0: SIZE_MAX not offered
    uint32_t blk_size = 0;             // 0: BLK_SIZE not offered
    bool read_only = false;
    bool flush = true;
    bool event_idx = true;
    bool topology = false;
    bool get_id = true;           // false: GET_ID answers UNSUPP
    uint64_t extra_features = 0;  // offered too (e.g. features the driver must refuse)
    std::string id = "tessera-disk-0";
  };

  /// Sets up `device` (features offered, configuration structure) and
  /// attaches this backend to it.
  FakeBlkBackend(virtio::testing::FakeVirtioDevice& device, const Config& config);

  uint32_t Serve(uint16_t queue, const std::vector<virtio::testing::ChainBuffer>& chain) override;

  std::vector<uint8_t>& disk() { return disk_; }
  /// Requests touching these sectors fail with VIRTIO_BLK_S_IOERR.
  std::set<uint64_t>& bad_sectors() { return bad_sectors_; }
  /// Sets the capacity in the configuration structure (the caller then calls
  /// device.ChangeConfig()).
  void SetCapacity(uint64_t sectors);

  int reads() const { return reads_; }
  int writes() const { return writes_; }
  int flushes() const { return flushes_; }
  int get_ids() const { return get_ids_; }
  int writes_refused() const { return writes_refused_; }
  int unsupported() const { return unsupported_; }
  size_t max_data_descriptors() const { return max_data_descriptors_; }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  virtio::testing::FakeVirtioDevice& device_;
  Config config_;
  std::vector<uint8_t> disk_;
  std::set<uint64_t> bad_sectors_;
  int reads_ = 0, writes_ = 0, flushes_ = 0, get_ids_ = 0, writes_refused_ = 0, unsupported_ = 0;
  size_t max_data_descriptors_ = 0;
  std::vector<std::string> errors_;
};

}  // namespace virtio_blk::testing
