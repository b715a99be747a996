#include "drivers/virtio_blk/blk_device.h"

#include "drivers/virtio/spec.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace virtio_blk {
namespace {

using kstd::Error;
using virtio::FeatureBit;

constexpr uint16_t kRequestQueue = 0;
constexpr uint16_t kNoSlot = 0xFFFF;
constexpr uint8_t kStatusUnset = 0xFF;  // not a status the device can report

uint16_t PowerOfTwoAtMost(uint32_t n) {
  uint32_t p = 1;
  while (p * 2 <= n && p * 2 <= virtio::kMaxSplitQueueSize) p *= 2;
  return static_cast<uint16_t>(p);
}

kstd::Result<void> StatusToResult(uint8_t status) {
  switch (status) {
    case request_status::kOk: return kstd::Ok();
    case request_status::kUnsupp: return Error::kNotSupported;
    default: return Error::kIo;  // IOERR, or a byte the device never set
  }
}

struct SyncState {
  bool done = false;
  kstd::Result<void> result = Error::kIo;
};

void SyncDone(void* context, kstd::Result<void> result) {
  auto* state = static_cast<SyncState*>(context);
  state->done = true;
  state->result = kstd::Move(result);
}

}  // namespace

Device::Device(virtio::PciConfig& config, virtio::Mmio* const (&bars)[virtio::pci::kBarCount],
               virtio::DmaAllocator& dma, virtio::Interrupt& irq)
    : config_(config), dma_(dma), irq_(irq) {
  for (int i = 0; i < virtio::pci::kBarCount; ++i) bars_[i] = bars[i];
}

Device::~Device() {
  if (transport_.bound()) {
    if (busy_slots_ > 0) FailEverything(Error::kIo);
    (void)transport_.Reset();  // the device must stop using the memory freed below
  }
  if (slot_dma_.valid()) dma_.Free(slot_dma_);
  delete[] slots_;
  delete[] scratch_;
}

kstd::Result<void> Device::Fail(Error error, const char* reason) {
  failure_ = reason;
  ready_ = false;
  if (transport_.bound()) transport_.MarkFailed();
  return error;
}

kstd::Result<void> Device::Init(const Options& options) {
  if (draining_ || (transport_.bound() && busy_slots_ > 0)) return Error::kBusy;
  options_ = options;
  return Bringup();
}

kstd::Result<void> Device::Recover() {
  if (draining_) return Error::kBusy;
  if (busy_slots_ > 0) FailEverything(Error::kIo);
  return Bringup();
}

