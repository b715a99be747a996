#include "drivers/virtio_net/net_device.h"

#include "drivers/virtio/spec.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace virtio_net {
namespace {

using kstd::Error;
using virtio::FeatureBit;

constexpr uint16_t kNoSlot = 0xFFFF;
constexpr uint32_t kHeaderBytes = sizeof(NetHeader);

uint16_t PowerOfTwoAtMost(uint32_t n) {
  uint32_t p = 1;
  while (p * 2 <= n && p * 2 <= virtio::kMaxSplitQueueSize) p *= 2;
  return static_cast<uint16_t>(p);
}

}  // namespace

Device::Device(virtio::PciConfig& config, virtio::Mmio* const (&bars)[virtio::pci::kBarCount],
               virtio::DmaAllocator& dma, virtio::Interrupt& irq)
    : config_(config), dma_(dma), irq_(irq) {
  for (int i = 0; i < virtio::pci::kBarCount; ++i) bars_[i] = bars[i];
}

Device::~Device() {
  if (transport_.bound()) (void)transport_.Reset();  // stop DMA before the memory goes
  if (headers_.valid()) dma_.Free(headers_);
  delete[] rx_slots_;
}

kstd::Result<void> Device::Fail(Error error, const char* reason) {
  failure_ = reason;
  ready_ = false;
  if (transport_.bound()) transport_.MarkFailed();
  return error;
}

kstd::Result<void> Device::Init(Sink& sink, const Options& options) {
  if (polling_) return Error::kBusy;
  if (transport_.bound() && (rxq_.initialized() || txq_.initialized())) GiveEverythingBack();
  sink_ = &sink;
  options_ = options;
  return Bringup();
}

void Device::GiveEverythingBack() {
  ready_ = false;
  (void)transport_.Reset();  // the device lets go of every buffer (§2.4)
  struct Ctx {
    Device* self;
  } ctx{this};
  if (rxq_.initialized()) {
    rxq_.Reset(
        false,
        [](void* c, uint64_t token) {
          Device* d = static_cast<Ctx*>(c)->self;
          uint16_t slot = static_cast<uint16_t>(token);
          uint64_t user = d->rx_slots_[slot].token;
          d->rx_slots_[slot].busy = false;
          d->rx_slots_[slot].next_free = d->free_rx_slot_;
          d->free_rx_slot_ = slot;
          d->sink_->RxReturned(user);
        },
        &ctx);
  }
  if (txq_.initialized()) {
    txq_.Reset(
        false,
        [](void* c, uint64_t token) { static_cast<Ctx*>(c)->self->sink_->Transmitted(token); },
        &ctx);
  }
}

