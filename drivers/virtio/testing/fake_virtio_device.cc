#include "drivers/virtio/testing/fake_virtio_device.h"

#include <string.h>

#include <algorithm>

namespace virtio::testing {
namespace {

constexpr size_t kMaxQueues = 8;
constexpr uint8_t kCapCommon = 0x40;
constexpr uint8_t kCapIsr = 0x50;
constexpr uint8_t kCapDevice = 0x60;
constexpr uint8_t kCapNotify = 0x70;
constexpr uint8_t kCapPciCfg = 0x84;
constexpr uint8_t kCapMsix = 0x98;

class FakeBar final : public Mmio {
 public:
  FakeBar(FakeVirtioDevice* device, uint64_t size) : device_(device), size_(size) {}
  uint64_t size() const override { return size_; }
  uint8_t Read8(uint64_t o) override { return static_cast<uint8_t>(device_->BarRead(o, 1)); }
  uint16_t Read16(uint64_t o) override { return static_cast<uint16_t>(device_->BarRead(o, 2)); }
  uint32_t Read32(uint64_t o) override { return static_cast<uint32_t>(device_->BarRead(o, 4)); }
  uint64_t Read64(uint64_t o) override { return device_->BarRead(o, 8); }
  void Write8(uint64_t o, uint8_t v) override { device_->BarWrite(o, 1, v); }
  void Write16(uint64_t o, uint16_t v) override { device_->BarWrite(o, 2, v); }
  void Write32(uint64_t o, uint32_t v) override { device_->BarWrite(o, 4, v); }
  void Write64(uint64_t o, uint64_t v) override { device_->BarWrite(o, 8, v); }

