// The virtio-net driver process (boot module "virtio_net").
//
//   virtio_net --bars=S0,S1,S2,S3,S4,S5 [--pci=BB:DD.F]
//
// Bootstrap handles (lib/tessera/bootstrap.h):
//   device  the PCI function (PciOpen'ed by init); --bars gives its BAR sizes
//   svc     the service channel: the frameproto handshake (kAttach) from
//           the one client (the network server, or nettest)
//   dma     the DMA resource: the virtqueues, the packet headers and the
//           frame pool shared with the client
//   ctl     optional: init's control channel (abi/tessera/controlproto.h):
//           pings answered whenever the loop wakes; kHang (debug) spins
//
// It initializes the device (net_device.h), logs one line describing it,
// and moves frames between the device's queues and the client's rings
// (abi/tessera/frameproto.h, lib/frameproto/driver_port.h) from one event
// loop waiting on the interrupt, the client's notification, the service
// channel and the control channel. It exits when the client closes the
// channel, logging its figures (frames per notification) first.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "abi/linux/errno.h"
#include "abi/linux/mman.h"
#include "abi/tessera/controlproto.h"
#include "abi/tessera/frameproto.h"
#include "drivers/virtio/kernel_hw.h"
#include "drivers/virtio_net/bridge.h"
#include "drivers/virtio_net/net_device.h"
#include "lib/frameproto/driver_port.h"
#include "lib/tessera/bootstrap.h"
#include "lib/tessera/control.h"
#include "lib/tessera/process.h"
#include "lib/tessera/syscalls.h"

namespace {

using tessera::handle_t;
namespace sys = tessera::sys;

constexpr uint64_t kPage = 4096;
// The frame pool: receive buffers for a full receive queue (256 entries,
// two descriptors a frame: 128 at the device) and as many again waiting
// with the client, the same for transmission. 1 MiB of pinned memory.
constexpr uint32_t kPoolBuffers = 512;
constexpr uint32_t kRxBuffers = 256;
constexpr uint32_t kRingEntries = 512;
constexpr int64_t kPollNs = 1'000'000'000;

uint64_t PageRound(uint64_t n) { return (n + kPage - 1) & ~(kPage - 1); }

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

// Serves init's control channel: pongs; kHang (debug) never returns. False
// when init let go of it.
bool ServeControl(handle_t ctl) {
  for (;;) {
    controlproto::Message m{};
    handle_t ignored = tessera::kInvalidHandle;
    int64_t r = tessera::ReadControl(ctl, &m, &ignored);
    if (r == -linux_abi::kEAGAIN) return true;
    if (r < 0) return false;  // EPIPE
    if (ignored != tessera::kInvalidHandle) sys::HandleClose(ignored);
    if (r == 0) continue;
    if (m.op == controlproto::kPing) {
      (void)tessera::AnswerPing(ctl, m.txid);
    } else if (m.op == controlproto::kHang) {
      printf("virtio_net: debug: told to hang by init; spinning\n");
      fflush(stdout);
      for (;;) __asm__ volatile("pause");
    }
  }
}

// The frame pool, the ring object and the two notifications, made once and
// shared (as fresh duplicates) with every client that attaches.
struct Shared {
  handle_t pool = tessera::kInvalidHandle;
  uint8_t* pool_cpu = nullptr;
  uint64_t pool_device = 0;
  uint64_t pool_bytes = 0;
  handle_t rings = tessera::kInvalidHandle;
  uint8_t* rings_cpu = nullptr;
  uint64_t ring_bytes = 0;
  handle_t to_driver = tessera::kInvalidHandle;
  handle_t to_client = tessera::kInvalidHandle;
};

// -errno on failure (logged by the caller).
int64_t MakeShared(handle_t dma, Shared* s) {
  s->pool_bytes = PageRound(uint64_t{kPoolBuffers} * frameproto::kBufferBytes);
  int64_t pool = sys::VmoCreateContiguous(dma, s->pool_bytes);
  if (pool < 0) return pool;
  s->pool = static_cast<handle_t>(pool);
  int64_t phys = sys::VmoPhysicalAddress(dma, s->pool, 0);
  if (phys < 0) return phys;
  s->pool_device = static_cast<uint64_t>(phys);
  int64_t addr =
      sys::VmoMap(s->pool, 0, s->pool_bytes, linux_abi::kProtRead | linux_abi::kProtWrite, 0,
                  tessera::kVmoMapShared);
  if (addr < 0) return addr;
  s->pool_cpu = reinterpret_cast<uint8_t*>(addr);
  s->ring_bytes = PageRound(frameproto::RingObjectBytes(kRingEntries));
  int64_t rings = sys::VmoCreate(s->ring_bytes);
  if (rings < 0) return rings;
  s->rings = static_cast<handle_t>(rings);
  addr = sys::VmoMap(s->rings, 0, s->ring_bytes, linux_abi::kProtRead | linux_abi::kProtWrite, 0,
                     tessera::kVmoMapShared);
  if (addr < 0) return addr;
  s->rings_cpu = reinterpret_cast<uint8_t*>(addr);
  int64_t n1 = sys::NotificationCreate();
  if (n1 < 0) return n1;
  s->to_driver = static_cast<handle_t>(n1);
  int64_t n2 = sys::NotificationCreate();
  if (n2 < 0) return n2;
  s->to_client = static_cast<handle_t>(n2);
  return 0;
}

// What the bridge needs from the kernel and the log.
class KernelHost final : public virtio_net::Bridge::Host {
 public:
  KernelHost(const Shared& shared, const char* name) : shared_(shared), name_(name) {}
  void SignalClient() override { (void)sys::NotificationSignal(shared_.to_client, 1); }
  void SignalSelf() override { (void)sys::NotificationSignal(shared_.to_driver, 1); }
  void Note(const char* line) override {
    printf("virtio_net: %s: %s\n", name_, line);
    fflush(stdout);
  }

