#pragma once

// DiskClient: the kernel's side of the block protocol (abi/tessera/blkproto.h)
// to a user-mode block driver, for /dev/vdX (block_file.h).
//
// Setup (Create): kRegister asks the driver for a shared buffer of
// kBufferBytes; the reply's handle must name a physically contiguous,
// writable, write-back memory object of exactly that size (what a driver's
// DMA allocation is), which the kernel then reaches through the direct map.
// Anything else is a malformed reply (kIo).
//
// Requests are serialized (a RequestLock, kernel_call.h): the
// buffer belongs to one request at a time. Waits are killable only (a
// signal does not end a disk read, as on Linux) and bounded by
// kTimeoutNs. A missed deadline, a closed driver end or a malformed reply
// marks the client dead: every later request fails with kIo at once (the
// driver was restarted or is gone; a new open asks for a new client).

#include <stdint.h>

#include "abi/tessera/blkproto.h"
#include "core/fs/kernel_call.h"
#include "core/ipc/channel.h"
#include "core/sched/scheduler.h"
#include "core/vm/vm_object.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::fs {

class DiskClient final : public kstd::RefCounted<DiskClient> {
 public:
  /// The shared buffer's size: the most one request moves.
  static constexpr uint32_t kBufferBytes = 128 * 1024;
  static constexpr uint64_t kTimeoutNs = 30ull * 1000 * 1000 * 1000;

  /// Registers with the driver at the other end of `endpoint` (ownership
  /// passes; it is closed on failure). Errors: kNoMemory, kIo (no answer,
  /// the driver's error, a malformed reply), kInterrupted (killed).
  static kstd::Result<kstd::RefPtr<DiskClient>> Create(kstd::RefPtr<ipc::ChannelEndpoint> endpoint);

  ~DiskClient();
  DiskClient(const DiskClient&) = delete;
  DiskClient& operator=(const DiskClient&) = delete;

  const blkproto::Info& info() const { return info_; }
  /// Bytes on the disk.
  uint64_t capacity_bytes() const { return info_.capacity_sectors * blkproto::kSectorSize; }
  uint32_t block_size() const { return info_.block_size; }
  bool read_only() const { return (info_.flags & blkproto::kInfoReadOnly) != 0; }
  bool dead() const;

  /// Moves `out.size()` bytes from/to the disk at byte `offset`, any
  /// alignment, as long as the blocks they touch fit the buffer
  /// (offset % block_size() + size <= kBufferBytes) and the disk. A write
  /// that covers blocks partly reads them first (under the same hold of the
  /// request lock, so concurrent writers never undo each other). Errors:
  /// kInvalid (size 0, too large, past the end), kIo, kReadOnlyFs (Write),
  /// kInterrupted (killed).
  kstd::Result<void> Read(uint64_t offset, kstd::Span<uint8_t> out);
  kstd::Result<void> Write(uint64_t offset, kstd::Span<const uint8_t> in);
  /// Makes every write answered before it durable. Errors: kIo, kInterrupted.
  kstd::Result<void> Flush();

 private:
  DiskClient(kstd::RefPtr<ipc::ChannelEndpoint> endpoint) : endpoint_(kstd::Move(endpoint)) {}

  void MarkDead() { __atomic_store_n(&dead_, true, __ATOMIC_RELEASE); }
  kstd::Result<void> CheckRange(uint64_t offset, size_t bytes) const;
  /// One kRead or kWrite of `bytes` (block multiple) at disk byte `offset`
  /// (block aligned) from/to buffer offset `at`. Caller holds the request lock.
  kstd::Result<void> Transfer(uint32_t op, uint64_t offset, uint32_t at, uint32_t bytes,
                              uint64_t deadline);

  /// Sends `request` and waits for its reply, which must answer it; with
  /// `buffer` (kRegister) takes the reply's one handle. Caller holds the request
  /// lock. Errors: kIo (marks dead), kInterrupted, the driver's errno.
  kstd::Result<void> Call(blkproto::Request request, blkproto::Reply* reply, uint64_t deadline,
                          kstd::RefPtr<KernelObject>* buffer = nullptr);
  /// kRegister; fills vmo_, buffer_ and info_.
  kstd::Result<void> Register();

  const kstd::RefPtr<ipc::ChannelEndpoint> endpoint_;
  kstd::RefPtr<vm::VmObject> vmo_;
  uint8_t* buffer_ = nullptr;  // direct-map view of vmo_
  blkproto::Info info_{};
  RequestLock lock_;
  uint64_t next_id_ = 1;         // guarded by lock_
  uint32_t abandoned_txid_ = 0;  // guarded by lock_: a request a killed caller left
  bool dead_ = false;
};

}  // namespace core::fs
