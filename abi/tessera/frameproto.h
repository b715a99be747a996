#pragma once

// frameproto: how Ethernet frames move between a NIC driver process
// (drivers/virtio_net) and its one client, the network server (servers/net;
// test programs). In the manner of seL4's sDDF: one setup handshake over a
// channel, then shared memory and notifications only, never one message per
// frame.
//
// Freestanding: only <stdint.h>/<stddef.h>, plain C layouts, no pointers.
// Little-endian x86-64; sizes are fixed and checked below. The ring code both
// sides share is lib/frameproto (ring.h), the client lib/frameproto/client.h.
//
// ## Setup (the driver's service channel, bootstrap handle "svc")
//
// The client sends one AttachRequest (op kAttach) with no handles, e.g. by
// channel_call. The driver answers with one AttachReply (same txid). On
// success (error 0) the reply carries exactly four handles, in this order:
//
//   0. the frame pool: `pool_buffers` buffers of kBufferBytes each, made by
//      the driver from its "dma" resource (physically contiguous, pinned,
//      charged to the driver) and handed over with kRightsBasic |
//      kRightsIo | kRightMap (the client maps it but cannot learn its
//      physical address);
//   1. the ring object (`ring_bytes`, ordinary memory): the SharedHeader and
//      the four rings below, mapped read-write by both;
//   2. the notification the client signals to wake the driver (kRightWrite
//      | kRightTransfer only);
//   3. the notification the driver signals to wake the client (kRightWait |
//      kRightRead | kRightWrite | kRightTransfer: the client may signal it
//      itself so a re-arm never loses a wake-up).
//
// A second kAttach replaces the first: the driver resets its rings and pool
// ownership (frames in flight are lost) and answers with fresh handles. A
// malformed request gets error EINVAL (no handles); an unknown op ENOSYS.
// The driver exits when the client closes the channel.
//
// ## Buffers and rings
//
// A buffer is named by its byte offset in the pool (a multiple of
// kBufferBytes). Buffers 0 .. rx_buffers-1 start with the driver (it posts
// them for reception); the others start with the client (free for
// transmission). Every buffer is at any time owned by exactly one side; it
// changes hands only through a ring:
//
//   tx-avail  client -> driver   frames to send: {offset, length}
//   tx-free   driver -> client   sent (or dropped) buffers, reusable: {offset, 0}
//   rx-avail  driver -> client   received frames: {offset, length}
//   rx-free   client -> driver   empty buffers for reception: {offset, 0}
//
// A ring is single-producer, single-consumer: `tail` (written only by the
// producer) and `head` (written only by the consumer) count entries
// modulo 2^32; entry i lives at slot i % ring_entries. ring_entries is a
// power of two >= pool_buffers, so a ring never overflows while both sides
// keep to the ownership rule.
//
// Frames carry no FCS and no virtio header: `length` is the Ethernet frame
// (destination MAC first), kMinFrameBytes .. kMaxFrameBytes on transmit, at
// most kBufferBytes on receive.
//
// ## Notifications
//
// Each ring has a `wants_notify` word written by its consumer: 1 means
// "signal me when you produce". A consumer that ran out of work stores 1,
// then (after a full barrier) looks at the ring again before it sleeps. A
// producer publishes `tail`, then (after a full barrier) reads
// `wants_notify`; if it is 1 it swaps it to 0 and signals the consumer's
// notification, once for everything it published. A busy consumer leaves
// the flag 0 and gets no signals: many frames per notification.
//
// The driver also signals the client's notification when the link changes
// (SharedHeader::link_generation advances).
//
// ## Trust
//
// Neither side trusts what the other writes: indices that claim more
// entries than the ring holds, offsets not naming a buffer, buffers the
// producer does not own and lengths out of range are dropped and counted as
// bad descriptors, never a crash; a bad head/tail makes the ring look empty
// (or full) until it is sane again.

#include <stddef.h>
#include <stdint.h>

