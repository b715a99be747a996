#include "drivers/virtio/pci_transport.h"

namespace virtio {

kstd::Result<PciTransport::Window> PciTransport::Bind(const PciRegion& region,
                                                      Mmio* const (&bars)[pci::kBarCount]) {
  Window w;
  if (!region.present) return w;  // optional structure: an empty window
  if (region.bar >= pci::kBarCount || bars[region.bar] == nullptr) return kstd::Error::kInvalid;
  Mmio* mmio = bars[region.bar];
  uint64_t end;
  if (!kstd::CheckedAdd(region.offset, region.length, &end) || end > mmio->size()) {
    return kstd::Error::kInvalid;
  }
  w.mmio = mmio;
  w.offset = region.offset;
  w.length = region.length;
  return w;
}

kstd::Result<void> PciTransport::Init(const PciCapabilities& caps,
                                      Mmio* const (&bars)[pci::kBarCount]) {
  if (!caps.common.present || !caps.notify.present || !caps.isr.present) {
    return kstd::Error::kInvalid;
  }
  common_ = TRY(Bind(caps.common, bars));
  notify_ = TRY(Bind(caps.notify, bars));
  isr_ = TRY(Bind(caps.isr, bars));
  device_ = TRY(Bind(caps.device, bars));
  notify_off_multiplier_ = caps.notify_off_multiplier;
  bound_ = true;
  return kstd::Ok();
}

uint8_t PciTransport::status() { return CommonRead8(common_cfg::kDeviceStatus); }

kstd::Result<void> PciTransport::Reset() {
  CommonWrite8(common_cfg::kDeviceStatus, 0);
  for (int i = 0; i < kResetPolls; ++i) {
    if (status() == 0) return kstd::Ok();
  }
  return kstd::Error::kTimedOut;
}

void PciTransport::AddStatus(uint8_t bits) {
  CommonWrite8(common_cfg::kDeviceStatus, static_cast<uint8_t>(status() | bits));
}

uint64_t PciTransport::DeviceFeatures() {
  CommonWrite32(common_cfg::kDeviceFeatureSelect, 0);
  uint64_t low = CommonRead32(common_cfg::kDeviceFeature);
  CommonWrite32(common_cfg::kDeviceFeatureSelect, 1);
  uint64_t high = CommonRead32(common_cfg::kDeviceFeature);
  return low | (high << 32);
}

kstd::Result<uint64_t> PciTransport::NegotiateFeatures(uint64_t supported, uint64_t required) {
  required |= FeatureBit(feature::kVersion1);
  supported |= required;
  TRY(Reset());
  AddStatus(status::kAcknowledge);
  AddStatus(status::kDriver);

  uint64_t offered = DeviceFeatures();
  if ((offered & required) != required) {
    MarkFailed();
    return kstd::Error::kNotSupported;
  }
  uint64_t accepted = offered & supported;
  CommonWrite32(common_cfg::kDriverFeatureSelect, 0);
  CommonWrite32(common_cfg::kDriverFeature, static_cast<uint32_t>(accepted));
  CommonWrite32(common_cfg::kDriverFeatureSelect, 1);
  CommonWrite32(common_cfg::kDriverFeature, static_cast<uint32_t>(accepted >> 32));

  AddStatus(status::kFeaturesOk);
  if ((status() & status::kFeaturesOk) == 0) {
    MarkFailed();
    return kstd::Error::kIo;
  }
  return accepted;
}

uint16_t PciTransport::NumQueues() { return CommonRead16(common_cfg::kNumQueues); }

kstd::Result<uint16_t> PciTransport::QueueMaxSize(uint16_t index) {
  if (index >= NumQueues()) return kstd::Error::kNotFound;
  CommonWrite16(common_cfg::kQueueSelect, index);
  uint16_t size = CommonRead16(common_cfg::kQueueSize);
  if (size == 0) return kstd::Error::kNotFound;
  if (CommonRead16(common_cfg::kQueueEnable) != 0) return kstd::Error::kBusy;
  return size;
}

kstd::Result<QueueNotifier> PciTransport::EnableQueue(uint16_t index, const QueueConfig& config) {
  uint16_t max = TRY(QueueMaxSize(index));  // also selects the queue
  if (config.size == 0 || (config.size & (config.size - 1)) != 0 || config.size > max) {
    return kstd::Error::kInvalid;
  }
  uint64_t notify_off = CommonRead16(common_cfg::kQueueNotifyOff);
  uint64_t at = notify_off * notify_off_multiplier_;
  if (!notify_.Fits(at, 2)) return kstd::Error::kBadMessage;

  CommonWrite16(common_cfg::kQueueSize, config.size);
  CommonWrite64(common_cfg::kQueueDesc, config.desc);
  CommonWrite64(common_cfg::kQueueDriver, config.driver);
  CommonWrite64(common_cfg::kQueueDevice, config.device);
  CommonWrite16(common_cfg::kQueueMsixVector, config.msix_vector);
  if (config.msix_vector != kNoMsixVector &&
      CommonRead16(common_cfg::kQueueMsixVector) != config.msix_vector) {
    return kstd::Error::kBusy;
  }
  CommonWrite16(common_cfg::kQueueEnable, 1);

  QueueNotifier n;
  n.bar = notify_.mmio;
  n.offset = notify_.offset + at;
  n.queue = index;
  return n;
}

kstd::Result<void> PciTransport::SetConfigMsixVector(uint16_t vector) {
  CommonWrite16(common_cfg::kConfigMsixVector, vector);
  if (vector != kNoMsixVector && CommonRead16(common_cfg::kConfigMsixVector) != vector) {
    return kstd::Error::kBusy;
  }
  return kstd::Ok();
}

uint8_t PciTransport::ReadIsr() { return isr_.mmio->Read8(isr_.offset); }

uint8_t PciTransport::config_generation() { return CommonRead8(common_cfg::kConfigGeneration); }

uint8_t PciTransport::DeviceRead8(uint32_t offset) {
  if (!device_.Fits(offset, 1)) return 0xFF;
  return device_.mmio->Read8(device_.offset + offset);
}

uint16_t PciTransport::DeviceRead16(uint32_t offset) {
  if (!device_.Fits(offset, 2)) return 0xFFFF;
  return device_.mmio->Read16(device_.offset + offset);
}

uint32_t PciTransport::DeviceRead32(uint32_t offset) {
  if (!device_.Fits(offset, 4)) return 0xFFFFFFFFu;
  return device_.mmio->Read32(device_.offset + offset);
}

uint64_t PciTransport::DeviceRead64(uint32_t offset) {
  if (!device_.Fits(offset, 8)) return ~uint64_t{0};
  uint64_t low = DeviceRead32(offset);
  uint64_t high = DeviceRead32(offset + 4);
  return low | (high << 32);
}

void PciTransport::DeviceWrite8(uint32_t offset, uint8_t value) {
  if (device_.Fits(offset, 1)) device_.mmio->Write8(device_.offset + offset, value);
}

kstd::Result<void> BindTransport(PciConfig& config, Mmio* const (&bars)[pci::kBarCount],
                                 uint16_t device_type, const char* wrong_type,
                                 PciTransport& transport, const char** failure) {
  auto type = IdentifyDevice(config);
  if (type.is_error()) {
    *failure = "not a virtio PCI function";
    return type.error();
  }
  if (type.value() != device_type) {
    *failure = wrong_type;
    return kstd::Error::kNotSupported;
  }
  BarSizes sizes;
  for (int i = 0; i < pci::kBarCount; ++i) sizes.size[i] = bars[i] != nullptr ? bars[i]->size() : 0;
  auto caps = ParseCapabilities(config, sizes);
  if (caps.is_error()) {
    *failure = "virtio PCI capabilities missing or malformed";
    return caps.error();
  }
  auto bound = transport.Init(caps.value(), bars);
  if (bound.is_error()) {
    *failure = "a virtio structure's BAR is not mapped";
    return bound.error();
  }
  return kstd::Ok();
}

}  // namespace virtio
