#pragma once

// The virtio 1.2 modern PCI transport (§4.1): the common configuration
// registers, feature negotiation, queue setup, notifications, the ISR
// register and the device-specific configuration, reached through the BARs
// that ParseCapabilities validated.

#include <stdint.h>

#include "drivers/virtio/hw.h"
#include "drivers/virtio/pci_caps.h"
#include "drivers/virtio/spec.h"
#include "kstd/result.h"

namespace virtio {

/// The address a queue's "available buffers" notification is written to
/// (§4.1.4.4): a byte offset in the notify structure's BAR, and the value.
struct QueueNotifier {
  Mmio* bar = nullptr;
  uint64_t offset = 0;
  uint16_t queue = 0;
};

/// A queue's ring addresses and settings for PciTransport::EnableQueue.
struct QueueConfig {
  uint16_t size = 0;                     // a power of two <= the device maximum
  uint64_t desc = 0;                     // device address of the descriptor table
  uint64_t driver = 0;                   // ... of the available ring
  uint64_t device = 0;                   // ... of the used ring
  uint16_t msix_vector = kNoMsixVector;  // MSI-X table entry, or none (INTx)
};

class PciTransport {
 public:
  /// Upper bound on status polls while waiting for a reset to complete.
  static constexpr int kResetPolls = 1 << 20;
  /// Upper bound on device-config re-reads while config_generation changes.
  static constexpr int kConfigRetries = 64;

  PciTransport() = default;

  /// Whether Init succeeded; no other call may be made before it has.
  bool bound() const { return bound_; }

  /// Binds the transport to `caps`; `bars[i]` is BAR i mapped (nullptr when
  /// not mapped). Errors: kInvalid (a structure's BAR is not mapped, or the
  /// mapping is smaller than the structure).
  kstd::Result<void> Init(const PciCapabilities& caps, Mmio* const (&bars)[pci::kBarCount]);

  // --- §2.1 device status and §3.1.1 initialization ---------------------------

  uint8_t status();
  /// Writes 0 to device_status and waits until it reads back 0 (§4.1.4.3.2).
  /// Errors: kTimedOut (the device never finished resetting).
  kstd::Result<void> Reset();
  /// Sets `bits` in device_status, keeping those already set.
  void AddStatus(uint8_t bits);
  /// Tells the device the driver gave up (FAILED, §2.1.2).
  void MarkFailed() { AddStatus(status::kFailed); }
  /// DEVICE_NEEDS_RESET is set: the device stopped working until reset.
  bool NeedsReset() { return (status() & status::kDeviceNeedsReset) != 0; }

  /// §3.1.1 steps 1-6: reset, ACKNOWLEDGE, DRIVER, read the device's
  /// features, write `offered & supported`, set FEATURES_OK and check that
  /// the device kept it. Returns the negotiated features. `required` bits must
  /// be offered (VERSION_1 is always required). On error the device is left
  /// with FAILED set. Errors: kTimedOut (reset), kNotSupported (a required
  /// feature is not offered), kIo (the device refused FEATURES_OK).
  kstd::Result<uint64_t> NegotiateFeatures(uint64_t supported, uint64_t required);

  /// The 64 feature bits the device offers (§4.1.4.3: two 32-bit windows).
  uint64_t DeviceFeatures();

  /// §3.1.1 step 8: DRIVER_OK, the device is live.
  void SetDriverOk() { AddStatus(status::kDriverOk); }

  // --- queues -----------------------------------------------------------------

  uint16_t NumQueues();
  /// The largest size the device supports for queue `index`.
  /// Errors: kNotFound (no such queue, or size 0), kBusy (already enabled).
  kstd::Result<uint16_t> QueueMaxSize(uint16_t index);
  /// Programs queue `index` (size, ring addresses, MSI-X vector) and enables
  /// it; returns where to notify it. Errors: kNotFound (no such queue),
  /// kInvalid (size not a power of two or above the maximum), kBadMessage
  /// (the queue's notify register lies outside the notify structure), kBusy
  /// (the device refused the MSI-X vector: it reads back as no vector).
  kstd::Result<QueueNotifier> EnableQueue(uint16_t index, const QueueConfig& config);
  /// Routes configuration-change interrupts to MSI-X `vector` (kNoMsixVector:
  /// none). Errors: kBusy (the device refused the vector).
  kstd::Result<void> SetConfigMsixVector(uint16_t vector);

