#pragma once

// A PCI configuration space in a byte array, for host tests: naturally
// aligned reads and writes like the kernel's implementation, plus helpers
// that lay out a type 0 header and capabilities (well-formed or not).

#include <stdint.h>
#include <string.h>

#include <array>

#include "drivers/virtio/hw.h"
#include "drivers/virtio/spec.h"

namespace virtio::testing {

class FakePciConfig final : public PciConfig {
 public:
  static constexpr size_t kSize = 256;

  kstd::Result<uint8_t> Read8(uint16_t offset) override { return Load<uint8_t>(offset); }
  kstd::Result<uint16_t> Read16(uint16_t offset) override { return Load<uint16_t>(offset); }
  kstd::Result<uint32_t> Read32(uint16_t offset) override { return Load<uint32_t>(offset); }
  kstd::Result<void> Write8(uint16_t offset, uint8_t value) override {
    return Store(offset, value);
  }
  kstd::Result<void> Write16(uint16_t offset, uint16_t value) override {
    return Store(offset, value);
  }
  kstd::Result<void> Write32(uint16_t offset, uint32_t value) override {
    return Store(offset, value);
  }

  std::array<uint8_t, kSize>& bytes() { return bytes_; }
  int reads() const { return reads_; }

  // Bytes past the end of the space are dropped (tests put capabilities
  // that overrun it on purpose).
  void Put8(size_t at, uint8_t v) { PutBytes(at, &v, 1); }
  void Put16(size_t at, uint16_t v) { PutBytes(at, &v, 2); }
  void Put32(size_t at, uint32_t v) { PutBytes(at, &v, 4); }

  /// Vendor/device IDs, the status register's capability bit and the
  /// capability pointer (0: no list).
  void SetHeader(uint16_t vendor, uint16_t device, uint8_t cap_pointer) {
    Put16(pci::kVendorId, vendor);
    Put16(pci::kDeviceId, device);
    Put8(pci::kRevisionId, 1);
    Put8(pci::kHeaderType, 0);
    Put16(pci::kStatus, cap_pointer != 0 ? pci::kStatusCapabilitiesList : 0);
    Put8(pci::kCapabilitiesPointer, cap_pointer);
  }

  /// A virtio_pci_cap at `at` (cap_len 16, or 20 for notify/pci cfg).
  void PutVirtioCap(uint8_t at, uint8_t next, uint8_t cfg_type, uint8_t bar, uint32_t offset,
                    uint32_t length, uint32_t notify_multiplier = 0) {
    bool longer = cfg_type == pci_cap::kNotifyCfg || cfg_type == pci_cap::kPciCfg;
    Put8(at + pci_cap::kVndr, pci::kCapIdVendor);
    Put8(at + pci_cap::kNext, next);
    Put8(at + pci_cap::kLen, longer ? pci_cap::kNotifySize : pci_cap::kSize);
    Put8(at + pci_cap::kCfgType, cfg_type);
    Put8(at + pci_cap::kBar, bar);
    Put8(at + pci_cap::kId, 0);
    Put32(at + pci_cap::kOffset, offset);
    Put32(at + pci_cap::kLength, length);
    if (cfg_type == pci_cap::kNotifyCfg)
      Put32(at + pci_cap::kNotifyOffMultiplier, notify_multiplier);
  }

  /// Any other capability: id, next.
  void PutCap(uint8_t at, uint8_t id, uint8_t next) {
    Put8(at, id);
    Put8(at + 1, next);
  }

 private:
  void PutBytes(size_t at, const void* v, size_t n) {
    for (size_t i = 0; i < n && at + i < kSize; ++i)
      bytes_[at + i] = static_cast<const uint8_t*>(v)[i];
  }
  template <typename T>
  kstd::Result<T> Load(uint16_t offset) {
    ++reads_;
    if (offset % sizeof(T) != 0 || offset + sizeof(T) > kSize) return kstd::Error::kInvalid;
    T v;
    memcpy(&v, &bytes_[offset], sizeof(T));
    return v;
  }
  template <typename T>
  kstd::Result<void> Store(uint16_t offset, T value) {
    if (offset % sizeof(T) != 0 || offset + sizeof(T) > kSize) return kstd::Error::kInvalid;
    memcpy(&bytes_[offset], &value, sizeof(T));
    return kstd::Ok();
  }

  std::array<uint8_t, kSize> bytes_{};
  int reads_ = 0;
};

}  // namespace virtio::testing