 private:
  const Shared& shared_;
  const char* name_;
};

void PrintStats(const char* name, const char* why, const virtio_net::Device& net,
                const virtio_net::Bridge& bridge) {
  const virtio_net::Stats& d = net.stats();
  const virtio_net::Bridge::Stats& b = bridge.stats();
  frameproto::DriverPort::Stats p = bridge.port_stats();
  auto per = [](uint64_t frames, uint64_t notes) -> double {
    return notes == 0 ? 0.0 : static_cast<double>(frames) / static_cast<double>(notes);
  };
  auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  printf(
      "virtio_net: %s: %s: tx %llu frames on %llu client notifications (%.1f per notification, "
      "at most %llu in one wake-up), rx %llu frames with %llu notifications to the client (%.1f "
      "per notification), %llu interrupts, bad descriptors %llu, bad used lengths %llu\n",
      name, why, u(p.tx_frames), u(b.client_wakeups), per(p.tx_frames, b.client_wakeups),
      u(b.max_tx_per_wakeup), u(p.rx_frames), u(b.client_signals),
      per(p.rx_frames, b.client_signals), u(d.interrupts), u(p.bad_descriptors),
      u(d.rx_bad_length));
  fflush(stdout);
}

// Answers one kAttach (or refuses a malformed request) on `svc`.
void HandleRequest(handle_t svc, const char* name, const virtio_net::Device& net,
                   virtio_net::Bridge& bridge, const Shared& shared, const void* bytes,
                   uint32_t size, uint32_t txid) {
  frameproto::AttachReply reply{};
  reply.magic = frameproto::kMagic;
  reply.op = frameproto::kAttach;
  reply.version = frameproto::kVersion;
  frameproto::AttachRequest request{};
  if (size != sizeof request) {
    reply.error = linux_abi::kEINVAL;
  } else {
    memcpy(&request, bytes, sizeof request);
    if (request.magic != frameproto::kMagic || request.version != frameproto::kVersion) {
      reply.error = linux_abi::kEINVAL;
    } else if (request.op != frameproto::kAttach) {
      reply.op = request.op;
      reply.error = linux_abi::kENOSYS;
    }
  }
  handle_t handles[4] = {};
  uint32_t count = 0;
  if (reply.error == 0) {
    const struct {
      handle_t h;
      uint32_t rights;
    } grants[4] = {
        {shared.pool, tessera::kRightsBasic | tessera::kRightsIo | tessera::kRightMap},
        {shared.rings, tessera::kRightsBasic | tessera::kRightsIo | tessera::kRightMap},
        {shared.to_driver, tessera::kRightWrite | tessera::kRightTransfer},
        {shared.to_client, tessera::kRightWait | tessera::kRightRead | tessera::kRightWrite |
                               tessera::kRightTransfer},
    };
    for (const auto& g : grants) {
      int64_t dup = sys::HandleDuplicate(g.h, g.rights);
      if (dup < 0) {
        reply.error = static_cast<int32_t>(-dup);
        break;
      }
      handles[count++] = static_cast<handle_t>(dup);
    }
    if (reply.error == 0) {
      // The figures so far (a long-running driver logs them at each new session).
      if (bridge.attached())
        PrintStats(name, "a client attached again; figures so far", net, bridge);
      auto r = bridge.Attach(&reply);
      if (r.is_error()) reply.error = static_cast<int32_t>(r.error());
    }
    if (reply.error != 0) {
      for (uint32_t i = 0; i < count; ++i) sys::HandleClose(handles[i]);
      count = 0;
    }
  }
  // A client that went away loses the reply; the handles went with it.
  (void)sys::ChannelWrite(svc, &reply, sizeof reply, handles, count, txid);
}

}  // namespace

