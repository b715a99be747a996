#pragma once

// coretest's harness, shared by its test files (coretest_<area>.cc): the
// reporting (Fail, EXPECT, Info, Run), the handles the suite holds, spawning
// boot modules, waits with deadlines, worker threads and the echo server the
// ping-pong test starts. coretest.cc lists the tests in the order they run.

#include <stddef.h>
#include <stdint.h>

#include "lib/tessera/bootstrap.h"
#include "lib/tessera/process.h"
#include "lib/tessera/syscalls.h"
#include "testing/guest/guest_util.h"

namespace coretest {

namespace sys = tessera::sys;
using guest::Addr;
using guest::Syscall;
using tessera::handle_t;
using tessera::kInvalidHandle;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000'000'000;
constexpr uint32_t kEndpointRights = tessera::kRightDuplicate | tessera::kRightTransfer |
                                     tessera::kRightWait | tessera::kRightRead |
                                     tessera::kRightWrite;

inline long long LL(int64_t v) { return v; }
inline unsigned long long ULL(uint64_t v) { return v; }
inline int64_t Now() { return sys::ClockMonotonic(); }

// ---------------------------------------------------------------------------
// Reporting

/// Records a failure of the running test; the first reason is the one shown.
/// Later failures are printed at once as "also:" lines (up to a limit).
__attribute__((format(printf, 1, 2))) void Fail(const char* fmt, ...);
/// Whether the running test has failed.
bool Failed();

#define EXPECT(cond, ...)           \
  do {                              \
    if (!(cond)) Fail(__VA_ARGS__); \
  } while (0)

bool ExpectEq(int64_t got, int64_t want, const char* what);
/// Prints "coretest: info <test>: <line>".
__attribute__((format(printf, 1, 2))) void Info(const char* fmt, ...);
/// Runs one test and prints its PASS or FAIL line; counts into g_passed/g_failed.
void Run(const char* name, void (*fn)());
extern int g_passed;
extern int g_failed;

// ---------------------------------------------------------------------------
// The handles coretest holds. Every handle it gets goes in here and leaves on
// close or transfer, so the handle-isolation test knows every valid value
// (checked against ProcessStats::handles).

constexpr size_t kMaxOwn = 1024;
extern handle_t g_own[kMaxOwn];
extern size_t g_own_count;

void Own(handle_t h);
bool IsOwn(handle_t h);
void Disown(handle_t h);
void CloseOwn(handle_t h);
bool CreateChannel(handle_t* a, handle_t* b);
handle_t CreateNotification();
/// HandleDuplicate expected to succeed.
handle_t Dup(handle_t h, uint32_t rights);

/// The boot modules init handed over, by name.
extern tessera::Bootstrap g_boot;

/// Spawns boot module `module` as process `name`; `handles` move into it.
/// Returns the process handle, or kInvalidHandle after recording a failure.
handle_t SpawnModule(const char* module, const char* name, int argc, const char* const* argv,
                     handle_t* handles = nullptr, const char* const* names = nullptr,
                     uint32_t num_handles = 0);
bool Stats(handle_t process, tessera::ProcessStats* s);
uint64_t PidOf(handle_t process);
/// Waits (at most `timeout` ns) for the process to end; returns its wait
/// status or -errno, and closes the process handle.
int64_t WaitAndClose(handle_t process, int64_t timeout = 10 * kSec);
/// Whether `h` shows one of `signals` right now.
bool Asserted(handle_t h, uint32_t signals);
/// Waits until `h` shows one of `signals`; false after `timeout` ns.
bool WaitFor(handle_t h, uint32_t signals, int64_t timeout, uint32_t* observed = nullptr);
/// Polls until this process has `threads` live threads (exited threads are
/// gone only once they are off their stacks).
bool WaitForThreadCount(uint64_t threads, int64_t timeout);

/// The arguments of a ChannelCall that writes `out_bytes` of `out` and reads
/// up to `in_capacity` bytes into `in`, with a deadline `timeout` ns from now.
inline tessera::ChannelCallArgs CallArgs(const void* out, uint32_t out_bytes, void* in,
                                         uint32_t in_capacity, int64_t timeout) {
  tessera::ChannelCallArgs args{};
  args.write_bytes = out;
  args.write_num_bytes = out_bytes;
  args.read_bytes = in;
  args.read_bytes_capacity = in_capacity;
  args.deadline = guest::DeadlineIn(timeout);
  return args;
}

/// A thread started by a test, with its stack.
struct Worker {
  void* stack = nullptr;
  int64_t tid = 0;
};
bool StartWorker(guest::ThreadEntry entry, uint64_t arg, Worker* w);
/// Once the workers are gone: frees their stacks.
void ReleaseWorkers(Worker* workers, size_t n);

// ---------------------------------------------------------------------------
// The echo server, started by ping-pong and used by later tests.

extern handle_t g_echo_proc;
extern handle_t g_echo_ch;  // our end of its "svc" channel
extern uint64_t g_echo_pid;

void Pattern(uint8_t* out, uint32_t n, uint32_t seed);
/// One verified 64-byte ChannelCall to the echo server.
bool EchoCall(uint32_t seed);

// ---------------------------------------------------------------------------
// The tests, by file.

// coretest_ipc.cc
void TestPingPong();
void TestAccounting();
void TestSenderStamp();
void TestCleanup();
// coretest_privilege.cc
void TestPrivilegeHolder();
void TestPrivilegePlainProcess();
void TestPinnedLimit();
// coretest_netproto.cc
void TestNetprotoHostileServer();
// coretest_sched.cc
void TestPreemption();
void TestThreads();
// coretest_faults.cc
void TestFaultNullWrite();
void TestFaultKernelRead();
void TestFaultNoncanonicalJump();
void TestFaultUd2();
void TestFaultNxExec();
// coretest_bad_pointers.cc
void TestBadPointersNative();
void TestBadPointersLinux();
// coretest_handles.cc
void TestHandleIsolation();
void TestRights();
// coretest_waits.cc
void TestPeerCloseWakes();
void TestCallServerExit();
void TestTimeouts();
void TestNotifications();

}  // namespace coretest
