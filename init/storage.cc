#include "init/storage.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "abi/linux/errno.h"
#include "abi/tessera/controlproto.h"
#include "lib/tessera/control.h"
#include "lib/tessera/process.h"
#include "lib/tessera/syscalls.h"

namespace init {
namespace {

using tessera::handle_t;
namespace sys = tessera::sys;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kPciBusyRetryNs = 2'000'000'000;

void SleepNs(int64_t ns) {
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  nanosleep(&ts, nullptr);
}

unsigned long long U(uint64_t v) { return static_cast<unsigned long long>(v); }

}  // namespace

const char* DescribeStatus(int64_t status, char* out, size_t size) {
  if (status < 0) {
    snprintf(out, size, "error %lld", static_cast<long long>(status));
  } else if ((status & 0x7F) != 0) {
    snprintf(out, size, "killed by signal %lld", static_cast<long long>(status & 0x7F));
  } else {
    snprintf(out, size, "exit code %lld", static_cast<long long>((status >> 8) & 0xFF));
  }
  return out;
}

handle_t GrantDma(tessera::Bootstrap& boot) {
  handle_t dma = boot.Find("dma");
  if (dma == tessera::kInvalidHandle) return tessera::kInvalidHandle;
  int64_t dup = sys::HandleDuplicate(
      dma, tessera::kRightTransfer | tessera::kRightWrite | tessera::kRightManage);
  return dup < 0 ? tessera::kInvalidHandle : static_cast<handle_t>(dup);
}

handle_t StartBlockDriver(tessera::Bootstrap& boot, handle_t* process, const PciAddress* at,
                          int64_t* error, handle_t* control, PciAddress* found) {
  int64_t ignored = 0;
  int64_t& failure = error != nullptr ? *error : ignored;
  failure = -linux_abi::kENXIO;
  handle_t root = boot.Find("pci");
  if (root == tessera::kInvalidHandle) return tessera::kInvalidHandle;
  tessera::PciFunctionInfo info{};
  uint32_t index = 0;
  for (;; ++index) {
    if (sys::PciGetInfo(root, index, &info) < 0) return tessera::kInvalidHandle;  // no disk
    if (info.vendor_id != 0x1af4 || info.device_id != 0x1042) continue;
    if (at == nullptr ||
        (info.bus == at->bus && info.device == at->device && info.function == at->function))
      break;
  }
  handle_t exe = boot.Find("virtio_blk");
  if (exe == tessera::kInvalidHandle) {
    printf("init: a virtio-blk disk is attached but there is no virtio_blk module\n");
    failure = -linux_abi::kENODEV;
    return tessera::kInvalidHandle;
  }
  // A driver that just died may still own the function for a moment.
  int64_t device = sys::PciOpen(root, index);
  for (int64_t until = tessera::NowNs() + kPciBusyRetryNs;
       device == -linux_abi::kEBUSY && tessera::NowNs() < until;) {
    SleepNs(20 * kMs);
    device = sys::PciOpen(root, index);
  }
  if (device < 0) {
    printf("init: cannot open the virtio-blk PCI function: %lld\n", static_cast<long long>(device));
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
  // The driver's DMA memory (its queues and its client's shared buffer),
  // and init's control channel to it.
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
  const char* argv[] = {"virtio_blk", pci, bars};
  int64_t child = tessera::Spawn(exe, "virtio_blk", 3, argv, handles, names, count);
  if (child < 0) {
    printf("init: cannot start virtio_blk: %lld\n", static_cast<long long>(child));
    failure = child;
    sys::HandleClose(client_end);
    if (ctl_mine != tessera::kInvalidHandle) sys::HandleClose(ctl_mine);
    return tessera::kInvalidHandle;
  }
  if (control != nullptr) *control = ctl_mine;
  if (found != nullptr) *found = PciAddress{info.bus, info.device, info.function};
  printf("init: started virtio_blk for PCI %s\n", pci + 6);
  failure = 0;
  if (process != nullptr) {
    *process = static_cast<handle_t>(child);
  } else {
    sys::HandleClose(static_cast<handle_t>(child));
  }
  return client_end;
}

int64_t WaitForReady(handle_t ready, int64_t deadline_ns) {
  uint32_t observed = 0;
  if (sys::ObjectWaitOne(ready, tessera::kSignalReadable | tessera::kSignalPeerClosed, deadline_ns,
                         &observed) != 0) {
    return -110;  // ETIMEDOUT
  }
  int64_t value = 0;
  tessera::ChannelReadArgs rd{};
  rd.bytes = &value;
  rd.bytes_capacity = sizeof value;
  // EIO: the server ended without a word, or said something else.
  if (sys::ChannelRead(ready, &rd) < 0 || rd.actual_bytes != sizeof value) return -5;
  if (value > 0 || value < -4095) return -5;
  return value;
}

// ---- StorageStack

StorageStack::StorageStack(tessera::Bootstrap& boot, const RestartPolicy::Config& policy,
                           const Liveness::Config& liveness)
    : boot_(boot) {
  driver_.policy = RestartPolicy(policy);
  server_.policy = RestartPolicy(policy);
  driver_.liveness = Liveness(liveness);
  server_.liveness = Liveness(liveness);
}

uint64_t StorageStack::PidOf(handle_t process) {
  tessera::ProcessStats stats{};
  return sys::ProcessStats(process, &stats) == 0 ? stats.pid : 0;
}

bool StorageStack::StartServer(handle_t block_client, bool reattach) {
  handle_t exe = boot_.Find("fs_server");
  int64_t vfs = sys::HandleDuplicate(boot_.Find("vfs"), tessera::kRightSameRights);
  handle_t ready_mine = tessera::kInvalidHandle, ready_theirs = tessera::kInvalidHandle;
  handle_t ctl_mine = tessera::kInvalidHandle, ctl_theirs = tessera::kInvalidHandle;
  bool channels = sys::ChannelCreate(&ready_mine, &ready_theirs) == 0 &&
                  sys::ChannelCreate(&ctl_mine, &ctl_theirs) == 0;
  if (exe == tessera::kInvalidHandle || vfs < 0 || !channels) {
    printf("init: no fs_server module or vfs right\n");
    const handle_t all[] = {
        block_client, ready_mine, ready_theirs,
        ctl_mine,     ctl_theirs, vfs < 0 ? tessera::kInvalidHandle : static_cast<handle_t>(vfs)};
    for (handle_t h : all) {
      if (h != tessera::kInvalidHandle) sys::HandleClose(h);
    }
    return false;
  }
  handle_t handles[] = {block_client, static_cast<handle_t>(vfs), ready_theirs, ctl_theirs};
  const char* names[] = {"blk", "vfs", "ready", "ctl"};
  const char* plain_argv[] = {"fs_server"};
  const char* reattach_argv[] = {"fs_server", "--reattach", "/"};
  int64_t server = reattach ? tessera::Spawn(exe, "fs_server", 3, reattach_argv, handles, names, 4)
                            : tessera::Spawn(exe, "fs_server", 1, plain_argv, handles, names, 4);
  if (server < 0) {
    printf("init: cannot start fs_server: %lld\n", static_cast<long long>(server));
    sys::HandleClose(ready_mine);
    sys::HandleClose(ctl_mine);
    return false;
  }
  server_.process = static_cast<handle_t>(server);
  server_.pid = PidOf(server_.process);
  CloseHandle(&ready_);
  CloseHandle(&server_.control);
  ready_ = ready_mine;
  server_.control = ctl_mine;
  return true;
}

handle_t AddBlockClient(handle_t control, bool read_only) {
  handle_t drivers = tessera::kInvalidHandle, clients = tessera::kInvalidHandle;
  if (control == tessera::kInvalidHandle || sys::ChannelCreate(&drivers, &clients) < 0) {
    return tessera::kInvalidHandle;
  }
  controlproto::Message m =
      controlproto::Make(controlproto::kAddClient, read_only ? controlproto::kClientReadOnly : 0);
  if (sys::ChannelWrite(control, &m, sizeof m, &drivers, 1, 0) < 0) {
    sys::HandleClose(drivers);
    sys::HandleClose(clients);
    return tessera::kInvalidHandle;
  }
  return clients;
}

handle_t StorageStack::DriverControlFor(const PciAddress& at) const {
  if (!have_disk_ || !(disk_ == at) || driver_.state != State::kUp) return tessera::kInvalidHandle;
  return driver_.control;
}

handle_t StorageStack::StartDriver() {
  CloseHandle(&driver_.control);
  PciAddress found{};
  handle_t client =
      StartBlockDriver(boot_, &driver_.process, nullptr, nullptr, &driver_.control, &found);
  if (client != tessera::kInvalidHandle) {
    disk_ = found;
    have_disk_ = true;
    driver_.pid = PidOf(driver_.process);
    driver_.state = State::kUp;
    driver_.hung = false;
    driver_.liveness.Start(tessera::NowNs());
  }
  return client;
}

bool StorageStack::MountRoot() {
  handle_t block_client = StartDriver();
  if (block_client == tessera::kInvalidHandle) {
    printf("init: no virtio-blk disk; the initramfs stays the root\n");
    return false;
  }
  auto release = [&]() {
    // The driver stops by itself once its client end is closed.
    if (driver_.process != tessera::kInvalidHandle) sys::HandleClose(driver_.process);
    if (server_.process != tessera::kInvalidHandle) sys::HandleClose(server_.process);
    driver_.process = server_.process = tessera::kInvalidHandle;
    CloseChannels();
  };
  if (!StartServer(block_client, false)) {
    printf("init: the initramfs stays the root\n");
    release();
    return false;
  }
  int64_t status = WaitForReady(ready_, tessera::NowNs() + 120'000'000'000);
  sys::HandleClose(ready_);
  ready_ = tessera::kInvalidHandle;
  if (status != 0) {
    printf("init: the disk did not become the root (%lld); the initramfs stays the root\n",
           static_cast<long long>(status));
    release();
    return false;
  }
  printf("init: the root is now the ext2 disk\n");
  printf("init: supervising virtio_blk (pid %llu) and fs_server (pid %llu)\n", U(driver_.pid),
         U(server_.pid));
  server_.state = State::kUp;
  int64_t now = tessera::NowNs();
  driver_.liveness.Start(now);
  server_.liveness.Start(now);
  supervising_ = true;
  return true;
}

size_t StorageStack::FillWaitItems(tessera::WaitItem* items, size_t room) const {
  size_t n = 0;
  if (!supervising_) return 0;
  const handle_t processes[] = {driver_.process, server_.process};
  for (handle_t p : processes) {
    if (p != tessera::kInvalidHandle && n < room)
      items[n++] = {p, tessera::kSignalTerminated, 0, 0};
  }
  if (ready_ != tessera::kInvalidHandle && n < room) {
    items[n++] = {ready_, tessera::kSignalReadable | tessera::kSignalPeerClosed, 0, 0};
  }
  // Pongs (only readability: a service that closed its end is judged by
  // the deadline, and a lasting peer-closed signal would spin the loop).
  const Service* const services[] = {&driver_, &server_};
  for (const Service* s : services) {
    if (s->liveness.watching() && s->control != tessera::kInvalidHandle && n < room)
      items[n++] = {s->control, tessera::kSignalReadable, 0, 0};
  }
  return n;
}

int64_t StorageStack::NextDeadline() const {
  int64_t deadline = tessera::kInfinite;
  auto sooner = [&](int64_t t) {
    if (t < deadline) deadline = t;
  };
  if (!supervising_) return deadline;
  if (server_.state == State::kDown) {
    if (driver_.process == tessera::kInvalidHandle)
      sooner(server_.restart_at_ns);
    else if (kill_driver_at_ns_ != 0)
      sooner(kill_driver_at_ns_);
  } else if (driver_.state == State::kDown) {
    sooner(driver_.restart_at_ns);
  }
  if (server_.state == State::kStarting) sooner(ready_deadline_ns_);
  const Service* const services[] = {&driver_, &server_};
  for (const Service* s : services) {
    int64_t t = s->liveness.NextDeadline();
    if (t != Liveness::kNever) sooner(t);
  }
  return deadline;
}

void StorageStack::Poll() {
  if (!supervising_) return;
  int64_t now = tessera::NowNs();
  // The server first: when it died, the driver ends by itself right after
  // (its client is gone), and that exit must read as expected, not a crash.
  Service* const services[] = {&server_, &driver_};
  for (Service* s : services) {
    if (s->process == tessera::kInvalidHandle) continue;
    int64_t status = sys::ProcessExitCode(s->process);
    if (status == -linux_abi::kEAGAIN) continue;  // still running
    sys::HandleClose(s->process);
    s->process = tessera::kInvalidHandle;
    OnExit(*s, status, now);
  }

  // The restarted server's word: it took the mount over, or not.
  if (server_.state == State::kStarting && ready_ != tessera::kInvalidHandle) {
    int64_t value = 0;
    tessera::ChannelReadArgs rd{};
    rd.bytes = &value;
    rd.bytes_capacity = sizeof value;
    int64_t r = sys::ChannelRead(ready_, &rd);
    if (r >= 0 || r == -linux_abi::kEPIPE) {
      sys::HandleClose(ready_);
      ready_ = tessera::kInvalidHandle;
    }
    if (r >= 0 && rd.actual_bytes == sizeof value && value == 0) {
      server_.state = State::kUp;
      server_.liveness.Start(now);
      printf("init: fs_server (pid %llu) took over the mount on /: the disk works again\n",
             U(server_.pid));
    } else if (r >= 0) {
      // It exits by itself; that exit counts as its crash.
      printf("init: fs_server (pid %llu) could not take over the mount on / (%lld)\n",
             U(server_.pid), static_cast<long long>(value));
    } else if (r != -linux_abi::kEPIPE && now >= ready_deadline_ns_) {
      printf("init: fs_server (pid %llu) did not take over the mount within %lld s; killing it\n",
             U(server_.pid), static_cast<long long>(kReattachTimeoutNs / 1'000'000'000));
      Kill(server_);
      ready_deadline_ns_ = tessera::kInfinite;
    }
  }

  // Pongs first, then the deadlines: an answer that came while init was
  // busy elsewhere still counts.
  for (Service* s : services) {
    if (s->process == tessera::kInvalidHandle || !s->liveness.watching()) continue;
    ReadControl(*s, now);
    CheckLiveness(*s, now);
  }

  // Timed work.
  if (server_.state == State::kDown) {
    if (driver_.process != tessera::kInvalidHandle) {
      if (kill_driver_at_ns_ != 0 && now >= kill_driver_at_ns_) {
        printf("init: virtio_blk (pid %llu) did not stop after fs_server died; killing it\n",
               U(driver_.pid));
        Kill(driver_);
        kill_driver_at_ns_ = 0;
      }
    } else if (now >= server_.restart_at_ns) {
      RestartServer(now);
    }
  } else if (driver_.state == State::kDown && now >= driver_.restart_at_ns) {
    if (driver_stopped_cleanly_) {
      // The server lives on without it after all: a crash like any other.
      driver_stopped_cleanly_ = false;
      Crashed(driver_, now);
    } else {
      RestartDriver(now);
    }
  }
  fflush(stdout);
}

void StorageStack::OnExit(Service& s, int64_t status, int64_t now) {
  char text[48];
  DescribeStatus(status, text, sizeof text);
  s.liveness.Stop();
  const bool hung = s.hung;
  s.hung = false;
  // The server's control channel stays until the next server replaces it
  // (a restarted driver's channel may be on its way); the driver's is done.
  if (&s == &driver_) CloseHandle(&driver_.control);
  if (hung && s.state != State::kGaveUp) {
    printf("init: %s (pid %llu) ended with %s (killed: it did not answer)\n", s.name, U(s.pid),
           text);
    if (&s == &driver_ && server_.state == State::kDown) {
      driver_.state = State::kDown;
      return;
    }
    Crashed(s, now);
    return;
  }
  if (s.state == State::kGaveUp) {
    printf("init: %s (pid %llu) ended with %s\n", s.name, U(s.pid), text);
    return;
  }
  if (&s == &driver_ && server_.state == State::kDown) {
    // Expected: its client, the server, is gone; the restart starts a new one.
    printf("init: %s (pid %llu) ended with %s (its client fs_server is gone)\n", s.name, U(s.pid),
           text);
    driver_.state = State::kDown;
    return;
  }
  if (&s == &driver_ && status == 0) {
    // It stops so when its client closes the channel: the server is dying
    // and its exit may simply not be seen yet. Give it a moment.
    printf("init: %s (pid %llu) ended with %s: its client closed the channel\n", s.name, U(s.pid),
           text);
    driver_.state = State::kDown;
    driver_.restart_at_ns = now + kCleanStopGraceNs;
    driver_stopped_cleanly_ = true;
    return;
  }
  printf("init: %s (pid %llu) crashed: %s\n", s.name, U(s.pid), text);
  Crashed(s, now);
}

void StorageStack::Crashed(Service& s, int64_t now) {
  RestartPolicy::Decision d = s.policy.OnCrash(now);
  if (d.give_up) {
    GiveUp(s, d.recent);
    return;
  }
  s.state = State::kDown;
  s.restart_at_ns = d.restart_at_ns;
  char when[64];
  if (d.restart_at_ns <= now) {
    snprintf(when, sizeof when, "now");
  } else {
    snprintf(when, sizeof when, "in %lld ms (crash %u within %lld s)",
             static_cast<long long>((d.restart_at_ns - now) / kMs), d.recent,
             static_cast<long long>(s.policy.config().window_ns / 1'000'000'000));
  }
  if (&s == &server_) {
    if (ready_ != tessera::kInvalidHandle) {
      sys::HandleClose(ready_);
      ready_ = tessera::kInvalidHandle;
    }
    kill_driver_at_ns_ = driver_.process != tessera::kInvalidHandle ? now + kStopDriverAfterNs : 0;
    // The driver stops by itself (its client is gone) or is killed then.
    driver_.liveness.Stop();
    printf("init: restarting the storage stack (virtio_blk, then fs_server --reattach /) %s\n",
           when);
  } else {
    printf("init: restarting virtio_blk %s; fs_server (pid %llu) gets its channel\n", when,
           U(server_.pid));
  }
}

void StorageStack::GiveUp(const Service& s, uint32_t crashes) {
  printf(
      "init: %s crashed %u times within %lld s: giving up; files on the disk fail with EIO "
      "until the next boot\n",
      s.name, crashes, static_cast<long long>(s.policy.config().window_ns / 1'000'000'000));
  driver_.state = server_.state = State::kGaveUp;
  driver_.liveness.Stop();
  server_.liveness.Stop();
  if (driver_.process != tessera::kInvalidHandle) Kill(driver_);
  if (server_.process != tessera::kInvalidHandle) Kill(server_);
  CloseChannels();
}

void StorageStack::RestartDriver(int64_t now) {
  handle_t client = StartDriver();
  if (client == tessera::kInvalidHandle) {
    printf("init: virtio_blk did not start again\n");
    Crashed(driver_, now);
    return;
  }
  const controlproto::Message attach = controlproto::Make(controlproto::kAttachBlock);
  int64_t sent = sys::ChannelWrite(server_.control, &attach, sizeof attach, &client, 1, 0);
  if (sent < 0) {
    // The handle went with the failed message; the server must be gone too
    // (its exit is handled next).
    printf("init: cannot hand the new virtio_blk to fs_server: %lld\n",
           static_cast<long long>(sent));
    return;
  }
  printf("init: virtio_blk restarted (pid %llu); its channel went to fs_server (pid %llu)\n",
         U(driver_.pid), U(server_.pid));
}

void StorageStack::RestartServer(int64_t now) {
  kill_driver_at_ns_ = 0;
  driver_stopped_cleanly_ = false;
  handle_t client = StartDriver();
  if (client == tessera::kInvalidHandle) {
    printf("init: virtio_blk did not start again; fs_server cannot come back\n");
    Crashed(server_, now);
    return;
  }
  if (!StartServer(client, true)) {
    Crashed(server_, now);  // the new driver stops by itself: its client end is gone
    return;
  }
  server_.state = State::kStarting;
  ready_deadline_ns_ = now + kReattachTimeoutNs;
  printf("init: started fs_server (pid %llu) to take over the mount on /\n", U(server_.pid));
}

void StorageStack::Kill(Service& s) {
  if (s.process != tessera::kInvalidHandle) (void)sys::ProcessKill(s.process, 0);
}

void StorageStack::ReadControl(Service& s, int64_t now) {
  // A bounded number per Poll: a service that floods the channel cannot
  // keep init here (what is left wakes the next round).
  for (int i = 0; i < 16 && s.control != tessera::kInvalidHandle; ++i) {
    controlproto::Message m{};
    handle_t handle = tessera::kInvalidHandle;
    int64_t r = tessera::ReadControl(s.control, &m, &handle);
    if (r < 0) return;  // EAGAIN, EPIPE: the deadline judges
    if (handle != tessera::kInvalidHandle) sys::HandleClose(handle);
    // Not a pong: dropped. A stale or invented txid counts for nothing.
    if (r == 1 && m.op == controlproto::kPong) (void)s.liveness.OnPong(m.txid, now);
  }
}

void StorageStack::CheckLiveness(Service& s, int64_t now) {
  uint64_t txid = 0;
  switch (s.liveness.Due(now, &txid)) {
    case Liveness::Action::kNone: return;
    case Liveness::Action::kPing: {
      const controlproto::Message ping = controlproto::Make(controlproto::kPing, txid);
      // A full or closed channel: no answer comes and the deadline judges.
      (void)sys::ChannelWrite(s.control, &ping, sizeof ping, nullptr, 0, 0);
      return;
    }
    case Liveness::Action::kHung: {
      printf("init: %s (pid %llu) did not answer for %lld s: killed, restarting\n", s.name,
             U(s.pid), static_cast<long long>(s.liveness.config().deadline_ns / 1'000'000'000));
      s.hung = true;
      int64_t killed = sys::ProcessKill(s.process, 0);
      if (killed < 0) {
        // Watched again: the next silence tries once more.
        printf("init: cannot kill %s (pid %llu): %lld\n", s.name, U(s.pid),
               static_cast<long long>(killed));
        s.hung = false;
        s.liveness.Start(now);
      }
      return;
    }
  }
}

void StorageStack::DebugHang(bool server) {
  Service& s = server ? server_ : driver_;
  if (!supervising_ || s.process == tessera::kInvalidHandle ||
      s.control == tessera::kInvalidHandle) {
    printf("init: debug: no %s to hang\n", s.name);
    return;
  }
  const controlproto::Message hang = controlproto::Make(controlproto::kHang);
  int64_t sent = sys::ChannelWrite(s.control, &hang, sizeof hang, nullptr, 0, 0);
  printf("init: debug: told %s (pid %llu) to hang (%lld)\n", s.name, U(s.pid),
         static_cast<long long>(sent));
  fflush(stdout);
}

void StorageStack::CloseHandle(handle_t* h) {
  if (*h != tessera::kInvalidHandle) sys::HandleClose(*h);
  *h = tessera::kInvalidHandle;
}

void StorageStack::CloseChannels() {
  CloseHandle(&ready_);
  CloseHandle(&server_.control);
  CloseHandle(&driver_.control);
}

}  // namespace init