// Compiled -ffreestanding (see BUILD), where main has no implicit C linkage.
extern "C" int main(int argc, char** argv) {
  uint64_t bar_sizes[virtio::pci::kBarCount] = {};
  char name[16] = "?";
  const char* bars_arg = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (strncmp(argv[i], "--bars=", 7) == 0) bars_arg = argv[i] + 7;
    if (strncmp(argv[i], "--pci=", 6) == 0) snprintf(name, sizeof(name), "%s", argv[i] + 6);
  }
  tessera::Bootstrap boot;
  if (boot.Load() < 0) {
    printf("virtio_net: error: no bootstrap handles\n");
    return 1;
  }
  handle_t svc = boot.Take("svc");
  handle_t ctl = boot.Take("ctl");
  handle_t dma = boot.Take("dma");
  handle_t device = boot.Take("device");
  if (svc == tessera::kInvalidHandle || device == tessera::kInvalidHandle) {
    printf("virtio_net: error: needs the handles \"device\" and \"svc\"\n");
    return 1;
  }
  if (bars_arg == nullptr || !ParseBars(bars_arg, bar_sizes)) {
    printf("virtio_net: error: a device handle needs --bars=S0,...,S5\n");
    return 1;
  }
  if (dma == tessera::kInvalidHandle) {
    printf("virtio_net: warning: no \"dma\" handle; DMA memory will be refused\n");
  }

  virtio::MappedMmio mmio[virtio::pci::kBarCount];
  virtio::Mmio* bars[virtio::pci::kBarCount] = {};
  for (uint32_t i = 0; i < virtio::pci::kBarCount; ++i) {
    if (bar_sizes[i] == 0) continue;
    int64_t addr = sys::PciMapBar(device, i);
    if (addr < 0) continue;  // EPERM: the MSI-X table's BAR; EINVAL: I/O or absent
    mmio[i] = virtio::MappedMmio(reinterpret_cast<volatile uint8_t*>(addr), bar_sizes[i]);
    bars[i] = &mmio[i];
  }
  // MSI-X when the function has it (ENOSYS: no MSI-X capability), else INTx.
  virtio::Interrupt::Kind irq_kind = virtio::Interrupt::Kind::kMsix;
  int64_t irq = sys::PciRouteMsix(device, 0);
  if (irq == -static_cast<int64_t>(kstd::Error::kNotSupported)) {
    irq_kind = virtio::Interrupt::Kind::kIntx;
    irq = sys::PciRouteIntx(device);
    if (irq < 0) {
      printf("virtio_net: error: %s: no MSI-X, and its INTx cannot be routed: %s\n", name,
             kstd::ErrorName(static_cast<kstd::Error>(-irq)));
      return 1;
    }
  } else if (irq < 0) {
    printf("virtio_net: error: %s: cannot route MSI-X entry 0: %s\n", name,
           kstd::ErrorName(static_cast<kstd::Error>(-irq)));
    return 1;
  }
  virtio::kernel::HandleConfig config(device);
  virtio::kernel::HandleInterrupt interrupt(static_cast<handle_t>(irq), irq_kind, 0);
  virtio::kernel::ContiguousDma dma_alloc(dma);
  virtio_net::Device net(config, bars, dma_alloc, interrupt);

  Shared shared;
  int64_t made = MakeShared(dma, &shared);
  if (made < 0) {
    printf("virtio_net: error: %s: no frame pool: %s\n", name,
           kstd::ErrorName(static_cast<kstd::Error>(-made)));
    return 1;
  }
  virtio_net::Bridge::Memory memory;
  memory.rings = shared.rings_cpu;
  memory.ring_bytes = shared.ring_bytes;
  memory.pool_device = shared.pool_device;
  memory.layout = {kPoolBuffers, kRxBuffers, kRingEntries};
  KernelHost host(shared, name);
  virtio_net::Bridge bridge(net, memory, host);
  auto init = net.Init(bridge);
  if (init.is_error()) {
    printf("virtio_net: error: %s: device initialization failed: %s (%s)\n", name,
           kstd::ErrorName(init.error()), net.failure_reason());
    return 1;
  }
  const virtio_net::Info& info = net.info();
  printf(
      "virtio_net: %s: MAC %02x:%02x:%02x:%02x:%02x:%02x%s, link %s, features %#llx, rx queue %u, "
      "tx queue %u, pool %u x %u bytes, interrupts %s\n",
      name, info.mac[0], info.mac[1], info.mac[2], info.mac[3], info.mac[4], info.mac[5],
      info.mac_from_device ? "" : " (made up)", net.link_up() ? "up" : "down",
      static_cast<unsigned long long>(info.features), info.rx_queue_size, info.tx_queue_size,
      kPoolBuffers, frameproto::kBufferBytes, info.msix ? "MSI-X" : "INTx");
  fflush(stdout);

  static uint8_t message[256];
  handle_t handles[tessera::kMaxMessageHandles];
  for (;;) {
    tessera::WaitItem items[4] = {
        {interrupt.handle(), tessera::kSignalNotified, 0, 0},
        {shared.to_driver, tessera::kSignalNotified, 0, 0},
        {svc, tessera::kSignalReadable | tessera::kSignalPeerClosed, 0, 0},
        {ctl, tessera::kSignalReadable | tessera::kSignalPeerClosed, 0, 0},
    };
    uint32_t count = ctl != tessera::kInvalidHandle ? 4 : 3;
    int64_t deadline = bridge.attached() ? tessera::NowNs() + kPollNs : tessera::kInfinite;
    int64_t w = sys::ObjectWaitMany(items, count, deadline);
    if (ctl != tessera::kInvalidHandle && !ServeControl(ctl)) {
      sys::HandleClose(ctl);
      ctl = tessera::kInvalidHandle;
    }
    if (w == -linux_abi::kETIMEDOUT) {  // a completion whose interrupt went missing is found here
      bridge.Pump();
      continue;
    }
    if (w < 0) {
      printf("virtio_net: error: wait failed: %lld\n", static_cast<long long>(w));
      return 1;
    }
    if (items[0].observed & tessera::kSignalNotified) {
      if (interrupt.kind() == virtio::Interrupt::Kind::kMsix)
        (void)sys::InterruptAck(interrupt.handle());
      bridge.OnInterrupt();
    }
    if (items[1].observed & tessera::kSignalNotified) {
      uint64_t bits = 0;
      (void)sys::NotificationTake(shared.to_driver, &bits);
      bridge.OnClientNotification();
    }
    if (items[2].observed & (tessera::kSignalReadable | tessera::kSignalPeerClosed)) {
      for (;;) {
        tessera::ChannelReadArgs args{};
        args.bytes = message;
        args.handles = handles;
        args.bytes_capacity = sizeof(message);
        args.handles_capacity = tessera::kMaxMessageHandles;
        int64_t r = sys::ChannelRead(svc, &args);
        if (r == -linux_abi::kEAGAIN) break;
        if (r == -linux_abi::kEMSGSIZE) {  // far too big to be ours: take it and drop it
          static uint8_t sink[tessera::kMaxMessageBytes];
          args.bytes = sink;
          args.bytes_capacity = sizeof(sink);
          r = sys::ChannelRead(svc, &args);
          if (r >= 0) {
            for (uint32_t i = 0; i < args.actual_handles; ++i) sys::HandleClose(handles[i]);
            HandleRequest(svc, name, net, bridge, shared, nullptr, 0, args.txid);
          }
          continue;
        }
        if (r < 0) {
          PrintStats(name, "the client closed the channel; stopping", net, bridge);
          return 0;  // EPIPE: the client is gone
        }
        for (uint32_t i = 0; i < args.actual_handles; ++i) sys::HandleClose(handles[i]);
        HandleRequest(svc, name, net, bridge, shared, message, args.actual_bytes, args.txid);
      }
    }
  }
}