kstd::Result<void> Device::Bringup() {
  ready_ = false;
  TRY(virtio::BindTransport(config_, bars_, virtio::kDeviceTypeBlock, "not a virtio block device",
                            transport_, &failure_));
  uint32_t config_length = transport_.device_config_length();
  if (config_length < config::kCapacity + 8) {
    failure_ = "no virtio-blk configuration structure";
    return Error::kBadMessage;
  }

  // Never accept a feature whose configuration field the structure lacks.
  uint64_t supported = FeatureBit(virtio::feature::kVersion1) |
                       FeatureBit(virtio::feature::kAccessPlatform) | FeatureBit(feature::kRo) |
                       FeatureBit(feature::kFlush);
  if (options_.use_event_idx) supported |= FeatureBit(virtio::feature::kEventIdx);
  if (config_length >= config::kSizeMax + 4) supported |= FeatureBit(feature::kSizeMax);
  if (config_length >= config::kSegMax + 4) supported |= FeatureBit(feature::kSegMax);
  if (config_length >= config::kBlkSize + 4) supported |= FeatureBit(feature::kBlkSize);
  if (config_length >= config::kTopologyEnd) supported |= FeatureBit(feature::kTopology);

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
  info_.read_only = (info_.features & FeatureBit(feature::kRo)) != 0;
  info_.flush = (info_.features & FeatureBit(feature::kFlush)) != 0;
  info_.event_idx = (info_.features & FeatureBit(virtio::feature::kEventIdx)) != 0;
  info_.msix = irq_.kind() == virtio::Interrupt::Kind::kMsix;

  auto read = ReadConfig();
  if (read.is_error()) return Fail(read.error(), "device configuration kept changing");

  auto max = transport_.QueueMaxSize(kRequestQueue);
  if (max.is_error()) return Fail(Error::kNotSupported, "device has no usable request queue");
  uint16_t size = PowerOfTwoAtMost(kstd::Min<uint32_t>(max.value(), options_.max_queue_size));
  if (queue_.initialized()) {
    // Reinitialization keeps the rings; the device must still take them.
    if (queue_.size() > max.value()) return Fail(Error::kIo, "queue shrank across a reset");
    size = queue_.size();
    queue_.Reset(info_.event_idx, nullptr, nullptr);
  } else {
    if (size < 4) return Fail(Error::kNotSupported, "request queue too small");
    auto made = queue_.Init(dma_, size, info_.event_idx);
    if (made.is_error()) return Fail(made.error(), "no memory for the virtqueue");
  }
  if (!slot_dma_.valid()) {
    // Every request takes at least two descriptors (header and status).
    uint16_t count = static_cast<uint16_t>(size / 2);
    auto dma = dma_.Allocate(count * kSlotBytes, kSlotBytes);
    if (dma.is_error()) return Fail(dma.error(), "no DMA memory for request headers");
    Slot* slots = new (kstd::nothrow) Slot[count];
    auto* scratch = new (kstd::nothrow) virtio::SplitVirtqueue::Segment[size];
    if (slots == nullptr || scratch == nullptr) {
      dma_.Free(dma.value());
      delete[] slots;
      delete[] scratch;
      return Fail(Error::kNoMemory, "out of memory");
    }
    slot_dma_ = dma.value();
    slots_ = slots;
    scratch_ = scratch;
    slot_count_ = count;
  }
  for (uint16_t i = 0; i < slot_count_; ++i) {
    slots_[i] = Slot();
    slots_[i].next_free = static_cast<uint16_t>(i + 1 < slot_count_ ? i + 1 : kNoSlot);
  }
  free_slot_ = 0;
  busy_slots_ = 0;

  uint16_t vector = info_.msix ? irq_.msix_entry() : virtio::kNoMsixVector;
  if (transport_.SetConfigMsixVector(vector).is_error()) {
    return Fail(Error::kBusy, "device refused the MSI-X vector");
  }
  virtio::QueueConfig qc;
  qc.size = size;
  qc.desc = queue_.desc_address();
  qc.driver = queue_.driver_address();
  qc.device = queue_.device_address();
  qc.msix_vector = vector;
  auto notifier = transport_.EnableQueue(kRequestQueue, qc);
  if (notifier.is_error()) {
    return Fail(notifier.error(), notifier.error() == Error::kBusy
                                      ? "device refused the MSI-X vector"
                                      : "request queue setup failed");
  }
  notifier_ = notifier.value();

  info_.queue_size = size;
  info_.max_in_flight = slot_count_;
  uint32_t descriptor_limit = static_cast<uint32_t>(size - 2);
  if (info_.max_segments == 0 || info_.max_segments > descriptor_limit) {
    info_.max_segments = descriptor_limit;
  }
  info_.max_request_bytes = options_.max_request_bytes;

  transport_.SetDriverOk();
  if (transport_.NeedsReset()) return Fail(Error::kIo, "device needs reset right after DRIVER_OK");
  ready_ = true;
  failure_ = "none";
  return kstd::Ok();
}

kstd::Result<void> Device::ReadConfig() {
  uint64_t features = info_.features;
  auto has = [features](uint32_t bit) { return (features & FeatureBit(bit)) != 0; };
  Info fresh = info_;
  TRY(transport_.ReadConfigConsistently([&]() -> kstd::Result<void> {
    fresh.capacity_sectors = transport_.DeviceRead64(config::kCapacity);
    fresh.max_segment_bytes =
        has(feature::kSizeMax) ? transport_.DeviceRead32(config::kSizeMax) : 0;
    fresh.max_segments = has(feature::kSegMax) ? transport_.DeviceRead32(config::kSegMax) : 0;
    fresh.block_size =
        has(feature::kBlkSize) ? transport_.DeviceRead32(config::kBlkSize) : kSectorSize;
    if (has(feature::kTopology)) {
      fresh.physical_block_exp = transport_.DeviceRead8(config::kPhysicalBlockExp);
      fresh.alignment_offset = transport_.DeviceRead8(config::kAlignmentOffset);
      fresh.min_io_size = transport_.DeviceRead16(config::kMinIoSize);
      fresh.opt_io_size = transport_.DeviceRead32(config::kOptIoSize);
    }
    config_generation_ = transport_.config_generation();
    return kstd::Ok();
  }));
  // Values that would make no sense get the spec's defaults.
  if (fresh.max_segment_bytes == 0) fresh.max_segment_bytes = UINT32_MAX;  // no limit
  if (has(feature::kSegMax) && fresh.max_segments == 0) fresh.max_segments = 1;
  uint32_t bs = fresh.block_size;
  if (bs < kSectorSize || bs > (1u << 16) || (bs & (bs - 1)) != 0) fresh.block_size = kSectorSize;
  if (info_.queue_size != 0) {
    // A later re-read keeps the driver's own limits.
    fresh.max_segments = info_.max_segments;
    fresh.max_segment_bytes = info_.max_segment_bytes;
  }
  info_ = fresh;
  return kstd::Ok();
}