  /// "There are new buffers in this queue" (§4.1.5.2).
  static void Notify(const QueueNotifier& notifier) {
    notifier.bar->Write16(notifier.offset, notifier.queue);
  }

  /// Reads and clears the ISR status (§4.1.4.5); with INTx this deasserts the
  /// interrupt line. A mix of isr::kQueue and isr::kConfigChange.
  uint8_t ReadIsr();

  // --- §4.1.4.6 device-specific configuration --------------------------------

  /// Length of the device-specific structure, 0 when the device has none.
  uint32_t device_config_length() const { return device_.length; }
  uint8_t config_generation();
  /// Single accesses of the device-specific structure; reads outside it give
  /// all ones. 64-bit fields are read as two 32-bit halves (§4.1.3.1).
  uint8_t DeviceRead8(uint32_t offset);
  uint16_t DeviceRead16(uint32_t offset);
  uint32_t DeviceRead32(uint32_t offset);
  uint64_t DeviceRead64(uint32_t offset);
  void DeviceWrite8(uint32_t offset, uint8_t value);

  /// Runs `read(context)` until config_generation is the same before and
  /// after it (§2.5.1, §4.1.4.3.1), so multi-field reads are consistent.
  /// Errors: kAgain (the generation kept changing), or read's own error.
  template <typename F>
  kstd::Result<void> ReadConfigConsistently(F&& read) {
    for (int i = 0; i < kConfigRetries; ++i) {
      uint8_t before = config_generation();
      TRY(read());
      if (config_generation() == before) return kstd::Ok();
    }
    return kstd::Error::kAgain;
  }

 private:
  struct Window {
    Mmio* mmio = nullptr;
    uint64_t offset = 0;
    uint32_t length = 0;
    bool Fits(uint64_t at, uint64_t width) const { return at <= length && width <= length - at; }
  };
  kstd::Result<Window> Bind(const PciRegion& region, Mmio* const (&bars)[pci::kBarCount]);

  uint8_t CommonRead8(uint32_t at) { return common_.mmio->Read8(common_.offset + at); }
  uint16_t CommonRead16(uint32_t at) { return common_.mmio->Read16(common_.offset + at); }
  uint32_t CommonRead32(uint32_t at) { return common_.mmio->Read32(common_.offset + at); }
  void CommonWrite8(uint32_t at, uint8_t v) { common_.mmio->Write8(common_.offset + at, v); }
  void CommonWrite16(uint32_t at, uint16_t v) { common_.mmio->Write16(common_.offset + at, v); }
  void CommonWrite32(uint32_t at, uint32_t v) { common_.mmio->Write32(common_.offset + at, v); }
  // 64-bit common fields: low half first, then high (§4.1.3.1).
  void CommonWrite64(uint32_t at, uint64_t v) {
    CommonWrite32(at, static_cast<uint32_t>(v));
    CommonWrite32(at + 4, static_cast<uint32_t>(v >> 32));
  }

  Window common_, notify_, isr_, device_;
  uint32_t notify_off_multiplier_ = 0;
  bool bound_ = false;
};

/// The start of every driver's bring-up: checks that `config` is a virtio
/// PCI function of `device_type`, parses its capabilities against the BARs
/// that are mapped (`bars`, null where none) and binds `transport` to them.
/// On failure *failure says what was wrong; `wrong_type` is its text when
/// the function is another kind of virtio device ("not a virtio network
/// device").
kstd::Result<void> BindTransport(PciConfig& config, Mmio* const (&bars)[pci::kBarCount],
                                 uint16_t device_type, const char* wrong_type,
                                 PciTransport& transport, const char** failure);

}  // namespace virtio
