#pragma once

// virtio-blk layouts (virtio 1.2 §5.2): feature bits, the device-specific
// configuration structure, and the request format.

#include <stdint.h>

namespace virtio_blk {

// §5.2.3 Feature bits.
namespace feature {
inline constexpr uint32_t kSizeMax = 1;
inline constexpr uint32_t kSegMax = 2;
inline constexpr uint32_t kGeometry = 4;
inline constexpr uint32_t kRo = 5;
inline constexpr uint32_t kBlkSize = 6;
inline constexpr uint32_t kFlush = 9;
inline constexpr uint32_t kTopology = 10;
inline constexpr uint32_t kConfigWce = 11;
inline constexpr uint32_t kMq = 12;
inline constexpr uint32_t kDiscard = 13;
inline constexpr uint32_t kWriteZeroes = 14;
inline constexpr uint32_t kLifetime = 15;
inline constexpr uint32_t kSecureErase = 16;
}  // namespace feature

// §5.2.4 struct virtio_blk_config: byte offsets of the fields this driver
// reads, and the configuration length each needs.
namespace config {
inline constexpr uint32_t kCapacity = 0;            // le64, 512-byte sectors
inline constexpr uint32_t kSizeMax = 8;             // le32 (SIZE_MAX)
inline constexpr uint32_t kSegMax = 12;             // le32 (SEG_MAX)
inline constexpr uint32_t kGeometryCylinders = 16;  // le16 (GEOMETRY)
inline constexpr uint32_t kGeometryHeads = 18;      // u8
inline constexpr uint32_t kGeometrySectors = 19;    // u8
inline constexpr uint32_t kBlkSize = 20;            // le32 (BLK_SIZE)
inline constexpr uint32_t kPhysicalBlockExp = 24;   // u8 (TOPOLOGY)
inline constexpr uint32_t kAlignmentOffset = 25;    // u8
inline constexpr uint32_t kMinIoSize = 26;          // le16
inline constexpr uint32_t kOptIoSize = 28;          // le32
inline constexpr uint32_t kTopologyEnd = 32;
}  // namespace config

// §5.2.6 Device Operation: struct virtio_blk_req is this header, the data,
// then one status byte written by the device.
struct RequestHeader {
  uint32_t type;
  uint32_t reserved;
  uint64_t sector;  // in 512-byte units whatever blk_size is
};
static_assert(sizeof(RequestHeader) == 16, "virtio_blk_req header is 16 bytes");

namespace request_type {
inline constexpr uint32_t kIn = 0;
inline constexpr uint32_t kOut = 1;
inline constexpr uint32_t kFlush = 4;
inline constexpr uint32_t kGetId = 8;
}  // namespace request_type

namespace request_status {
inline constexpr uint8_t kOk = 0;
inline constexpr uint8_t kIoErr = 1;
inline constexpr uint8_t kUnsupp = 2;
}  // namespace request_status

inline constexpr uint32_t kSectorSize = 512;
inline constexpr uint32_t kIdBytes = 20;  // VIRTIO_BLK_ID_BYTES

}  // namespace virtio_blk
