#pragma once

// frameproto::Client: the network server's end of the frame path
// (abi/tessera/frameproto.h) to a NIC driver process. Attach does the
// handshake on the driver's service channel and maps the frame pool and the
// rings; from then on frames move through shared memory only, and the
// driver is signaled only when it asked to be.
//
// Typical loop of a server:
//
//   auto c = frameproto::Client::Attach(channel).value();
//   for (;;) {
//     c->Receive([&](kstd::Span<const uint8_t> frame) { stack.Input(frame); });
//     ... c->Transmit(parts, n) for what the stack sends ...
//     c->Rearm();                                   // then sleep:
//     ObjectWaitMany({c->wait_handle(), kSignalNotified}, ...);
//   }
//
// Rearm takes the notification's bits and asks the driver for a signal at
// its next publish (rx frames always; tx buffers when few are left); when
// something arrived meanwhile it signals the notification itself, so the
// wait returns at once and no wake-up is lost.
//
// The driver is not trusted: a descriptor naming no buffer, a buffer the
// driver does not hold, or a bad length is dropped and counted
// (Stats::bad_descriptors), as are ring indices out of range.
//
// Not thread-safe: one thread uses a Client.

#include <stddef.h>
#include <stdint.h>

#include "abi/tessera/frameproto.h"
#include "abi/tessera/rights.h"
#include "kstd/result.h"
#include "kstd/span.h"
#include "lib/frameproto/os.h"
#include "lib/frameproto/ring.h"

namespace frameproto {

class Client {
 public:
  struct Stats {
    uint64_t tx_frames = 0;
    uint64_t rx_frames = 0;
    uint64_t notifications_sent = 0;      // signals to the driver
    uint64_t notifications_received = 0;  // Rearm calls that found the notification signaled
    uint64_t bad_descriptors = 0;         // dropped descriptors and insane ring indices
  };

  /// How long the handshake may take.
  static constexpr int64_t kAttachTimeoutNs = 5'000'000'000;

  /// Sends kAttach over `channel` (the driver's service channel; the Client
  /// takes it), maps the pool and the rings. The Client is heap-allocated;
  /// delete it to detach (the driver then stops).
  /// Errors: kNoMemory, kPipe (no driver), kTimedOut, kIo (a reply without
  /// its four handles or with an unusable layout), the driver's error
  /// (e.g. kAccess: it has no DMA right), Map's errors.
  static kstd::Result<Client*> Attach(tessera::handle_t channel);  // board only (TesseraOs)
  static kstd::Result<Client*> Attach(tessera::handle_t channel, Os& os);

  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const uint8_t* mac() const { return mac_; }
  uint16_t mtu() const { return mtu_; }
  /// The link as the driver last published it.
  bool link_up() const;
  /// The driver's figures as it last published them (zeros when detached).
  /// The driver writes them: show them, never act on them.
  DriverFigures driver_figures() const;

  /// Copies the frame gathered from `parts` into a free transmit buffer and
  /// publishes it; signals the driver only if it asked.
  /// Errors: kAgain (no transmit buffer free: Receive, or Rearm and wait,
  /// then retry), kInvalid (the frame is shorter than kMinFrameBytes or
  /// longer than kMaxFrameBytes), kPipe (not attached: a failed Reattach).
  kstd::Result<void> Transmit(const kstd::Span<const uint8_t>* parts, size_t count);

  /// Calls fn(kstd::Span<const uint8_t> frame) for each received frame (the
  /// span points into the pool and is valid only during the call), then
  /// hands the buffers back to the driver. Returns how many frames.
  template <typename Fn>
  size_t Receive(Fn fn) {
    if (!attached()) return 0;
    ReclaimTx();
    size_t n = 0;
    Descriptor d;
    while (rx_avail_.Pop(&d)) {
      int64_t index = owners_.Accept(d, kMinFrameBytes, kBufferBytes);
      if (index < 0) {
        ++stats_.bad_descriptors;
        continue;
      }
      fn(kstd::Span<const uint8_t>(pool_ + d.offset, d.length));
      ++n;
      ReturnRx(static_cast<uint32_t>(index));
    }
    rx_avail_.Release();
    stats_.rx_frames += n;
    FlushRxFree();
    return n;
  }

  /// The notification the driver signals (rx frames, tx buffers it was
  /// asked for, link changes): wait for kSignalNotified on it.
  tessera::handle_t wait_handle() const { return to_client_; }
  /// Call before sleeping on wait_handle() (see the file comment).
  void Rearm();

  /// The driver restarted: attach to the new driver's `channel` (taken),
  /// keeping this object; the old pool and rings are let go (frames in
  /// them are lost). Errors: as Attach; on error the Client is detached
  /// (Transmit fails with kPipe) until a Reattach succeeds.
  kstd::Result<void> Reattach(tessera::handle_t channel);

  bool attached() const { return pool_ != nullptr; }
  /// Transmit buffers free now.
  uint32_t tx_free() const { return free_count_; }
  Stats stats() const;

 private:
  explicit Client(Os& os) : os_(os) {}
  kstd::Result<void> Handshake(tessera::handle_t channel);
  void Detach();
  void ReclaimTx();
  void ReturnRx(uint32_t index);
  void FlushRxFree();
  void SignalDriver();

  Os& os_;
  tessera::handle_t channel_ = tessera::kInvalidHandle;
  tessera::handle_t pool_vmo_ = tessera::kInvalidHandle;
  tessera::handle_t ring_vmo_ = tessera::kInvalidHandle;
  tessera::handle_t to_driver_ = tessera::kInvalidHandle;
  tessera::handle_t to_client_ = tessera::kInvalidHandle;
  uint8_t* pool_ = nullptr;
  uint64_t pool_bytes_ = 0;
  uint8_t* rings_ = nullptr;
  uint64_t ring_bytes_ = 0;
  SharedHeader* header_ = nullptr;
  RingProducer tx_avail_, rx_free_;
  RingConsumer tx_free_, rx_avail_;
  Ownership owners_;  // kMine: the client's; kPeer: the driver's
  uint32_t pool_buffers_ = 0;
  uint32_t tx_buffers_ = 0;              // buffers the client started with
  uint16_t free_[kMaxPoolBuffers] = {};  // free transmit buffers (a stack)
  uint32_t free_count_ = 0;
  uint8_t mac_[6] = {};
  uint16_t mtu_ = 0;
  Stats stats_;
};

}  // namespace frameproto
