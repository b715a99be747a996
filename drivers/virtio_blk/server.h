#pragma once

// The block service of the virtio-blk driver process: decodes blkproto
// requests (abi/tessera/blkproto.h), validates them against the client's
// registered shared buffer and the device, splits them to the device's
// limits, keeps many in flight through Device's asynchronous API, holds each
// FLUSH until the writes it covers completed, and answers every request
// exactly once. Portable: host tests run it over the fake device; the driver
// process (main.cc) feeds it messages and interrupts.
//
// Threading: the driver's one event-loop thread owns a Server and its Device.

#include <stddef.h>
#include <stdint.h>

#include "abi/tessera/blkproto.h"
#include "drivers/virtio/hw.h"
#include "drivers/virtio_blk/blk_device.h"

namespace virtio_blk {

/// Where replies go (the driver process writes them to its service channel
/// with `txid`; tests record them).
class ReplySink {
 public:
  virtual void Send(const blkproto::Reply& reply, uint32_t txid) = 0;

 protected:
  ~ReplySink() = default;
};

class Server {
 public:
  /// `read_only`: this client's writes get EROFS and its Info says so (a
  /// second client of a disk that is mounted), whatever the device allows.
  Server(Device& device, ReplySink& sink, bool read_only = false)
      : device_(device), sink_(sink), read_only_(read_only) {}
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// True while another request can be accepted (the event loop reads the
  /// channel only then, so excess requests wait in the channel).
  bool can_accept() const { return used_ < blkproto::kMaxInFlight; }
  /// Requests accepted and not answered yet.
  uint32_t in_flight() const { return used_; }
  bool registered() const { return buffer_.length != 0; }
  /// Accepted requests not yet wholly handed to the device (waiting for room).
  uint32_t waiting() const { return order_count_; }

  /// Handles one request message (`txid` from the channel). For kRegister,
  /// `buffer` is the shared memory the message's handle names (its device
  /// address and size, as the caller verified them), or nullptr when the
  /// message had no usable handle. Returns true when the server adopted
  /// `buffer` (the caller must keep the handle open as long as the server
  /// lives, which pins the memory), false otherwise (close it). Replies that
  /// need no device work are sent before this returns.
  bool Handle(const blkproto::Request& request, uint32_t txid, const virtio::DmaSegment* buffer);

  /// A message that is not a Request: answered EINVAL (id 0).
  void HandleMalformed(uint32_t txid);

  /// The device's interrupt fired: completes finished requests (their
  /// replies are sent), recovers a device that failed, and submits what
  /// waited for room. Errors: kIo when the device failed and Recover did too
  /// (every request is then answered EIO and later ones too). With several
  /// servers on one device, use ServeInterrupt instead.
  kstd::Result<void> OnInterrupt();

  /// Submits what can go to the device now (called by Handle and OnInterrupt).
  void Pump();

  /// Writes refused: the device is read-only, or this client is.
  bool read_only() const { return read_only_ || device_.info().read_only; }

  /// The geometry as kInfo reports it.
  blkproto::Info info() const;

  /// Bytes of one device request (max_request_bytes, segment limits, block size).
  uint32_t max_transfer() const;

 private:
  struct Pending {
    blkproto::Request request;
    uint32_t txid = 0;
    uint64_t sequence = 0;   // writes: when received; flushes: the writes they cover are below
    uint32_t submitted = 0;  // bytes handed to the device
    uint32_t parts = 0;      // device requests in flight
    int32_t error = 0;       // the first part's error
    bool used = false;
    bool queued = false;  // in order_ (not fully submitted)
    Server* server = nullptr;
  };

  static void PartDone(void* context, kstd::Result<void> result);
  void Reply(uint32_t txid, const blkproto::Request& request, int32_t error,
             bool with_info = false);
  void Finish(Pending& p);
  /// Tries to submit the rest of `p`. Returns false when the device queue is full.
  bool Advance(Pending& p, bool* queued_any);
  bool FlushBlocked(const Pending& flush) const;
  int32_t Validate(const blkproto::Request& request) const;

  Device& device_;
  ReplySink& sink_;
  const bool read_only_;
  virtio::DmaSegment buffer_{};  // the registered shared buffer (length 0: none)
  Pending pending_[blkproto::kMaxInFlight];
  uint32_t used_ = 0;
  uint32_t order_[blkproto::kMaxInFlight] = {};  // indices not fully submitted, oldest first
  uint32_t order_count_ = 0;
  uint64_t next_write_sequence_ = 1;
};

/// OnInterrupt for every server (one per client) of `device`: the device's
/// completions are taken once (each request's callback finds its own
/// server), then each server submits what waited for room. Null entries are
/// skipped. Errors: as OnInterrupt.
kstd::Result<void> ServeInterrupt(Device& device, kstd::Span<Server* const> servers);

/// errno for a device result (kReadOnlyFs -> EROFS, kInvalid -> EINVAL, else EIO).
int32_t ErrnoOf(kstd::Error error);

}  // namespace virtio_blk
