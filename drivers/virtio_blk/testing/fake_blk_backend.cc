#include "drivers/virtio_blk/testing/fake_blk_backend.h"

#include <string.h>

#include <algorithm>

namespace virtio_blk::testing {

using virtio::FeatureBit;
using virtio::testing::ChainBuffer;

namespace {
void Put(std::vector<uint8_t>& cfg, uint32_t at, const void* v, size_t n) {
  memcpy(cfg.data() + at, v, n);
}
}  // namespace

FakeBlkBackend::FakeBlkBackend(virtio::testing::FakeVirtioDevice& device, const Config& config)
    : device_(device), config_(config), disk_(config.capacity_sectors * kSectorSize) {
  uint64_t f = FeatureBit(virtio::feature::kVersion1) | config.extra_features;
  if (config.seg_max) f |= FeatureBit(feature::kSegMax);
  if (config.size_max) f |= FeatureBit(feature::kSizeMax);
  if (config.blk_size) f |= FeatureBit(feature::kBlkSize);
  if (config.read_only) f |= FeatureBit(feature::kRo);
  if (config.flush) f |= FeatureBit(feature::kFlush);
  if (config.topology) f |= FeatureBit(feature::kTopology);
  if (config.event_idx) f |= FeatureBit(virtio::feature::kEventIdx);
  device.offered_features = f;
  device.device_config.assign(60, 0);
  SetCapacity(config.capacity_sectors);
  Put(device.device_config, config::kSizeMax, &config.size_max, 4);
  Put(device.device_config, config::kSegMax, &config.seg_max, 4);
  Put(device.device_config, config::kBlkSize, &config.blk_size, 4);
  if (config.topology) {
    uint8_t exp = 3, align = 0;
    uint16_t min_io = 1;
    uint32_t opt_io = 64;
    Put(device.device_config, config::kPhysicalBlockExp, &exp, 1);
    Put(device.device_config, config::kAlignmentOffset, &align, 1);
    Put(device.device_config, config::kMinIoSize, &min_io, 2);
    Put(device.device_config, config::kOptIoSize, &opt_io, 4);
  }
  for (size_t i = 0; i < disk_.size(); ++i) disk_[i] = static_cast<uint8_t>(i * 7 + (i >> 9));
  device.SetBackend(this);
}

void FakeBlkBackend::SetCapacity(uint64_t sectors) {
  Put(device_.device_config, config::kCapacity, &sectors, 8);
  disk_.resize(sectors * kSectorSize);
  config_.capacity_sectors = sectors;
}

uint32_t FakeBlkBackend::Serve(uint16_t, const std::vector<ChainBuffer>& chain) {
  // Gather the readable and writable byte streams, framing-agnostic.
  std::vector<uint8_t> readable;
  std::vector<std::pair<uint8_t*, uint32_t>> writable;
  size_t writable_bytes = 0;
  for (const ChainBuffer& b : chain) {
    if (b.writable) {
      writable.push_back({b.host, b.length});
      writable_bytes += b.length;
    } else {
      readable.insert(readable.end(), b.host, b.host + b.length);
    }
  }
  if (readable.size() < sizeof(RequestHeader) || writable_bytes < 1) {
    errors_.push_back("request without header or status byte");
    return 0;
  }
  // The driver's data descriptors: all but the header and status ones.
  size_t data_descriptors = chain.size() >= 2 ? chain.size() - 2 : 0;
  max_data_descriptors_ = std::max(max_data_descriptors_, data_descriptors);
  uint64_t features = device_.driver_features();
  if ((features & FeatureBit(feature::kSegMax)) && data_descriptors > config_.seg_max) {
    errors_.push_back("more data descriptors than seg_max");
  }
  if (features & FeatureBit(feature::kSizeMax)) {
    for (size_t i = 1; i + 1 < chain.size(); ++i) {
      if (chain[i].length > config_.size_max) errors_.push_back("descriptor over size_max");
    }
  }

  RequestHeader header;
  memcpy(&header, readable.data(), sizeof(header));
  std::vector<uint8_t> out_data(readable.begin() + sizeof(header), readable.end());
  size_t in_len = writable_bytes - 1;  // writable data before the status byte
  std::vector<uint8_t> in_data(in_len, 0);
  uint8_t status = request_status::kOk;
  uint32_t written = 1;

  auto range_ok = [&](uint64_t sector, size_t bytes) {
    if (bytes % kSectorSize != 0) return false;
    uint64_t n = bytes / kSectorSize;
    return sector <= config_.capacity_sectors && n <= config_.capacity_sectors - sector;
  };
  auto touches_bad = [&](uint64_t sector, size_t bytes) {
    for (uint64_t s = sector; s < sector + bytes / kSectorSize; ++s) {
      if (bad_sectors_.count(s)) return true;
    }
    return false;
  };

  switch (header.type) {
    case request_type::kIn:
      ++reads_;
      if (!out_data.empty()) errors_.push_back("readable data in an IN request");
      if (!range_ok(header.sector, in_len)) {
        errors_.push_back("IN request out of range or not whole sectors");
        status = request_status::kIoErr;
      } else if (touches_bad(header.sector, in_len)) {
        status = request_status::kIoErr;
      } else {
        memcpy(in_data.data(), disk_.data() + header.sector * kSectorSize, in_len);
        written = static_cast<uint32_t>(in_len + 1);
      }
      break;
    case request_type::kOut:
      ++writes_;
      if (in_len != 0) errors_.push_back("writable data in an OUT request");
      if (!(features & FeatureBit(feature::kRo)) && config_.read_only) {
        errors_.push_back("RO offered but not accepted");
      }
      if (config_.read_only) {
        ++writes_refused_;
        errors_.push_back("write sent to a read-only device");
        status = request_status::kIoErr;
      } else if (!range_ok(header.sector, out_data.size())) {
        errors_.push_back("OUT request out of range or not whole sectors");
        status = request_status::kIoErr;
      } else if (touches_bad(header.sector, out_data.size())) {
        status = request_status::kIoErr;
      } else {
        memcpy(disk_.data() + header.sector * kSectorSize, out_data.data(), out_data.size());
      }
      break;
    case request_type::kFlush:
      ++flushes_;
      if (!(features & FeatureBit(feature::kFlush))) errors_.push_back("FLUSH not negotiated");
      break;
    case request_type::kGetId:
      ++get_ids_;
      if (!config_.get_id) {
        ++unsupported_;
        status = request_status::kUnsupp;
        break;
      }
      if (in_len < kIdBytes) errors_.push_back("GET_ID buffer under 20 bytes");
      memcpy(in_data.data(), config_.id.data(),
             std::min<size_t>({config_.id.size(), in_len, kIdBytes}));
      written = static_cast<uint32_t>(std::min<size_t>(in_len, kIdBytes) + 1);
      break;
    default: ++unsupported_; status = request_status::kUnsupp;
  }

  // Scatter the writable stream: data, then the status byte.
  in_data.push_back(status);
  size_t at = 0;
  for (auto [host, len] : writable) {
    memcpy(host, in_data.data() + at, len);
    at += len;
  }
  return written;
}

}  // namespace virtio_blk::testing
