// coretest's tests of preemption and several threads per process.

#include "abi/linux/errno.h"
#include "abi/linux/signal.h"
#include "testing/guest/coretest.h"

namespace coretest {

// ---------------------------------------------------------------------------
// 2. preemption

void TestPreemption() {
  const char* argv[] = {"spin"};
  handle_t spin = SpawnModule("spin", "spin", 1, argv);
  if (spin == kInvalidHandle) return;
  // Let it get going, then sleep while it spins.
  guest::SleepNs(5 * kMs);
  int64_t t0 = Now();
  int64_t r = guest::SleepNs(50 * kMs);
  int64_t slept = Now() - t0;
  ExpectEq(r, 0, "nanosleep(50 ms)");
  // (Whether a sleep lasts at least as long as asked is the timeouts test's
  // business; here it must not return at once nor starve.)
  EXPECT(slept >= 40 * kMs && slept < 2 * kSec, "a 50 ms sleep took %lld ns beside a spinner",
         LL(slept));
  int64_t t1 = Now();
  for (uint32_t i = 0; i < 100; ++i) {
    if (!EchoCall(5000 + i)) break;
  }
  int64_t calls = Now() - t1;
  EXPECT(calls < 20 * kSec, "100 echo calls beside a spinner took %lld ns", LL(calls));
  tessera::ProcessStats s;
  if (Stats(spin, &s)) {
    EXPECT(s.cpu_time_ns > 0, "the spinner got no CPU time");
    ExpectEq(static_cast<int64_t>(s.threads), 1, "spinner threads");
  }
  ExpectEq(sys::ProcessExitCode(spin), -linux_abi::kEAGAIN,
           "ProcessExitCode of the running spinner");
  Info("50 ms sleep took %lld us and 100 echo calls %lld us beside the spinner (cpu %llu ms)",
       LL(slept / 1000), LL(calls / 1000), ULL(s.cpu_time_ns / kMs));
  ExpectEq(sys::ProcessKill(spin, 0), 0, "ProcessKill(spinner)");
  ExpectEq(WaitAndClose(spin, 5 * kSec), linux_abi::kSigKill, "wait status of the killed spinner");
}

// ---------------------------------------------------------------------------
// 11. several threads per process

constexpr int kWorkers = 4;
struct alignas(64) Counter {
  volatile uint64_t value;
  int64_t tid;
};
Counter g_counters[kWorkers];
volatile int g_stop;
handle_t g_workers_done;

void CounterThreadMain(uint64_t index) {
  g_counters[index].tid = Syscall(tessera::kNrLinuxGettid);
  while (__atomic_load_n(&g_stop, __ATOMIC_RELAXED) == 0) {
    g_counters[index].value = g_counters[index].value + 1;
  }
  sys::NotificationSignal(g_workers_done, 1ULL << index);
  guest::ExitThread();
}

void TestThreads() {
  // Bad thread parameters are refused.
  void* stack = guest::MapAnon(4096);
  if (stack != nullptr) {
    uint64_t entry = reinterpret_cast<uint64_t>(&CounterThreadMain);
    ExpectEq(sys::ThreadCreate(entry, Addr(stack) + 4096 - 8, 0), -linux_abi::kEINVAL,
             "ThreadCreate with a misaligned stack");
    ExpectEq(sys::ThreadCreate(0xffffffff80000000ULL, Addr(stack) + 4096, 0), -linux_abi::kEINVAL,
             "ThreadCreate with a kernel entry point");
    ExpectEq(sys::ThreadCreate(entry, 0xffff800000010000ULL, 0), -linux_abi::kEINVAL,
             "ThreadCreate with a kernel stack");
    guest::Unmap(stack, 4096);
  }

  g_workers_done = CreateNotification();
  g_stop = 0;
  Worker w[kWorkers];
  for (Counter& c : g_counters) {
    c.value = 0;
    c.tid = 0;
  }
  int started = 0;
  for (int i = 0; i < kWorkers; ++i) {
    if (!StartWorker(CounterThreadMain, static_cast<uint64_t>(i), &w[i])) break;
    ++started;
  }
  tessera::ProcessStats s;
  if (Stats(kInvalidHandle, &s)) {
    ExpectEq(static_cast<int64_t>(s.threads), 1 + started, "threads with the workers running");
  }
  int64_t t0 = Now();
  guest::SleepNs(100 * kMs);
  int64_t slept = Now() - t0;
  uint64_t first[kWorkers];
  for (int i = 0; i < kWorkers; ++i) first[i] = g_counters[i].value;
  // Every worker must keep going: wait (boundedly) until each has moved on
  // from its first reading. With 10 ms slices that takes one round or two.
  int64_t progress_deadline = Now() + 2 * kSec;
  for (;;) {
    bool all_moved = true;
    for (int i = 0; i < started; ++i) all_moved = all_moved && g_counters[i].value > first[i];
    if (all_moved || Now() > progress_deadline) break;
    guest::SleepNs(10 * kMs);
  }
  __atomic_store_n(&g_stop, 1, __ATOMIC_SEQ_CST);
  EXPECT(slept < 2 * kSec, "a 100 ms sleep beside %d busy threads took %lld ns", started,
         LL(slept));
  uint64_t all = (1ULL << started) - 1, seen = 0;
  int64_t deadline = Now() + 5 * kSec;
  while (seen != all && Now() < deadline) {
    uint32_t observed = 0;
    if (sys::ObjectWaitOne(g_workers_done, tessera::kSignalNotified, deadline, &observed) != 0)
      break;
    uint64_t bits = 0;
    sys::NotificationTake(g_workers_done, &bits);
    seen |= bits;
  }
  EXPECT(seen == all, "workers that finished: %#llx of %#llx", ULL(seen), ULL(all));
  ExpectEq(started, kWorkers, "workers started");
  int64_t self_tid = Syscall(tessera::kNrLinuxGettid);
  for (int i = 0; i < started; ++i) {
    EXPECT(first[i] > 0, "worker %d made no progress in the first 100 ms", i);
    EXPECT(g_counters[i].value > first[i], "worker %d made no progress in the 2 s after", i);
    EXPECT(g_counters[i].tid > 0 && g_counters[i].tid != self_tid, "worker %d has tid %lld", i,
           LL(g_counters[i].tid));
    for (int j = 0; j < i; ++j) {
      EXPECT(g_counters[i].tid != g_counters[j].tid, "workers %d and %d share tid %lld", i, j,
             LL(g_counters[i].tid));
    }
  }
  Info("in 100 ms: %llu, %llu, %llu, %llu iterations", ULL(first[0]), ULL(first[1]), ULL(first[2]),
       ULL(first[3]));
  ReleaseWorkers(w, static_cast<size_t>(started));
  CloseOwn(g_workers_done);
}

}  // namespace coretest
