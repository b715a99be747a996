#include "drivers/virtio/testing/fake_dma.h"

#include <stdlib.h>
#include <string.h>

namespace virtio::testing {

FakeDma::~FakeDma() {
  for (auto& [address, region] : regions_) free(region.raw);
}

kstd::Result<DmaBuffer> FakeDma::Allocate(size_t size, size_t alignment) {
  if (size == 0 || alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > 4096) {
    return kstd::Error::kInvalid;
  }
  if (fail_after_ == 0) return kstd::Error::kNoMemory;
  if (fail_after_ > 0) --fail_after_;
  void* raw = aligned_alloc(4096, (size + 4095) & ~size_t{4095});
  if (raw == nullptr) return kstd::Error::kNoMemory;
  memset(raw, 0, size);
  DmaBuffer b;
  b.cpu = static_cast<uint8_t*>(raw);
  b.device_address = next_device_address_;
  b.size = size;
  b.cookie = next_device_address_;
  // A page gap between allocations: device accesses that run over an
  // allocation's end translate to nothing.
  next_device_address_ += ((size + 4095) & ~uint64_t{4095}) + 4096;
  regions_[b.device_address] = Region{b.cpu, size, raw};
  ++total_;
  return b;
}

void FakeDma::Free(const DmaBuffer& buffer) {
  auto it = regions_.find(buffer.device_address);
  if (it == regions_.end() || it->second.host != buffer.cpu) {
    ++bad_frees_;
    return;
  }
  free(it->second.raw);
  regions_.erase(it);
}

uint8_t* FakeDma::Translate(uint64_t address, uint64_t length) const {
  auto it = regions_.upper_bound(address);
  if (it == regions_.begin()) return nullptr;
  --it;
  uint64_t offset = address - it->first;
  if (offset > it->second.size || length > it->second.size - offset) return nullptr;
  return it->second.host + offset;
}

}  // namespace virtio::testing
