#pragma once

// A DmaAllocator for host tests: host memory with made-up device addresses
// far from any host pointer (so a driver that hands the device a CPU pointer
// is caught), and the translation a fake device uses to reach that memory.

#include <stddef.h>
#include <stdint.h>

#include <map>

#include "drivers/virtio/hw.h"

namespace virtio::testing {

class FakeDma final : public DmaAllocator {
 public:
  FakeDma() = default;
  ~FakeDma() override;

  kstd::Result<DmaBuffer> Allocate(size_t size, size_t alignment) override;
  void Free(const DmaBuffer& buffer) override;

  /// The host memory behind device addresses [address, address+length), or
  /// null when the range is not inside one live allocation.
  uint8_t* Translate(uint64_t address, uint64_t length) const;

  size_t live_allocations() const { return regions_.size(); }
  size_t total_allocations() const { return total_; }
  /// Makes the next `n` allocations succeed and the ones after fail (-1: never fail).
  void FailAfter(int n) { fail_after_ = n; }
  /// Free() calls that named no live buffer (a driver bug).
  int bad_frees() const { return bad_frees_; }

 private:
  struct Region {
    uint8_t* host;
    size_t size;
    void* raw;
  };
  std::map<uint64_t, Region> regions_;  // by device address
  uint64_t next_device_address_ = 0x7000'0000'0000ull;
  size_t total_ = 0;
  int fail_after_ = -1;
  int bad_frees_ = 0;
};

}  // namespace virtio::testing
