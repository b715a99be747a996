#pragma once

// The virtio-net half of the fake device (tests only): a wire on the far
// side of the NIC. Frames the test injects are written into receive chains
// (header, then frame, across however the driver framed the chain) when
// there is a chain to take them; transmit chains are parsed (12-byte header,
// then the frame) and kept for the test to read. It checks what the driver
// must keep to: headers of zeros (no offloads), frames of legal size, no
// writable transmit buffers, no readable receive buffers.

#include <stdint.h>

#include <deque>
#include <string>
#include <vector>

#include "drivers/virtio/testing/fake_virtio_device.h"
#include "drivers/virtio_net/net_spec.h"

namespace virtio_net::testing {

class FakeNetBackend final : public virtio::testing::FakeBackend {
 public:
  struct Config {
    uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    bool offer_mac = true;
    bool offer_status = true;
    bool link_up = true;
    uint64_t extra_features = 0;  // offered too (features the driver must refuse)
  };

  /// Sets up `device` (two queues, features offered, configuration
  /// structure) and attaches this backend to it.
  FakeNetBackend(virtio::testing::FakeVirtioDevice& device, const Config& config);

  uint32_t Serve(uint16_t queue, const std::vector<virtio::testing::ChainBuffer>& chain) override;
  bool Ready(uint16_t queue) override;

  /// A frame arrives from the wire (written at the next receive chain).
  void Inject(std::vector<uint8_t> frame) { incoming_.push_back(std::move(frame)); }
  /// The next receive completion reports this used length instead of the
  /// real one (a lying device).
  void LieAboutNextLength(uint32_t len) {
    lie_ = true;
    lie_length_ = len;
  }
  /// Changes the link bit in the configuration (the caller then calls
  /// device.ChangeConfig()).
  void SetLink(bool up);

  size_t waiting() const { return incoming_.size(); }
  const std::vector<std::vector<uint8_t>>& sent() const { return sent_; }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  virtio::testing::FakeVirtioDevice& device_;
  std::deque<std::vector<uint8_t>> incoming_;
  std::vector<std::vector<uint8_t>> sent_;
  std::vector<std::string> errors_;
  bool lie_ = false;
  uint32_t lie_length_ = 0;
};

}  // namespace virtio_net::testing
