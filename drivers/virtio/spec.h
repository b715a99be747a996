#pragma once

// Register and memory layouts of the virtio 1.2 specification
// (OASIS "Virtual I/O Device (VIRTIO) Version 1.2") that every virtio
// device driver shares: device status, generic feature bits, the modern PCI
// transport (§4.1) and the split virtqueue (§2.7). All multi-byte fields are
// little-endian, which is x86's native order.

#include <stddef.h>
#include <stdint.h>

namespace virtio {

// §2.1 Device Status Field.
namespace status {
inline constexpr uint8_t kAcknowledge = 1;
inline constexpr uint8_t kDriver = 2;
inline constexpr uint8_t kDriverOk = 4;
inline constexpr uint8_t kFeaturesOk = 8;
inline constexpr uint8_t kDeviceNeedsReset = 64;
inline constexpr uint8_t kFailed = 128;
}  // namespace status

// §6 Reserved Feature Bits (bit numbers of the 64-bit feature word).
namespace feature {
inline constexpr uint32_t kIndirectDesc = 28;
inline constexpr uint32_t kEventIdx = 29;
inline constexpr uint32_t kVersion1 = 32;
inline constexpr uint32_t kAccessPlatform = 33;
inline constexpr uint32_t kRingPacked = 34;
inline constexpr uint32_t kInOrder = 35;
inline constexpr uint32_t kOrderPlatform = 36;
inline constexpr uint32_t kSrIov = 37;
inline constexpr uint32_t kNotificationData = 38;
inline constexpr uint32_t kNotifConfigData = 39;
inline constexpr uint32_t kRingReset = 40;
}  // namespace feature

constexpr uint64_t FeatureBit(uint32_t bit) { return uint64_t{1} << bit; }

// §4.1.2 PCI Device Discovery.
inline constexpr uint16_t kPciVendorId = 0x1AF4;
inline constexpr uint16_t kPciModernDeviceIdBase = 0x1040;  // + virtio device type
// §5 Device Types.
inline constexpr uint16_t kDeviceTypeNet = 1;
inline constexpr uint16_t kDeviceTypeBlock = 2;

// PCI Local Bus 3.0 §6.1 / §6.7: the generic header registers used here.
namespace pci {
inline constexpr uint16_t kVendorId = 0x00;
inline constexpr uint16_t kDeviceId = 0x02;
inline constexpr uint16_t kStatus = 0x06;
inline constexpr uint16_t kStatusCapabilitiesList = 1u << 4;
inline constexpr uint16_t kRevisionId = 0x08;
inline constexpr uint16_t kHeaderType = 0x0E;
inline constexpr uint16_t kSubsystemId = 0x2E;
inline constexpr uint16_t kCapabilitiesPointer = 0x34;
inline constexpr uint16_t kConfigSpaceSize = 256;   // capabilities live below 0x100
inline constexpr uint16_t kFirstCapability = 0x40;  // after the type 0 header
inline constexpr uint8_t kCapIdVendor = 0x09;
inline constexpr uint8_t kCapIdMsix = 0x11;
inline constexpr int kBarCount = 6;
}  // namespace pci

// §4.1.4 Virtio Structure PCI Capabilities: struct virtio_pci_cap and the
// cfg_type values.
namespace pci_cap {
inline constexpr uint8_t kCommonCfg = 1;
inline constexpr uint8_t kNotifyCfg = 2;
inline constexpr uint8_t kIsrCfg = 3;
inline constexpr uint8_t kDeviceCfg = 4;
inline constexpr uint8_t kPciCfg = 5;
inline constexpr uint8_t kSharedMemoryCfg = 8;
inline constexpr uint8_t kVendorCfg = 9;

// Byte offsets inside the capability.
inline constexpr uint8_t kVndr = 0;
inline constexpr uint8_t kNext = 1;
inline constexpr uint8_t kLen = 2;
inline constexpr uint8_t kCfgType = 3;
inline constexpr uint8_t kBar = 4;
inline constexpr uint8_t kId = 5;
inline constexpr uint8_t kOffset = 8;   // le32
inline constexpr uint8_t kLength = 12;  // le32
inline constexpr uint8_t kSize = 16;    // sizeof(struct virtio_pci_cap)
// §4.1.4.4 struct virtio_pci_notify_cap: notify_off_multiplier follows.
inline constexpr uint8_t kNotifyOffMultiplier = 16;  // le32
inline constexpr uint8_t kNotifySize = 20;
// §4.1.4.9 struct virtio_pci_cfg_cap: pci_cfg_data follows.
inline constexpr uint8_t kPciCfgData = 16;
inline constexpr uint8_t kPciCfgSize = 20;
}  // namespace pci_cap

// §4.1.4.3 struct virtio_pci_common_cfg: byte offsets of each field.
namespace common_cfg {
inline constexpr uint32_t kDeviceFeatureSelect = 0x00;  // le32 RW
inline constexpr uint32_t kDeviceFeature = 0x04;        // le32 RO
inline constexpr uint32_t kDriverFeatureSelect = 0x08;  // le32 RW
inline constexpr uint32_t kDriverFeature = 0x0C;        // le32 RW
inline constexpr uint32_t kConfigMsixVector = 0x10;     // le16 RW
inline constexpr uint32_t kNumQueues = 0x12;            // le16 RO
inline constexpr uint32_t kDeviceStatus = 0x14;         // u8 RW
inline constexpr uint32_t kConfigGeneration = 0x15;     // u8 RO
inline constexpr uint32_t kQueueSelect = 0x16;          // le16 RW
inline constexpr uint32_t kQueueSize = 0x18;            // le16 RW
inline constexpr uint32_t kQueueMsixVector = 0x1A;      // le16 RW
inline constexpr uint32_t kQueueEnable = 0x1C;          // le16 RW
inline constexpr uint32_t kQueueNotifyOff = 0x1E;       // le16 RO
inline constexpr uint32_t kQueueDesc = 0x20;            // le64 RW
inline constexpr uint32_t kQueueDriver = 0x28;          // le64 RW
inline constexpr uint32_t kQueueDevice = 0x30;          // le64 RW
inline constexpr uint32_t kQueueNotifyData = 0x38;      // le16 RO (1.2)
inline constexpr uint32_t kQueueReset = 0x3A;           // le16 RW (1.2)
// The fields this driver uses end with queue_device (virtio 1.0 layout).
inline constexpr uint32_t kMinimumLength = 0x38;
}  // namespace common_cfg

// §4.1.4.3: "no vector" for config_msix_vector / queue_msix_vector.
inline constexpr uint16_t kNoMsixVector = 0xFFFF;

// §4.1.4.5 ISR status bits (reading the byte clears it).
namespace isr {
inline constexpr uint8_t kQueue = 1;
inline constexpr uint8_t kConfigChange = 2;
}  // namespace isr

// §2.7 Split Virtqueues.
inline constexpr uint32_t kMaxSplitQueueSize = 32768;

// §2.7.5 The Virtqueue Descriptor Table: struct virtq_desc (16 bytes, table
// aligned to 16).
struct VirtqDesc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};
static_assert(sizeof(VirtqDesc) == 16, "virtq_desc is 16 bytes");
inline constexpr size_t kDescAlign = 16;

