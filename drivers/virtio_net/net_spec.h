#pragma once

// virtio-net layouts from the virtio 1.2 specification (§5.1): feature
// bits, the device configuration structure and the per-packet header.
// Little-endian, x86's native order.

#include <stddef.h>
#include <stdint.h>

namespace virtio_net {

// §5.1.2 Virtqueues: receiveq1 is 0, transmitq1 is 1 (controlq only with
// VIRTIO_NET_F_CTRL_VQ, which this driver never negotiates).
inline constexpr uint16_t kReceiveQueue = 0;
inline constexpr uint16_t kTransmitQueue = 1;

// §5.1.3 Feature bits (bit numbers). Only these are ever accepted; the
// offloads (CSUM, GUEST_*, HOST_*) are refused, so every frame is whole and
// checksummed by the sender.
namespace feature {
inline constexpr uint32_t kMtu = 3;
inline constexpr uint32_t kMac = 5;
inline constexpr uint32_t kMrgRxbuf = 15;
inline constexpr uint32_t kStatus = 16;
}  // namespace feature

// §5.1.4 Device configuration layout: byte offsets.
namespace config {
inline constexpr uint32_t kMac = 0;                // u8[6], valid with MAC
inline constexpr uint32_t kStatus = 6;             // le16, valid with STATUS
inline constexpr uint32_t kMaxVirtqueuePairs = 8;  // le16, with MQ or RSS
inline constexpr uint32_t kMtu = 10;               // le16, valid with MTU
inline constexpr uint32_t kMacEnd = 6;
inline constexpr uint32_t kStatusEnd = 8;
}  // namespace config

// §5.1.4: the status field's bits.
inline constexpr uint16_t kStatusLinkUp = 1;
inline constexpr uint16_t kStatusAnnounce = 2;

// §5.1.6 struct virtio_net_hdr: with VERSION_1 always 12 bytes (num_buffers
// included, §5.1.6.1), on both queues.
struct NetHeader {
  uint8_t flags;
  uint8_t gso_type;
  uint16_t hdr_len;
  uint16_t gso_size;
  uint16_t csum_start;
  uint16_t csum_offset;
  uint16_t num_buffers;
};
static_assert(sizeof(NetHeader) == 12, "virtio_net_hdr (VERSION_1) is 12 bytes");
inline constexpr uint8_t kGsoNone = 0;

/// An Ethernet frame without FCS: header + 1500 bytes of payload (no MTU
/// feature: the device's MTU is 1500).
inline constexpr uint32_t kMaxFrameBytes = 1514;
inline constexpr uint32_t kMinFrameBytes = 14;
inline constexpr uint16_t kDefaultMtu = 1500;

}  // namespace virtio_net