 private:
  FakeVirtioDevice* device_;
  uint64_t size_;
};

uint16_t Get16(const uint8_t* p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}
void Set16(uint8_t* p, uint16_t v) { memcpy(p, &v, 2); }
void Set32(uint8_t* p, uint32_t v) { memcpy(p, &v, 4); }

}  // namespace

kstd::Result<void> FakeInterrupt::Wait(uint64_t) {
  ++waits_;
  if (!fired_) device_->OnDriverWait();
  if (!fired_) {
    ++timeouts_;
    return kstd::Error::kTimedOut;
  }
  fired_ = false;
  return kstd::Ok();
}

kstd::Result<void> FakeInterrupt::Ack() {
  ++acks_;
  // A level-triggered line still asserted is delivered again once unmasked.
  if (kind_ == Kind::kIntx && device_->intx_asserted()) fired_ = true;
  return kstd::Ok();
}

FakeVirtioDevice::FakeVirtioDevice(uint16_t device_type, FakeDma& dma, Interrupt::Kind irq_kind,
                                   const Layout& layout)
    : device_type_(device_type),
      dma_(dma),
      layout_(layout),
      interrupt_(this, irq_kind, 3),
      queues_(kMaxQueues) {
  config_.SetHeader(kPciVendorId, static_cast<uint16_t>(kPciModernDeviceIdBase + device_type),
                    kCapCommon);
  config_.Put16(pci::kSubsystemId, device_type);
  config_.PutVirtioCap(kCapCommon, kCapIsr, pci_cap::kCommonCfg, layout.bar, layout.common_offset,
                       layout.common_length);
  config_.PutVirtioCap(kCapIsr, kCapDevice, pci_cap::kIsrCfg, layout.bar, layout.isr_offset,
                       layout.isr_length);
  config_.PutVirtioCap(kCapDevice, kCapNotify, pci_cap::kDeviceCfg, layout.bar,
                       layout.device_offset, layout.device_length);
  config_.PutVirtioCap(kCapNotify, kCapPciCfg, pci_cap::kNotifyCfg, layout.bar,
                       layout.notify_offset, layout.notify_length, layout.notify_multiplier);
  config_.PutVirtioCap(kCapPciCfg, kCapMsix, pci_cap::kPciCfg, 0, 0, 0);
  config_.PutCap(kCapMsix, pci::kCapIdMsix, 0);
  config_.Put16(kCapMsix + 2, 4 - 1);  // 4 table entries
  bars_[layout.bar] = new FakeBar(this, layout.bar_size);
}

FakeVirtioDevice::~FakeVirtioDevice() { delete bars_[layout_.bar]; }

void FakeVirtioDevice::Error(const std::string& what) { errors_.push_back(what); }

void FakeVirtioDevice::Reset() {
  ++resets_;
  status_ = 0;
  isr_ = 0;
  driver_features_ = 0;
  device_feature_select_ = driver_feature_select_ = 0;
  config_msix_vector_ = kNoMsixVector;
  queue_select_ = 0;
  for (Queue& q : queues_) q = Queue();
  held_.clear();
  if (backend_ != nullptr) backend_->OnReset();
}

void FakeVirtioDevice::WriteStatus(uint8_t value) {
  status_writes_.push_back(value);
  if (value == 0) {
    Reset();
    if (never_finish_reset) status_ = status::kAcknowledge;
    return;
  }
  uint8_t old = status_;
  if ((value & old) != old && !(old & status::kDeviceNeedsReset)) {
    Error("device_status bits cleared without a reset");
  }
  if ((value & status::kDriver) && !(value & status::kAcknowledge))
    Error("DRIVER before ACKNOWLEDGE");
  uint8_t added = static_cast<uint8_t>(value & ~old);
  if (added & status::kFeaturesOk) {
    if (!(value & status::kDriver)) Error("FEATURES_OK before DRIVER");
    if (driver_features_ & ~offered_features) Error("driver accepted features not offered");
    if (!(driver_features_ & FeatureBit(feature::kVersion1))) Error("VERSION_1 not accepted");
    if (reject_features_ok) value &= static_cast<uint8_t>(~status::kFeaturesOk);
  }
  if ((added & status::kDriverOk) && !(value & status::kFeaturesOk)) {
    Error("DRIVER_OK without FEATURES_OK");
  }
  status_ = value | (old & status::kDeviceNeedsReset);
}

uint64_t FakeVirtioDevice::BarRead(uint64_t offset, int width) {
  if (width != 8 && offset % width != 0) Error("misaligned BAR read");
  if (offset >= layout_.common_offset && offset < layout_.common_offset + layout_.common_length) {
    return CommonRead(static_cast<uint32_t>(offset - layout_.common_offset), width);
  }
  if (offset >= layout_.isr_offset && offset < layout_.isr_offset + layout_.isr_length) {
    if (width != 1) Error("ISR read not 8 bits wide");
    uint8_t v = isr_;
    isr_ = 0;  // reading clears it (and deasserts INTx)
    return v;
  }
  if (offset >= layout_.device_offset && offset < layout_.device_offset + layout_.device_length) {
    uint64_t at = offset - layout_.device_offset;
    if (width == 8) Error("64-bit device configuration access");
    uint64_t v = 0;
    for (int i = 0; i < width; ++i) {
      uint8_t b = at + i < device_config.size() ? device_config[at + i] : 0;
      v |= uint64_t{b} << (8 * i);
    }
    return v;
  }
  if (offset >= layout_.notify_offset && offset < layout_.notify_offset + layout_.notify_length) {
    return 0;
  }
  Error("read outside every structure");
  return ~uint64_t{0};
}

void FakeVirtioDevice::BarWrite(uint64_t offset, int width, uint64_t value) {
  if (width != 8 && offset % width != 0) Error("misaligned BAR write");
  if (offset >= layout_.common_offset && offset < layout_.common_offset + layout_.common_length) {
    CommonWrite(static_cast<uint32_t>(offset - layout_.common_offset), width, value);
    return;
  }
  if (offset >= layout_.notify_offset && offset < layout_.notify_offset + layout_.notify_length) {
    uint64_t at = offset - layout_.notify_offset;
    uint64_t q = layout_.notify_multiplier ? at / layout_.notify_multiplier : value;
    if (width != 2) Error("notify write not 16 bits wide");
    if (q >= num_queues || (layout_.notify_multiplier && at != q * layout_.notify_multiplier) ||
        value != q) {
      Error("notify of a wrong queue or address");
      return;
    }
    if (!queues_[q].enabled) Error("notify of a disabled queue");
    ++notifications_;
    if (auto_process && !stalled) Run();
    return;
  }
  if (offset >= layout_.device_offset && offset < layout_.device_offset + layout_.device_length) {
    uint64_t at = offset - layout_.device_offset;
    for (int i = 0; i < width && at + i < device_config.size(); ++i) {
      device_config[at + i] = static_cast<uint8_t>(value >> (8 * i));
    }
    return;
  }
  Error("write outside the writable structures");
}

uint64_t FakeVirtioDevice::CommonRead(uint32_t at, int width) {
  auto want = [&](int w) {
    if (width != w) Error("common cfg read of the wrong width at " + std::to_string(at));
  };
  Queue* q = queue_select_ < num_queues ? &queues_[queue_select_] : nullptr;
  switch (at) {
    case common_cfg::kDeviceFeatureSelect: want(4); return device_feature_select_;
    case common_cfg::kDeviceFeature:
      want(4);
      if (device_feature_select_ == 0) return static_cast<uint32_t>(offered_features);
      if (device_feature_select_ == 1) return static_cast<uint32_t>(offered_features >> 32);
      return 0;
    case common_cfg::kDriverFeatureSelect: want(4); return driver_feature_select_;
    case common_cfg::kDriverFeature:
      want(4);
      if (driver_feature_select_ == 0) return static_cast<uint32_t>(driver_features_);
      if (driver_feature_select_ == 1) return static_cast<uint32_t>(driver_features_ >> 32);
      return 0;
    case common_cfg::kConfigMsixVector: want(2); return config_msix_vector_;
    case common_cfg::kNumQueues: want(2); return num_queues;
    case common_cfg::kDeviceStatus: want(1); return status_;
    case common_cfg::kConfigGeneration:
      want(1);
      if (generation_bumps > 0) {
        --generation_bumps;
        ++generation_;
      }
      return generation_;
    case common_cfg::kQueueSelect: want(2); return queue_select_;
    case common_cfg::kQueueSize: want(2); return q ? (q->size ? q->size : queue_max_size) : 0;
    case common_cfg::kQueueMsixVector: want(2); return q ? q->msix_vector : kNoMsixVector;
    case common_cfg::kQueueEnable: want(2); return q ? q->enabled : 0;
    case common_cfg::kQueueNotifyOff: want(2); return queue_select_;
    case common_cfg::kQueueDesc: want(4); return q ? static_cast<uint32_t>(q->desc) : 0;
    case common_cfg::kQueueDesc + 4: want(4); return q ? q->desc >> 32 : 0;
    case common_cfg::kQueueDriver: want(4); return q ? static_cast<uint32_t>(q->driver) : 0;
    case common_cfg::kQueueDriver + 4: want(4); return q ? q->driver >> 32 : 0;
    case common_cfg::kQueueDevice: want(4); return q ? static_cast<uint32_t>(q->device) : 0;
    case common_cfg::kQueueDevice + 4: want(4); return q ? q->device >> 32 : 0;
    default: return 0;
  }
}

void FakeVirtioDevice::CommonWrite(uint32_t at, int width, uint64_t value) {
  auto want = [&](int w) {
    if (width != w) Error("common cfg write of the wrong width at " + std::to_string(at));
  };
  Queue* q = queue_select_ < num_queues ? &queues_[queue_select_] : nullptr;
  auto queue_field = [&]() -> Queue* {
    if (q == nullptr) {
      Error("queue register written with no queue selected");
      return nullptr;
    }
    if (q->enabled) Error("enabled queue changed");
    if (!(status_ & status::kFeaturesOk)) Error("queue set up before FEATURES_OK");
    return q;
  };
  auto set_half = [](uint64_t* field, bool high, uint64_t v) {
    if (high) {
      *field = (*field & 0xFFFFFFFFull) | (v << 32);
    } else {
      *field = (*field & ~0xFFFFFFFFull) | (v & 0xFFFFFFFFull);
    }
  };
  switch (at) {
    case common_cfg::kDeviceFeatureSelect:
      want(4);
      device_feature_select_ = static_cast<uint32_t>(value);
      return;
    case common_cfg::kDriverFeatureSelect:
      want(4);
      driver_feature_select_ = static_cast<uint32_t>(value);
      return;
    case common_cfg::kDriverFeature:
      want(4);
      if (status_ & status::kFeaturesOk) Error("features written after FEATURES_OK");
      if (driver_feature_select_ == 0) set_half(&driver_features_, false, value);
      if (driver_feature_select_ == 1) set_half(&driver_features_, true, value);
      return;
    case common_cfg::kConfigMsixVector:
      want(2);
      config_msix_vector_ = refuse_msix ? kNoMsixVector : static_cast<uint16_t>(value);
      return;
    case common_cfg::kDeviceStatus:
      want(1);
      WriteStatus(static_cast<uint8_t>(value));
      return;
    case common_cfg::kQueueSelect:
      want(2);
      queue_select_ = static_cast<uint16_t>(value);
      return;
    case common_cfg::kQueueSize:
      want(2);
      if (Queue* t = queue_field()) {
        if (value == 0 || value > queue_max_size || (value & (value - 1))) Error("bad queue_size");
        t->size = static_cast<uint16_t>(value);
      }
      return;
    case common_cfg::kQueueMsixVector:
      want(2);
      if (Queue* t = queue_field())
        t->msix_vector = refuse_msix ? kNoMsixVector : static_cast<uint16_t>(value);
      return;
    case common_cfg::kQueueEnable:
      want(2);
      if (value != 1) {
        Error("queue_enable written with 0");
        return;
      }
      if (queue_field() != nullptr) EnableQueue(queue_select_);
      return;
    case common_cfg::kQueueDesc:
    case common_cfg::kQueueDesc + 4:
      want(4);
      if (Queue* t = queue_field()) set_half(&t->desc, at != common_cfg::kQueueDesc, value);
      return;
    case common_cfg::kQueueDriver:
    case common_cfg::kQueueDriver + 4:
      want(4);
      if (Queue* t = queue_field()) set_half(&t->driver, at != common_cfg::kQueueDriver, value);
      return;
    case common_cfg::kQueueDevice:
    case common_cfg::kQueueDevice + 4:
      want(4);
      if (Queue* t = queue_field()) set_half(&t->device, at != common_cfg::kQueueDevice, value);
      return;
    default: Error("write to a read-only common cfg register at " + std::to_string(at));
  }
}

uint8_t* FakeVirtioDevice::Ring(uint64_t address, uint64_t length) {
  return dma_.Translate(address, length);
}

void FakeVirtioDevice::EnableQueue(uint16_t index) {
  Queue& q = queues_[index];
  if (q.size == 0) q.size = queue_max_size;
  if (q.desc % kDescAlign || q.driver % kAvailAlign || q.device % kUsedAlign) {
    Error("ring misaligned");
  }
  if (!Ring(q.desc, sizeof(VirtqDesc) * q.size) || !Ring(q.driver, avail::Size(q.size)) ||
      !Ring(q.device, used::Size(q.size))) {
    Error("ring outside DMA memory");
    return;
  }
  q.enabled = true;
  if (set_no_notify) Set16(Ring(q.device, used::Size(q.size)) + used::kFlags, used::kFlagNoNotify);
}

bool FakeVirtioDevice::WalkChain(Queue& q, uint16_t head, std::vector<ChainBuffer>* out) {
  if (head >= q.size) {
    Error("available head out of range");
    return false;
  }
  auto* table = reinterpret_cast<VirtqDesc*>(Ring(q.desc, sizeof(VirtqDesc) * q.size));
  uint16_t d = head;
  bool writable_seen = false;
  bool scattered = false, wrapped = false;
  for (uint32_t n = 0;; ++n) {
    if (n >= q.size) {
      Error("descriptor chain loops");
      return false;
    }
    VirtqDesc desc = table[d];
    if (desc.flags & desc_flag::kIndirect) Error("indirect descriptor (not negotiated)");
    bool writable = (desc.flags & desc_flag::kWrite) != 0;
    if (writable) writable_seen = true;
    if (!writable && writable_seen) Error("device-readable buffer after a device-writable one");
    if (desc.len == 0) Error("zero-length descriptor");
    uint8_t* host = Ring(desc.addr, desc.len);
    if (host == nullptr) {
      Error("descriptor outside DMA memory");
      return false;
    }
    out->push_back(ChainBuffer{desc.addr, desc.len, writable, d, host});
    if (!(desc.flags & desc_flag::kNext)) break;
    if (desc.next >= q.size) {
      Error("next out of range");
      return false;
    }
    if (desc.next != d + 1) scattered = true;
    if (desc.next < d) wrapped = true;
    d = desc.next;
  }
  if (scattered) ++scattered_chains_;
  if (wrapped) ++wrapped_chains_;
  return true;
}

void FakeVirtioDevice::Run() {
  if (stalled || !(status_ & status::kDriverOk) || (status_ & status::kDeviceNeedsReset)) return;
  // Take what the driver made available.
  for (uint16_t qi = 0; qi < num_queues; ++qi) {
    Queue& q = queues_[qi];
    if (!q.enabled) continue;
    uint8_t* avail_ring = Ring(q.driver, avail::Size(q.size));
    uint16_t avail_idx = Get16(avail_ring + avail::kIdx);
    if (static_cast<uint16_t>(avail_idx - q.last_avail) > q.size) {
      Error("available index moved by more than the queue size");
      return;
    }
    while (q.last_avail != avail_idx) {
      uint16_t head = Get16(avail_ring + avail::kRing + 2 * (q.last_avail % q.size));
      ++q.last_avail;
      Held h{qi, head, {}};
      if (WalkChain(q, head, &h.chain)) held_.push_back(std::move(h));
    }
    if (EventIdx()) {
      Set16(Ring(q.device, used::Size(q.size)) + used::AvailEventOffset(q.size), q.last_avail);
    }
    size_t outstanding = static_cast<uint16_t>(q.last_avail - q.used_idx);
    max_outstanding_ = std::max(max_outstanding_, outstanding);
  }
  // Complete some of them.
  std::vector<uint16_t> old_used(num_queues);
  for (uint16_t qi = 0; qi < num_queues; ++qi) old_used[qi] = queues_[qi].used_idx;
  for (size_t n = 0; n < max_chains_per_run && !held_.empty(); ++n) {
    // Only chains whose queue the backend can serve now.
    std::vector<size_t> ready;
    for (size_t i = 0; i < held_.size(); ++i) {
      if (backend_ == nullptr || backend_->Ready(held_[i].queue)) ready.push_back(i);
    }
    if (ready.empty()) break;
    size_t pick = ready.front();
    if (order == Order::kReverse) pick = ready.back();
    if (order == Order::kRandom) pick = ready[rng_() % ready.size()];
    Held h = std::move(held_[pick]);
    held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(pick));
    uint32_t len = backend_ != nullptr ? backend_->Serve(h.queue, h.chain) : 0;
    Queue& q = queues_[h.queue];
    uint8_t* used_ring = Ring(q.device, used::Size(q.size));
    uint8_t* elem = used_ring + used::kRing + sizeof(VirtqUsedElem) * (q.used_idx % q.size);
    uint32_t id = h.head;
    if (corrupt_pending_) {
      id = corrupt_used_id_;
      corrupt_pending_ = false;
    }
    Set32(elem, id);
    Set32(elem + 4, len);
    ++q.used_idx;
    ++completed_;
  }
  for (uint16_t qi = 0; qi < num_queues; ++qi) {
    Queue& q = queues_[qi];
    if (!q.enabled || q.used_idx == old_used[qi]) continue;
    uint8_t* used_ring = Ring(q.device, used::Size(q.size));
    q.used_idx = static_cast<uint16_t>(q.used_idx + corrupt_idx_extra_);
    corrupt_idx_extra_ = 0;
    Set16(used_ring + used::kIdx, q.used_idx);
    uint8_t* avail_ring = Ring(q.driver, avail::Size(q.size));
    bool notify;
    if (EventIdx()) {
      uint16_t used_event = Get16(avail_ring + avail::UsedEventOffset(q.size));
      notify = NeedEvent(used_event, q.used_idx, old_used[qi]);
    } else {
      notify = (Get16(avail_ring + avail::kFlags) & avail::kFlagNoInterrupt) == 0;
    }
    if (notify) RaiseQueueInterrupt(q);
  }
}

void FakeVirtioDevice::RaiseQueueInterrupt(const Queue& q) {
  ++interrupts_;
  if (interrupt_.kind() == Interrupt::Kind::kIntx) {
    isr_ |= isr::kQueue;
    interrupt_.Fire();
  } else if (q.msix_vector == interrupt_.msix_entry()) {
    interrupt_.Fire();
  }
}

void FakeVirtioDevice::RaiseConfigInterrupt() {
  ++interrupts_;
  if (interrupt_.kind() == Interrupt::Kind::kIntx) {
    isr_ |= isr::kConfigChange;
    interrupt_.Fire();
  } else if (config_msix_vector_ == interrupt_.msix_entry()) {
    interrupt_.Fire();
  }
}

void FakeVirtioDevice::SetNeedsReset() {
  status_ |= status::kDeviceNeedsReset;
  RaiseConfigInterrupt();
}

void FakeVirtioDevice::ChangeConfig() {
  ++generation_;
  RaiseConfigInterrupt();
}

void FakeVirtioDevice::OnDriverWait() {
  if (!auto_process && !stalled) Run();
}

}  // namespace virtio::testing