namespace frameproto {

inline constexpr uint32_t kMagic = 0x4d524654;  // "TFRM"
inline constexpr uint32_t kVersion = 1;

/// Every buffer of the pool.
inline constexpr uint32_t kBufferBytes = 2048;
/// An Ethernet frame without FCS: 14-byte header + 1500 bytes of payload.
inline constexpr uint32_t kMaxFrameBytes = 1514;
inline constexpr uint32_t kMinFrameBytes = 14;
/// Bounds the driver's answers keep to (a client refuses anything larger).
inline constexpr uint32_t kMaxPoolBuffers = 2048;
inline constexpr uint32_t kMaxRingEntries = 2048;

enum Op : uint32_t {
  kAttach = 1,
};

struct AttachRequest {
  uint32_t magic;    // kMagic
  uint32_t op;       // kAttach
  uint32_t version;  // kVersion
  uint32_t reserved;
};
static_assert(sizeof(AttachRequest) == 16, "frameproto::AttachRequest layout");

/// AttachReply::flags.
inline constexpr uint32_t kLinkUp = 1u << 0;

struct AttachReply {
  uint32_t magic;    // kMagic
  uint32_t op;       // kAttach
  int32_t error;     // 0 or a positive errno (no handles then)
  uint32_t version;  // kVersion
  uint8_t mac[6];
  uint16_t mtu;           // the largest IP packet (1500)
  uint32_t flags;         // kLinkUp (as at the reply; the SharedHeader has the live state)
  uint32_t buffer_bytes;  // kBufferBytes
  uint32_t pool_buffers;  // buffers in the pool (pool bytes = pool_buffers * buffer_bytes)
  uint32_t rx_buffers;    // buffers 0..rx_buffers-1 start with the driver
  uint32_t ring_entries;  // a power of two >= pool_buffers
  uint32_t reserved;      // 0
  uint64_t ring_bytes;    // size of the ring object (>= RingObjectBytes(ring_entries))
};
static_assert(sizeof(AttachReply) == 56, "frameproto::AttachReply layout");

/// One ring entry.
struct Descriptor {
  uint32_t offset;  // byte offset of the buffer in the pool
  uint32_t length;  // frame bytes (0 in the free rings)
};
static_assert(sizeof(Descriptor) == 8, "frameproto::Descriptor layout");

/// A ring's indices, producer and consumer on separate cache lines.
struct RingControl {
  uint32_t tail;  // producer: entries published so far (mod 2^32)
  uint32_t producer_reserved[15];
  uint32_t head;          // consumer: entries taken so far (mod 2^32)
  uint32_t wants_notify;  // consumer: 1 = signal me when you produce
  uint32_t consumer_reserved[14];
};
static_assert(sizeof(RingControl) == 128, "frameproto::RingControl layout");

/// The driver's running figures since it started, rewritten after each of
/// its passes (relaxed stores). Informational only: the client shows them
/// (the network server's /proc/net/frameproto) and never acts on them, so a
/// driver that lies about them harms nothing.
struct DriverFigures {
  uint64_t tx_frames;         // frames taken from tx-avail
  uint64_t tx_wakeups;        // times the client's notification woke the driver
  uint64_t rx_frames;         // frames published on rx-avail
  uint64_t rx_signals;        // signals to the client's notification
  uint64_t interrupts;        // device interrupts handled
  uint64_t bad_descriptors;   // the client's descriptors dropped
  uint64_t bad_used_lengths;  // device completions with impossible lengths
  uint64_t tx_refused;        // frames the device would not take
  uint64_t recoveries;        // device resets after a failure
};
static_assert(sizeof(DriverFigures) == 72, "frameproto::DriverFigures layout");

/// The start of the ring object, written by the driver.
struct SharedHeader {
  uint32_t magic;            // kMagic
  uint32_t version;          // kVersion
  uint32_t link_up;          // 1: the link is up
  uint32_t link_generation;  // advances at every link change
  DriverFigures figures;
  uint32_t reserved[10];
};
static_assert(offsetof(SharedHeader, figures) == 16, "frameproto::SharedHeader layout");
static_assert(sizeof(SharedHeader) == 128, "frameproto::SharedHeader layout");

enum Ring : uint32_t {
  kTxAvail = 0,
  kTxFree = 1,
  kRxAvail = 2,
  kRxFree = 3,
  kRingCount = 4,
};

/// Bytes one ring takes in the ring object (control, then its entries,
/// rounded to 128).
constexpr uint64_t RingBytes(uint32_t entries) {
  return (sizeof(RingControl) + uint64_t{entries} * sizeof(Descriptor) + 127) & ~uint64_t{127};
}
/// Where ring `ring` starts in the ring object.
constexpr uint64_t RingOffset(uint32_t entries, uint32_t ring) {
  return sizeof(SharedHeader) + ring * RingBytes(entries);
}
/// The least size of a ring object for `entries` (before page rounding).
constexpr uint64_t RingObjectBytes(uint32_t entries) { return RingOffset(entries, kRingCount); }

}  // namespace frameproto
