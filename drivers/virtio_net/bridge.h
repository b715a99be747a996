#pragma once

// virtio_net::Bridge: the driver's frame loop between the device
// (net_device.h) and its client's rings (lib/frameproto/driver_port.h).
// Portable: the driver process gives it the mapped ring object, the pool's
// device address and a Host for the few things that need the kernel
// (signals, the log), and calls it from its event loop; host tests give it
// a fake device and a frameproto::Client over a fake Os.
//
// Buffers move by pool index: receive buffers from the port to the device
// and, filled, back to the client; frames from the client to the device and,
// sent, back as free buffers. The client is signaled at most once per
// Pump, and only when it asked (or the link changed).
//
// Not thread-safe: the driver's event loop owns it.

#include <stdint.h>

#include "abi/tessera/frameproto.h"
#include "drivers/virtio_net/net_device.h"
#include "lib/frameproto/driver_port.h"

namespace virtio_net {

class Bridge final : public Sink {
 public:
  /// What the bridge asks of the driver process.
  class Host {
   public:
    /// Signal the client's notification.
    virtual void SignalClient() = 0;
    /// Signal the driver's own notification (come back at once: work is left).
    virtual void SignalSelf() = 0;
    /// One line for the log (no newline).
    virtual void Note(const char* line) = 0;

   protected:
    ~Host() = default;
  };

  struct Memory {
    uint8_t* rings = nullptr;  // the ring object, mapped
    uint64_t ring_bytes = 0;
    uint64_t pool_device = 0;  // device address of pool buffer 0
    frameproto::DriverPort::Layout layout;
  };

  struct Stats {
    uint64_t sessions = 0;        // kAttach answered
    uint64_t client_wakeups = 0;  // the client's notification woke the loop
    uint64_t client_signals = 0;  // signals to the client
    uint64_t max_tx_per_wakeup = 0;
    uint64_t tx_refused = 0;  // frames the device would not take (given back)
    uint64_t recoveries = 0;  // device resets after a failure
  };

  Bridge(Device& net, const Memory& memory, Host& host) : net_(net), memory_(memory), host_(host) {}

  // Sink (the device's completions)
  void Received(uint64_t token, uint32_t length) override;
  void RxReturned(uint64_t token) override;
  void Transmitted(uint64_t token) override;

  /// kAttach: starts a fresh session (resetting the device when one ran
  /// before, so every buffer is the driver's again) and fills *reply.
  /// Errors: kInvalid (bad layout), Device::Init's.
  kstd::Result<void> Attach(frameproto::AttachReply* reply);
  bool attached() const { return port_.active(); }

  /// Moves what can move and re-arms the client's signals (see the file
  /// comment); SignalSelf when it stopped with work left. Then publishes
  /// the figures in the shared header (frameproto::DriverFigures).
  void Pump();
  /// The device interrupted.
  void OnInterrupt();
  /// The client signaled.
  void OnClientNotification();

  const Stats& stats() const { return stats_; }
  frameproto::DriverPort::Stats port_stats() const { return port_.stats(); }
  const frameproto::DriverPort& port() const { return port_; }

 private:
  void SignalClient();
  void Recover();
  void PumpRounds();
  void PublishFigures();

  Device& net_;
  Memory memory_;
  Host& host_;
  frameproto::DriverPort port_;
  Stats stats_;
  uint64_t tx_this_wakeup_ = 0;
};

}  // namespace virtio_net