kstd::Result<void> Device::QueueInternal(const Request& request, char* id_out) {
  bool id_to_scratch = id_out != nullptr;
  if (!ready_) return Error::kIo;
  if (request.done == nullptr) return Error::kInvalid;

  uint32_t type = 0;
  bool data_writable = false;
  kstd::Span<const virtio::DmaSegment> data = request.data;
  switch (request.op) {
    case Op::kWrite:
      if (info_.read_only) return Error::kReadOnlyFs;
      type = request_type::kOut;
      break;
    case Op::kRead:
      type = request_type::kIn;
      data_writable = true;
      break;
    case Op::kFlush:
      if (!info_.flush) return Error::kNotSupported;
      if (!data.empty()) return Error::kInvalid;
      type = request_type::kFlush;
      break;
    case Op::kGetId:
      type = request_type::kGetId;
      data_writable = true;
      break;
    default: return Error::kInvalid;
  }

  uint64_t total = 0;
  size_t descriptors = 0;
  for (const virtio::DmaSegment& s : data) {
    if (s.length == 0) return Error::kInvalid;
    total += s.length;
    descriptors += (s.length - 1) / info_.max_segment_bytes + 1;
  }
  if (request.op == Op::kRead || request.op == Op::kWrite) {
    if (total == 0 || total % kSectorSize != 0 || total > info_.max_request_bytes) {
      return Error::kInvalid;
    }
    uint64_t sectors = total / kSectorSize;
    if (request.sector > info_.capacity_sectors ||
        sectors > info_.capacity_sectors - request.sector) {
      return Error::kInvalid;
    }
  } else if (request.op == Op::kGetId && !id_to_scratch && total != kIdBytes) {
    return Error::kInvalid;
  }
  if (descriptors > info_.max_segments) return Error::kInvalid;
  if (free_slot_ == kNoSlot) return Error::kAgain;

  uint16_t slot = free_slot_;
  uint8_t* mem = slot_dma_.cpu + slot * kSlotBytes;
  uint64_t dev = slot_dma_.device_address + slot * kSlotBytes;

  size_t n = 0;
  scratch_[n++] = {dev, sizeof(RequestHeader), false};
  if (request.op == Op::kGetId && id_to_scratch) {
    scratch_[n++] = {dev + kIdOffset, kIdBytes, true};
  } else {
    for (const virtio::DmaSegment& s : data) {
      uint64_t address = s.device_address;
      uint32_t left = s.length;
      while (left > 0) {
        uint32_t piece = kstd::Min(left, info_.max_segment_bytes);
        scratch_[n++] = {address, piece, data_writable};
        address += piece;
        left -= piece;
      }
    }
  }
  scratch_[n++] = {dev + kStatusOffset, 1, true};

  RequestHeader header;
  header.type = type;
  header.reserved = 0;
  header.sector = (request.op == Op::kRead || request.op == Op::kWrite) ? request.sector : 0;
  __builtin_memcpy(mem, &header, sizeof(header));
  mem[kStatusOffset] = kStatusUnset;

  TRY(queue_.Add(kstd::Span<const virtio::SplitVirtqueue::Segment>(scratch_, n), slot));

  Slot& s = slots_[slot];
  free_slot_ = s.next_free;
  s.busy = true;
  s.done = request.done;
  s.context = request.context;
  s.id_out = id_out;
  ++busy_slots_;
  return kstd::Ok();
}

kstd::Result<void> Device::Queue(const Request& request) { return QueueInternal(request, nullptr); }

void Device::Kick() {
  if (ready_ && queue_.Publish()) virtio::PciTransport::Notify(notifier_);
}

void Device::Renotify() {
  if (!ready_) return;
  (void)queue_.Publish();
  virtio::PciTransport::Notify(notifier_);
}

kstd::Result<void> Device::Submit(const Request& request) {
  TRY(Queue(request));
  Kick();
  return kstd::Ok();
}

void Device::Complete(uint16_t slot, kstd::Result<void> result) {
  Slot& s = slots_[slot];
  DoneFn done = s.done;
  void* context = s.context;
  if (s.id_out != nullptr && result.ok()) {
    const uint8_t* id = slot_dma_.cpu + slot * kSlotBytes + kIdOffset;
    for (uint32_t i = 0; i < kIdBytes; ++i) s.id_out[i] = static_cast<char>(id[i]);
  }
  s = Slot();
  s.next_free = free_slot_;
  free_slot_ = slot;
  --busy_slots_;
  done(context, kstd::Move(result));
}

