// corebench: measures the core's basic costs. init runs it in
// `tessera.test=bench` mode with a handle to every boot module; `bazel run
// //testing/bench:core` boots that ISO and prints the results. One line per
// metric, all times in nanoseconds of CLOCK_MONOTONIC (the TSC):
//
//   corebench: <metric> median=<ns> min=<ns> max=<ns> iterations=<n>
//
// median/min/max are over samples; `iterations` counts the operations timed.
// Metrics:
//   ipc_call_64B          one ChannelCall of 64 bytes to echo_server in another
//                         process and its 64-byte reply (a sample per call; it
//                         includes one ClockMonotonic call)
//   null_syscall_getpid   Linux getpid (39) by a raw `syscall` (samples of 100
//                         calls, divided by 100)
//   null_syscall_clock    the native ClockMonotonic (samples of 100 calls)
//   thread_switch_notify  two threads of one process bouncing on two
//                         notifications: half a round trip (signal, wake,
//                         switch, wait/take), a sample per round trip
//   thread_switch_yield   two threads of one process calling sched_yield in
//                         turn: time per switch (samples of 100 yields by one
//                         thread = 200 switches)
//   process_spawn_exit_wait  ProcessSpawn of the `nop` module, its exit, and
//                         WaitForExit + HandleClose (a sample per process)
//
// Runs in QEMU's TCG, so figures are emulation costs: compare runs, not machines.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tessera/bootstrap.h"
#include "lib/tessera/process.h"
#include "lib/tessera/syscalls.h"
#include "testing/guest/guest_util.h"

