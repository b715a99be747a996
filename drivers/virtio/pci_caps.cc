#include "drivers/virtio/pci_caps.h"

namespace virtio {
namespace {

constexpr uint16_t kTransitionalFirst = 0x1000;
constexpr uint16_t kTransitionalLast = 0x103F;
constexpr uint16_t kModernLast = 0x107F;

// What one virtio_pci_cap says, before validation.
struct RawCap {
  uint8_t at = 0;
  uint8_t cap_len = 0;
  uint8_t cfg_type = 0;
  uint8_t bar = 0;
  uint32_t offset = 0;
  uint32_t length = 0;
};

bool IsPowerOfTwo(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Whether `cap` names a region inside an implemented BAR.
bool RegionFits(const RawCap& cap, const BarSizes& bars) {
  if (cap.bar >= pci::kBarCount) return false;  // reserved BAR values: ignore
  uint64_t bar_size = bars.size[cap.bar];
  uint64_t end;
  if (!kstd::CheckedAdd(cap.offset, cap.length, &end)) return false;
  return bar_size != 0 && end <= bar_size;
}

PciRegion ToRegion(const RawCap& cap) {
  PciRegion r;
  r.present = true;
  r.bar = cap.bar;
  r.offset = cap.offset;
  r.length = cap.length;
  return r;
}

// Tracks, per required structure, whether any instance was seen at all.
struct Seen {
  bool common = false, notify = false, isr = false, device = false;
};

kstd::Result<RawCap> ReadVirtioCap(PciConfig& config, uint8_t at) {
  RawCap cap;
  cap.at = at;
  cap.cap_len = TRY(config.Read8(at + pci_cap::kLen));
  cap.cfg_type = TRY(config.Read8(at + pci_cap::kCfgType));
  if (cap.cap_len < pci_cap::kSize || at + cap.cap_len > pci::kConfigSpaceSize) {
    return cap;  // the caller rejects it by cap_len; fields stay zero
  }
  cap.bar = TRY(config.Read8(at + pci_cap::kBar));
  cap.offset = TRY(config.Read32(at + pci_cap::kOffset));
  cap.length = TRY(config.Read32(at + pci_cap::kLength));
  return cap;
}

// Handles one vendor-specific capability: keeps it if it is the first usable
// instance of its type. Returns false for an instance it had to ignore.
kstd::Result<bool> TakeVirtioCap(PciConfig& config, const RawCap& cap, const BarSizes& bars,
                                 PciCapabilities* out, Seen* seen) {
  bool len_ok = cap.cap_len >= pci_cap::kSize && cap.at + cap.cap_len <= pci::kConfigSpaceSize;
  switch (cap.cfg_type) {
    case pci_cap::kCommonCfg:
      seen->common = true;
      if (out->common.present) return true;
      if (!len_ok || !RegionFits(cap, bars) || (cap.offset & 3) != 0 ||
          cap.length < common_cfg::kMinimumLength) {
        return false;
      }
      out->common = ToRegion(cap);
      return true;
    case pci_cap::kNotifyCfg: {
      seen->notify = true;
      if (out->notify.present) return true;
      if (!len_ok || cap.cap_len < pci_cap::kNotifySize || !RegionFits(cap, bars) ||
          (cap.offset & 1) != 0 || cap.length < 2) {
        return false;
      }
      uint32_t multiplier = TRY(config.Read32(cap.at + pci_cap::kNotifyOffMultiplier));
      // §4.1.4.4: 0 (one register for all queues) or a power of two; each
      // queue's register is 16 bits wide, so at least 2 when not 0.
      if (multiplier != 0 && (!IsPowerOfTwo(multiplier) || multiplier < 2)) return false;
      out->notify = ToRegion(cap);
      out->notify_off_multiplier = multiplier;
      return true;
    }
    case pci_cap::kIsrCfg:
      seen->isr = true;
      if (out->isr.present) return true;
      if (!len_ok || !RegionFits(cap, bars) || cap.length < 1) return false;
      out->isr = ToRegion(cap);
      return true;
    case pci_cap::kDeviceCfg:
      seen->device = true;
      if (out->device.present) return true;
      if (!len_ok || !RegionFits(cap, bars) || (cap.offset & 3) != 0 || cap.length < 1) {
        return false;
      }
      out->device = ToRegion(cap);
      return true;
    case pci_cap::kPciCfg:
      if (out->pci_cfg_cap != 0) return true;
      if (!len_ok || cap.cap_len < pci_cap::kPciCfgSize) return false;
      out->pci_cfg_cap = cap.at;
      return true;
    default:
      // Shared memory, vendor data and reserved types: not used by this driver.
      return true;
  }
}

}  // namespace

kstd::Result<uint16_t> IdentifyDevice(PciConfig& config) {
  uint16_t vendor = TRY(config.Read16(pci::kVendorId));
  if (vendor != kPciVendorId) return kstd::Error::kNotSupported;
  uint16_t device = TRY(config.Read16(pci::kDeviceId));
  if (device >= kPciModernDeviceIdBase && device <= kModernLast) {
    return static_cast<uint16_t>(device - kPciModernDeviceIdBase);
  }
  if (device >= kTransitionalFirst && device <= kTransitionalLast) {
    return TRY(config.Read16(pci::kSubsystemId));
  }
  return kstd::Error::kNotSupported;
}

kstd::Result<PciCapabilities> ParseCapabilities(PciConfig& config, const BarSizes& bars) {
  uint16_t pci_status = TRY(config.Read16(pci::kStatus));
  if ((pci_status & pci::kStatusCapabilitiesList) == 0) return kstd::Error::kNotSupported;

  PciCapabilities out;
  Seen seen;
  // One bit per dword slot of the capability area: a slot visited twice
  // means the list loops. At most (256 - 64) / 4 = 48 capabilities exist.
  uint64_t visited = 0;
  uint8_t at = TRY(config.Read8(pci::kCapabilitiesPointer)) & 0xFC;  // low bits reserved
  while (at != 0) {
    if (at < pci::kFirstCapability) return kstd::Error::kBadMessage;
    uint64_t bit = uint64_t{1} << ((at - pci::kFirstCapability) / 4);
    if (visited & bit) return kstd::Error::kBadMessage;
    visited |= bit;

    uint8_t id = TRY(config.Read8(at));
    uint8_t next = TRY(config.Read8(at + 1)) & 0xFC;
    if (id == pci::kCapIdVendor) {
      RawCap cap = TRY(ReadVirtioCap(config, at));
      bool usable = TRY(TakeVirtioCap(config, cap, bars, &out, &seen));
      if (!usable) ++out.ignored;
    } else if (id == pci::kCapIdMsix && out.msix_cap == 0) {
      uint16_t control = TRY(config.Read16(at + 2));
      out.msix_cap = at;
      out.msix_table_size = static_cast<uint16_t>((control & 0x7FF) + 1);
    }
    at = next;
  }

  if (!seen.common || !seen.notify || !seen.isr) return kstd::Error::kNotSupported;
  if (!out.common.present || !out.notify.present || !out.isr.present ||
      (seen.device && !out.device.present)) {
    return kstd::Error::kBadMessage;
  }
  return out;
}

}  // namespace virtio
