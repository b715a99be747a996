// The virtio-blk driver process (boot module "virtio_blk").
//
//   virtio_blk [--bars=S0,S1,S2,S3,S4,S5]
//
// Bootstrap handles (lib/tessera/bootstrap.h):
//   device  the PCI function (PciOpen'ed by the starter); --bars gives the
//           sizes of its BARs (bytes, 0: none), which the handle cannot tell
//   pci     alternatively the PCI root: the driver finds the first
//           virtio-blk function (1af4:1042) and opens it itself
//   svc     the service channel: blkproto requests in, replies out
//   dma     the DMA resource (init's "dma", kRightWrite | kRightManage):
//           contiguous memory and its device addresses, for the virtqueues
//           and the client's shared buffer (made at kRegister, handed over
//           as a handle that maps it). Without it the device cannot be set
//           up (the kernel refuses DMA memory with EACCES).
//   ctl     optional: init's control channel (abi/tessera/controlproto.h):
//           the loop answers kPing with kPong whenever it wakes, requests
//           in flight or not; kHang (debug) makes it spin forever;
//           kAddClient brings another client (up to 8, each with its own
//           server and buffer; read-only when init says so)
//
// It wraps the handles in the virtio hw.h interfaces (config space, the
// mapped BARs, the interrupt: MSI-X entry 0 when the function has MSI-X, its
// INTx pin otherwise; contiguous DMA memory), initializes the device, logs
// one line describing it, and serves blkproto
// (abi/tessera/blkproto.h) from an event loop waiting on the interrupt and
// the channels. It exits when every client has closed its channel.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "abi/linux/mman.h"
#include "abi/tessera/blkproto.h"
#include "abi/tessera/controlproto.h"
#include "drivers/virtio/hw.h"
#include "drivers/virtio/kernel_hw.h"
#include "drivers/virtio_blk/blk_device.h"
#include "drivers/virtio_blk/server.h"
#include "kstd/new.h"
#include "lib/tessera/bootstrap.h"
#include "lib/tessera/control.h"
#include "lib/tessera/process.h"
#include "lib/tessera/syscalls.h"

namespace {

using tessera::handle_t;
namespace sys = tessera::sys;

constexpr uint16_t kVirtioVendor = 0x1af4;
constexpr uint16_t kVirtioBlkModern = 0x1042;
constexpr uint64_t kPage = 4096;
constexpr int64_t kPollAfterNs = 1'000'000'000;

// The hw.h interfaces over the kernel's handles (drivers/virtio/kernel_hw.h).
using virtio::kernel::ContiguousDma;
using virtio::kernel::HandleConfig;
using virtio::kernel::HandleInterrupt;

class ChannelSink final : public virtio_blk::ReplySink {
 public:
  explicit ChannelSink(handle_t channel) : channel_(channel) {}
  void Send(const blkproto::Reply& reply, uint32_t txid) override {
    // A successful kRegister carries the client's handle to its buffer.
    handle_t h = tessera::kInvalidHandle;
    if (reply.op == blkproto::kRegister && reply.error == 0) h = Detach();
    // A client that went away loses its replies; nothing else to do.
    if (sys::ChannelWrite(channel_, &reply, sizeof(reply), &h, h != tessera::kInvalidHandle, txid) <
            0 &&
        h != tessera::kInvalidHandle) {
      sys::HandleClose(h);
    }
  }
  /// The handle the next successful kRegister reply carries (moved into it).
  void Attach(handle_t h) { attach_ = h; }
  /// A handle Attach gave that no reply took.
  handle_t Detach() {
    handle_t h = attach_;
    attach_ = tessera::kInvalidHandle;
    return h;
  }

