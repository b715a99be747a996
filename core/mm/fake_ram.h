#pragma once

// FakeRam (host tests only): a heap arena that stands in for physical RAM at a
// fake physical base, with the PhysMap that translates into it.

#include <stdint.h>
#include <stdlib.h>

#include <cstring>

#include "core/mm/phys_map.h"

namespace core::mm {

class FakeRam {
 public:
  /// [phys_base, phys_base + size) becomes reachable; the arena is 2 MiB aligned
  /// so that virtual alignment follows physical alignment up to 2 MiB.
  FakeRam(PhysAddr phys_base, size_t size)
      : base_(phys_base),
        size_(size),
        bytes_(
            static_cast<uint8_t*>(aligned_alloc(kAlign, (size + kAlign - 1) / kAlign * kAlign))) {}
  ~FakeRam() { free(bytes_); }
  FakeRam(const FakeRam&) = delete;
  FakeRam& operator=(const FakeRam&) = delete;

  PhysMap phys_map() const {
    return PhysMap(reinterpret_cast<uintptr_t>(bytes_) - static_cast<uintptr_t>(base_));
  }
  PhysAddr base() const { return base_; }
  PhysAddr end() const { return base_ + size_; }
  size_t size() const { return size_; }
  uint8_t* bytes() { return bytes_; }
  bool Contains(PhysAddr phys, uint64_t length) const {
    return phys >= base_ && length <= size_ && phys - base_ <= size_ - length;
  }
  void Fill(uint8_t value) { memset(bytes_, value, size_); }

 private:
  static constexpr size_t kAlign = 2 << 20;
  PhysAddr base_;
  size_t size_;
  uint8_t* bytes_;
};

}  // namespace core::mm
