#pragma once

// A virtio 1.2 modern PCI device in host memory, for driver tests: the
// configuration space with its capability list, one memory BAR holding the
// common configuration, ISR, device configuration and notify structures (the
// layout QEMU uses), split virtqueues that it walks in the driver's DMA
// memory when notified (or when the test says so), and an interrupt object.
// A backend (e.g. a block device) serves each descriptor chain.
//
// The model is strict: every step of the driver that breaks virtio 1.2 (status
// order, access widths, features not offered, ring alignment, descriptor
// loops, addresses outside DMA memory, device-readable after device-writable
// buffers, changing an enabled queue, ...) is recorded in errors().

#include <stddef.h>
#include <stdint.h>

#include <deque>
#include <random>
#include <string>
#include <vector>

#include "drivers/virtio/hw.h"
#include "drivers/virtio/spec.h"
#include "drivers/virtio/testing/fake_dma.h"
#include "drivers/virtio/testing/fake_pci_config.h"

namespace virtio::testing {

/// One buffer of a chain as the device sees it.
struct ChainBuffer {
  uint64_t address = 0;
  uint32_t length = 0;
  bool writable = false;
  uint16_t desc = 0;
  uint8_t* host = nullptr;  // where the fake device reaches it
};

class FakeBackend {
 public:
  virtual ~FakeBackend() = default;
  /// Serves one chain of `queue`; returns the bytes written to its writable
  /// buffers (the used element's len).
  virtual uint32_t Serve(uint16_t queue, const std::vector<ChainBuffer>& chain) = 0;
  /// The driver reset the device.
  virtual void OnReset() {}
  /// Whether the device would complete a chain of `queue` now (a network
  /// device's receive queue holds its buffers until a frame arrives).
  virtual bool Ready(uint16_t queue) {
    (void)queue;
    return true;
  }
};

class FakeVirtioDevice;

/// Where the structures sit in the device's one memory BAR (QEMU's layout).
struct FakeLayout {
  uint8_t bar = 4;
  uint64_t bar_size = 0x4000;
  uint32_t common_offset = 0x0000, common_length = 0x1000;
  uint32_t isr_offset = 0x1000, isr_length = 0x1000;
  uint32_t device_offset = 0x2000, device_length = 0x1000;
  uint32_t notify_offset = 0x3000, notify_length = 0x1000;
  uint32_t notify_multiplier = 4;
};

/// The interrupt object: fires when the device interrupts on the vector or
/// line it is bound to. With INTx the line stays asserted until the driver
/// reads the ISR (Ack re-delivers a still-asserted line).
class FakeInterrupt final : public Interrupt {
 public:
  FakeInterrupt(FakeVirtioDevice* device, Kind kind, uint16_t msix_entry)
      : device_(device), kind_(kind), msix_entry_(msix_entry) {}

  Kind kind() const override { return kind_; }
  uint16_t msix_entry() const override { return msix_entry_; }
  /// Lets the device run (unless stalled), then reports whether it fired.
  kstd::Result<void> Wait(uint64_t timeout_ns) override;
  kstd::Result<void> Ack() override;

  void Fire() { fired_ = true; }
  bool fired() const { return fired_; }
  int waits() const { return waits_; }
  int acks() const { return acks_; }
  int timeouts() const { return timeouts_; }

 private:
  FakeVirtioDevice* device_;
  Kind kind_;
  uint16_t msix_entry_;
  bool fired_ = false;
  int waits_ = 0;
  int acks_ = 0;
  int timeouts_ = 0;
};

class FakeVirtioDevice {
 public:
  using Layout = FakeLayout;
  /// Which of the chains it holds the device completes next.
  enum class Order { kInOrder, kReverse, kRandom };

  FakeVirtioDevice(uint16_t device_type, FakeDma& dma,
                   Interrupt::Kind irq_kind = Interrupt::Kind::kMsix,
                   const Layout& layout = Layout());
  ~FakeVirtioDevice();

  // --- the hardware the driver gets ------------------------------------------
  FakePciConfig& config() { return config_; }
  Mmio* const (&bars() const)[pci::kBarCount] { return bars_; }
  FakeInterrupt& interrupt() { return interrupt_; }
  void SetBackend(FakeBackend* backend) { backend_ = backend; }

  // --- knobs (set before the driver starts unless noted) ----------------------
  uint64_t offered_features = FeatureBit(feature::kVersion1);
  uint16_t num_queues = 1;
  uint16_t queue_max_size = 256;
  std::vector<uint8_t> device_config;    // the device-specific structure's bytes
  bool reject_features_ok = false;       // clears FEATURES_OK whatever was accepted
  bool refuse_msix = false;              // MSI-X vectors read back as kNoMsixVector
  bool never_finish_reset = false;       // device_status never reads back 0
  bool auto_process = true;              // serve chains as soon as notified
  bool stalled = false;                  // the device does nothing (timeouts)
  size_t max_chains_per_run = SIZE_MAX;  // chains completed per Run
  Order order = Order::kInOrder;
  bool set_no_notify = false;  // used->flags = NO_NOTIFY (without EVENT_IDX)
  int generation_bumps = 0;    // next reads of config_generation change it
  void Seed(uint32_t seed) { rng_.seed(seed); }

