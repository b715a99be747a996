#pragma once

// The kernel's channel transport behind a user-space file system's RemoteFs
// (core/vfs/remote_fs.h): one channel endpoint to the server and a 64 KiB
// physically contiguous data buffer (a memory object the server maps; the
// kernel reaches it through the direct map).
//
// Requests are serialized: a sleeping per-mount lock (RequestLock)
// is held from writing the request until its reply is read, so the buffer
// belongs to one request at a time. Each request has a fresh txid; messages
// with any other txid are discarded, as are handles in replies.
//
// Deadlines and death: every wait (for the lock or the reply) has the mount's
// deadline (FsMountArgs::timeout_ms). A missed deadline, a closed server end
// or a malformed reply marks the transport dead: from then on every operation
// fails with EIO at once. The waits are killable only (sched::KillableWaits):
// a signal does not end them (Linux's file systems never give EINTR for a
// stat or a getcwd); a caller being killed gets EINTR, its request stays
// "abandoned" and the next caller first waits for (and drops) that reply, so
// the buffer is never shared by two requests.

#include <stdint.h>

#include "abi/tessera/fsproto.h"
#include "core/fs/kernel_call.h"
#include "core/ipc/channel.h"
#include "core/sched/scheduler.h"
#include "core/vfs/remote_fs.h"
#include "core/vm/vm_object.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::fs {

class ChannelTransport final : public vfs::RemoteTransport {
 public:
  /// The data buffer of a new mount: physically contiguous, zeroed, with
  /// fsproto::kDataBufferSize bytes. Errors: kNoMemory.
  static kstd::Result<kstd::RefPtr<vm::VmObject>> CreateBuffer();

  /// A transport over `endpoint` (whose other end the server holds) and
  /// `buffer` (from CreateBuffer), each call bounded by `timeout_ns`.
  /// Errors: kNoMemory (the endpoint is closed then).
  static kstd::Result<kstd::RefPtr<ChannelTransport>> Create(
      kstd::RefPtr<ipc::ChannelEndpoint> endpoint, kstd::RefPtr<vm::VmObject> buffer,
      uint64_t timeout_ns);

  ~ChannelTransport() override { endpoint_->Close(); }

  kstd::Result<void> Call(kstd::Span<const uint8_t> message, kstd::Span<const uint8_t> data_in,
                          fsproto::Reply* reply, kstd::Span<uint8_t> data_out) override;

  void Post(kstd::Span<const uint8_t> message) override;

  /// Dead once a call failed for good, or as soon as the server's end is
  /// closed (the server exited), even before anyone called.
  bool dead() const override {
    return __atomic_load_n(&dead_, __ATOMIC_ACQUIRE) ||
           (endpoint_->signals() & kSignalPeerClosed) != 0;
  }

  /// Writes the kHello message carrying the data buffer's handle.
  /// Errors: kNoMemory, kPipe (the server end is closed), kAgain.
  kstd::Result<void> SendHello();

  /// Closes the kernel's end: the server sees its peer closed.
  void Shut();

 private:
  ChannelTransport(kstd::RefPtr<ipc::ChannelEndpoint> endpoint, kstd::RefPtr<vm::VmObject> buffer,
                   uint64_t timeout_ns);

  void MarkDead() { __atomic_store_n(&dead_, true, __ATOMIC_RELEASE); }

  // Caller holds the request lock.
  kstd::Result<void> CallLocked(uint32_t op, kstd::Span<const uint8_t> message,
                                kstd::Span<const uint8_t> data_in, fsproto::Reply* reply,
                                kstd::Span<uint8_t> data_out, uint64_t deadline);

  const kstd::RefPtr<ipc::ChannelEndpoint> endpoint_;
  const kstd::RefPtr<vm::VmObject> vmo_;
  uint8_t* const buffer_;  // the direct-map view of vmo_ (kDataBufferSize bytes)
  const uint64_t timeout_ns_;
  RequestLock lock_;  // the per-mount request lock
  bool dead_ = false;
  uint32_t abandoned_txid_ = 0;  // guarded by lock_
};

}  // namespace core::fs
