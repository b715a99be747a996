#include "klog/record_ring.h"

namespace klog {

void RecordRing::DropOldest() {
  const Slot& oldest = slots_[first_seq_ % slot_count_];
  text_used_ -= oldest.length;
  ++first_seq_;
}

uint64_t RecordRing::Append(uint64_t usec, uint8_t facility, uint8_t level, const char* text,
                            size_t length) {
  if (length > kMaxText) length = kMaxText;
  if (length > text_size_) length = text_size_;
  while (next_seq_ - first_seq_ >= slot_count_ || text_used_ + length > text_size_) DropOldest();
  Slot& slot = slots_[next_seq_ % slot_count_];
  slot.usec = usec;
  slot.offset = static_cast<uint32_t>(text_head_);
  slot.length = static_cast<uint16_t>(length);
  slot.facility = facility;
  slot.level = level;
  // The text may wrap around the end of the byte ring: two pieces.
  size_t first = length < text_size_ - text_head_ ? length : text_size_ - text_head_;
  __builtin_memcpy(text_ + text_head_, text, first);
  __builtin_memcpy(text_, text + first, length - first);
  text_head_ = (text_head_ + length) % text_size_;
  text_used_ += length;
  return next_seq_++;
}

bool RecordRing::Read(uint64_t seq, RecordInfo* info, char* text, size_t capacity) const {
  if (seq < first_seq_) seq = first_seq_;
  if (seq >= next_seq_) return false;
  const Slot& slot = slots_[seq % slot_count_];
  info->seq = seq;
  info->usec = slot.usec;
  info->facility = slot.facility;
  info->level = slot.level;
  info->length = slot.length;
  size_t n = slot.length < capacity ? slot.length : capacity;
  size_t first = n < text_size_ - slot.offset ? n : text_size_ - slot.offset;
  __builtin_memcpy(text, text_ + slot.offset, first);
  __builtin_memcpy(text + first, text_, n - first);
  return true;
}

}  // namespace klog
