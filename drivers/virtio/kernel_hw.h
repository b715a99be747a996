#pragma once

// The hw.h interfaces over the kernel's handles, for driver processes on
// the board (user mode, musl): a PCI function's configuration space, its
// interrupt object (MSI-X entry or INTx line) and contiguous DMA memory
// from the "dma" resource. Board only (target :kernel_hw).
//
// drivers/virtio_blk/main.cc still has its own copies of these (older);
// new drivers use this header.

#include <sys/mman.h>

#include "abi/linux/mman.h"
#include "drivers/virtio/hw.h"
#include "lib/tessera/process.h"
#include "lib/tessera/syscalls.h"

namespace virtio::kernel {

inline kstd::Result<void> ResultOf(int64_t r) {
  if (r >= 0) return kstd::Ok();
  return static_cast<kstd::Error>(-r);
}

class HandleConfig final : public PciConfig {
 public:
  explicit HandleConfig(tessera::handle_t device) : device_(device) {}
  kstd::Result<uint8_t> Read8(uint16_t offset) override { return Read<uint8_t>(offset, 1); }
  kstd::Result<uint16_t> Read16(uint16_t offset) override { return Read<uint16_t>(offset, 2); }
  kstd::Result<uint32_t> Read32(uint16_t offset) override { return Read<uint32_t>(offset, 4); }
  kstd::Result<void> Write8(uint16_t offset, uint8_t value) override {
    return ResultOf(tessera::sys::PciConfigWrite(device_, offset, 1, value));
  }
  kstd::Result<void> Write16(uint16_t offset, uint16_t value) override {
    return ResultOf(tessera::sys::PciConfigWrite(device_, offset, 2, value));
  }
  kstd::Result<void> Write32(uint16_t offset, uint32_t value) override {
    return ResultOf(tessera::sys::PciConfigWrite(device_, offset, 4, value));
  }

 private:
  template <typename T>
  kstd::Result<T> Read(uint16_t offset, uint32_t width) {
    int64_t r = tessera::sys::PciConfigRead(device_, offset, width);
    if (r < 0) return static_cast<kstd::Error>(-r);
    return static_cast<T>(r);
  }
  tessera::handle_t device_;
};

/// MSI-X: the kernel's object is consumed at each wake-up (the loop acks it
/// at once). INTx: Ack (after the ISR read deasserted the device) unmasks
/// the line.
class HandleInterrupt final : public Interrupt {
 public:
  HandleInterrupt(tessera::handle_t irq, Kind kind, uint16_t entry)
      : irq_(irq), kind_(kind), entry_(entry) {}
  Kind kind() const override { return kind_; }
  uint16_t msix_entry() const override { return entry_; }
  kstd::Result<void> Wait(uint64_t timeout_ns) override {
    int64_t now = tessera::NowNs();
    int64_t deadline = timeout_ns > static_cast<uint64_t>(tessera::kInfinite - now)
                           ? tessera::kInfinite
                           : now + static_cast<int64_t>(timeout_ns);
    uint32_t observed = 0;
    int64_t r = tessera::sys::ObjectWaitOne(irq_, tessera::kSignalNotified, deadline, &observed);
    if (r < 0) return static_cast<kstd::Error>(-r);
    if (kind_ == Kind::kMsix) (void)tessera::sys::InterruptAck(irq_);
    return kstd::Ok();
  }
  kstd::Result<void> Ack() override {
    if (kind_ == Kind::kMsix) return kstd::Ok();
    return ResultOf(tessera::sys::InterruptAck(irq_));
  }
  tessera::handle_t handle() const { return irq_; }

 private:
  tessera::handle_t irq_;
  Kind kind_;
  uint16_t entry_;
};

/// Physically contiguous, zeroed memory objects from the "dma" resource.
class ContiguousDma final : public DmaAllocator {
 public:
  static constexpr uint64_t kPage = 4096;
  explicit ContiguousDma(tessera::handle_t dma) : dma_(dma) {}

  kstd::Result<DmaBuffer> Allocate(size_t size, size_t alignment) override {
    if (size == 0 || alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > kPage) {
      return kstd::Error::kInvalid;
    }
    uint64_t bytes = (size + kPage - 1) & ~(kPage - 1);
    int64_t vmo = tessera::sys::VmoCreateContiguous(dma_, bytes);
    if (vmo < 0) return static_cast<kstd::Error>(-vmo);  // EACCES, ENOMEM
    tessera::handle_t h = static_cast<tessera::handle_t>(vmo);
    int64_t addr = tessera::sys::VmoMap(h, 0, bytes, linux_abi::kProtRead | linux_abi::kProtWrite,
                                        0, tessera::kVmoMapShared);
    int64_t phys = tessera::sys::VmoPhysicalAddress(dma_, h, 0);
    if (addr < 0 || phys < 0) {
      if (addr >= 0) munmap(reinterpret_cast<void*>(addr), bytes);
      tessera::sys::HandleClose(h);
      return addr < 0 ? static_cast<kstd::Error>(-addr) : static_cast<kstd::Error>(-phys);
    }
    DmaBuffer b;
    b.cpu = reinterpret_cast<uint8_t*>(addr);
    b.device_address = static_cast<uint64_t>(phys);
    b.size = bytes;
    b.cookie = h;
    return b;
  }
  void Free(const DmaBuffer& buffer) override {
    munmap(buffer.cpu, buffer.size);
    tessera::sys::HandleClose(static_cast<tessera::handle_t>(buffer.cookie));
  }

 private:
  const tessera::handle_t dma_;
};

}  // namespace virtio::kernel
