#pragma once

// The shared-memory half of frameproto (abi/tessera/frameproto.h), used by
// both ends: a ring's producer and consumer, and the table of which side
// owns each pool buffer. Portable, header-only, no allocation: it builds for
// host tests (gcc) and into Tessera user programs (clang, musl).
//
// Everything read from shared memory is untrusted: the producer checks the
// consumer's head, the consumer the producer's tail, and descriptors are
// validated against the pool and the ownership table before use. What is
// wrong is counted (bad()), never trusted.
//
// Ordering: the index a side publishes is a release store after its entries
// are written, the other's index an acquire load before its entries are
// read; "please notify me" handshakes use a full fence (x86: the only
// reordering is a store passing a later load, which the fence stops).
//
// Not thread-safe: one thread owns each end.

#include <stddef.h>
#include <stdint.h>

#include "abi/tessera/frameproto.h"

namespace frameproto {

inline void FullFence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline uint32_t LoadAcquire(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
inline void StoreRelease(uint32_t* p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

/// The producer end of one ring.
class RingProducer {
 public:
  RingProducer() = default;
  /// `control` and `entries` (a power of two) are the ring in shared memory.
  /// Takes the producer's index from the ring as it is (0 on a fresh one).
  void Init(RingControl* control, Descriptor* slots, uint32_t entries) {
    control_ = control;
    slots_ = slots;
    entries_ = entries;
    tail_ = control != nullptr ? __atomic_load_n(&control->tail, __ATOMIC_RELAXED) : 0;
    published_ = tail_;
  }
  bool initialized() const { return control_ != nullptr; }

  /// Room for more entries now. A consumer head that claims to have taken
  /// entries never published (or lags by more than the ring) reads as a
  /// full ring and is counted.
  uint32_t Room() {
    uint32_t head = LoadAcquire(&control_->head);
    uint32_t used = tail_ - head;
    if (used > entries_) {
      ++bad_;
      return 0;
    }
    return entries_ - used;
  }

  /// Writes one entry (visible at the next Publish). False when the ring is
  /// full (or its head is insane).
  bool Push(Descriptor d) {
    if (Room() == 0) return false;
    Descriptor* slot = &slots_[tail_ & (entries_ - 1)];
    __atomic_store_n(&slot->offset, d.offset, __ATOMIC_RELAXED);
    __atomic_store_n(&slot->length, d.length, __ATOMIC_RELAXED);
    ++tail_;
    return true;
  }

  /// Makes the pushed entries visible. Returns true when the consumer asked
  /// to be signaled (the caller signals it, once); the request is consumed.
  bool Publish() {
    if (tail_ == published_) return false;
    StoreRelease(&control_->tail, tail_);
    published_ = tail_;
    FullFence();  // the tail before reading the consumer's request
    if (__atomic_load_n(&control_->wants_notify, __ATOMIC_RELAXED) == 0) return false;
    return __atomic_exchange_n(&control_->wants_notify, 0u, __ATOMIC_SEQ_CST) != 0;
  }

  uint32_t pending() const { return tail_ - published_; }
  uint64_t bad() const { return bad_; }

 private:
  RingControl* control_ = nullptr;
  Descriptor* slots_ = nullptr;
  uint32_t entries_ = 0;
  uint32_t tail_ = 0;
  uint32_t published_ = 0;
  uint64_t bad_ = 0;
};

/// The consumer end of one ring.
class RingConsumer {
 public:
  RingConsumer() = default;
  void Init(RingControl* control, Descriptor* slots, uint32_t entries) {
    control_ = control;
    slots_ = slots;
    entries_ = entries;
    head_ = control != nullptr ? __atomic_load_n(&control->head, __ATOMIC_RELAXED) : 0;
  }
  bool initialized() const { return control_ != nullptr; }

  /// Entries published and not taken yet. A producer tail that claims more
  /// than the ring holds (or runs backwards) reads as an empty ring and is
  /// counted.
  uint32_t Available() {
    uint32_t tail = LoadAcquire(&control_->tail);
    uint32_t n = tail - head_;
    if (n > entries_) {
      ++bad_;
      return 0;
    }
    return n;
  }

  /// Takes the next entry into *out; false when there is none. The entry is
  /// copied out of shared memory once (the producer may scribble on it).
  bool Pop(Descriptor* out) {
    if (Available() == 0) return false;
    const Descriptor* slot = &slots_[head_ & (entries_ - 1)];
    out->offset = __atomic_load_n(&slot->offset, __ATOMIC_RELAXED);
    out->length = __atomic_load_n(&slot->length, __ATOMIC_RELAXED);
    ++head_;
    return true;
  }

  /// Tells the producer the popped entries' slots are free again.
  void Release() { StoreRelease(&control_->head, head_); }

  /// Asks the producer for a signal at its next publish, then looks again:
  /// returns true when entries are already waiting (the caller must take
  /// them instead of sleeping; the request stands).
  bool Arm() {
    __atomic_store_n(&control_->wants_notify, 1u, __ATOMIC_RELAXED);
    FullFence();  // the request before re-reading the tail
    return Available() != 0;
  }
  /// Withdraws the request (a busy consumer polls instead).
  void Disarm() { __atomic_store_n(&control_->wants_notify, 0u, __ATOMIC_RELAXED); }

  uint64_t bad() const { return bad_; }

 private:
  RingControl* control_ = nullptr;
  const Descriptor* slots_ = nullptr;
  uint32_t entries_ = 0;
  uint32_t head_ = 0;
  uint64_t bad_ = 0;
};

/// Which side owns each pool buffer, as one end believes it. Fixed capacity
/// (kMaxPoolBuffers), no allocation.
class Ownership {
 public:
  enum Owner : uint8_t { kMine = 0, kPeer = 1, kLent = 2 };  // kLent: mine, at the device

  /// `buffers` (<= kMaxPoolBuffers) buffers; [0, split) start as `first`,
  /// the rest as the other of kMine/kPeer.
  void Reset(uint32_t buffers, uint32_t split, Owner first) {
    buffers_ = buffers > kMaxPoolBuffers ? kMaxPoolBuffers : buffers;
    Owner second = first == kMine ? kPeer : kMine;
    for (uint32_t i = 0; i < buffers_; ++i) owner_[i] = i < split ? first : second;
  }

  uint32_t buffers() const { return buffers_; }

  /// The buffer a peer's descriptor names, when it is one the peer owns and
  /// its length is in [min_length, max_length]; the buffer then becomes
  /// mine. -1 otherwise (the caller counts it).
  int64_t Accept(const Descriptor& d, uint32_t min_length, uint32_t max_length) {
    if (d.offset % kBufferBytes != 0) return -1;
    uint32_t index = d.offset / kBufferBytes;
    if (index >= buffers_ || owner_[index] != kPeer) return -1;
    if (d.length < min_length || d.length > max_length) return -1;
    owner_[index] = kMine;
    return index;
  }

  Owner owner(uint32_t index) const { return static_cast<Owner>(owner_[index]); }
  void Set(uint32_t index, Owner owner) {
    if (index < buffers_) owner_[index] = owner;
  }
  uint32_t Count(Owner owner) const {
    uint32_t n = 0;
    for (uint32_t i = 0; i < buffers_; ++i) n += owner_[i] == owner ? 1 : 0;
    return n;
  }

 private:
  uint32_t buffers_ = 0;
  uint8_t owner_[kMaxPoolBuffers] = {};
};

/// The four rings of a mapped ring object (`base`, `entries` per ring).
struct RingSet {
  SharedHeader* header = nullptr;
  RingControl* control[kRingCount] = {};
  Descriptor* slots[kRingCount] = {};

  static RingSet At(uint8_t* base, uint32_t entries) {
    RingSet s;
    s.header = reinterpret_cast<SharedHeader*>(base);
    for (uint32_t r = 0; r < kRingCount; ++r) {
      uint8_t* ring = base + RingOffset(entries, r);
      s.control[r] = reinterpret_cast<RingControl*>(ring);
      s.slots[r] = reinterpret_cast<Descriptor*>(ring + sizeof(RingControl));
    }
    return s;
  }
};

/// Whether an AttachReply describes a layout a client can use: sizes within
/// the bounds above, a power-of-two ring at least as large as the pool, a
/// ring object big enough for it.
inline bool ValidLayout(const AttachReply& r) {
  uint32_t e = r.ring_entries;
  return r.buffer_bytes == kBufferBytes && r.pool_buffers > 0 &&
         r.pool_buffers <= kMaxPoolBuffers && r.rx_buffers < r.pool_buffers && e > 0 &&
         e <= kMaxRingEntries && (e & (e - 1)) == 0 && e >= r.pool_buffers &&
         r.ring_bytes >= RingObjectBytes(e) && r.ring_bytes <= (uint64_t{1} << 24);
}

}  // namespace frameproto