kstd::Result<void> Device::Bringup() {
  ready_ = false;
  TRY(virtio::BindTransport(config_, bars_, virtio::kDeviceTypeNet, "not a virtio network device",
                            transport_, &failure_));
  uint32_t config_length = transport_.device_config_length();

  // Never a feature whose configuration field the structure lacks, never
  // an offload, never merged receive buffers (one buffer holds a frame).
  uint64_t supported = FeatureBit(virtio::feature::kVersion1);
  if (config_length >= config::kMacEnd) supported |= FeatureBit(feature::kMac);
  if (config_length >= config::kStatusEnd) supported |= FeatureBit(feature::kStatus);
  auto negotiated = transport_.NegotiateFeatures(supported, FeatureBit(virtio::feature::kVersion1));
  if (negotiated.is_error()) {
    switch (negotiated.error()) {
      case Error::kNotSupported:
        return Fail(Error::kNotSupported, "device lacks VIRTIO_F_VERSION_1");
      case Error::kIo: return Fail(Error::kIo, "device refused FEATURES_OK");
      default: return Fail(negotiated.error(), "device reset did not complete");
    }
  }
  info_ = Info();
  info_.features = negotiated.value();
  info_.mac_from_device = (info_.features & FeatureBit(feature::kMac)) != 0;
  info_.status_feature = (info_.features & FeatureBit(feature::kStatus)) != 0;
  info_.msix = irq_.kind() == virtio::Interrupt::Kind::kMsix;
  if (ReadConfig().is_error()) return Fail(Error::kAgain, "device configuration kept changing");

  if (transport_.NumQueues() < 2) return Fail(Error::kNotSupported, "device has no queue pair");
  uint16_t sizes_wanted[2];
  for (uint16_t q = 0; q < 2; ++q) {
    auto max = transport_.QueueMaxSize(q);
    if (max.is_error()) return Fail(Error::kNotSupported, "device has no usable queue pair");
    sizes_wanted[q] = PowerOfTwoAtMost(kstd::Min<uint32_t>(max.value(), options_.max_queue_size));
    if (sizes_wanted[q] < 4) return Fail(Error::kNotSupported, "queue too small");
  }
  virtio::SplitVirtqueue* queues[2] = {&rxq_, &txq_};
  for (uint16_t q = 0; q < 2; ++q) {
    if (queues[q]->initialized()) {
      // Reinitialization keeps the rings; the device must still take them.
      if (queues[q]->size() > sizes_wanted[q])
        return Fail(Error::kIo, "queue shrank across a reset");
      queues[q]->Reset(false, nullptr, nullptr);
    } else {
      auto made = queues[q]->Init(dma_, sizes_wanted[q], false);
      if (made.is_error()) return Fail(made.error(), "no memory for the virtqueues");
    }
  }
  // Every receive chain takes two descriptors: header and buffer.
  uint16_t slots = static_cast<uint16_t>(rxq_.size() / 2);
  if (!headers_.valid()) {
    auto dma = dma_.Allocate(kHeaderSlot * (size_t{slots} + 1), kHeaderSlot);
    if (dma.is_error()) return Fail(dma.error(), "no DMA memory for the packet headers");
    auto* table = new (kstd::nothrow) RxSlot[slots];
    if (table == nullptr) {
      dma_.Free(dma.value());
      return Fail(Error::kNoMemory, "out of memory");
    }
    headers_ = dma.value();
    rx_slots_ = table;
    rx_slot_count_ = slots;
  }
  // The transmit header (slot 0) stays all zeros: no checksum, no GSO.
  for (size_t i = 0; i < headers_.size; ++i) headers_.cpu[i] = 0;
  for (uint16_t i = 0; i < rx_slot_count_; ++i) {
    rx_slots_[i] = RxSlot();
    rx_slots_[i].next_free = static_cast<uint16_t>(i + 1 < rx_slot_count_ ? i + 1 : kNoSlot);
  }
  free_rx_slot_ = 0;

  uint16_t vector = info_.msix ? irq_.msix_entry() : virtio::kNoMsixVector;
  if (transport_.SetConfigMsixVector(vector).is_error()) {
    return Fail(Error::kBusy, "device refused the MSI-X vector");
  }
  virtio::QueueNotifier* notifiers[2] = {&rx_notifier_, &tx_notifier_};
  for (uint16_t q = 0; q < 2; ++q) {
    virtio::QueueConfig qc;
    qc.size = queues[q]->size();
    qc.desc = queues[q]->desc_address();
    qc.driver = queues[q]->driver_address();
    qc.device = queues[q]->device_address();
    qc.msix_vector = vector;
    auto notifier = transport_.EnableQueue(q, qc);
    if (notifier.is_error()) {
      return Fail(notifier.error(), notifier.error() == Error::kBusy
                                        ? "device refused the MSI-X vector"
                                        : "queue setup failed");
    }
    *notifiers[q] = notifier.value();
  }
  (void)rxq_.EnableInterrupts();
  (void)txq_.EnableInterrupts();
  info_.rx_queue_size = rxq_.size();
  info_.tx_queue_size = txq_.size();

  transport_.SetDriverOk();
  if (transport_.NeedsReset()) return Fail(Error::kIo, "device needs reset right after DRIVER_OK");
  ready_ = true;
  failure_ = "none";
  return kstd::Ok();
}

kstd::Result<void> Device::ReadConfig() {
  bool has_mac = info_.mac_from_device, has_status = info_.status_feature;
  uint8_t mac[6] = {};
  uint16_t status = kStatusLinkUp;
  TRY(transport_.ReadConfigConsistently([&]() -> kstd::Result<void> {
    if (has_mac) {
      for (uint32_t i = 0; i < 6; ++i) mac[i] = transport_.DeviceRead8(config::kMac + i);
    }
    if (has_status) status = transport_.DeviceRead16(config::kStatus);
    config_generation_ = transport_.config_generation();
    return kstd::Ok();
  }));
  if (!has_mac) {
    // §5.1.5: without MAC the driver makes up an address: locally
    // administered, unicast.
    const uint8_t made_up[6] = {0x02, 0x54, 0x45, 0x53, 0x53, 0x01};
    for (int i = 0; i < 6; ++i) mac[i] = made_up[i];
  }
  for (int i = 0; i < 6; ++i) info_.mac[i] = mac[i];
  bool up = (status & kStatusLinkUp) != 0;
  if (ready_ && up != link_up_) ++stats_.link_changes;
  link_up_ = up;
  return kstd::Ok();
}

uint16_t Device::rx_room() const {
  if (!ready_) return 0;
  uint16_t by_desc = static_cast<uint16_t>(rxq_.free_descriptors() / 2);
  return free_rx_slot_ == kNoSlot ? 0 : by_desc;
}

uint16_t Device::tx_room() const {
  if (!ready_) return 0;
  return static_cast<uint16_t>(txq_.free_descriptors() / 2);
}

