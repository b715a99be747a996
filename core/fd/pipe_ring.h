#pragma once

// PipeRing: the kPipeCapacity-byte ring behind a pipe or a fifo. Not locked
// itself: its owner's lock guards it. Copies go in at most two pieces.

#include <stddef.h>
#include <stdint.h>

#include "core/fd/pipe.h"
#include "kstd/utility.h"

namespace core::fd {

struct PipeRing {
  uint8_t* data = nullptr;  // kPipeCapacity bytes, owned
  size_t head = 0;          // the next byte to read
  size_t used = 0;

  PipeRing() = default;
  PipeRing(const PipeRing&) = delete;
  PipeRing& operator=(const PipeRing&) = delete;
  ~PipeRing() { delete[] data; }

  size_t space() const { return kPipeCapacity - used; }

  /// Appends n bytes (n <= space()).
  void Put(const uint8_t* in, size_t n) {
    size_t tail = (head + used) % kPipeCapacity;
    size_t first = kstd::Min(n, kPipeCapacity - tail);
    __builtin_memcpy(data + tail, in, first);
    __builtin_memcpy(data, in + first, n - first);
    used += n;
  }
  /// Removes n bytes (n <= used) into `out`.
  void Take(uint8_t* out, size_t n) {
    size_t first = kstd::Min(n, kPipeCapacity - head);
    __builtin_memcpy(out, data + head, first);
    __builtin_memcpy(out + first, data, n - first);
    head = (head + n) % kPipeCapacity;
    used -= n;
  }
};

}  // namespace core::fd
