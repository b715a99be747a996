#pragma once

// The portable core of the virtio-blk driver (virtio 1.2 §5.2 over the
// modern PCI transport, one split virtqueue): initialization (§3.1.1),
// feature negotiation, device configuration, and read/write/flush/get-id
// requests, asynchronous (a callback per request) or synchronous.
//
// Threading: one thread owns a Device (the driver process's event loop);
// nothing here blocks except the synchronous calls, which wait on the
// interrupt object.

#include <stddef.h>
#include <stdint.h>

#include "drivers/virtio/hw.h"
#include "drivers/virtio/pci_caps.h"
#include "drivers/virtio/pci_transport.h"
#include "drivers/virtio/virtqueue.h"
#include "drivers/virtio_blk/blk_spec.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace virtio_blk {

/// What the device told us, valid after Init.
struct Info {
  uint64_t capacity_sectors = 0;      // in 512-byte sectors
  uint32_t block_size = kSectorSize;  // BLK_SIZE: the device's logical block size
  uint8_t physical_block_exp = 0;     // TOPOLOGY: log2(physical / logical block)
  uint8_t alignment_offset = 0;       // TOPOLOGY: in logical blocks
  uint16_t min_io_size = 0;           // TOPOLOGY: in logical blocks
  uint32_t opt_io_size = 0;           // TOPOLOGY: in logical blocks
  uint32_t max_segments = 0;          // data descriptors per request this driver uses
  uint32_t max_segment_bytes = 0;     // bytes per data descriptor (SIZE_MAX, else no limit)
  uint32_t max_request_bytes = 0;     // data bytes per request (Options)
  uint16_t queue_size = 0;
  uint16_t max_in_flight = 0;  // requests that can be in flight at once
  bool read_only = false;      // RO: writes fail with kReadOnlyFs
  bool flush = false;          // FLUSH: the device has a cache to flush
  bool event_idx = false;      // EVENT_IDX event suppression in use
  bool msix = false;           // completion interrupts by MSI-X (else INTx)
  uint64_t features = 0;       // every negotiated feature bit
};

struct Options {
  uint16_t max_queue_size = 256;          // the queue is at most this big (power of two used)
  uint32_t max_request_bytes = 1u << 20;  // bound on one request's data
  bool use_event_idx = true;              // offer VIRTIO_F_EVENT_IDX
  uint64_t sync_timeout_ns = 30ull * 1000 * 1000 * 1000;  // synchronous calls
};

enum class Op : uint8_t {
  kRead,   // VIRTIO_BLK_T_IN: device -> data
  kWrite,  // VIRTIO_BLK_T_OUT: data -> device
  kFlush,  // VIRTIO_BLK_T_FLUSH: no data
  kGetId,  // VIRTIO_BLK_T_GET_ID: 20 bytes of device id -> data
};

/// Called once per accepted request with its outcome: Ok, kIo (the device
/// reported VIRTIO_BLK_S_IOERR, a malformed status, or the device failed or
/// was reset while the request was in flight), kNotSupported
/// (VIRTIO_BLK_S_UNSUPP), kTimedOut (a synchronous wait gave up on the
/// device). Runs inside Poll/HandleInterrupt (or a synchronous call); it may
/// Queue/Submit/Kick new requests; Poll, HandleInterrupt, Init, Recover and
/// the synchronous calls refuse with kBusy there.
using DoneFn = void (*)(void* context, kstd::Result<void> result);

struct Request {
  Op op = Op::kRead;
  uint64_t sector = 0;                        // kRead/kWrite: first 512-byte sector
  kstd::Span<const virtio::DmaSegment> data;  // kRead/kWrite/kGetId buffers
  DoneFn done = nullptr;
  void* context = nullptr;
};

class Device {
 public:
  /// `bars[i]` is BAR i mapped (nullptr when not mapped); every object must
  /// outlive the Device.
  Device(virtio::PciConfig& config, virtio::Mmio* const (&bars)[virtio::pci::kBarCount],
         virtio::DmaAllocator& dma, virtio::Interrupt& irq);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  /// Brings the device up (§3.1.1): identifies a virtio-blk function, parses
  /// its capabilities, resets it, negotiates features (VERSION_1 required;
  /// SIZE_MAX, SEG_MAX, RO, BLK_SIZE, FLUSH, TOPOLOGY, EVENT_IDX,
  /// ACCESS_PLATFORM accepted when offered and the configuration structure
  /// holds their fields), reads the configuration, sets up the queue and its
  /// interrupt vector, and sets DRIVER_OK. On failure after the reset the
  /// device is left FAILED and failure_reason() says why.
  /// Errors: kNotSupported (not virtio-blk, no VERSION_1, queue too small),
  /// kBadMessage (malformed capabilities or configuration), kInvalid (a
  /// structure's BAR is not mapped), kIo (FEATURES_OK refused), kBusy (MSI-X
  /// vector refused), kTimedOut (reset never completed), kAgain (the
  /// configuration kept changing), kNoMemory, PCI config read errors, and
  /// kBusy (requests in flight, or called from a callback).
  kstd::Result<void> Init(const Options& options = Options());