kstd::Result<void> Device::AddRxBuffer(uint64_t device_address, uint32_t length, uint64_t token) {
  if (!ready_) return Error::kIo;
  if (length < kMaxFrameBytes) return Error::kInvalid;
  if (free_rx_slot_ == kNoSlot) return Error::kAgain;
  uint16_t slot = free_rx_slot_;
  uint64_t header = headers_.device_address + kHeaderSlot * (size_t{slot} + 1);
  const virtio::SplitVirtqueue::Segment chain[2] = {
      {header, kHeaderBytes, true},
      {device_address, length, true},
  };
  TRY(rxq_.Add(kstd::Span<const virtio::SplitVirtqueue::Segment>(chain, 2), slot));
  RxSlot& s = rx_slots_[slot];
  free_rx_slot_ = s.next_free;
  s.busy = true;
  s.token = token;
  return kstd::Ok();
}

kstd::Result<void> Device::AddTxFrame(uint64_t device_address, uint32_t length, uint64_t token) {
  if (!ready_) return Error::kIo;
  if (length < kMinFrameBytes || length > kMaxFrameBytes) return Error::kInvalid;
  const virtio::SplitVirtqueue::Segment chain[2] = {
      {headers_.device_address, kHeaderBytes, false},
      {device_address, length, false},
  };
  TRY(txq_.Add(kstd::Span<const virtio::SplitVirtqueue::Segment>(chain, 2), token));
  return kstd::Ok();
}

void Device::Kick() {
  if (!ready_) return;
  if (rxq_.Publish()) virtio::PciTransport::Notify(rx_notifier_);
  if (txq_.Publish()) virtio::PciTransport::Notify(tx_notifier_);
}

kstd::Result<size_t> Device::Poll() {
  if (!ready_) return Error::kNotSupported;
  if (polling_) return Error::kBusy;
  polling_ = true;
  size_t completed = 0;
  bool broken = false;
  // Transmit completions first: their buffers are what a busy client waits
  // for. Interrupts stay off while the loop takes what is there.
  txq_.DisableInterrupts();
  for (;;) {
    virtio::SplitVirtqueue::Completion c;
    auto popped = txq_.PopUsed(&c);
    if (popped.is_error()) {
      broken = true;
      break;
    }
    if (!popped.value()) {
      if (txq_.EnableInterrupts()) break;
      continue;
    }
    ++stats_.tx_frames;
    ++completed;
    sink_->Transmitted(c.token);
  }
  rxq_.DisableInterrupts();
  while (!broken) {
    virtio::SplitVirtqueue::Completion c;
    auto popped = rxq_.PopUsed(&c);
    if (popped.is_error()) {
      broken = true;
      break;
    }
    if (!popped.value()) {
      if (rxq_.EnableInterrupts()) break;
      continue;  // completions raced with re-arming: take them now
    }
    ++completed;
    uint16_t slot = static_cast<uint16_t>(c.token);  // always one of ours
    RxSlot& s = rx_slots_[slot];
    uint64_t token = s.token;
    s.busy = false;
    s.next_free = free_rx_slot_;
    free_rx_slot_ = slot;
    // The used length covers header + frame; more than the chain holds, or
    // too little for a frame, is a device bug: the buffer comes back empty.
    uint32_t len = c.reported;
    if (len != c.written || len < kHeaderBytes + kMinFrameBytes ||
        len - kHeaderBytes > kMaxFrameBytes + 4 /* an 802.1Q tag */) {
      ++stats_.rx_bad_length;
      sink_->RxReturned(token);
      continue;
    }
    ++stats_.rx_frames;
    sink_->Received(token, len - kHeaderBytes);
  }
  polling_ = false;
  if (broken) {
    GiveEverythingBack();
    failure_ = "device broke the virtqueue protocol";
    return Error::kIo;
  }
  return completed;
}

kstd::Result<void> Device::CheckDevice() {
  uint8_t st = transport_.status();
  if ((st & (virtio::status::kDeviceNeedsReset | virtio::status::kFailed)) != 0 ||
      (st & virtio::status::kDriverOk) == 0) {
    GiveEverythingBack();
    failure_ = "device needs reset";
    return Error::kIo;
  }
  if (transport_.config_generation() != config_generation_) {
    ++stats_.config_changes;
    if (ReadConfig().is_error()) {
      GiveEverythingBack();
      failure_ = "device configuration kept changing";
      return Error::kIo;
    }
  }
  return kstd::Ok();
}

kstd::Result<size_t> Device::HandleInterrupt() {
  if (polling_) return Error::kBusy;
  ++stats_.interrupts;
  bool check = true;
  // INTx: the ISR read deasserts the line, also for a device that failed.
  if (irq_.kind() == virtio::Interrupt::Kind::kIntx && transport_.bound()) {
    check = (transport_.ReadIsr() & virtio::isr::kConfigChange) != 0;
  }
  kstd::Result<size_t> result = Error::kNotSupported;
  if (ready_) {
    auto health = check ? CheckDevice() : kstd::Ok();
    result = health.is_error() ? kstd::Result<size_t>(health.error()) : Poll();
  }
  TRY(irq_.Ack());
  return result;
}

}  // namespace virtio_net
