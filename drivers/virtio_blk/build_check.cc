// Links the virtio-blk driver core into a Tessera user program, against
// stand-ins for the kernel's device objects that report "no device".

#include <stdio.h>

#include "drivers/virtio/hw.h"
#include "drivers/virtio_blk/blk_device.h"

namespace {

class NoConfig final : public virtio::PciConfig {
 public:
  kstd::Result<uint8_t> Read8(uint16_t) override { return kstd::Error::kBadHandle; }
  kstd::Result<uint16_t> Read16(uint16_t) override { return kstd::Error::kBadHandle; }
  kstd::Result<uint32_t> Read32(uint16_t) override { return kstd::Error::kBadHandle; }
  kstd::Result<void> Write8(uint16_t, uint8_t) override { return kstd::Error::kBadHandle; }
  kstd::Result<void> Write16(uint16_t, uint16_t) override { return kstd::Error::kBadHandle; }
  kstd::Result<void> Write32(uint16_t, uint32_t) override { return kstd::Error::kBadHandle; }
};

class NoDma final : public virtio::DmaAllocator {
 public:
  kstd::Result<virtio::DmaBuffer> Allocate(size_t, size_t) override {
    return kstd::Error::kNoMemory;
  }
  void Free(const virtio::DmaBuffer&) override {}
};

class NoInterrupt final : public virtio::Interrupt {
 public:
  Kind kind() const override { return Kind::kIntx; }
  uint16_t msix_entry() const override { return 0; }
  kstd::Result<void> Wait(uint64_t) override { return kstd::Error::kBadHandle; }
  kstd::Result<void> Ack() override { return kstd::Error::kBadHandle; }
};

}  // namespace

// Compiled -ffreestanding (see BUILD), where main has no implicit C linkage.
extern "C" int main() {
  NoConfig config;
  NoDma dma;
  NoInterrupt irq;
  virtio::MappedMmio bar;  // nothing mapped
  virtio::Mmio* bars[virtio::pci::kBarCount] = {&bar, nullptr, nullptr, nullptr, nullptr, nullptr};
  virtio_blk::Device device(config, bars, dma, irq);
  auto result = device.Init();
  printf("virtio_blk build check: Init -> %s (%s)\n",
         result.ok() ? "ok" : kstd::ErrorName(result.error()), device.failure_reason());
  return result.ok() ? 0 : 1;
}
