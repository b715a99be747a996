#pragma once

// BouncePool: a few large kernel buffers for the copies read(2)/write(2) make
// between user memory and a file. A transfer of more than a page borrows one
// (kBounceBytes), so a file behind a server (ext2) sees one request per
// kBounceBytes instead of one per page; when every buffer is lent (or memory
// was short at first use), the caller keeps its small stack buffer. Buffers
// are allocated on first use and never freed. Portable; not for IRQs.

#include <stddef.h>
#include <stdint.h>

namespace core::syscall {

inline constexpr size_t kBounceBytes = 64 * 1024;
inline constexpr size_t kBounceBuffers = 8;

/// A buffer for one transfer: a pooled one if `wanted` exceeds the fallback's
/// size and one is free, else the caller's fallback.
class BounceBuffer {
 public:
  BounceBuffer(size_t wanted, uint8_t* fallback, size_t fallback_size);
  ~BounceBuffer();
  BounceBuffer(const BounceBuffer&) = delete;
  BounceBuffer& operator=(const BounceBuffer&) = delete;

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool pooled() const { return slot_ >= 0; }

 private:
  uint8_t* data_;
  size_t size_;
  int slot_ = -1;
};

/// Pooled buffers lent right now (for tests).
size_t BounceBuffersInUse();

}  // namespace core::syscall
