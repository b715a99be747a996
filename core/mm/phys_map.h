#pragma once

// Physical addresses and the direct map ("physmap").
//
// The kernel reaches every byte of physical RAM through a direct map at a fixed
// virtual offset. core/mm never assumes that offset: it converts with a PhysMap
// configured at init, so host tests can stand a heap-allocated arena in for RAM.

#include <stddef.h>
#include <stdint.h>

namespace core::mm {

using PhysAddr = uint64_t;

inline constexpr unsigned kPageShift = 12;
inline constexpr uint64_t kPageSize = uint64_t{1} << kPageShift;  // 4 KiB

/// Highest physical address x86-64 can ever form (MAXPHYADDR <= 52, SDM vol. 1
/// §3.3.1); anything a memory map reports above it is ignored.
inline constexpr PhysAddr kPhysAddrLimit = uint64_t{1} << 52;

/// Physical -> virtual translation: virt = phys + offset (mod 2^64).
/// Kernel: offset = physmap base. Host tests: offset = arena - fake_phys_base.
class PhysMap {
 public:
  constexpr PhysMap() = default;
  explicit constexpr PhysMap(uintptr_t offset) : offset_(offset) {}

  /// The kernel-virtual pointer for `phys`. Does no range check.
  void* ToVirt(PhysAddr phys) const {
    return reinterpret_cast<void*>(static_cast<uintptr_t>(phys) + offset_);
  }
  template <typename T>
  T* As(PhysAddr phys) const {
    return static_cast<T*>(ToVirt(phys));
  }
  /// The inverse of ToVirt, for pointers that came from ToVirt.
  PhysAddr ToPhys(const void* virt) const {
    return static_cast<PhysAddr>(reinterpret_cast<uintptr_t>(virt) - offset_);
  }
  constexpr uintptr_t offset() const { return offset_; }

 private:
  uintptr_t offset_ = 0;
};

}  // namespace core::mm
