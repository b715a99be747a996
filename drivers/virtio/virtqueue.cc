#include "drivers/virtio/virtqueue.h"

#include "drivers/virtio/barrier.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace virtio {
namespace {

// Ring fields are little-endian 16-bit words (x86 is little-endian).
void Store16(volatile uint8_t* base, size_t offset, uint16_t value) {
  *reinterpret_cast<volatile uint16_t*>(base + offset) = value;
}
uint16_t Load16(volatile uint8_t* base, size_t offset) {
  return *reinterpret_cast<volatile uint16_t*>(base + offset);
}
uint32_t Load32(volatile uint8_t* base, size_t offset) {
  return *reinterpret_cast<volatile uint32_t*>(base + offset);
}

constexpr size_t kUsedRingAlign = 64;  // its own cache line (>= the required 4)

size_t AvailOffset(uint16_t size) { return sizeof(VirtqDesc) * size; }
size_t UsedOffset(uint16_t size) {
  return kstd::AlignUp(AvailOffset(size) + avail::Size(size), kUsedRingAlign);
}

}  // namespace

size_t SplitVirtqueue::RingBytes(uint16_t size) { return UsedOffset(size) + used::Size(size); }

SplitVirtqueue::~SplitVirtqueue() {
  if (ring_.valid()) dma_->Free(ring_);
  delete[] slots_;
}

kstd::Result<void> SplitVirtqueue::Init(DmaAllocator& dma, uint16_t size, bool event_idx) {
  if (ring_.valid()) return kstd::Error::kBusy;
  if (size == 0 || (size & (size - 1)) != 0 || size > kMaxSplitQueueSize) {
    return kstd::Error::kInvalid;
  }
  Slot* slots = new (kstd::nothrow) Slot[size];
  if (slots == nullptr) return kstd::Error::kNoMemory;
  auto ring = dma.Allocate(RingBytes(size), 4096);
  if (ring.is_error()) {
    delete[] slots;
    return ring.error();
  }
  dma_ = &dma;
  ring_ = ring.value();
  slots_ = slots;
  size_ = size;
  avail_offset_ = AvailOffset(size);
  used_offset_ = UsedOffset(size);
  desc_ = reinterpret_cast<volatile VirtqDesc*>(ring_.cpu);
  avail_ = ring_.cpu + avail_offset_;
  used_ = ring_.cpu + used_offset_;
  Reset(event_idx, nullptr, nullptr);
  return kstd::Ok();
}

void SplitVirtqueue::ClearRings() {
  for (size_t i = 0; i < RingBytes(size_); ++i) ring_.cpu[i] = 0;
}

void SplitVirtqueue::Reset(bool event_idx, void (*reclaimed)(void*, uint64_t), void* context) {
  if (!ring_.valid()) return;
  for (uint16_t i = 0; i < size_; ++i) {
    if (slots_[i].head && reclaimed != nullptr) reclaimed(context, slots_[i].token);
  }
  for (uint16_t i = 0; i < size_; ++i) {
    slots_[i] = Slot();
    slots_[i].next = static_cast<uint16_t>(i + 1);  // the last link is never followed
  }
  ClearRings();
  free_head_ = 0;
  num_free_ = size_;
  chains_in_flight_ = 0;
  avail_idx_ = published_idx_ = last_used_ = 0;
  event_idx_ = event_idx;
  broken_ = false;
  PublishBarrier();
}

