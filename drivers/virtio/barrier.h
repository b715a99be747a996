#pragma once

// Memory ordering between the driver and a device that reads and writes the
// virtqueue rings in shared memory (virtio 1.2 §2.7.13.3.1, §2.7.13.4, §2.7.14).
//
// x86-64 is the only target. Its ordering (Intel SDM vol. 3 §9.2.2): stores
// are not reordered with older stores, loads are not reordered with older
// loads, but a store may be delayed past a younger load. DMA from the device
// snoops the caches, so ring memory is ordinary write-back memory, and a store
// to an uncached (UC) register such as the notify register is not reordered
// with older stores. Hence:
//   - "descriptors/ring entry, then avail->idx" (store-store) and
//     "used->idx, then the used entry" (load-load) need only the compiler not
//     to reorder: the release/acquire fences below, which emit no instruction;
//   - "publish avail->idx (or used_event), then read the device's
//     avail_event/flags (or used->idx)" is store-then-load and needs a real
//     fence (MFENCE / a locked instruction): FullBarrier.
// Ring fields are accessed through volatile pointers so that each access
// happens exactly once; the fences also order them against each other.

namespace virtio {

/// Earlier stores become visible to the device before later stores.
inline void PublishBarrier() {
  __atomic_thread_fence(__ATOMIC_RELEASE);
  asm volatile("" ::: "memory");  // also orders plain stores (request headers)
}

/// Later loads see what the device wrote before the value just loaded.
inline void ConsumeBarrier() {
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  asm volatile("" ::: "memory");
}

/// Earlier stores are visible to the device before later loads are performed.
inline void FullBarrier() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

}  // namespace virtio
