#pragma once

// The driver side of a split virtqueue (virtio 1.2 §2.7): the descriptor
// table, available ring and used ring in one DMA buffer, a free list of
// descriptors, descriptor chains, event suppression (§2.7.7, §2.7.10) and
// completion tokens. Not thread-safe: one thread (the driver's event loop)
// owns a queue.
//
// The device is not trusted with the driver's bookkeeping: chain links and
// tokens live in private memory, and every used-ring entry is checked (head
// in range and in flight, used index moving by at most the chains in flight)
// before anything is freed. A violation marks the queue broken (kIo) until
// the device is reset and Reset() is called.

#include <stddef.h>
#include <stdint.h>

#include "drivers/virtio/hw.h"
#include "drivers/virtio/spec.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace virtio {

class SplitVirtqueue {
 public:
  /// One buffer of a chain. Device-readable buffers come before
  /// device-writable ones (§2.7.4.2).
  struct Segment {
    uint64_t device_address = 0;
    uint32_t length = 0;
    bool device_writable = false;
  };

  /// A chain the device has finished with.
  struct Completion {
    uint64_t token = 0;     // what Add was given
    uint32_t written = 0;   // bytes the device wrote (at most the writable length)
    uint32_t reported = 0;  // the used element's len as the device put it (may be larger)
  };

  SplitVirtqueue() = default;
  ~SplitVirtqueue();
  SplitVirtqueue(const SplitVirtqueue&) = delete;
  SplitVirtqueue& operator=(const SplitVirtqueue&) = delete;

  /// Allocates the rings for `size` descriptors (a power of two up to 32768)
  /// from `dma`, which must outlive the queue. With `event_idx` (the
  /// VIRTIO_F_EVENT_IDX feature was negotiated) notifications and interrupts
  /// are suppressed through used_event/avail_event instead of the flags.
  /// Errors: kInvalid (size), kBusy (already initialized), kNoMemory.
  kstd::Result<void> Init(DmaAllocator& dma, uint16_t size, bool event_idx);

  /// Takes every chain back after the device has been reset (it no longer
  /// reads the rings), calling `reclaimed(context, token)` for each chain that
  /// was in flight, and returns the queue to its state right after Init.
  /// `event_idx` may change (features are renegotiated on reinitialization).
  void Reset(bool event_idx, void (*reclaimed)(void* context, uint64_t token), void* context);

  /// Adds a chain of `segments` with its completion `token`; it becomes
  /// visible to the device at the next Publish. Returns the head descriptor.
  /// Errors: kInvalid (no segments, a zero-length segment, a readable segment
  /// after a writable one, more segments than descriptors in the queue),
  /// kAgain (not enough free descriptors now: retry after completions),
  /// kIo (the queue is broken).
  kstd::Result<uint16_t> Add(kstd::Span<const Segment> segments, uint64_t token);

  /// Makes every chain added since the last Publish visible to the device;
  /// returns whether the device wants to be notified (event suppression).
  bool Publish();

  /// Takes the next completed chain into `*out`; false when there is none.
  /// Errors: kIo (the device broke the protocol; the queue is now broken).
  kstd::Result<bool> PopUsed(Completion* out);

  /// Asks the device not to interrupt for completions (polling mode).
  void DisableInterrupts();
  /// Asks the device to interrupt at the next completion. Returns false when
  /// completions already arrived that the caller must take with PopUsed
  /// before sleeping (otherwise their interrupt may never come).
  bool EnableInterrupts();

  bool initialized() const { return ring_.valid(); }
  bool broken() const { return broken_; }
  uint16_t size() const { return size_; }
  uint16_t free_descriptors() const { return num_free_; }
  uint16_t chains_in_flight() const { return chains_in_flight_; }
  bool event_idx() const { return event_idx_; }

  /// Device addresses for the transport's queue_desc/driver/device registers.
  uint64_t desc_address() const { return ring_.device_address; }
  uint64_t driver_address() const { return ring_.device_address + avail_offset_; }
  uint64_t device_address() const { return ring_.device_address + used_offset_; }

  /// Total bytes of DMA memory the rings of a `size`-entry queue take.
  static size_t RingBytes(uint16_t size);

 private:
  // Private per-descriptor state: free-list/chain link, and for chain heads
  // the token, length and writable bytes of the chain.
  struct Slot {
    uint64_t token = 0;
    uint32_t writable_bytes = 0;
    uint16_t next = 0;
    uint16_t chain_length = 0;
    bool head = false;
  };

  void ClearRings();
  void FreeChain(uint16_t head);
  uint16_t LoadUsedIdx();

  DmaAllocator* dma_ = nullptr;
  DmaBuffer ring_;
  size_t avail_offset_ = 0;
  size_t used_offset_ = 0;
  volatile VirtqDesc* desc_ = nullptr;
  volatile uint8_t* avail_ = nullptr;
  volatile uint8_t* used_ = nullptr;
  Slot* slots_ = nullptr;

  uint16_t size_ = 0;
  uint16_t free_head_ = 0;
  uint16_t num_free_ = 0;
  uint16_t chains_in_flight_ = 0;
  uint16_t avail_idx_ = 0;      // next available-ring index (free-running)
  uint16_t published_idx_ = 0;  // avail->idx as last published
  uint16_t last_used_ = 0;      // next used-ring index to consume
  bool event_idx_ = false;
  bool broken_ = false;
};

}  // namespace virtio