namespace {

namespace sys = tessera::sys;
using tessera::handle_t;
using tessera::kInvalidHandle;

int64_t Now() { return sys::ClockMonotonic(); }

int CompareInt64(const void* a, const void* b) {
  int64_t x = *static_cast<const int64_t*>(a), y = *static_cast<const int64_t*>(b);
  return x < y ? -1 : x > y;
}

constexpr int kMaxSamples = 5000;
int64_t g_samples[kMaxSamples];

void Report(const char* metric, int64_t* samples, int n, int64_t iterations) {
  qsort(samples, static_cast<size_t>(n), sizeof samples[0], CompareInt64);
  printf("corebench: %s median=%lld min=%lld max=%lld iterations=%lld\n", metric,
         static_cast<long long>(samples[n / 2]), static_cast<long long>(samples[0]),
         static_cast<long long>(samples[n - 1]), static_cast<long long>(iterations));
  fflush(stdout);
}

int Error(const char* what, int64_t value) {
  printf("corebench: error: %s (%lld)\n", what, static_cast<long long>(value));
  fflush(stdout);
  return 1;
}

tessera::Bootstrap g_boot;

int BenchIpc() {
  handle_t exe = g_boot.Find("echo_server");
  if (exe == kInvalidHandle) return Error("no echo_server module", 0);
  handle_t server_end, client_end;
  int64_t r = sys::ChannelCreate(&server_end, &client_end);
  if (r != 0) return Error("ChannelCreate", r);
  const char* names[] = {"svc"};
  const char* argv[] = {"echo_server"};
  int64_t server = tessera::Spawn(exe, "echo_server", 1, argv, &server_end, names, 1);
  if (server <= 0) return Error("spawning echo_server", server);
  constexpr int kWarmup = 100, kCalls = 3000;
  uint8_t out[64], in[64];
  for (int i = 0; i < kWarmup + kCalls; ++i) {
    for (int b = 0; b < 64; ++b) out[b] = static_cast<uint8_t>(i + b);
    tessera::ChannelCallArgs args{};
    args.write_bytes = out;
    args.write_num_bytes = sizeof out;
    args.read_bytes = in;
    args.read_bytes_capacity = sizeof in;
    args.deadline = tessera::kInfinite;
    int64_t t0 = Now();
    r = sys::ChannelCall(client_end, &args);
    int64_t dt = Now() - t0;
    if (r != 0 || args.actual_bytes != 64 || memcmp(in, out, 64) != 0) {
      return Error("echo call failed or came back wrong", r);
    }
    if (i >= kWarmup) g_samples[i - kWarmup] = dt;
  }
  Report("ipc_call_64B", g_samples, kCalls, kCalls);
  sys::HandleClose(client_end);
  int64_t status =
      tessera::WaitForExit(static_cast<handle_t>(server), guest::DeadlineIn(5'000'000'000));
  sys::HandleClose(static_cast<handle_t>(server));
  if (status != 0) return Error("echo_server's wait status", status);
  return 0;
}

template <typename F>
void BatchBench(const char* metric, F op) {
  constexpr int kBatch = 100, kSamples = 2000;
  for (int i = 0; i < kBatch; ++i) op();  // warm-up
  for (int s = 0; s < kSamples; ++s) {
    int64_t t0 = Now();
    for (int i = 0; i < kBatch; ++i) op();
    g_samples[s] = (Now() - t0) / kBatch;
  }
  Report(metric, g_samples, kSamples, static_cast<int64_t>(kSamples) * kBatch);
}

// Thread ping-pong on two notifications (the partner runs without TLS: raw calls only).
struct PingPong {
  handle_t ping, pong;
  int stop;
};
PingPong g_pp;

void PongThread(uint64_t) {
  for (;;) {
    uint32_t observed = 0;
    if (sys::ObjectWaitOne(g_pp.ping, tessera::kSignalNotified, tessera::kInfinite, &observed) != 0)
      break;
    uint64_t bits = 0;
    sys::NotificationTake(g_pp.ping, &bits);
    if (__atomic_load_n(&g_pp.stop, __ATOMIC_SEQ_CST) != 0) break;
    sys::NotificationSignal(g_pp.pong, 1);
  }
  sys::NotificationSignal(g_pp.pong, 2);  // gone
  guest::ExitThread();
}

int WaitThreadsGone() {
  int64_t deadline = Now() + 5'000'000'000;
  for (;;) {
    tessera::ProcessStats s{};
    if (sys::ProcessStats(kInvalidHandle, &s) == 0 && s.threads == 1) return 0;
    if (Now() > deadline) return Error("a benchmark thread did not exit", 0);
    guest::SleepNs(1'000'000);
  }
}

int BenchThreadNotify() {
  int64_t a = sys::NotificationCreate(), b = sys::NotificationCreate();
  if (a <= 0 || b <= 0) return Error("NotificationCreate", a <= 0 ? a : b);
  g_pp = {static_cast<handle_t>(a), static_cast<handle_t>(b), 0};
  void* stack = nullptr;
  int64_t tid = guest::StartThread(PongThread, 0, &stack);
  if (tid <= 0) return Error("ThreadCreate", tid);
  constexpr int kWarmup = 100, kRounds = 3000;
  for (int i = 0; i < kWarmup + kRounds; ++i) {
    int64_t t0 = Now();
    sys::NotificationSignal(g_pp.ping, 1);
    uint32_t observed = 0;
    int64_t r = sys::ObjectWaitOne(g_pp.pong, tessera::kSignalNotified,
                                   guest::DeadlineIn(5'000'000'000), &observed);
    uint64_t bits = 0;
    sys::NotificationTake(g_pp.pong, &bits);
    int64_t dt = Now() - t0;
    if (r != 0 || bits != 1) return Error("notification ping-pong broke", r);
    if (i >= kWarmup) g_samples[i - kWarmup] = dt / 2;
  }
  Report("thread_switch_notify", g_samples, kRounds, kRounds * 2);
  __atomic_store_n(&g_pp.stop, 1, __ATOMIC_SEQ_CST);
  sys::NotificationSignal(g_pp.ping, 1);
  if (WaitThreadsGone() != 0) return 1;
  guest::Unmap(stack, guest::kThreadStackBytes);
  sys::HandleClose(g_pp.ping);
  sys::HandleClose(g_pp.pong);
  return 0;
}

int g_yield_stop;
uint64_t g_partner_yields;

void YieldThread(uint64_t) {
  while (__atomic_load_n(&g_yield_stop, __ATOMIC_RELAXED) == 0) {
    guest::Syscall(tessera::kNrLinuxSchedYield);
    __atomic_fetch_add(&g_partner_yields, 1, __ATOMIC_RELAXED);
  }
  guest::ExitThread();
}

int BenchThreadYield() {
  g_yield_stop = 0;
  g_partner_yields = 0;
  void* stack = nullptr;
  int64_t tid = guest::StartThread(YieldThread, 0, &stack);
  if (tid <= 0) return Error("ThreadCreate", tid);
  while (__atomic_load_n(&g_partner_yields, __ATOMIC_RELAXED) == 0)
    guest::Syscall(tessera::kNrLinuxSchedYield);
  constexpr int kBatch = 100, kSamples = 2000;
  uint64_t partner_before = __atomic_load_n(&g_partner_yields, __ATOMIC_RELAXED);
  for (int s = 0; s < kSamples; ++s) {
    int64_t t0 = Now();
    for (int i = 0; i < kBatch; ++i) guest::Syscall(tessera::kNrLinuxSchedYield);
    g_samples[s] = (Now() - t0) / (2 * kBatch);
  }
  uint64_t partner = __atomic_load_n(&g_partner_yields, __ATOMIC_RELAXED) - partner_before;
  __atomic_store_n(&g_yield_stop, 1, __ATOMIC_SEQ_CST);
  // Each of our yields must have let the partner run, or this measured no switch.
  if (partner < static_cast<uint64_t>(kSamples) * kBatch * 9 / 10) {
    return Error("sched_yield did not alternate the two threads (partner yields)",
                 static_cast<int64_t>(partner));
  }
  Report("thread_switch_yield", g_samples, kSamples, static_cast<int64_t>(kSamples) * kBatch * 2);
  if (WaitThreadsGone() != 0) return 1;
  guest::Unmap(stack, guest::kThreadStackBytes);
  return 0;
}

int BenchSpawn() {
  handle_t exe = g_boot.Find("nop");
  if (exe == kInvalidHandle) return Error("no nop module", 0);
  constexpr int kWarmup = 10, kProcesses = 300;
  const char* argv[] = {"nop"};
  for (int i = 0; i < kWarmup + kProcesses; ++i) {
    int64_t t0 = Now();
    int64_t p = tessera::Spawn(exe, "nop", 1, argv);
    if (p <= 0) return Error("spawning nop", p);
    int64_t status =
        tessera::WaitForExit(static_cast<handle_t>(p), guest::DeadlineIn(10'000'000'000));
    sys::HandleClose(static_cast<handle_t>(p));
    int64_t dt = Now() - t0;
    if (status != 0) return Error("nop's wait status", status);
    if (i >= kWarmup) g_samples[i - kWarmup] = dt;
  }
  Report("process_spawn_exit_wait", g_samples, kProcesses, kProcesses);
  return 0;
}

}  // namespace

int main() {
  int loaded = g_boot.Load();
  if (loaded < 0) return Error("Bootstrap::Load", loaded);
  if (BenchIpc() != 0) return 1;
  BatchBench("null_syscall_getpid", [] { guest::Syscall(tessera::kNrLinuxGetpid); });
  BatchBench("null_syscall_clock", [] { sys::ClockMonotonic(); });
  if (BenchThreadNotify() != 0) return 1;
  if (BenchThreadYield() != 0) return 1;
  if (BenchSpawn() != 0) return 1;
  return 0;
}