namespace desc_flag {
inline constexpr uint16_t kNext = 1;
inline constexpr uint16_t kWrite = 2;
inline constexpr uint16_t kIndirect = 4;
}  // namespace desc_flag

// §2.7.6 The Virtqueue Available Ring: struct virtq_avail (aligned to 2):
//   le16 flags; le16 idx; le16 ring[size]; le16 used_event (EVENT_IDX).
namespace avail {
inline constexpr size_t kFlags = 0;
inline constexpr size_t kIdx = 2;
inline constexpr size_t kRing = 4;
constexpr size_t UsedEventOffset(uint32_t queue_size) { return kRing + 2 * size_t{queue_size}; }
constexpr size_t Size(uint32_t queue_size) { return UsedEventOffset(queue_size) + 2; }
inline constexpr uint16_t kFlagNoInterrupt = 1;
}  // namespace avail
inline constexpr size_t kAvailAlign = 2;

// §2.7.8 The Virtqueue Used Ring: struct virtq_used (aligned to 4):
//   le16 flags; le16 idx; struct virtq_used_elem ring[size]; le16 avail_event.
struct VirtqUsedElem {
  uint32_t id;   // head of the completed descriptor chain
  uint32_t len;  // bytes the device wrote into the chain's writable buffers
};
static_assert(sizeof(VirtqUsedElem) == 8, "virtq_used_elem is 8 bytes");
namespace used {
inline constexpr size_t kFlags = 0;
inline constexpr size_t kIdx = 2;
inline constexpr size_t kRing = 4;
constexpr size_t AvailEventOffset(uint32_t queue_size) { return kRing + 8 * size_t{queue_size}; }
constexpr size_t Size(uint32_t queue_size) { return AvailEventOffset(queue_size) + 2; }
inline constexpr uint16_t kFlagNoNotify = 1;
}  // namespace used
inline constexpr size_t kUsedAlign = 4;

/// §2.7.10 (EVENT_IDX): whether moving an index from `old_idx` to `new_idx`
/// passes `event_idx`, i.e. the other side asked to be told at this point.
constexpr bool NeedEvent(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx) {
  return static_cast<uint16_t>(new_idx - event_idx - 1) < static_cast<uint16_t>(new_idx - old_idx);
}

}  // namespace virtio
