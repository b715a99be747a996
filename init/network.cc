#include "init/network.h"

#include <stdio.h>
#include <time.h>

#include "abi/linux/errno.h"
#include "abi/tessera/controlproto.h"
#include "init/service_watch.h"
#include "init/storage.h"
#include "lib/tessera/control.h"
#include "lib/tessera/process.h"
#include "lib/tessera/syscalls.h"

namespace init {
namespace {

using tessera::handle_t;
namespace sys = tessera::sys;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kPciBusyRetryNs = 2'000'000'000;
constexpr uint16_t kVirtioVendor = 0x1af4;
constexpr uint16_t kVirtioNetModern = 0x1041;

void SleepNs(int64_t ns) {
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  nanosleep(&ts, nullptr);
}

unsigned long long U(uint64_t v) { return static_cast<unsigned long long>(v); }

uint64_t PidOf(handle_t process) {
  tessera::ProcessStats stats{};
  return sys::ProcessStats(process, &stats) == 0 ? stats.pid : 0;
}

}  // namespace

handle_t StartNetDriver(tessera::Bootstrap& boot, handle_t* process, int64_t* error,
                        handle_t* control) {
  int64_t ignored = 0;
  int64_t& failure = error != nullptr ? *error : ignored;
  failure = -linux_abi::kENXIO;
  handle_t root = boot.Find("pci");
  if (root == tessera::kInvalidHandle) return tessera::kInvalidHandle;
  tessera::PciFunctionInfo info{};
  uint32_t index = 0;
  for (;; ++index) {
    if (sys::PciGetInfo(root, index, &info) < 0) return tessera::kInvalidHandle;  // no NIC
    if (info.vendor_id == kVirtioVendor && info.device_id == kVirtioNetModern) break;
  }
  handle_t exe = boot.Find("virtio_net");
  if (exe == tessera::kInvalidHandle) {
    printf("init: a virtio-net NIC is attached but there is no virtio_net module\n");
    failure = -linux_abi::kENODEV;
    return tessera::kInvalidHandle;
  }
  int64_t device = sys::PciOpen(root, index);
  for (int64_t until = tessera::NowNs() + kPciBusyRetryNs;
       device == -linux_abi::kEBUSY && tessera::NowNs() < until;) {
    SleepNs(20 * kMs);
    device = sys::PciOpen(root, index);
  }
  if (device < 0) {
    printf("init: cannot open the virtio-net PCI function: %lld\n", static_cast<long long>(device));
    failure = device;
    return tessera::kInvalidHandle;
  }
  failure = -linux_abi::kENOMEM;
  handle_t driver_end, client_end;
  if (sys::ChannelCreate(&driver_end, &client_end) < 0) {
    sys::HandleClose(static_cast<handle_t>(device));
    return tessera::kInvalidHandle;
  }
  handle_t ctl_mine = tessera::kInvalidHandle, ctl_theirs = tessera::kInvalidHandle;
  if (control != nullptr && sys::ChannelCreate(&ctl_mine, &ctl_theirs) < 0) {
    sys::HandleClose(static_cast<handle_t>(device));
    sys::HandleClose(driver_end);
    sys::HandleClose(client_end);
    return tessera::kInvalidHandle;
  }
  char pci[32], bars[160];
  snprintf(pci, sizeof pci, "--pci=%02x:%02x.%x", info.bus, info.device, info.function);
  int used = snprintf(bars, sizeof bars, "--bars=");
  for (int i = 0; i < 6; ++i) {
    uint64_t size = (info.bars[i].flags & tessera::kPciBarIo) ? 0 : info.bars[i].size;
    used += snprintf(bars + used, sizeof bars - used, i ? ",%llu" : "%llu", U(size));
  }
  // Only what it needs: its function, DMA memory (queues, headers, the
  // frame pool), its service channel and init's control channel.
  handle_t dma = GrantDma(boot);
  handle_t handles[4] = {static_cast<handle_t>(device), driver_end};
  const char* names[4] = {"device", "svc"};
  uint32_t count = 2;
  if (dma != tessera::kInvalidHandle) {
    handles[count] = dma;
    names[count++] = "dma";
  }
  if (control != nullptr) {
    handles[count] = ctl_theirs;
    names[count++] = "ctl";
  }
  const char* argv[] = {"virtio_net", pci, bars};
  int64_t child = tessera::Spawn(exe, "virtio_net", 3, argv, handles, names, count);
  if (child < 0) {
    printf("init: cannot start virtio_net: %lld\n", static_cast<long long>(child));
    failure = child;
    sys::HandleClose(client_end);
    if (ctl_mine != tessera::kInvalidHandle) sys::HandleClose(ctl_mine);
    return tessera::kInvalidHandle;
  }
  if (control != nullptr) *control = ctl_mine;
  printf("init: started virtio_net for PCI %s\n", pci + 6);
  failure = 0;
  if (process != nullptr) {
    *process = static_cast<handle_t>(child);
  } else {
    sys::HandleClose(static_cast<handle_t>(child));
  }
  return client_end;
}

int64_t SendFrameChannel(handle_t server_ctl, handle_t channel) {
  const controlproto::Message m = controlproto::Make(controlproto::kAttachFrames);
  // The handle leaves our table with the message, also when the server's
  // end is gone (it is closed with the message then).
  int64_t r = sys::ChannelWrite(server_ctl, &m, sizeof m, &channel, 1, 0);
  return r < 0 ? r : 0;
}

Network::Network(tessera::Bootstrap& boot, const RestartPolicy::Config& policy,
                 const Liveness::Config& liveness)
    : boot_(boot), policy_(policy), liveness_(liveness) {}

Network::~Network() {
  CloseHandle(&process_);
  CloseHandle(&control_);
  CloseHandle(&server_channel_);
}

void Network::CloseHandle(handle_t* h) {
  if (*h != tessera::kInvalidHandle) sys::HandleClose(*h);
  *h = tessera::kInvalidHandle;
}

bool Network::StartDriver(bool restart) {
  CloseHandle(&control_);
  int64_t error = 0;
  handle_t client = StartNetDriver(boot_, &process_, &error, &control_);
  if (client == tessera::kInvalidHandle) return false;
  pid_ = PidOf(process_);
  state_ = State::kUp;
  hung_ = false;
  liveness_.Start(tessera::NowNs());
  if (restart && hook_ != nullptr) {
    hook_(hook_context_, client);
  } else {
    CloseHandle(&server_channel_);
    server_channel_ = client;
  }
  return true;
}

bool Network::Start() {
  if (supervising_) return true;
  if (!StartDriver(false)) return false;
  supervising_ = true;
  printf("init: supervising virtio_net (pid %llu)\n", U(pid_));
  fflush(stdout);
  return true;
}

handle_t Network::TakeServerChannel() {
  handle_t h = server_channel_;
  server_channel_ = tessera::kInvalidHandle;
  return h;
}

size_t Network::FillWaitItems(tessera::WaitItem* items, size_t room) const {
  size_t n = 0;
  if (!supervising_) return 0;
  if (process_ != tessera::kInvalidHandle && n < room)
    items[n++] = {process_, tessera::kSignalTerminated, 0, 0};
  if (liveness_.watching() && control_ != tessera::kInvalidHandle && n < room)
    items[n++] = {control_, tessera::kSignalReadable, 0, 0};
  return n;
}

int64_t Network::NextDeadline() const {
  if (!supervising_) return tessera::kInfinite;
  int64_t deadline = tessera::kInfinite;
  if (state_ == State::kDown) deadline = restart_at_ns_;
  int64_t t = liveness_.NextDeadline();
  if (t != Liveness::kNever && t < deadline) deadline = t;
  return deadline;
}

void Network::Poll() {
  if (!supervising_) return;
  int64_t now = tessera::NowNs();
  if (process_ != tessera::kInvalidHandle) {
    int64_t status = sys::ProcessExitCode(process_);
    if (status != -linux_abi::kEAGAIN) {
      CloseHandle(&process_);
      OnExit(status, now);
    }
  }
  if (process_ != tessera::kInvalidHandle && liveness_.watching()) {
    ReadPongs(control_, liveness_, now);
    if (PingOrKill("virtio_net", pid_, control_, process_, liveness_, now)) hung_ = true;
  }
  if (state_ == State::kDown && now >= restart_at_ns_) {
    if (StartDriver(true)) {
      ++restarts_;
      printf("init: virtio_net restarted (pid %llu)%s\n", U(pid_),
             hook_ != nullptr ? "; its channel went to the network server" : "");
    } else {
      printf("init: virtio_net did not start again\n");
      OnExit(-1, now);
    }
  }
  fflush(stdout);
}

void Network::OnExit(int64_t status, int64_t now) {
  char text[48];
  DescribeStatus(status, text, sizeof text);
  liveness_.Stop();
  CloseHandle(&control_);
  if (status >= 0) {
    printf("init: virtio_net (pid %llu) %s %s%s\n", U(pid_),
           hung_ ? "ended with" : (status == 0 ? "ended with" : "crashed:"), text,
           hung_ ? " (killed: it did not answer)"
                 : (status == 0 ? ": its client closed the channel" : ""));
  }
  hung_ = false;
  if (!supervising_ || state_ == State::kGaveUp) return;
  RestartPolicy::Decision d = policy_.OnCrash(now);
  if (d.give_up) {
    printf(
        "init: virtio_net crashed %u times within %lld s: giving up; no network until the "
        "next boot\n",
        d.recent, static_cast<long long>(policy_.config().window_ns / 1'000'000'000));
    state_ = State::kGaveUp;
    return;
  }
  state_ = State::kDown;
  restart_at_ns_ = d.restart_at_ns;
  if (d.restart_at_ns <= now) {
    printf("init: restarting virtio_net now\n");
  } else {
    printf("init: restarting virtio_net in %lld ms (crash %u within %lld s)\n",
           static_cast<long long>((d.restart_at_ns - now) / kMs), d.recent,
           static_cast<long long>(policy_.config().window_ns / 1'000'000'000));
  }
}

void Network::DebugHang() {
  if (!supervising_ || process_ == tessera::kInvalidHandle || control_ == tessera::kInvalidHandle) {
    printf("init: debug: no virtio_net to hang\n");
    return;
  }
  const controlproto::Message hang = controlproto::Make(controlproto::kHang);
  int64_t sent = sys::ChannelWrite(control_, &hang, sizeof hang, nullptr, 0, 0);
  printf("init: debug: told virtio_net (pid %llu) to hang (%lld)\n", U(pid_),
         static_cast<long long>(sent));
  fflush(stdout);
}

}  // namespace init
