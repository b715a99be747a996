#pragma once

// The portable core of the virtio-net driver (virtio 1.2 §5.1 over the modern
// PCI transport): bring-up (§3.1.1) with VERSION_1, MAC and STATUS and no
// offloads, one receive and one transmit split virtqueue, link status from
// configuration changes, and frames in and out.
//
// Frames live in buffers the caller owns (the frame pool shared with the
// network server): the caller hands receive buffers and transmit frames by
// device address with a token, and gets each back by token when the device
// is done. The virtio header (12 bytes, §5.1.6) never touches those
// buffers: every chain is [header, frame], the headers in the Device's own
// DMA memory, so frames stay at buffer-aligned offsets.
//
// The device is not trusted with lengths: a receive completion whose used
// length exceeds the buffer, or is too short for a header and an Ethernet
// header, or too long for a frame, gives the buffer back as dropped and is
// counted (Stats::rx_bad_length).
//
// Threading: one thread owns a Device (the driver's event loop); nothing
// blocks.

#include <stddef.h>
#include <stdint.h>

#include "drivers/virtio/hw.h"
#include "drivers/virtio/pci_caps.h"
#include "drivers/virtio/pci_transport.h"
#include "drivers/virtio/virtqueue.h"
#include "drivers/virtio_net/net_spec.h"
#include "kstd/result.h"

namespace virtio_net {

/// What the device told us, valid after Init.
struct Info {
  uint8_t mac[6] = {};
  bool mac_from_device = false;  // MAC negotiated (else a made-up local address)
  bool status_feature = false;   // STATUS negotiated (else the link is always up)
  bool msix = false;             // interrupts by MSI-X (else INTx)
  uint16_t rx_queue_size = 0;
  uint16_t tx_queue_size = 0;
  uint64_t features = 0;
};

struct Options {
  uint16_t max_queue_size = 256;  // each queue at most this big (power of two used)
};

struct Stats {
  uint64_t rx_frames = 0;      // delivered to the caller
  uint64_t tx_frames = 0;      // completed by the device
  uint64_t rx_bad_length = 0;  // used length too large / too small: dropped
  uint64_t interrupts = 0;     // HandleInterrupt calls
  uint64_t config_changes = 0;
  uint64_t link_changes = 0;
};

/// Callbacks for completions (run inside Poll/HandleInterrupt).
class Sink {
 public:
  /// A frame of `length` bytes arrived in the receive buffer `token`.
  virtual void Received(uint64_t token, uint32_t length) = 0;
  /// The receive buffer `token` comes back without a frame (a bad length,
  /// or the device was reset).
  virtual void RxReturned(uint64_t token) = 0;
  /// The transmit frame `token` is done (sent, or dropped by a reset).
  virtual void Transmitted(uint64_t token) = 0;

 protected:
  ~Sink() = default;
};

class Device {
 public:
  Device(virtio::PciConfig& config, virtio::Mmio* const (&bars)[virtio::pci::kBarCount],
         virtio::DmaAllocator& dma, virtio::Interrupt& irq);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  /// Brings the device up: identifies a virtio-net function, parses its
  /// capabilities, resets it, negotiates features (VERSION_1 required; MAC
  /// and STATUS accepted when offered and the configuration structure holds
  /// their fields; nothing else), reads MAC and link status, sets up both
  /// queues on the interrupt (MSI-X entry, or INTx), sets DRIVER_OK. On
  /// failure after the reset the device is left FAILED and failure_reason()
  /// says why. Buffers the caller had handed over come back through `sink`
  /// (RxReturned/Transmitted) first when called again.
  /// Errors: kNotSupported (not virtio-net, no VERSION_1, queues missing or
  /// too small), kBadMessage (malformed capabilities), kInvalid (a structure's
  /// BAR is not mapped), kIo (FEATURES_OK refused), kBusy (MSI-X vector
  /// refused), kTimedOut (reset), kAgain (configuration kept changing),
  /// kNoMemory.
  kstd::Result<void> Init(Sink& sink, const Options& options = Options());

  const Info& info() const { return info_; }
  const Stats& stats() const { return stats_; }
  const char* failure_reason() const { return failure_; }
  bool ready() const { return ready_; }
  bool link_up() const { return link_up_; }

  /// Receive buffers the queue can take now / transmit frames it can take.
  uint16_t rx_room() const;
  uint16_t tx_room() const;

  /// Hands the device an empty receive buffer (`length` >= kMaxFrameBytes
  /// bytes at `device_address`). Visible to the device at Kick.
  /// Errors: kInvalid (too small), kAgain (queue full), kIo (not ready).
  kstd::Result<void> AddRxBuffer(uint64_t device_address, uint32_t length, uint64_t token);
  /// Queues a frame (kMinFrameBytes..kMaxFrameBytes at `device_address`)
  /// for transmission. Visible to the device at Kick.
  /// Errors: kInvalid (bad length), kAgain (queue full), kIo (not ready).
  kstd::Result<void> AddTxFrame(uint64_t device_address, uint32_t length, uint64_t token);
  /// Tells the device about new buffers/frames, when it asked to be told.
  void Kick();

  /// Completes what the device finished (sink callbacks run here) and
  /// re-arms its interrupts; returns how many chains completed. Errors: kIo
  /// (the device needs a reset or broke the ring protocol: every buffer was
  /// given back; call Init again), kNotSupported (not ready).
  kstd::Result<size_t> Poll();
  /// The interrupt fired: reads the ISR (INTx), checks status and the
  /// configuration (link changes), polls, acks. Errors: as Poll, Ack's.
  kstd::Result<size_t> HandleInterrupt();

 private:
  struct RxSlot {
    uint64_t token = 0;
    uint16_t next_free = 0;
    bool busy = false;
  };
  static constexpr size_t kHeaderSlot = 16;  // a NetHeader, 16-byte aligned

  kstd::Result<void> Bringup();
  kstd::Result<void> ReadConfig();
  kstd::Result<void> Fail(kstd::Error error, const char* reason);
  void GiveEverythingBack();
  kstd::Result<void> CheckDevice();

  virtio::PciConfig& config_;
  virtio::Mmio* bars_[virtio::pci::kBarCount];
  virtio::DmaAllocator& dma_;
  virtio::Interrupt& irq_;
  Sink* sink_ = nullptr;

  Options options_;
  Info info_;
  Stats stats_;
  virtio::PciTransport transport_;
  virtio::SplitVirtqueue rxq_, txq_;
  virtio::QueueNotifier rx_notifier_, tx_notifier_;
  virtio::DmaBuffer headers_;  // [tx header][rx header slots...]
  RxSlot* rx_slots_ = nullptr;
  uint16_t rx_slot_count_ = 0;
  uint16_t free_rx_slot_ = 0;
  uint8_t config_generation_ = 0;
  bool link_up_ = false;
  bool ready_ = false;
  bool polling_ = false;
  const char* failure_ = "not initialized";
};

}  // namespace virtio_net
