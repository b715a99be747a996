// coretest's tests of channels: ping-pong, accounting, sender stamps, and the
// final cleanup.

#include <stdlib.h>
#include <string.h>

#include "testing/guest/coretest.h"

namespace coretest {

// ---------------------------------------------------------------------------
// 1. ping-pong (and the snapshots the accounting test checks)

constexpr int kPingPongCalls = 1000;
bool g_pingpong_complete = false;
tessera::ProcessStats g_self_before, g_self_after, g_server_before;

int CompareInt64(const void* a, const void* b) {
  int64_t x = *static_cast<const int64_t*>(a), y = *static_cast<const int64_t*>(b);
  return x < y ? -1 : x > y;
}

void TestPingPong() {
  handle_t server_end, client_end;
  if (!CreateChannel(&server_end, &client_end)) return;
  const char* names[] = {"svc"};
  const char* argv[] = {"echo_server"};
  g_echo_proc = SpawnModule("echo_server", "echo_server", 1, argv, &server_end, names, 1);
  if (g_echo_proc == kInvalidHandle) return;
  g_echo_ch = client_end;
  g_echo_pid = PidOf(g_echo_proc);
  int64_t self_pid = Syscall(tessera::kNrLinuxGetpid);
  EXPECT(g_echo_pid > 1 && static_cast<int64_t>(g_echo_pid) != self_pid,
         "echo_server's pid %llu (coretest is %lld)", ULL(g_echo_pid), LL(self_pid));
  // One call first, so the server is past its start-up (its bootstrap read
  // counts as a received message) before the snapshot.
  if (!EchoCall(0xFFFF)) return;
  if (!Stats(kInvalidHandle, &g_self_before) || !Stats(g_echo_proc, &g_server_before)) return;
  static int64_t samples[kPingPongCalls];
  for (int i = 0; i < kPingPongCalls; ++i) {
    int64_t t0 = Now();
    if (!EchoCall(static_cast<uint32_t>(i))) return;
    samples[i] = Now() - t0;
  }
  if (!Stats(kInvalidHandle, &g_self_after)) return;
  g_pingpong_complete = true;
  qsort(samples, kPingPongCalls, sizeof samples[0], CompareInt64);
  Info(
      "%d calls of 64 bytes to echo_server (pid %llu) echoed; round trip median %lld ns, "
      "min %lld, max %lld",
      kPingPongCalls, ULL(g_echo_pid), LL(samples[kPingPongCalls / 2]), LL(samples[0]),
      LL(samples[kPingPongCalls - 1]));
}

// ---------------------------------------------------------------------------
// 9. accounting (run right after ping-pong: the counters of both sides)

void TestAccounting() {
  if (!g_pingpong_complete) {
    Fail("ping-pong did not complete, nothing to account for");
    return;
  }
  const tessera::ProcessStats& a = g_self_before;
  const tessera::ProcessStats& b = g_self_after;
  ExpectEq(b.ipc_messages_sent - a.ipc_messages_sent, kPingPongCalls, "coretest messages sent");
  ExpectEq(b.ipc_bytes_sent - a.ipc_bytes_sent, kPingPongCalls * 64, "coretest bytes sent");
  ExpectEq(b.ipc_messages_received - a.ipc_messages_received, kPingPongCalls,
           "coretest messages received");
  ExpectEq(b.ipc_bytes_received - a.ipc_bytes_received, kPingPongCalls * 64,
           "coretest bytes received");
  EXPECT(b.syscalls - a.syscalls >= static_cast<uint64_t>(kPingPongCalls),
         "coretest syscalls grew by %llu over %d calls", ULL(b.syscalls - a.syscalls),
         kPingPongCalls);
  ExpectEq(static_cast<int64_t>(b.pid), Syscall(tessera::kNrLinuxGetpid), "ProcessStats(self).pid");
  EXPECT(b.resident_pages > 0, "coretest resident_pages is 0");
  ExpectEq(static_cast<int64_t>(b.threads), 1, "coretest threads");
  EXPECT(b.handles > 0, "coretest handles is 0");

  // The server's reply is queued before its write is counted: give it a moment.
  tessera::ProcessStats s{};
  int64_t deadline = Now() + kSec;
  do {
    if (!Stats(g_echo_proc, &s)) return;
    if (s.ipc_messages_sent - g_server_before.ipc_messages_sent >= kPingPongCalls) break;
    guest::SleepNs(kMs);
  } while (Now() < deadline);
  const tessera::ProcessStats& sb = g_server_before;
  ExpectEq(static_cast<int64_t>(s.pid), static_cast<int64_t>(g_echo_pid), "server pid");
  ExpectEq(s.ipc_messages_received - sb.ipc_messages_received, kPingPongCalls,
           "echo_server messages received");
  ExpectEq(s.ipc_bytes_received - sb.ipc_bytes_received, kPingPongCalls * 64,
           "echo_server bytes received");
  ExpectEq(s.ipc_messages_sent - sb.ipc_messages_sent, kPingPongCalls, "echo_server messages sent");
  ExpectEq(s.ipc_bytes_sent - sb.ipc_bytes_sent, kPingPongCalls * 64, "echo_server bytes sent");
  EXPECT(s.syscalls - sb.syscalls >= static_cast<uint64_t>(kPingPongCalls),
         "echo_server syscalls grew by %llu", ULL(s.syscalls - sb.syscalls));
  EXPECT(s.resident_pages > 0, "echo_server resident_pages is 0");
  EXPECT(s.threads >= 1, "echo_server threads is %llu", ULL(s.threads));
  EXPECT(s.handles >= 1, "echo_server handles is %llu", ULL(s.handles));
  Info(
      "coretest: %llu syscalls, %llu pages, %llu handles; echo_server: %llu syscalls, "
      "%llu pages, %llu messages received",
      ULL(b.syscalls), ULL(b.resident_pages), ULL(b.handles), ULL(s.syscalls),
      ULL(s.resident_pages), ULL(s.ipc_messages_received));
}

// ---------------------------------------------------------------------------
// 1b. sender-stamp: who sent a message is the kernel's word, not the sender's.

struct StampThread {
  handle_t channel;
  handle_t done;
  int64_t result;
};
StampThread g_stamp;

void StampThreadMain(uint64_t) {
  uint8_t bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  g_stamp.result = sys::ChannelWrite(g_stamp.channel, bytes, sizeof bytes, nullptr, 0, 0);
  sys::NotificationSignal(g_stamp.done, 1);
  guest::ExitThread();
}

void TestSenderStamp() {
  if (g_echo_ch == kInvalidHandle) {
    Fail("no echo server (ping-pong failed)");
    return;
  }
  // A plain write/read round trip: the server echoes the bytes, which hold a
  // made-up SenderInfo claiming to be pid 1; the reply's stamp must still
  // name echo_server.
  tessera::SenderInfo forged{1, 1, 1};
  uint8_t out[64], in[64];
  Pattern(out, sizeof out, 77);
  memcpy(out, &forged, sizeof forged);
  ExpectEq(sys::ChannelWrite(g_echo_ch, out, sizeof out, nullptr, 0, 0), 0, "ChannelWrite to echo");
  if (!WaitFor(g_echo_ch, tessera::kSignalReadable, 5 * kSec)) {
    Fail("no reply from echo_server within 5 s");
    return;
  }
  tessera::ChannelReadArgs args{};
  args.bytes = in;
  args.bytes_capacity = sizeof in;
  if (!ExpectEq(sys::ChannelRead(g_echo_ch, &args), 0, "ChannelRead of the reply")) return;
  ExpectEq(args.actual_bytes, 64, "reply bytes");
  EXPECT(memcmp(in, out, sizeof in) == 0, "reply bytes differ from the request");
  ExpectEq(args.txid, 0, "txid of a reply to a plain write");
  ExpectEq(static_cast<int64_t>(args.sender.pid), static_cast<int64_t>(g_echo_pid),
           "sender.pid of echo_server's reply");
  EXPECT(args.sender.process_koid != 0 && args.sender.thread_koid != 0,
         "sender koids not stamped (%llu, %llu)", ULL(args.sender.process_koid),
         ULL(args.sender.thread_koid));
  tessera::SenderInfo server = args.sender;

  // Messages coretest sends to itself carry its own pid, and each thread's koid.
  handle_t a, b;
  if (!CreateChannel(&a, &b)) return;
  ExpectEq(sys::ChannelWrite(a, "self", 4, nullptr, 0, 0), 0, "ChannelWrite to self");
  char buf[16];
  tessera::ChannelReadArgs mine{};
  mine.bytes = buf;
  mine.bytes_capacity = sizeof buf;
  ExpectEq(sys::ChannelRead(b, &mine), 0, "ChannelRead of own message");
  ExpectEq(static_cast<int64_t>(mine.sender.pid), Syscall(tessera::kNrLinuxGetpid),
           "own sender.pid");
  EXPECT(mine.sender.process_koid != server.process_koid,
         "coretest and echo_server have the same process koid %llu", ULL(server.process_koid));

  handle_t done = CreateNotification();
  g_stamp = {a, done, -1};
  Worker w;
  if (StartWorker(StampThreadMain, 0, &w)) {
    if (WaitFor(done, tessera::kSignalNotified, 5 * kSec)) {
      ExpectEq(g_stamp.result, 0, "ChannelWrite from a second thread");
      tessera::ChannelReadArgs other{};
      other.bytes = buf;
      other.bytes_capacity = sizeof buf;
      ExpectEq(sys::ChannelRead(b, &other), 0, "ChannelRead of the thread's message");
      ExpectEq(static_cast<int64_t>(other.sender.pid), Syscall(tessera::kNrLinuxGetpid),
               "second thread's sender.pid");
      ExpectEq(static_cast<int64_t>(other.sender.process_koid),
               static_cast<int64_t>(mine.sender.process_koid), "second thread's process koid");
      EXPECT(other.sender.thread_koid != mine.sender.thread_koid,
             "two threads stamped with the same thread koid %llu", ULL(mine.sender.thread_koid));
    } else {
      Fail("the writer thread did not finish within 5 s");
    }
    ReleaseWorkers(&w, 1);
  }
  CloseOwn(done);
  CloseOwn(a);
  CloseOwn(b);
}

// ---------------------------------------------------------------------------
// Last: the echo server ends when its client hangs up; nothing leaked.

void TestCleanup() {
  if (g_echo_proc == kInvalidHandle) {
    Fail("no echo server (ping-pong failed)");
    return;
  }
  CloseOwn(g_echo_ch);
  g_echo_ch = kInvalidHandle;
  ExpectEq(WaitAndClose(g_echo_proc, 5 * kSec), 0,
           "echo_server's wait status after the client closed");
  g_echo_proc = kInvalidHandle;
  tessera::ProcessStats s;
  if (Stats(kInvalidHandle, &s)) {
    ExpectEq(static_cast<int64_t>(s.handles), static_cast<int64_t>(g_own_count), "handles left");
    ExpectEq(static_cast<int64_t>(s.threads), 1, "threads left");
  }
}

}  // namespace coretest