 private:
  handle_t channel_;
  handle_t attach_ = tessera::kInvalidHandle;
};

// kRegister: the shared buffer the driver makes for its client, `bytes` of
// contiguous memory charged to the driver's pinned budget. The driver keeps
// `*vmo` (which pins the memory) and never maps it; the client gets a
// duplicate that may map it but not learn its address. -errno on failure.
int64_t MakeClientBuffer(handle_t dma, uint32_t bytes, handle_t* vmo, handle_t* client,
                         virtio::DmaSegment* segment) {
  int64_t made = sys::VmoCreateContiguous(dma, bytes);
  if (made < 0) return made;
  handle_t h = static_cast<handle_t>(made);
  int64_t phys = sys::VmoPhysicalAddress(dma, h, 0);
  int64_t dup =
      sys::HandleDuplicate(h, tessera::kRightsBasic | tessera::kRightsIo | tessera::kRightMap);
  if (phys < 0 || dup < 0) {
    if (dup >= 0) sys::HandleClose(static_cast<handle_t>(dup));
    sys::HandleClose(h);
    return phys < 0 ? phys : dup;
  }
  *vmo = h;
  *client = static_cast<handle_t>(dup);
  *segment = {static_cast<uint64_t>(phys), bytes};
  return 0;
}

// --- start-up ------------------------------------------------------------------

struct Function {
  handle_t device = tessera::kInvalidHandle;
  uint64_t bar_sizes[virtio::pci::kBarCount] = {};
  char name[16] = "?";
};

bool ParseBars(const char* list, uint64_t (&sizes)[virtio::pci::kBarCount]) {
  for (size_t i = 0; i < virtio::pci::kBarCount; ++i) {
    char* end = nullptr;
    sizes[i] = strtoull(list, &end, 0);
    if (end == list) return false;
    if (i + 1 < virtio::pci::kBarCount) {
      if (*end != ',') return false;
      list = end + 1;
    } else if (*end != '\0') {
      return false;
    }
  }
  return true;
}

// Finds and opens the first virtio-blk function under the PCI root.
bool OpenFromRoot(handle_t root, Function* f) {
  for (uint32_t index = 0;; ++index) {
    tessera::PciFunctionInfo info{};
    if (sys::PciGetInfo(root, index, &info) < 0) break;
    if (info.vendor_id != kVirtioVendor || info.device_id != kVirtioBlkModern) continue;
    int64_t device = sys::PciOpen(root, index);
    if (device < 0) {
      printf("virtio_blk: error: cannot open PCI function %02x:%02x.%x: %lld\n", info.bus,
             info.device, info.function, static_cast<long long>(device));
      return false;
    }
    f->device = static_cast<handle_t>(device);
    for (size_t i = 0; i < virtio::pci::kBarCount; ++i) {
      f->bar_sizes[i] = (info.bars[i].flags & tessera::kPciBarIo) ? 0 : info.bars[i].size;
    }
    snprintf(f->name, sizeof(f->name), "%02x:%02x.%x", info.bus, info.device, info.function);
    return true;
  }
  printf("virtio_blk: error: no virtio-blk PCI function (1af4:1042)\n");
  return false;
}

// One client of the disk: its channel, its server and its buffer. The
// first comes from the bootstrap ("svc"); init adds more with kAddClient.
struct Client {
  Client(virtio_blk::Device& device, handle_t ch, bool read_only)
      : channel(ch), sink(ch), server(device, sink, read_only) {}
  ~Client() {
    sys::HandleClose(channel);
    // The registered buffer: the memory is freed once the client unmapped it.
    if (vmo != tessera::kInvalidHandle) sys::HandleClose(vmo);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool done() const { return peer_closed && server.in_flight() == 0; }

  handle_t channel;
  ChannelSink sink;
  virtio_blk::Server server;
  handle_t vmo = tessera::kInvalidHandle;
  bool peer_closed = false;
};

constexpr size_t kMaxClients = 8;

// Serves what init sent on the control channel: pongs for pings; new
// clients (kAddClient) into a free slot of `clients`; kHang (debug) never
// returns. Returns false when the channel is gone (init closed it): it is
// not watched any more.
bool ServeControl(handle_t ctl, virtio_blk::Device& device, Client* (&clients)[kMaxClients],
                  const char* name) {
  for (;;) {
    controlproto::Message m{};
    handle_t handle = tessera::kInvalidHandle;
    int64_t r = tessera::ReadControl(ctl, &m, &handle);
    if (r == -11) return true;  // EAGAIN: all served
    if (r < 0) return false;    // EPIPE: init let go of it
    if (r == 0) {               // malformed: dropped
      if (handle != tessera::kInvalidHandle) sys::HandleClose(handle);
      continue;
    }
    if (m.op == controlproto::kAddClient) {
      Client** slot = nullptr;
      for (Client*& c : clients) {
        if (c == nullptr) {
          slot = &c;
          break;
        }
      }
      bool read_only = (m.txid & controlproto::kClientReadOnly) != 0;
      if (slot != nullptr) *slot = new (kstd::nothrow) Client(device, handle, read_only);
      if (slot == nullptr || *slot == nullptr) {
        printf("virtio_blk: %s: no room for another client; refused\n", name);
        sys::HandleClose(handle);
      }
      continue;
    }
    if (handle != tessera::kInvalidHandle) sys::HandleClose(handle);  // not for a driver
    if (m.op == controlproto::kPing) {
      (void)tessera::AnswerPing(ctl, m.txid);
    } else if (m.op == controlproto::kHang) {
      printf("virtio_blk: debug: told to hang by init; spinning\n");
      fflush(stdout);
      for (;;) __asm__ volatile("pause");
    }
  }
}

// Reads `client`'s requests while its server has room for them.
void ServeRequests(Client& client, handle_t dma_right) {
  static uint8_t message[tessera::kMaxMessageBytes];
  static handle_t handles[tessera::kMaxMessageHandles];
  virtio_blk::Server& server = client.server;
  while (!client.peer_closed && server.can_accept()) {
    tessera::ChannelReadArgs args{};
    args.bytes = message;
    args.handles = handles;
    args.bytes_capacity = sizeof(message);
    args.handles_capacity = tessera::kMaxMessageHandles;
    int64_t r = sys::ChannelRead(client.channel, &args);
    if (r == -11) break;  // EAGAIN: nothing queued
    if (r < 0) {
      if (r != -32)
        printf("virtio_blk: error: channel read failed: %lld\n", static_cast<long long>(r));
      client.peer_closed = true;  // EPIPE: the client is gone
      break;
    }
    if (args.actual_bytes != sizeof(blkproto::Request)) {
      server.HandleMalformed(args.txid);
    } else {
      blkproto::Request request;
      memcpy(&request, message, sizeof(request));
      if (request.op == blkproto::kRegister && !server.registered() && request.length != 0 &&
          request.length % kPage == 0 && request.length <= blkproto::kMaxBufferBytes) {
        handle_t vmo = tessera::kInvalidHandle, theirs = tessera::kInvalidHandle;
        virtio::DmaSegment buffer{};
        int64_t made = MakeClientBuffer(dma_right, request.length, &vmo, &theirs, &buffer);
        if (made < 0) {
          blkproto::Reply reply{};
          reply.id = request.id;
          reply.op = request.op;
          reply.error = static_cast<int32_t>(-made);  // ENOMEM (also past the pinned limit)
          client.sink.Send(reply, args.txid);
        } else {
          client.sink.Attach(theirs);
          // Kept while the client lives: the memory stays pinned while
          // requests use it.
          if (server.Handle(request, args.txid, &buffer)) {
            client.vmo = vmo;
          } else {
            sys::HandleClose(vmo);
          }
          handle_t unsent = client.sink.Detach();
          if (unsent != tessera::kInvalidHandle) sys::HandleClose(unsent);
        }
      } else {
        (void)server.Handle(request, args.txid, nullptr);
      }
    }
    // No request carries handles (the client's buffer is the driver's).
    for (uint32_t i = 0; i < args.actual_handles; ++i) sys::HandleClose(handles[i]);
  }
}

}  // namespace

// Compiled -ffreestanding (see BUILD), where main has no implicit C linkage.
extern "C" int main(int argc, char** argv) {
  Function f;
  const char* bars_arg = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (strncmp(argv[i], "--bars=", 7) == 0) bars_arg = argv[i] + 7;
    if (strncmp(argv[i], "--pci=", 6) == 0) snprintf(f.name, sizeof(f.name), "%s", argv[i] + 6);
  }

