#pragma once

// blkproto: how a client (the fs server, test programs) talks to a block
// driver process (drivers/virtio_blk) over a channel.
//
// Freestanding: only <stdint.h>, plain C layouts, no pointers. Little-endian
// x86-64; sizes are fixed and checked below. Shared by the driver
// (drivers/virtio_blk/server.{h,cc}) and the client library (client.{h,cc}).
//
// ## Transport
//
// The driver's starter (init) makes a channel pair, gives one end to the
// driver (bootstrap handle "svc") and the other to the client. Every message
// is exactly one Request (client -> driver) or one Reply (driver -> client).
// Bulk data never travels in messages: it is in the client's *shared buffer*.
//
//   1. kRegister (once, first): the message carries no handle; `length` is
//      the shared buffer's size in bytes (a multiple of 4096, at most
//      kMaxBufferBytes). The driver makes it (physically contiguous memory:
//      only drivers hold the "dma" resource, and the memory counts against
//      the driver's pinned-memory limit, abi/tessera/native.h). The reply
//      carries the device geometry (Reply::info) and ONE handle to the
//      buffer with kRightsBasic | kRightsIo | kRightMap (the client maps it;
//      without kRightManage it cannot learn its address). The driver keeps
//      its own handle for its lifetime, so the memory stays pinned while
//      requests use it. A second kRegister gets EBUSY; handles sent with any
//      request are closed.
//   2. kInfo: the geometry again (no buffer needed).
//   3. kRead / kWrite: `length` bytes at buffer offset `offset` from / to the
//      disk starting at 512-byte sector `sector`. kFlush: makes durable every
//      write the driver *received before* the flush (the driver holds the
//      flush until those writes completed, then asks the device; without a
//      device cache it answers once they completed).
//   4. Each request gets exactly one Reply with the request's `id`, written
//      with the message's txid: a client may use channel_call for one request
//      at a time, or channel_write many requests (txid 0) and match replies by
//      `id`. Replies may come in any order. The driver reads requests only while
//      it has room (kMaxInFlight requests); later ones wait in the channel.
//
// Requests larger than the device's limits are split by the driver; the
// reply comes when every part completed (error: the first part's error).
//
// ## Errors (Reply::error: 0 or a positive Linux errno)
//
//   EINVAL  bad op fields: length 0 or not a multiple of the device block
//           size, sector not block aligned, offset not 512-aligned,
//           [offset, offset+length) outside the buffer, sectors past the end
//           of the disk, a bad kRegister (wrong size); a malformed message
//           (wrong size)
//   EBADF   kRead/kWrite before kRegister
//   EBUSY   kRegister when a buffer is registered
//   ENOMEM  kRegister: no memory for the buffer, or past the driver's
//           pinned-memory limit (EACCES: the driver has no "dma" resource)
//   EROFS   kWrite on a read-only device
//   ENOSYS  an unknown op
//   EIO     the device failed the request (or was reset while it ran)

#include <stdint.h>

namespace blkproto {

inline constexpr uint32_t kSectorSize = 512;
/// The largest shared buffer (the kernel's largest contiguous memory object).
inline constexpr uint32_t kMaxBufferBytes = 4u << 20;
/// Requests the driver accepts at once per channel.
inline constexpr uint32_t kMaxInFlight = 64;

enum Op : uint32_t {
  kRegister = 1,
  kInfo = 2,
  kRead = 3,
  kWrite = 4,
  kFlush = 5,
};

struct Request {
  uint32_t op;        // Op
  uint32_t reserved;  // 0
  uint64_t id;        // the client's: echoed in the reply
  uint64_t sector;    // kRead/kWrite: first 512-byte sector
  uint32_t offset;    // kRead/kWrite: byte offset in the shared buffer
  uint32_t length;    // kRead/kWrite: bytes; kRegister: buffer size
};
static_assert(sizeof(Request) == 32, "blkproto::Request layout");

/// The device geometry (kRegister and kInfo replies).
struct Info {
  uint64_t capacity_sectors;  // 512-byte sectors
  uint32_t block_size;        // logical block size in bytes (>= 512)
  uint32_t max_transfer;      // bytes the device takes per request (larger ones are split)
  uint32_t flags;             // kInfo* bits
  uint32_t buffer_bytes;      // the registered buffer's size (0: none)
};
static_assert(sizeof(Info) == 24, "blkproto::Info layout");

inline constexpr uint32_t kInfoReadOnly = 1u << 0;  // writes fail with EROFS
inline constexpr uint32_t kInfoFlush = 1u << 1;     // the device has a volatile cache

struct Reply {
  uint64_t id;    // the request's id
  uint32_t op;    // the request's op
  int32_t error;  // 0 or a positive errno
  Info info;      // kRegister / kInfo only (zeros otherwise)
};
static_assert(sizeof(Reply) == 40, "blkproto::Reply layout");

}  // namespace blkproto
