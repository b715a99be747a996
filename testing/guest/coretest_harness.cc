// coretest's harness: reporting, the handles the suite holds, spawning, waits,
// worker threads and the echo server.

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "testing/guest/coretest.h"

namespace coretest {

// ---------------------------------------------------------------------------
// Reporting

struct TestState {
  const char* name = "";
  bool failed = false;
  int extra_failures = 0;
  char why[512] = {};
};

TestState* g_test = nullptr;
int g_passed = 0;
int g_failed = 0;

// Records a failure of the running test; the first reason is the one shown.
// Later failures are printed at once as "also:" lines (up to a limit).
__attribute__((format(printf, 1, 2))) void Fail(const char* fmt, ...) {
  char why[sizeof g_test->why];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  if (!g_test->failed) {
    g_test->failed = true;
    memcpy(g_test->why, why, sizeof why);
    return;
  }
  if (++g_test->extra_failures <= 20) {
    printf("coretest: info %s: also: %s\n", g_test->name, why);
    fflush(stdout);
  }
}

bool Failed() { return g_test->failed; }

bool ExpectEq(int64_t got, int64_t want, const char* what) {
  if (got == want) return true;
  Fail("%s: got %lld, want %lld", what, LL(got), LL(want));
  return false;
}

__attribute__((format(printf, 1, 2))) void Info(const char* fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  printf("coretest: info %s: %s\n", g_test->name, line);
  fflush(stdout);
}

void Run(const char* name, void (*fn)()) {
  TestState state;
  state.name = name;
  g_test = &state;
  fn();
  if (state.failed) {
    ++g_failed;
    if (state.extra_failures > 0) {
      printf("coretest: FAIL %s: %s (and %d more failed check(s))\n", name, state.why,
             state.extra_failures);
    } else {
      printf("coretest: FAIL %s: %s\n", name, state.why);
    }
  } else {
    ++g_passed;
    printf("coretest: PASS %s\n", name);
  }
  fflush(stdout);
  g_test = nullptr;
}

// ---------------------------------------------------------------------------
// The handles coretest holds. Every handle it gets goes in here and leaves on
// close or transfer, so the handle-isolation test knows every valid value
// (checked against ProcessStats::handles).

handle_t g_own[kMaxOwn];
size_t g_own_count = 0;

void Own(handle_t h) {
  if (g_own_count < kMaxOwn) g_own[g_own_count++] = h;
}

bool IsOwn(handle_t h) {
  for (size_t i = 0; i < g_own_count; ++i) {
    if (g_own[i] == h) return true;
  }
  return false;
}

void Disown(handle_t h) {
  for (size_t i = 0; i < g_own_count; ++i) {
    if (g_own[i] == h) {
      g_own[i] = g_own[--g_own_count];
      return;
    }
  }
}

void CloseOwn(handle_t h) {
  if (h == kInvalidHandle) return;
  Disown(h);
  int64_t r = sys::HandleClose(h);
  if (r != 0) Fail("closing own handle %08x: %lld", h, LL(r));
}

bool CreateChannel(handle_t* a, handle_t* b) {
  int64_t r = sys::ChannelCreate(a, b);
  if (r != 0) {
    Fail("ChannelCreate: %lld", LL(r));
    return false;
  }
  Own(*a);
  Own(*b);
  return true;
}

handle_t CreateNotification() {
  int64_t r = sys::NotificationCreate();
  if (r <= 0) {
    Fail("NotificationCreate: %lld", LL(r));
    return kInvalidHandle;
  }
  Own(static_cast<handle_t>(r));
  return static_cast<handle_t>(r);
}

// HandleDuplicate expected to succeed.
handle_t Dup(handle_t h, uint32_t rights) {
  int64_t r = sys::HandleDuplicate(h, rights);
  if (r <= 0) {
    Fail("HandleDuplicate(%08x, %#x): %lld", h, rights, LL(r));
    return kInvalidHandle;
  }
  Own(static_cast<handle_t>(r));
  return static_cast<handle_t>(r);
}

tessera::Bootstrap g_boot;

// Spawns boot module `module` as process `name`; `handles` move into it.
// Returns the process handle, or kInvalidHandle after recording a failure.
handle_t SpawnModule(const char* module, const char* name, int argc, const char* const* argv,
                     handle_t* handles, const char* const* names, uint32_t num_handles) {
  handle_t exe = g_boot.Find(module);
  if (exe == kInvalidHandle) {
    Fail("no boot module named %s (add it to TEST_MODULES)", module);
    return kInvalidHandle;
  }
  int64_t p = tessera::Spawn(exe, name, argc, argv, handles, names, num_handles);
  if (p <= 0) {
    Fail("spawning %s failed: %lld", name, LL(p));
    return kInvalidHandle;
  }
  for (uint32_t i = 0; i < num_handles; ++i) Disown(handles[i]);
  Own(static_cast<handle_t>(p));
  return static_cast<handle_t>(p);
}

bool Stats(handle_t process, tessera::ProcessStats* s) {
  *s = {};
  int64_t r = sys::ProcessStats(process, s);
  if (r != 0) {
    Fail("ProcessStats(%08x): %lld", process, LL(r));
    return false;
  }
  return true;
}

uint64_t PidOf(handle_t process) {
  tessera::ProcessStats s;
  return Stats(process, &s) ? s.pid : 0;
}

// Waits (at most `timeout` ns) for the process to end; returns its wait
// status or -errno, and closes the process handle.
int64_t WaitAndClose(handle_t process, int64_t timeout) {
  int64_t status = tessera::WaitForExit(process, guest::DeadlineIn(timeout));
  CloseOwn(process);
  return status;
}

// Whether `h` shows one of `signals` right now.
bool Asserted(handle_t h, uint32_t signals) {
  uint32_t observed = 0;
  return sys::ObjectWaitOne(h, signals, 0, &observed) == 0;
}

// Waits until `h` shows one of `signals`; false after `timeout` ns.
bool WaitFor(handle_t h, uint32_t signals, int64_t timeout, uint32_t* observed) {
  uint32_t seen = 0;
  int64_t r = sys::ObjectWaitOne(h, signals, guest::DeadlineIn(timeout), &seen);
  if (observed != nullptr) *observed = seen;
  return r == 0;
}

// Polls until this process has `threads` live threads (exited threads are
// gone only once they are off their stacks).
bool WaitForThreadCount(uint64_t threads, int64_t timeout) {
  int64_t deadline = Now() + timeout;
  for (;;) {
    tessera::ProcessStats s{};
    if (sys::ProcessStats(kInvalidHandle, &s) == 0 && s.threads == threads) return true;
    if (Now() > deadline) return false;
    guest::SleepNs(kMs);
  }
}

bool StartWorker(guest::ThreadEntry entry, uint64_t arg, Worker* w) {
  w->tid = guest::StartThread(entry, arg, &w->stack);
  if (w->tid <= 0) {
    Fail("ThreadCreate: %lld", LL(w->tid));
    return false;
  }
  return true;
}

// Once the workers are gone: frees their stacks.
void ReleaseWorkers(Worker* workers, size_t n) {
  if (!WaitForThreadCount(1, 5 * kSec)) {
    Fail("worker threads did not exit (ProcessStats threads never fell back to 1)");
    return;  // keep the stacks: a thread may still run on one
  }
  for (size_t i = 0; i < n; ++i) {
    if (workers[i].stack != nullptr) guest::Unmap(workers[i].stack, guest::kThreadStackBytes);
    workers[i].stack = nullptr;
  }
}

// ---------------------------------------------------------------------------
// The echo server, started by ping-pong and used by later tests.

handle_t g_echo_proc = kInvalidHandle;
handle_t g_echo_ch = kInvalidHandle;  // our end of its "svc" channel
uint64_t g_echo_pid = 0;

void Pattern(uint8_t* out, uint32_t n, uint32_t seed) {
  for (uint32_t b = 0; b < n; ++b) out[b] = static_cast<uint8_t>(seed * 31 + b * 7 + (seed >> 8));
}

// One verified 64-byte ChannelCall to the echo server.
bool EchoCall(uint32_t seed) {
  if (g_echo_ch == kInvalidHandle) {
    Fail("no echo server (ping-pong failed)");
    return false;
  }
  uint8_t out[64], in[64];
  Pattern(out, sizeof out, seed);
  memset(in, 0xEE, sizeof in);
  tessera::ChannelCallArgs args = CallArgs(out, sizeof out, in, sizeof in, 5 * kSec);
  int64_t r = sys::ChannelCall(g_echo_ch, &args);
  if (r != 0) {
    Fail("echo call %u: ChannelCall returned %lld", seed, LL(r));
    return false;
  }
  if (args.actual_bytes != sizeof in || args.actual_handles != 0) {
    Fail("echo call %u: reply of %u bytes, %u handles (want 64, 0)", seed, args.actual_bytes,
         args.actual_handles);
    return false;
  }
  for (uint32_t b = 0; b < sizeof in; ++b) {
    if (in[b] != out[b]) {
      Fail("echo call %u: reply byte %u is %02x, sent %02x", seed, b, in[b], out[b]);
      return false;
    }
  }
  return true;
}

}  // namespace coretest