void Device::FailEverything(Error error) {
  ready_ = false;
  (void)transport_.Reset();  // the device lets go of every buffer (§2.4)
  struct Ctx {
    Device* self;
    Error error;
  } ctx{this, error};
  queue_.Reset(
      info_.event_idx,
      [](void* c, uint64_t token) {
        auto* x = static_cast<Ctx*>(c);
        x->self->Complete(static_cast<uint16_t>(token), x->error);
      },
      &ctx);
}

kstd::Result<size_t> Device::Drain() {
  if (!ready_) return Error::kNotSupported;
  if (draining_) return Error::kBusy;
  draining_ = true;
  size_t completed = 0;
  queue_.DisableInterrupts();  // no interrupts for what this loop will take anyway
  for (;;) {
    virtio::SplitVirtqueue::Completion c;
    auto popped = queue_.PopUsed(&c);
    if (popped.is_error()) {
      FailEverything(Error::kIo);
      failure_ = "device broke the virtqueue protocol";
      draining_ = false;
      return Error::kIo;
    }
    if (!popped.value()) {
      if (queue_.EnableInterrupts()) break;
      continue;  // completions raced with re-arming: take them now
    }
    uint16_t slot = static_cast<uint16_t>(c.token);  // always one of ours
    uint8_t status =
        *reinterpret_cast<volatile uint8_t*>(slot_dma_.cpu + slot * kSlotBytes + kStatusOffset);
    Complete(slot, StatusToResult(status));
    ++completed;
  }
  draining_ = false;
  return completed;
}

kstd::Result<void> Device::CheckDeviceHealth() {
  uint8_t st = transport_.status();
  if ((st & (virtio::status::kDeviceNeedsReset | virtio::status::kFailed)) != 0 ||
      (st & virtio::status::kDriverOk) == 0) {
    FailEverything(Error::kIo);
    failure_ = "device needs reset";
    return Error::kIo;
  }
  if (transport_.config_generation() != config_generation_) {
    // A configuration change (e.g. a resized disk): take the new capacity.
    if (ReadConfig().is_error()) {
      FailEverything(Error::kIo);
      failure_ = "device configuration kept changing";
      return Error::kIo;
    }
  }
  return kstd::Ok();
}

kstd::Result<size_t> Device::Poll() { return Drain(); }

kstd::Result<size_t> Device::HandleInterrupt() {
  if (draining_) return Error::kBusy;
  bool check = true;
  // INTx: the ISR read deasserts the line, also for a device that failed
  // (else the Ack below would unmask a line that still asserts).
  if (irq_.kind() == virtio::Interrupt::Kind::kIntx && transport_.bound()) {
    check = (transport_.ReadIsr() & virtio::isr::kConfigChange) != 0;
  }
  kstd::Result<size_t> result = Error::kNotSupported;
  if (ready_) {
    auto health = check ? CheckDeviceHealth() : kstd::Ok();
    result = health.is_error() ? kstd::Result<size_t>(health.error()) : Drain();
  }
  TRY(irq_.Ack());
  return result;
}

kstd::Result<void> Device::Wait(const Request& request, char* id_out) {
  if (draining_) return Error::kBusy;
  SyncState state;
  Request r = request;
  r.done = SyncDone;
  r.context = &state;
  TRY(QueueInternal(r, id_out));
  Kick();
  // The request's callback points at `state`: never return before it ran.
  while (!state.done) {
    (void)Drain();  // errors have completed every request, ours included
    if (state.done) break;
    auto waited = irq_.Wait(options_.sync_timeout_ns);
    if (waited.is_error()) {
      if (waited.error() == Error::kInterrupted) continue;
      FailEverything(waited.error() == Error::kTimedOut ? Error::kTimedOut : Error::kIo);
      failure_ = waited.error() == Error::kTimedOut ? "device did not complete a request in time"
                                                    : "interrupt wait failed";
      continue;
    }
    (void)HandleInterrupt();
  }
  return kstd::Move(state.result);
}

kstd::Result<void> Device::Read(uint64_t sector, kstd::Span<const virtio::DmaSegment> data) {
  Request r;
  r.op = Op::kRead;
  r.sector = sector;
  r.data = data;
  return Wait(r, nullptr);
}

kstd::Result<void> Device::Write(uint64_t sector, kstd::Span<const virtio::DmaSegment> data) {
  Request r;
  r.op = Op::kWrite;
  r.sector = sector;
  r.data = data;
  return Wait(r, nullptr);
}

kstd::Result<void> Device::Flush() {
  if (ready_ && !info_.flush) return kstd::Ok();
  Request r;
  r.op = Op::kFlush;
  return Wait(r, nullptr);
}

kstd::Result<void> Device::GetId(char (&id)[kIdBytes + 1]) {
  Request r;
  r.op = Op::kGetId;
  for (char& c : id) c = '\0';
  return Wait(r, id);  // Complete copies the 20 bytes; id[20] stays NUL
}

}  // namespace virtio_blk