kstd::Result<uint16_t> SplitVirtqueue::Add(kstd::Span<const Segment> segments, uint64_t token) {
  if (broken_) return kstd::Error::kIo;
  if (segments.empty() || segments.size() > size_) return kstd::Error::kInvalid;
  bool seen_writable = false;
  uint64_t writable_bytes = 0;
  for (const Segment& s : segments) {
    if (s.length == 0) return kstd::Error::kInvalid;
    if (s.device_writable) {
      seen_writable = true;
      writable_bytes += s.length;
    } else if (seen_writable) {
      return kstd::Error::kInvalid;
    }
  }
  if (segments.size() > num_free_) return kstd::Error::kAgain;

  // The chain follows the free list; its private links already are the
  // chain's links, and the descriptors get the same `next` values.
  uint16_t head = free_head_;
  uint16_t d = head;
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = segments[i];
    bool last = i + 1 == segments.size();
    uint16_t flags = static_cast<uint16_t>((last ? 0 : desc_flag::kNext) |
                                           (s.device_writable ? desc_flag::kWrite : 0));
    desc_[d].addr = s.device_address;
    desc_[d].len = s.length;
    desc_[d].flags = flags;
    desc_[d].next = last ? 0 : slots_[d].next;
    if (!last) d = slots_[d].next;
  }
  free_head_ = slots_[d].next;
  num_free_ = static_cast<uint16_t>(num_free_ - segments.size());

  Slot& h = slots_[head];
  h.head = true;
  h.token = token;
  h.chain_length = static_cast<uint16_t>(segments.size());
  h.writable_bytes =
      writable_bytes > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(writable_bytes);
  ++chains_in_flight_;

  // The ring slot is free: at most `size_` chains are ever in flight (§2.7.13.2).
  Store16(avail_, avail::kRing + 2 * (avail_idx_ & (size_ - 1)), head);
  ++avail_idx_;
  return head;
}

bool SplitVirtqueue::Publish() {
  if (avail_idx_ == published_idx_ || broken_) return false;
  PublishBarrier();  // descriptors and ring entries before the index (§2.7.13.3.1)
  Store16(avail_, avail::kIdx, avail_idx_);
  FullBarrier();  // the index before reading the device's suppression state (§2.7.13.4)
  bool notify;
  if (event_idx_) {
    uint16_t avail_event = Load16(used_, used::AvailEventOffset(size_));
    notify = NeedEvent(avail_event, avail_idx_, published_idx_);
  } else {
    notify = (Load16(used_, used::kFlags) & used::kFlagNoNotify) == 0;
  }
  published_idx_ = avail_idx_;
  return notify;
}

uint16_t SplitVirtqueue::LoadUsedIdx() { return Load16(used_, used::kIdx); }

void SplitVirtqueue::FreeChain(uint16_t head) {
  Slot& h = slots_[head];
  uint16_t d = head;
  for (uint16_t i = 1; i < h.chain_length; ++i) d = slots_[d].next;
  slots_[d].next = free_head_;
  free_head_ = head;
  num_free_ = static_cast<uint16_t>(num_free_ + h.chain_length);
  h.head = false;
  h.chain_length = 0;
  --chains_in_flight_;
}

kstd::Result<bool> SplitVirtqueue::PopUsed(Completion* out) {
  if (broken_) return kstd::Error::kIo;
  uint16_t used_idx = LoadUsedIdx();
  if (used_idx == last_used_) return false;
  if (static_cast<uint16_t>(used_idx - last_used_) > chains_in_flight_) {
    broken_ = true;  // the device claims more completions than chains exist
    return kstd::Error::kIo;
  }
  ConsumeBarrier();  // the entry is read after the index that covers it
  size_t at = used::kRing + sizeof(VirtqUsedElem) * (last_used_ & (size_ - 1));
  uint32_t id = Load32(used_, at);
  uint32_t len = Load32(used_, at + 4);
  if (id >= size_ || !slots_[id].head) {
    broken_ = true;  // not a chain the driver made available
    return kstd::Error::kIo;
  }
  out->token = slots_[id].token;
  out->written = len < slots_[id].writable_bytes ? len : slots_[id].writable_bytes;
  out->reported = len;
  FreeChain(static_cast<uint16_t>(id));
  ++last_used_;
  return true;
}

void SplitVirtqueue::DisableInterrupts() {
  if (event_idx_) {
    // The device interrupts only when its used index passes used_event: put
    // it as far behind as possible (a wrap-around later costs one interrupt).
    Store16(avail_, avail::UsedEventOffset(size_), static_cast<uint16_t>(last_used_ - 1));
  } else {
    Store16(avail_, avail::kFlags, avail::kFlagNoInterrupt);
  }
}

bool SplitVirtqueue::EnableInterrupts() {
  if (event_idx_) {
    Store16(avail_, avail::UsedEventOffset(size_), last_used_);
  } else {
    Store16(avail_, avail::kFlags, 0);
  }
  FullBarrier();  // our request before re-reading the device's index (§2.7.10)
  return LoadUsedIdx() == last_used_;
}

}  // namespace virtio