  // --- device-side actions ----------------------------------------------------
  /// Takes every newly available chain, then completes up to
  /// max_chains_per_run of those it holds, in `order`, and interrupts as the
  /// driver's event suppression asks.
  void Run();
  /// Sets DEVICE_NEEDS_RESET and sends a configuration change interrupt.
  void SetNeedsReset();
  /// Changes the device configuration (generation++) and interrupts.
  void ChangeConfig();
  /// The next used element names this head instead of the real one.
  void CorruptNextUsedId(uint32_t id) {
    corrupt_used_id_ = id;
    corrupt_pending_ = true;
  }
  /// The next used index the device publishes jumps by this much extra.
  void CorruptNextUsedIdx(uint16_t extra) { corrupt_idx_extra_ = extra; }
  /// The driver is about to sleep on the interrupt (from FakeInterrupt::Wait).
  void OnDriverWait();

  // --- observations -----------------------------------------------------------
  uint8_t status() const { return status_; }
  const std::vector<uint8_t>& status_writes() const { return status_writes_; }
  uint64_t driver_features() const { return driver_features_; }
  const std::vector<std::string>& errors() const { return errors_; }
  int notifications() const { return notifications_; }
  int interrupts() const { return interrupts_; }
  int resets() const { return resets_; }
  size_t held_chains() const { return held_.size(); }
  size_t completed_chains() const { return completed_; }
  size_t max_outstanding() const { return max_outstanding_; }
  size_t scattered_chains() const { return scattered_chains_; }  // next != desc + 1
  size_t wrapped_chains() const { return wrapped_chains_; }      // next < desc
  uint16_t queue_size(uint16_t q) const { return queues_[q].size; }
  uint16_t queue_msix_vector(uint16_t q) const { return queues_[q].msix_vector; }
  bool queue_enabled(uint16_t q) const { return queues_[q].enabled; }
  uint16_t config_msix_vector() const { return config_msix_vector_; }
  uint16_t used_idx(uint16_t q) const { return queues_[q].used_idx; }
  /// INTx: the line is asserted while the ISR has bits set.
  bool intx_asserted() const { return isr_ != 0; }

  // Register accesses of the BAR (used by its Mmio).
  uint64_t BarRead(uint64_t offset, int width);
  void BarWrite(uint64_t offset, int width, uint64_t value);

 private:
  struct Queue {
    uint16_t size = 0;
    uint16_t msix_vector = kNoMsixVector;
    bool enabled = false;
    uint64_t desc = 0, driver = 0, device = 0;
    uint16_t last_avail = 0;
    uint16_t used_idx = 0;
  };
  struct Held {
    uint16_t queue;
    uint16_t head;
    std::vector<ChainBuffer> chain;
  };

  void Error(const std::string& what);
  void Reset();
  void WriteStatus(uint8_t value);
  uint64_t CommonRead(uint32_t at, int width);
  void CommonWrite(uint32_t at, int width, uint64_t value);
  void EnableQueue(uint16_t q);
  bool WalkChain(Queue& queue, uint16_t head, std::vector<ChainBuffer>* out);
  void RaiseQueueInterrupt(const Queue& queue);
  void RaiseConfigInterrupt();
  bool EventIdx() const { return (driver_features_ & FeatureBit(feature::kEventIdx)) != 0; }
  uint8_t* Ring(uint64_t address, uint64_t length);

  uint16_t device_type_;
  FakeDma& dma_;
  Layout layout_;
  FakePciConfig config_;
  Mmio* bars_[pci::kBarCount] = {};
  FakeInterrupt interrupt_;
  FakeBackend* backend_ = nullptr;
  std::mt19937 rng_;

  uint8_t status_ = 0;
  uint8_t generation_ = 0;
  uint8_t isr_ = 0;
  uint32_t device_feature_select_ = 0;
  uint32_t driver_feature_select_ = 0;
  uint64_t driver_features_ = 0;
  uint16_t config_msix_vector_ = kNoMsixVector;
  uint16_t queue_select_ = 0;
  std::vector<Queue> queues_;
  std::deque<Held> held_;

  std::vector<uint8_t> status_writes_;
  std::vector<std::string> errors_;
  int notifications_ = 0;
  int interrupts_ = 0;
  int resets_ = 0;
  size_t completed_ = 0;
  size_t max_outstanding_ = 0;
  size_t scattered_chains_ = 0;
  size_t wrapped_chains_ = 0;
  bool corrupt_pending_ = false;
  uint32_t corrupt_used_id_ = 0;
  uint16_t corrupt_idx_extra_ = 0;
};

}  // namespace virtio::testing