  /// After a kIo from HandleInterrupt/Poll (device needs reset, or broke the
  /// virtqueue protocol) or a kTimedOut: resets and initializes the device
  /// again, keeping its DMA memory. Requests still in flight complete with
  /// kIo first. Errors: as Init, kBusy (called from a callback).
  kstd::Result<void> Recover();

  const Info& info() const { return info_; }
  const char* failure_reason() const { return failure_; }
  /// True while the device is initialized and has not failed.
  bool ready() const { return ready_; }

  /// Queues a request without telling the device (see Kick); `done` runs
  /// later, exactly once, unless an error is returned here.
  /// Errors: kReadOnlyFs (a write to a read-only device), kInvalid (data not a
  /// positive multiple of 512 bytes, over max_request_bytes, a zero-length
  /// segment, past the end of the disk, more data descriptors than
  /// max_segments after splitting at max_segment_bytes, GET_ID data not 20
  /// bytes, no callback), kNotSupported (flush without FLUSH), kAgain (queue
  /// full: retry after completions), kIo (device not ready).
  kstd::Result<void> Queue(const Request& request);
  /// Tells the device about queued requests, if it asked to be told.
  void Kick();
  /// Tells the device to look at its queue whatever it asked (a request that
  /// has waited too long: a lost notification). Harmless when none was lost.
  void Renotify();
  /// Queue + Kick.
  kstd::Result<void> Submit(const Request& request);

  /// Completes every finished request (callbacks run here) and re-arms the
  /// interrupt; returns how many completed. Errors: kIo (the device needs a
  /// reset or broke the protocol: every request in flight has completed
  /// with kIo; call Recover), kNotSupported (device not ready).
  kstd::Result<size_t> Poll();
  /// The interrupt object fired: reads the ISR (INTx), checks the device
  /// status and configuration, completes finished requests, acks the
  /// interrupt. Errors: as Poll, and Interrupt::Ack's.
  kstd::Result<size_t> HandleInterrupt();

  /// Synchronous requests: submit and wait for the completion (other
  /// requests' callbacks may run meanwhile). Errors: as Queue, the request's
  /// own result, kTimedOut (the device did not answer within
  /// Options::sync_timeout_ns: it is reset and every request fails).
  kstd::Result<void> Read(uint64_t sector, kstd::Span<const virtio::DmaSegment> data);
  kstd::Result<void> Write(uint64_t sector, kstd::Span<const virtio::DmaSegment> data);
  /// Ok without a request when the device has no FLUSH feature.
  kstd::Result<void> Flush();
  /// The device's id string (up to 20 bytes), NUL-terminated in `id`.
  kstd::Result<void> GetId(char (&id)[kIdBytes + 1]);

 private:
  struct Slot {
    DoneFn done = nullptr;
    void* context = nullptr;
    char* id_out = nullptr;  // synchronous GetId: copy the id here on success
    uint16_t next_free = 0;
    bool busy = false;
  };
  static constexpr size_t kSlotBytes = 64;  // header, status, id scratch
  static constexpr size_t kStatusOffset = 16;
  static constexpr size_t kIdOffset = 32;

  kstd::Result<void> Bringup();
  kstd::Result<void> ReadConfig();
  kstd::Result<void> QueueInternal(const Request& request, char* id_out);
  kstd::Result<void> Wait(const Request& request, char* id_out);
  kstd::Result<size_t> Drain();
  void Complete(uint16_t slot, kstd::Result<void> result);
  void FailEverything(kstd::Error error);
  kstd::Result<void> Fail(kstd::Error error, const char* reason);
  kstd::Result<void> CheckDeviceHealth();

  virtio::PciConfig& config_;
  virtio::Mmio* bars_[virtio::pci::kBarCount];
  virtio::DmaAllocator& dma_;
  virtio::Interrupt& irq_;

  Options options_;
  Info info_;
  virtio::PciTransport transport_;
  virtio::SplitVirtqueue queue_;
  virtio::QueueNotifier notifier_;
  virtio::DmaBuffer slot_dma_;
  Slot* slots_ = nullptr;
  uint16_t slot_count_ = 0;
  uint16_t free_slot_ = 0;
  uint16_t busy_slots_ = 0;
  virtio::SplitVirtqueue::Segment* scratch_ = nullptr;  // one chain's segments
  uint8_t config_generation_ = 0;
  bool ready_ = false;
  bool draining_ = false;
  const char* failure_ = "not initialized";
};

}  // namespace virtio_blk
