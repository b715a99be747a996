#include "init/net_server.h"

#include <stdio.h>

#include "abi/linux/errno.h"
#include "init/service_watch.h"
#include "init/storage.h"
#include "lib/tessera/process.h"
#include "lib/tessera/syscalls.h"

namespace init {
namespace {

using tessera::handle_t;
namespace sys = tessera::sys;

constexpr int64_t kMs = 1'000'000;

unsigned long long U(uint64_t v) { return static_cast<unsigned long long>(v); }

void CloseHandle(handle_t* h) {
  if (*h != tessera::kInvalidHandle) sys::HandleClose(*h);
  *h = tessera::kInvalidHandle;
}

}  // namespace

NetServer::NetServer(tessera::Bootstrap& boot, Network* network,
                     const RestartPolicy::Config& policy, const Liveness::Config& liveness)
    : boot_(boot), network_(network), policy_(policy), liveness_(liveness) {}

void NetServer::OnDriverRestarted(void* context, handle_t channel) {
  auto* self = static_cast<NetServer*>(context);
  if (self->state_ == State::kUp && self->control_ != tessera::kInvalidHandle &&
      SendFrameChannel(self->control_, channel) == 0) {
    return;
  }
  CloseHandle(&self->frames_);  // the newest driver wins
  self->frames_ = channel;
}

bool NetServer::StartServer() {
  handle_t exe = boot_.Find("net_server");
  handle_t net = boot_.Find("net");
  if (exe == tessera::kInvalidHandle || net == tessera::kInvalidHandle) {
    printf("init: no net_server module (or no net resource): no AF_INET sockets\n");
    return false;
  }
  int64_t right = sys::HandleDuplicate(net, tessera::kRightSameRights);
  handle_t ctl_mine = tessera::kInvalidHandle, ctl_theirs = tessera::kInvalidHandle;
  if (right < 0 || sys::ChannelCreate(&ctl_mine, &ctl_theirs) < 0) {
    if (right >= 0) sys::HandleClose(static_cast<handle_t>(right));
    printf("init: cannot prepare net_server's handles\n");
    return false;
  }
  if (frames_ == tessera::kInvalidHandle && network_ != nullptr)
    frames_ = network_->TakeServerChannel();
  handle_t handles[3] = {static_cast<handle_t>(right), ctl_theirs, frames_};
  const char* names[3] = {"net", "ctl", "frames"};
  uint32_t count = frames_ != tessera::kInvalidHandle ? 3 : 2;
  const char* argv[] = {"net_server"};
  int64_t child = tessera::Spawn(exe, "net_server", 1, argv, handles, names, count);
  frames_ = tessera::kInvalidHandle;  // moved (or closed) with the spawn
  if (child < 0) {
    sys::HandleClose(ctl_mine);
    printf("init: cannot start net_server: %lld\n", static_cast<long long>(child));
    return false;
  }
  process_ = static_cast<handle_t>(child);
  control_ = ctl_mine;
  tessera::ProcessStats stats{};
  pid_ = sys::ProcessStats(process_, &stats) == 0 ? stats.pid : 0;
  state_ = State::kUp;
  hung_ = false;
  liveness_.Start(tessera::NowNs());
  return true;
}

bool NetServer::Start() {
  if (supervising_) return true;
  if (network_ != nullptr) network_->SetRestartHook(&NetServer::OnDriverRestarted, this);
  if (!StartServer()) return false;
  supervising_ = true;
  printf("init: supervising net_server (pid %llu)\n", U(pid_));
  fflush(stdout);
  return true;
}

size_t NetServer::FillWaitItems(tessera::WaitItem* items, size_t room) const {
  size_t n = 0;
  if (!supervising_) return 0;
  if (process_ != tessera::kInvalidHandle && n < room)
    items[n++] = {process_, tessera::kSignalTerminated, 0, 0};
  if (liveness_.watching() && control_ != tessera::kInvalidHandle && n < room)
    items[n++] = {control_, tessera::kSignalReadable, 0, 0};
  return n;
}

int64_t NetServer::NextDeadline() const {
  if (!supervising_) return tessera::kInfinite;
  int64_t deadline = tessera::kInfinite;
  if (state_ == State::kDown) deadline = restart_at_ns_;
  int64_t t = liveness_.NextDeadline();
  if (t != Liveness::kNever && t < deadline) deadline = t;
  return deadline;
}

void NetServer::Poll() {
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
    if (PingOrKill("net_server", pid_, control_, process_, liveness_, now)) hung_ = true;
  }
  if (state_ == State::kDown && now >= restart_at_ns_) {
    if (StartServer()) {
      printf("init: net_server restarted (pid %llu)\n", U(pid_));
    } else {
      OnExit(-1, now);
    }
  }
  fflush(stdout);
}

void NetServer::OnExit(int64_t status, int64_t now) {
  char text[48];
  DescribeStatus(status, text, sizeof text);
  liveness_.Stop();
  CloseHandle(&control_);
  state_ = State::kDown;
  if (status >= 0) {
    printf("init: net_server (pid %llu) %s %s%s; its sockets were reset\n", U(pid_),
           status == 0 && !hung_ ? "ended with" : "crashed:", text,
           hung_ ? " (killed: it did not answer)" : "");
  }
  hung_ = false;
  if (!supervising_) return;
  RestartPolicy::Decision d = policy_.OnCrash(now);
  if (d.give_up) {
    printf(
        "init: net_server crashed %u times within %lld s: giving up; no AF_INET sockets until "
        "the next boot\n",
        d.recent, static_cast<long long>(policy_.config().window_ns / 1'000'000'000));
    state_ = State::kGaveUp;
    return;
  }
  restart_at_ns_ = d.restart_at_ns;
  if (d.restart_at_ns > now) {
    printf("init: restarting net_server in %lld ms\n",
           static_cast<long long>((d.restart_at_ns - now) / kMs));
  }
}

}  // namespace init
