#pragma once

// PipeRing: the ring behind a pipe or a fifo, kPipeCapacity bytes unless
// F_SETPIPE_SZ changed it (Replace). Not locked itself: its owner's lock
// guards it. Copies go in at most two pieces.

#include <stddef.h>
#include <stdint.h>

#include "core/fd/pipe.h"
#include "core/sync/spin_lock.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::fd {

/// The bytes all rings hold beyond kPipeCapacity together may not pass
/// this (Linux's pipe-user-pages-soft, 16384 pages, for one user: a
/// resize past it is EPERM), so F_SETPIPE_SZ cannot take the kernel's heap.
inline constexpr size_t kPipeExtraLimit = 16384 * 4096;
/// Bytes charged against kPipeExtraLimit now (atomic).
inline size_t g_pipe_extra_bytes = 0;

/// What a ring of `capacity` bytes is charged.
inline size_t PipeExtra(size_t capacity) {
  return capacity > kPipeCapacity ? capacity - kPipeCapacity : 0;
}

struct PipeRing {
  uint8_t* data = nullptr;  // `capacity` bytes, owned
  size_t capacity = kPipeCapacity;
  size_t head = 0;  // the next byte to read
  size_t used = 0;

  PipeRing() = default;
  PipeRing(const PipeRing&) = delete;
  PipeRing& operator=(const PipeRing&) = delete;
  ~PipeRing() {
    delete[] data;
    __atomic_fetch_sub(&g_pipe_extra_bytes, PipeExtra(capacity), __ATOMIC_RELAXED);
  }

  size_t space() const { return capacity - used; }

  /// Appends n bytes (n <= space()).
  void Put(const uint8_t* in, size_t n) {
    size_t tail = (head + used) % capacity;
    size_t first = kstd::Min(n, capacity - tail);
    __builtin_memcpy(data + tail, in, first);
    __builtin_memcpy(data, in + first, n - first);
    used += n;
  }
  /// Removes n bytes (n <= used) into `out`.
  void Take(uint8_t* out, size_t n) {
    Peek(out, n);
    head = (head + n) % capacity;
    used -= n;
  }
  /// Copies the first n bytes (n <= used) into `out`, leaving them.
  void Peek(uint8_t* out, size_t n) const {
    size_t first = kstd::Min(n, capacity - head);
    __builtin_memcpy(out, data + head, first);
    __builtin_memcpy(out + first, data, n - first);
  }
  /// Moves the content into `fresh` (new_capacity bytes, >= used) and
  /// returns the old storage for the caller to free outside its lock.
  uint8_t* Replace(uint8_t* fresh, size_t new_capacity) {
    Peek(fresh, used);
    uint8_t* old = data;
    data = fresh;
    capacity = new_capacity;
    head = 0;
    return old;
  }
};

/// F_SETPIPE_SZ's resize of `ring`, guarded by `lock`: the ring becomes
/// `capacity` bytes and published() is called under the lock, unless more
/// than that is in it (kBusy). The heap is not entered under the lock.
/// Errors: kBusy, kPermission (kPipeExtraLimit would be passed), kNoMemory.
template <typename Published>
kstd::Result<void> ResizeRing(PipeRing& ring, SpinLock& lock, size_t capacity,
                              Published published) {
  const size_t extra = PipeExtra(capacity);
  if (__atomic_add_fetch(&g_pipe_extra_bytes, extra, __ATOMIC_RELAXED) > kPipeExtraLimit) {
    __atomic_fetch_sub(&g_pipe_extra_bytes, extra, __ATOMIC_RELAXED);
    return kstd::Error::kPermission;
  }
  uint8_t* fresh = new (kstd::nothrow) uint8_t[capacity];
  if (fresh == nullptr) {
    __atomic_fetch_sub(&g_pipe_extra_bytes, extra, __ATOMIC_RELAXED);
    return kstd::Error::kNoMemory;
  }
  uint8_t* stale = fresh;   // whichever is not kept
  size_t uncharge = extra;  // the old size's charge, or the new one's if refused
  bool busy;
  {
    SpinLockGuard guard(lock);
    busy = ring.used > capacity;
    if (!busy) {
      uncharge = PipeExtra(ring.capacity);
      stale = ring.Replace(fresh, capacity);
      published();
    }
  }
  __atomic_fetch_sub(&g_pipe_extra_bytes, uncharge, __ATOMIC_RELAXED);
  delete[] stale;
  if (busy) return kstd::Error::kBusy;
  return kstd::Ok();
}

}  // namespace core::fd