  tessera::Bootstrap boot;
  if (boot.Load() < 0) {
    printf("virtio_blk: error: no bootstrap handles\n");
    return 1;
  }
  handle_t svc = boot.Take("svc");
  handle_t ctl = boot.Take("ctl");
  if (svc == tessera::kInvalidHandle) {
    printf("virtio_blk: error: no service channel (handle \"svc\")\n");
    return 1;
  }
  handle_t dma_right = boot.Take("dma");
  if (dma_right == tessera::kInvalidHandle) {
    printf("virtio_blk: warning: no \"dma\" handle; DMA memory will be refused\n");
  }
  f.device = boot.Take("device");
  if (f.device != tessera::kInvalidHandle) {
    if (bars_arg == nullptr || !ParseBars(bars_arg, f.bar_sizes)) {
      printf("virtio_blk: error: a device handle needs --bars=S0,...,S5\n");
      return 1;
    }
  } else {
    handle_t root = boot.Take("pci");
    if (root == tessera::kInvalidHandle) {
      printf("virtio_blk: error: neither a \"device\" nor a \"pci\" handle\n");
      return 1;
    }
    if (!OpenFromRoot(root, &f)) return 1;
    sys::HandleClose(root);
  }

  // The BARs: every memory BAR the kernel lets us map (not the MSI-X one).
  virtio::MappedMmio mmio[virtio::pci::kBarCount];
  virtio::Mmio* bars[virtio::pci::kBarCount] = {};
  for (uint32_t i = 0; i < virtio::pci::kBarCount; ++i) {
    if (f.bar_sizes[i] == 0) continue;
    int64_t addr = sys::PciMapBar(f.device, i);
    if (addr < 0) continue;  // EPERM: holds the MSI-X table; EINVAL: I/O or absent
    mmio[i] = virtio::MappedMmio(reinterpret_cast<volatile uint8_t*>(addr), f.bar_sizes[i]);
    bars[i] = &mmio[i];
  }
  // MSI-X when the function has it (ENOSYS: no MSI-X capability), else INTx.
  virtio::Interrupt::Kind irq_kind = virtio::Interrupt::Kind::kMsix;
  int64_t irq = sys::PciRouteMsix(f.device, 0);
  if (irq == -static_cast<int64_t>(kstd::Error::kNotSupported)) {
    irq_kind = virtio::Interrupt::Kind::kIntx;
    irq = sys::PciRouteIntx(f.device);
    if (irq < 0) {
      printf("virtio_blk: error: %s: no MSI-X, and its INTx cannot be routed: %s\n", f.name,
             kstd::ErrorName(static_cast<kstd::Error>(-irq)));
      return 1;
    }
  } else if (irq < 0) {
    printf("virtio_blk: error: %s: cannot route MSI-X entry 0: %s\n", f.name,
           kstd::ErrorName(static_cast<kstd::Error>(-irq)));
    return 1;
  }
  HandleConfig config(f.device);
  HandleInterrupt interrupt(static_cast<handle_t>(irq), irq_kind, 0);
  ContiguousDma dma(dma_right);
  virtio_blk::Device device(config, bars, dma, interrupt);
  virtio_blk::Options options;
  // EVENT_IDX off: with it, requests pipelined from a client (16 in flight)
  // sometimes stall under QEMU 7.2 TCG with nothing in the used ring and no
  // interrupt (blk_test: 3 runs in 4 on 2026-11-22; never seen without it).
  // It is a lost avail notification, not a lost interrupt: the requests
  // never reach the device, and notifying it again after the 1 s poll (see
  // Renotify below) completes them all. The driver's avail_event check
  // follows §2.7.10; the cause is not found yet, so the driver uses the
  // flags-based suppression.
  options.use_event_idx = false;
  auto init = device.Init(options);
  if (init.is_error()) {
    printf("virtio_blk: error: %s: device initialization failed: %s (%s)\n", f.name,
           kstd::ErrorName(init.error()), device.failure_reason());
    return 1;
  }
  const virtio_blk::Info& info = device.info();
  Client* clients[kMaxClients] = {new (kstd::nothrow) Client(device, svc, false)};
  if (clients[0] == nullptr) {
    printf("virtio_blk: error: out of memory\n");
    return 1;
  }
  printf(
      "virtio_blk: %s: %llu sectors (%llu MiB), block size %u, features %#llx, %s, flush %s, "
      "queue %u, max transfer %u KiB, interrupts %s\n",
      f.name, static_cast<unsigned long long>(info.capacity_sectors),
      static_cast<unsigned long long>(info.capacity_sectors / 2048), info.block_size,
      static_cast<unsigned long long>(info.features), info.read_only ? "RO" : "RW",
      info.flush ? "yes" : "no", info.queue_size, clients[0]->server.max_transfer() / 1024,
      info.msix ? "MSI-X" : "INTx");
  fflush(stdout);

