#pragma once

// frameproto::DriverPort: the NIC driver's end of the frame rings
// (abi/tessera/frameproto.h). It owns no memory and makes no kernel calls:
// the driver maps the ring object and gives it here, moves buffers between
// the port and its device by index, and signals the client when Flush or
// SetLink say so.
//
// Buffer states as the driver sees them (Ownership): kPeer (the client's),
// kMine (the driver's, idle: a receive buffer not at the device), kLent (at
// the device). A descriptor from the client is used only when it names a
// buffer the client holds (and, on tx-avail, a frame of legal size); any
// other is dropped and counted (bad_descriptors), and the ring carries on.
//
// Not thread-safe: the driver's event loop owns it.

#include <stddef.h>
#include <stdint.h>

#include "abi/tessera/frameproto.h"
#include "lib/frameproto/ring.h"

namespace frameproto {

class DriverPort {
 public:
  struct Layout {
    uint32_t pool_buffers = 0;  // <= kMaxPoolBuffers
    uint32_t rx_buffers = 0;    // < pool_buffers: the driver's at the start
    uint32_t ring_entries = 0;  // a power of two >= pool_buffers
  };
  struct Stats {
    uint64_t tx_frames = 0;        // taken from tx-avail
    uint64_t rx_frames = 0;        // published on rx-avail
    uint64_t bad_descriptors = 0;  // dropped client descriptors and insane indices
  };

  /// Starts a fresh session on the ring object at `rings` (at least
  /// RingObjectBytes(layout.ring_entries) bytes, zeroed here): header
  /// written, rings empty, receive buffers the driver's (idle), the others
  /// the client's. False when the layout is out of bounds.
  bool Reset(uint8_t* rings, uint64_t ring_bytes, const Layout& layout, bool link_up);
  bool active() const { return header_ != nullptr; }
  /// Forgets the session (the client went away).
  void Close() { header_ = nullptr; }

  /// The next frame the client wants sent: its buffer index and length.
  /// The buffer becomes kLent (give it back with TxDone). False when none.
  bool NextTx(uint32_t* index, uint32_t* length);
  /// The device is done with transmit buffer `index` (or it was never
  /// sent): it goes back to the client on tx-free (at the next Flush).
  void TxDone(uint32_t index);

  /// A receive buffer for the device: an idle one of the driver's, else one
  /// the client gave back on rx-free. Becomes kLent. False when none.
  bool NextRx(uint32_t* index);
  /// A frame of `length` bytes arrived in buffer `index`: to the client on
  /// rx-avail (at the next Flush).
  void RxDone(uint32_t index, uint32_t length);
  /// Buffer `index` came back from the device without a frame: idle again.
  void RxReturned(uint32_t index);

  /// Publishes tx-free and rx-avail. True when the client asked to be
  /// signaled (the caller signals it once).
  bool Flush();
  /// The link changed: the header is updated and the caller signals the
  /// client (always: it returns true when the state changed).
  bool SetLink(bool up);

  /// Before the driver sleeps: asks the client to signal tx-avail (when
  /// `want_tx`: the device can take frames) and rx-free (when `want_rx`:
  /// the device can take buffers). True when work is already waiting (do
  /// it instead of sleeping).
  bool Arm(bool want_tx, bool want_rx);
  /// The driver is busy: no signals wanted.
  void Disarm();

  Stats stats() const;
  /// Writes the session's figures into the shared header for the client to
  /// show (nothing when no session is active).
  void PublishFigures(const DriverFigures& figures);
  /// Buffers in each state, for logs and tests.
  uint32_t Count(Ownership::Owner owner) const { return owners_.Count(owner); }

 private:
  SharedHeader* header_ = nullptr;
  RingConsumer tx_avail_, rx_free_;
  RingProducer tx_free_, rx_avail_;
  Ownership owners_;
  uint16_t idle_[kMaxPoolBuffers] = {};  // the driver's receive buffers not at the device
  uint32_t idle_count_ = 0;
  bool link_up_ = false;
  uint32_t link_generation_ = 0;
  Stats stats_;
};

}  // namespace frameproto
