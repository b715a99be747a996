// coretest's tests of peer close, a server that exits mid-call, timeouts and
// notifications.

#include "abi/linux/errno.h"
#include "abi/linux/signal.h"
#include "testing/guest/coretest.h"

namespace coretest {

// ---------------------------------------------------------------------------
// 7. peer close wakes a waiter; a call to a server that goes away ends

struct PeerCloseThread {
  handle_t channel;
  handle_t done;
  int started;  // set by the thread (atomic access)
  uint32_t observed;
  int64_t wait_result;
  int64_t read_result;
};
PeerCloseThread g_pc;

void PeerCloseThreadMain(uint64_t) {
  __atomic_store_n(&g_pc.started, 1, __ATOMIC_SEQ_CST);
  uint32_t observed = 0;
  g_pc.wait_result =
      sys::ObjectWaitOne(g_pc.channel, tessera::kSignalReadable | tessera::kSignalPeerClosed,
                         guest::DeadlineIn(10 * kSec), &observed);
  g_pc.observed = observed;
  char buf[8];
  tessera::ChannelReadArgs args{};
  args.bytes = buf;
  args.bytes_capacity = sizeof buf;
  g_pc.read_result = sys::ChannelRead(g_pc.channel, &args);
  sys::NotificationSignal(g_pc.done, 1);
  guest::ExitThread();
}

bool WaitStarted(int* flag) {
  int64_t deadline = Now() + 5 * kSec;
  while (__atomic_load_n(flag, __ATOMIC_SEQ_CST) == 0) {
    if (Now() > deadline) return false;
    guest::SleepNs(kMs);
  }
  return true;
}

void TestPeerCloseWakes() {
  handle_t a, b;
  if (!CreateChannel(&a, &b)) return;
  handle_t done = CreateNotification();
  g_pc = {a, done, 0, 0, -1, -1};
  Worker w;
  if (!StartWorker(PeerCloseThreadMain, 0, &w)) return;
  if (!WaitStarted(&g_pc.started)) Fail("the waiter thread never ran");
  guest::SleepNs(20 * kMs);  // it is blocked in ObjectWaitOne by now
  EXPECT(!Asserted(done, tessera::kSignalNotified), "the waiter did not block (result %lld)",
         LL(g_pc.wait_result));
  int64_t t0 = Now();
  CloseOwn(b);
  if (WaitFor(done, tessera::kSignalNotified, 5 * kSec)) {
    int64_t latency = Now() - t0;
    ExpectEq(g_pc.wait_result, 0, "the waiter's ObjectWaitOne");
    EXPECT(g_pc.observed & tessera::kSignalPeerClosed,
           "the waiter observed %#x, no kSignalPeerClosed", g_pc.observed);
    ExpectEq(g_pc.read_result, -linux_abi::kEPIPE, "ChannelRead after the peer closed");
    Info("waiter woke %lld us after the close", LL(latency / 1000));
  } else {
    Fail("the waiter did not wake within 5 s of the peer's close");
  }
  ReleaseWorkers(&w, 1);
  CloseOwn(a);
  CloseOwn(done);
}

struct CallThread {
  handle_t channel;
  handle_t done;
  int started;  // set by the thread (atomic access)
  int64_t result;
};
CallThread g_call;

void CallThreadMain(uint64_t) {
  __atomic_store_n(&g_call.started, 1, __ATOMIC_SEQ_CST);
  char out[16] = "are you there?", in[16];
  tessera::ChannelCallArgs args = CallArgs(out, sizeof out, in, sizeof in, 10 * kSec);
  g_call.result = sys::ChannelCall(g_call.channel, &args);
  sys::NotificationSignal(g_call.done, 1);
  guest::ExitThread();
}

void TestCallServerExit() {
  // A server that reads the request and exits without answering.
  {
    handle_t a, b;
    if (!CreateChannel(&a, &b)) return;
    const char* names[] = {"svc"};
    const char* argv[] = {"handle_peer", "swallow"};
    handle_t server = SpawnModule("handle_peer", "swallower", 2, argv, &b, names, 1);
    if (server == kInvalidHandle) return;
    char out[16] = "hello?", in[16];
    tessera::ChannelCallArgs args = CallArgs(out, sizeof out, in, sizeof in, 10 * kSec);
    int64_t t0 = Now();
    int64_t r = sys::ChannelCall(a, &args);
    int64_t took = Now() - t0;
    ExpectEq(r, -linux_abi::kEPIPE, "ChannelCall to a server that exits without answering");
    EXPECT(took < 5 * kSec, "the call took %lld ns to fail", LL(took));
    ExpectEq(WaitAndClose(server), 0, "the swallowing server's wait status");
    CloseOwn(a);
  }
  // A server killed while another thread is blocked in a call to it.
  {
    handle_t a, b;
    if (!CreateChannel(&a, &b)) return;
    const char* names[] = {"svc"};
    const char* argv[] = {"spin"};
    handle_t server = SpawnModule("spin", "spin_server", 1, argv, &b, names, 1);
    if (server == kInvalidHandle) return;
    handle_t done = CreateNotification();
    g_call = {a, done, 0, 1};
    Worker w;
    if (StartWorker(CallThreadMain, 0, &w)) {
      if (!WaitStarted(&g_call.started)) Fail("the calling thread never ran");
      guest::SleepNs(30 * kMs);
      EXPECT(!Asserted(done, tessera::kSignalNotified), "the call ended before the kill: %lld",
             LL(g_call.result));
      ExpectEq(sys::ProcessKill(server, 0), 0, "ProcessKill(spin_server)");
      if (WaitFor(done, tessera::kSignalNotified, 5 * kSec)) {
        ExpectEq(g_call.result, -linux_abi::kEPIPE, "ChannelCall to a server that was killed");
      } else {
        Fail("the thread blocked in ChannelCall did not wake within 5 s of the server's death");
      }
      ReleaseWorkers(&w, 1);
    }
    ExpectEq(WaitAndClose(server), linux_abi::kSigKill, "the killed server's wait status");
    CloseOwn(done);
    CloseOwn(a);
  }
}

// ---------------------------------------------------------------------------
// 8. timeouts

void TestTimeouts() {
  handle_t a, b;
  if (!CreateChannel(&a, &b)) return;
  constexpr int64_t kWait = 20 * kMs;
  // ObjectWaitOne.
  int64_t t0 = Now();
  uint32_t observed = 0;
  int64_t r = sys::ObjectWaitOne(a, tessera::kSignalReadable, t0 + kWait, &observed);
  int64_t took = Now() - t0;
  ExpectEq(r, -linux_abi::kETIMEDOUT, "ObjectWaitOne on a silent channel");
  EXPECT(took >= kWait && took < 2 * kSec,
         "ObjectWaitOne with a 20 ms deadline returned after %lld ns", LL(took));
  EXPECT(observed & tessera::kSignalWritable,
         "observed %#x on a timed-out wait, want kSignalWritable", observed);
  Info("20 ms ObjectWaitOne returned after %lld us", LL(took / 1000));
  // ObjectWaitMany.
  tessera::WaitItem items[2] = {{a, tessera::kSignalReadable, 0, 0},
                                {b, tessera::kSignalReadable, 0, 0}};
  t0 = Now();
  r = sys::ObjectWaitMany(items, 2, t0 + kWait);
  took = Now() - t0;
  ExpectEq(r, -linux_abi::kETIMEDOUT, "ObjectWaitMany on two silent ends");
  EXPECT(took >= kWait && took < 2 * kSec,
         "ObjectWaitMany with a 20 ms deadline returned after %lld ns", LL(took));
  // ChannelCall to a peer that never answers.
  char out[8] = "ping", in[8];
  tessera::ChannelCallArgs args{};
  args.write_bytes = out;
  args.write_num_bytes = sizeof out;
  args.read_bytes = in;
  args.read_bytes_capacity = sizeof in;
  t0 = Now();
  args.deadline = t0 + kWait;
  r = sys::ChannelCall(a, &args);
  took = Now() - t0;
  ExpectEq(r, -linux_abi::kETIMEDOUT, "ChannelCall nobody answers");
  EXPECT(took >= kWait && took < 2 * kSec,
         "ChannelCall with a 20 ms deadline returned after %lld ns", LL(took));
  // A deadline already past returns at once.
  t0 = Now();
  r = sys::ObjectWaitOne(a, tessera::kSignalReadable, 0, nullptr);
  took = Now() - t0;
  ExpectEq(r, -linux_abi::kETIMEDOUT, "ObjectWaitOne with a past deadline");
  EXPECT(took < 500 * kMs, "a wait with a past deadline took %lld ns", LL(took));
  // nanosleep sleeps at least as long as asked.
  t0 = Now();
  ExpectEq(guest::SleepNs(kWait), 0, "nanosleep(20 ms)");
  took = Now() - t0;
  EXPECT(took >= kWait && took < 2 * kSec, "nanosleep(20 ms) took %lld ns", LL(took));
  CloseOwn(a);
  CloseOwn(b);
}

// ---------------------------------------------------------------------------
// 10. notifications

struct NotifyThread {
  handle_t notification;
  handle_t done;
  int started;  // set by the thread (atomic access)
  int64_t wait_result;
  uint32_t observed;
  int64_t take_result;
  uint64_t bits;
};
NotifyThread g_nt;

void NotifyThreadMain(uint64_t) {
  __atomic_store_n(&g_nt.started, 1, __ATOMIC_SEQ_CST);
  uint32_t observed = 0;
  g_nt.wait_result = sys::ObjectWaitOne(g_nt.notification, tessera::kSignalNotified,
                                        guest::DeadlineIn(10 * kSec), &observed);
  g_nt.observed = observed;
  uint64_t bits = 0;
  g_nt.take_result = sys::NotificationTake(g_nt.notification, &bits);
  g_nt.bits = bits;
  sys::NotificationSignal(g_nt.done, 1);
  guest::ExitThread();
}

void TestNotifications() {
  handle_t n = CreateNotification();
  if (n == kInvalidHandle) return;
  EXPECT(!Asserted(n, tessera::kSignalNotified), "a new notification is already signalled");
  ExpectEq(sys::NotificationSignal(n, 0x1), 0, "NotificationSignal(0x1)");
  ExpectEq(sys::NotificationSignal(n, 0x4), 0, "NotificationSignal(0x4)");
  ExpectEq(sys::NotificationSignal(n, 0x1), 0, "NotificationSignal(0x1) again");
  ExpectEq(sys::NotificationSignal(n, 1ULL << 63), 0, "NotificationSignal(bit 63)");
  EXPECT(Asserted(n, tessera::kSignalNotified), "kSignalNotified not set after a signal");
  uint64_t bits = 0;
  ExpectEq(sys::NotificationTake(n, &bits), 0, "NotificationTake");
  EXPECT(bits == (0x5 | (1ULL << 63)), "took bits %#llx, want %#llx", ULL(bits),
         ULL(0x5 | (1ULL << 63)));
  ExpectEq(sys::NotificationTake(n, &bits), 0, "second NotificationTake");
  ExpectEq(static_cast<int64_t>(bits), 0, "bits after a take");
  EXPECT(!Asserted(n, tessera::kSignalNotified), "kSignalNotified still set after the take");

  // A waiter wakes on a signal.
  handle_t done = CreateNotification();
  g_nt = {n, done, 0, -1, 0, -1, 0};
  Worker w;
  if (StartWorker(NotifyThreadMain, 0, &w)) {
    if (!WaitStarted(&g_nt.started)) Fail("the waiter thread never ran");
    guest::SleepNs(20 * kMs);
    EXPECT(!Asserted(done, tessera::kSignalNotified), "the waiter did not block (%lld)",
           LL(g_nt.wait_result));
    int64_t t0 = Now();
    ExpectEq(sys::NotificationSignal(n, 0x180), 0, "NotificationSignal(0x180)");
    if (WaitFor(done, tessera::kSignalNotified, 5 * kSec)) {
      ExpectEq(g_nt.wait_result, 0, "the waiter's ObjectWaitOne");
      EXPECT(g_nt.observed & tessera::kSignalNotified, "the waiter observed %#x", g_nt.observed);
      ExpectEq(g_nt.take_result, 0, "the waiter's NotificationTake");
      ExpectEq(static_cast<int64_t>(g_nt.bits), 0x180, "bits the waiter took");
      Info("waiter woke %lld us after the signal", LL((Now() - t0) / 1000));
    } else {
      Fail("the waiter did not wake within 5 s of the signal");
    }
    ReleaseWorkers(&w, 1);
  }
  CloseOwn(done);
  CloseOwn(n);
}

}  // namespace coretest
