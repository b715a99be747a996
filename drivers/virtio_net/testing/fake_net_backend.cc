#include "drivers/virtio_net/testing/fake_net_backend.h"

#include <string.h>

namespace virtio_net::testing {

using virtio::FeatureBit;
using virtio::testing::ChainBuffer;

FakeNetBackend::FakeNetBackend(virtio::testing::FakeVirtioDevice& device, const Config& config)
    : device_(device) {
  device.num_queues = 2;
  device.offered_features = FeatureBit(virtio::feature::kVersion1) | config.extra_features;
  if (config.offer_mac) device.offered_features |= FeatureBit(feature::kMac);
  if (config.offer_status) device.offered_features |= FeatureBit(feature::kStatus);
  device.device_config.assign(12, 0);
  memcpy(device.device_config.data() + config::kMac, config.mac, 6);
  SetLink(config.link_up);
  device.device_config[config::kMtu] = kDefaultMtu & 0xFF;
  device.device_config[config::kMtu + 1] = kDefaultMtu >> 8;
  device.SetBackend(this);
}

void FakeNetBackend::SetLink(bool up) {
  device_.device_config[config::kStatus] = up ? kStatusLinkUp : 0;
  device_.device_config[config::kStatus + 1] = 0;
}

bool FakeNetBackend::Ready(uint16_t queue) { return queue != kReceiveQueue || !incoming_.empty(); }

uint32_t FakeNetBackend::Serve(uint16_t queue, const std::vector<ChainBuffer>& chain) {
  if (queue == kTransmitQueue) {
    std::vector<uint8_t> bytes;
    for (const ChainBuffer& b : chain) {
      if (b.writable) {
        errors_.push_back("a transmit chain has a writable buffer");
        return 0;
      }
      bytes.insert(bytes.end(), b.host, b.host + b.length);
    }
    if (bytes.size() < sizeof(NetHeader)) {
      errors_.push_back("a transmit chain shorter than the header");
      return 0;
    }
    for (size_t i = 0; i < sizeof(NetHeader); ++i) {
      if (bytes[i] != 0) errors_.push_back("a transmit header asks for an offload");
    }
    size_t frame = bytes.size() - sizeof(NetHeader);
    if (frame < kMinFrameBytes || frame > kMaxFrameBytes) {
      errors_.push_back("a transmit frame of " + std::to_string(frame) + " bytes");
    }
    sent_.emplace_back(bytes.begin() + sizeof(NetHeader), bytes.end());
    return 0;
  }
  if (queue != kReceiveQueue) {
    errors_.push_back("a chain on queue " + std::to_string(queue));
    return 0;
  }
  if (incoming_.empty()) {
    errors_.push_back("a receive chain served with no frame");
    return 0;
  }
  std::vector<uint8_t> bytes(sizeof(NetHeader), 0);  // num_buffers 0: no MRG_RXBUF
  const std::vector<uint8_t>& frame = incoming_.front();
  bytes.insert(bytes.end(), frame.begin(), frame.end());
  incoming_.pop_front();
  size_t at = 0;
  for (const ChainBuffer& b : chain) {
    if (!b.writable) {
      errors_.push_back("a receive chain has a readable buffer");
      return 0;
    }
    size_t n = bytes.size() - at < b.length ? bytes.size() - at : b.length;
    memcpy(b.host, bytes.data() + at, n);
    at += n;
  }
  if (at < bytes.size()) errors_.push_back("a receive chain too small for the frame");
  if (lie_) {
    lie_ = false;
    return lie_length_;
  }
  return static_cast<uint32_t>(at);
}

}  // namespace virtio_net::testing
