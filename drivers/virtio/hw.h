#pragma once

// The hardware a user-mode virtio driver touches, as small interfaces the
// kernel's device objects implement (STYLE.md habit 3): a PCI function's
// configuration space, its mapped BARs, DMA-able memory with device
// addresses, and an interrupt source. Host tests implement them with a fake
// device model; the driver process implements them over its handles.
//
// None of these types allocates, blocks or throws; fallible calls return
// kstd::Result with Linux errno values.

#include <stddef.h>
#include <stdint.h>

#include "kstd/result.h"

namespace virtio {

/// One PCI function's configuration space (256 bytes conventional, 4 KiB with
/// PCIe ECAM). The kernel's implementation forwards to the function's handle;
/// it may refuse writes to registers it owns (BARs, command, MSI-X control).
class PciConfig {
 public:
  virtual ~PciConfig() = default;

  /// Reads the naturally aligned register at `offset`.
  /// Errors: kInvalid (misaligned, or past the end of the space), kBadHandle,
  /// kAccess (the kernel refused).
  virtual kstd::Result<uint8_t> Read8(uint16_t offset) = 0;
  virtual kstd::Result<uint16_t> Read16(uint16_t offset) = 0;
  virtual kstd::Result<uint32_t> Read32(uint16_t offset) = 0;

  /// Writes the naturally aligned register at `offset`. Same errors as reads.
  virtual kstd::Result<void> Write8(uint16_t offset, uint8_t value) = 0;
  virtual kstd::Result<void> Write16(uint16_t offset, uint16_t value) = 0;
  virtual kstd::Result<void> Write32(uint16_t offset, uint32_t value) = 0;
};

/// A mapped memory BAR (or a part of one): uncached register accesses at byte
/// offsets, each exactly one access of the named width (never split or
/// merged). Accesses outside [0, size()) read as all ones and writes are
/// dropped (like a PCI master abort), so a driver bug cannot reach other memory.
class Mmio {
 public:
  virtual ~Mmio() = default;

  /// The size of the region in bytes.
  virtual uint64_t size() const = 0;

  virtual uint8_t Read8(uint64_t offset) = 0;
  virtual uint16_t Read16(uint64_t offset) = 0;
  virtual uint32_t Read32(uint64_t offset) = 0;
  virtual uint64_t Read64(uint64_t offset) = 0;
  virtual void Write8(uint64_t offset, uint8_t value) = 0;
  virtual void Write16(uint64_t offset, uint16_t value) = 0;
  virtual void Write32(uint64_t offset, uint32_t value) = 0;
  virtual void Write64(uint64_t offset, uint64_t value) = 0;
};

/// The real Mmio: a BAR the kernel mapped uncached into this process at
/// `base` (`size` bytes). x86 MOVs on UC memory are single accesses in
/// program order, which is all the device needs.
class MappedMmio final : public Mmio {
 public:
  MappedMmio() = default;
  MappedMmio(volatile uint8_t* base, uint64_t size) : base_(base), size_(size) {}

  uint64_t size() const override { return size_; }

  uint8_t Read8(uint64_t offset) override { return Load<uint8_t>(offset); }
  uint16_t Read16(uint64_t offset) override { return Load<uint16_t>(offset); }
  uint32_t Read32(uint64_t offset) override { return Load<uint32_t>(offset); }
  uint64_t Read64(uint64_t offset) override { return Load<uint64_t>(offset); }
  void Write8(uint64_t offset, uint8_t value) override { Store(offset, value); }
  void Write16(uint64_t offset, uint16_t value) override { Store(offset, value); }
  void Write32(uint64_t offset, uint32_t value) override { Store(offset, value); }
  void Write64(uint64_t offset, uint64_t value) override { Store(offset, value); }

 private:
  bool InRange(uint64_t offset, uint64_t width) const {
    return base_ != nullptr && offset <= size_ && width <= size_ - offset &&
           (offset & (width - 1)) == 0;
  }
  template <typename T>
  T Load(uint64_t offset) {
    if (!InRange(offset, sizeof(T))) return static_cast<T>(~T{0});
    return *reinterpret_cast<volatile T*>(base_ + offset);
  }
  template <typename T>
  void Store(uint64_t offset, T value) {
    if (!InRange(offset, sizeof(T))) return;
    *reinterpret_cast<volatile T*>(base_ + offset) = value;
  }

  volatile uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
};

/// A piece of memory both the CPU and the device can reach: `cpu` is where it
/// is mapped in this process, `device_address` what the device must be given
/// (the physical address on q35, which has no IOMMU in front of virtio), both
/// covering `size` bytes that are contiguous for the device. The memory is
/// cache coherent with device accesses (write-back; x86 DMA snoops caches).
struct DmaBuffer {
  uint8_t* cpu = nullptr;
  uint64_t device_address = 0;
  size_t size = 0;
  uint64_t cookie = 0;  // the allocator's own reference (e.g. the memory object handle)

  bool valid() const { return cpu != nullptr; }
};

/// A device-visible address range without a CPU mapping the driver needs: a
/// data buffer of a block request (possibly memory a client shares).
struct DmaSegment {
  uint64_t device_address = 0;
  uint32_t length = 0;
};

/// Allocates DMA memory. The kernel's implementation creates a physically
/// contiguous memory object, maps it read-write into the process and asks the
/// kernel for its device address.
class DmaAllocator {
 public:
  virtual ~DmaAllocator() = default;

  /// `size` (> 0) bytes of zeroed DMA memory whose device address and CPU
  /// address are both aligned to `alignment` (a power of two, at most 4096).
  /// Errors: kInvalid (size 0, bad alignment), kNoMemory.
  virtual kstd::Result<DmaBuffer> Allocate(size_t size, size_t alignment) = 0;

  /// Releases a buffer from Allocate. The device must no longer use it (the
  /// driver resets the device or has taken every buffer back first).
  virtual void Free(const DmaBuffer& buffer) = 0;
};

/// One interrupt source of the function, delivered by the kernel as a
/// notification: an MSI-X table entry the kernel programmed, or the
/// function's INTx line (level triggered, routed through the IOAPIC and
/// masked by the kernel from delivery until Ack).
class Interrupt {
 public:
  enum class Kind { kMsix, kIntx };

  virtual ~Interrupt() = default;

  virtual Kind kind() const = 0;

  /// MSI-X: the index of the function's MSI-X table entry this object owns
  /// (the driver writes it to the device's queue/config vector registers).
  /// INTx: not used.
  virtual uint16_t msix_entry() const = 0;

  /// Blocks until the interrupt has fired since the last Wait returned, or
  /// `timeout_ns` nanoseconds pass. Errors: kTimedOut, kInterrupted,
  /// kBadHandle.
  virtual kstd::Result<void> Wait(uint64_t timeout_ns) = 0;

  /// The driver has quieted the device (INTx: read the ISR register, which
  /// deasserts the line): the kernel unmasks the line. MSI-X: nothing to do.
  /// Errors: kBadHandle.
  virtual kstd::Result<void> Ack() = 0;
};

}  // namespace virtio