  for (;;) {
    // Every client's server, for the interrupt path; what is in flight.
    virtio_blk::Server* servers[kMaxClients] = {};
    uint32_t in_flight = 0;
    size_t live = 0;
    // Each client's channel is watched only while a request could be
    // accepted (so a full server leaves requests queued there) and until
    // it reads EPIPE.
    tessera::WaitItem items[2 + kMaxClients] = {
        {interrupt.handle(), tessera::kSignalNotified, 0, 0},
    };
    uint32_t count = 1;
    if (ctl != tessera::kInvalidHandle) {
      items[count++] = {ctl, tessera::kSignalReadable | tessera::kSignalPeerClosed, 0, 0};
    }
    for (size_t i = 0; i < kMaxClients; ++i) {
      Client* c = clients[i];
      if (c == nullptr) continue;
      ++live;
      servers[i] = &c->server;
      in_flight += c->server.in_flight();
      if (!c->peer_closed && c->server.can_accept()) {
        items[count++] = {c->channel, tessera::kSignalReadable | tessera::kSignalPeerClosed, 0, 0};
      }
    }
    if (live == 0) break;
    kstd::Span<virtio_blk::Server* const> all(servers, kMaxClients);
    // With requests in flight the wait has a deadline: a completion whose
    // interrupt went missing is found by polling (and logged).
    int64_t deadline = in_flight > 0 ? tessera::NowNs() + kPollAfterNs : tessera::kInfinite;
    int64_t w = sys::ObjectWaitMany(items, count, deadline);
    // init's pings are answered on every wake-up, busy or not.
    if (ctl != tessera::kInvalidHandle && !ServeControl(ctl, device, clients, f.name)) {
      sys::HandleClose(ctl);
      ctl = tessera::kInvalidHandle;
    }
    if (w == -110) {
      auto r = virtio_blk::ServeInterrupt(device, all);
      uint32_t now = 0;
      for (virtio_blk::Server* s : servers) now += s != nullptr ? s->in_flight() : 0;
      if (now != in_flight || r.is_error()) {
        printf("virtio_blk: %s: %u request(s) completed without an interrupt\n", f.name,
               in_flight - now);
      } else if (in_flight > 0) {
        printf(
            "virtio_blk: %s: %u request(s) waited 1 s and none completed: notifying the device "
            "again\n",
            f.name, in_flight);
        device.Renotify();
      }
      continue;
    }
    if (w < 0) {
      printf("virtio_blk: error: wait failed: %lld\n", static_cast<long long>(w));
      return 1;
    }
    if (items[0].observed & tessera::kSignalNotified) {
      // MSI-X: consumed here. INTx: HandleInterrupt acks after the ISR read
      // (the Interrupt's Ack), which is what unmasks the line.
      if (interrupt.kind() == virtio::Interrupt::Kind::kMsix)
        (void)sys::InterruptAck(interrupt.handle());
      auto r = virtio_blk::ServeInterrupt(device, all);
      if (r.is_error()) {
        printf("virtio_blk: error: %s: the device failed and did not recover: %s (%s)\n", f.name,
               kstd::ErrorName(r.error()), device.failure_reason());
      }
    }
    // Requests, while there is room for them; clients that are gone go.
    for (Client*& c : clients) {
      if (c == nullptr) continue;
      ServeRequests(*c, dma_right);
      if (c->done()) {
        delete c;
        c = nullptr;
      }
    }
  }
  printf("virtio_blk: %s: the client closed the channel; stopping\n", f.name);  // the last one
  return 0;
}
