// coretest's tests of handle isolation and rights.

#include <string.h>

#include "abi/linux/errno.h"
#include "testing/guest/coretest.h"

namespace coretest {

// ---------------------------------------------------------------------------
// 5. handle isolation

struct ForeignTally {
  int tried = 0;
  int wrong = 0;
};

// A handle value coretest does not hold must fail with -EBADF, whatever the call.
void TryForeign(handle_t v, int which, ForeignTally* t, const char* source) {
  int64_t r;
  const char* call;
  switch (which % 6) {
    case 0:
      call = "HandleDuplicate";
      r = sys::HandleDuplicate(v, tessera::kRightSameRights);
      break;
    case 1:
      call = "ObjectWaitOne";
      r = sys::ObjectWaitOne(v, tessera::kSignalReadable, 0, nullptr);
      break;
    case 2:
      call = "ChannelWrite";
      r = sys::ChannelWrite(v, "x", 1, nullptr, 0, 0);
      break;
    case 3:
      call = "NotificationSignal";
      r = sys::NotificationSignal(v, 1);
      break;
    case 4:
      call = "ProcessExitCode";
      r = sys::ProcessExitCode(v);
      break;
    default: {
      call = "ChannelRead";
      char b[8];
      tessera::ChannelReadArgs args{};
      args.bytes = b;
      args.bytes_capacity = sizeof b;
      r = sys::ChannelRead(v, &args);
      break;
    }
  }
  ++t->tried;
  if (r != -linux_abi::kEBADF) {
    ++t->wrong;
    Fail("%s(%08x) (%s) returned %lld, want -EBADF", call, v, source, LL(r));
    if (which % 6 == 0 && r > 0) sys::HandleClose(static_cast<handle_t>(r));
  }
}

void GuessAround(handle_t v, int spread, ForeignTally* t, const char* source) {
  for (int d = 1; d <= spread; ++d) {
    handle_t up = v + static_cast<uint32_t>(d), down = v - static_cast<uint32_t>(d);
    if (up != kInvalidHandle && !IsOwn(up)) TryForeign(up, d, t, source);
    if (down != kInvalidHandle && !IsOwn(down)) TryForeign(down, d + 3, t, source);
  }
}

void TestHandleIsolation() {
  // coretest's own table holds exactly the handles it knows of.
  tessera::ProcessStats s;
  if (!Stats(kInvalidHandle, &s)) return;
  if (!ExpectEq(static_cast<int64_t>(s.handles), static_cast<int64_t>(g_own_count),
                "handles in coretest's table vs. handles it holds")) {
    return;
  }
  // A closed handle's value is dead.
  handle_t stale = Dup(g_boot.at(0).handle, tessera::kRightSameRights);
  CloseOwn(stale);
  ExpectEq(sys::HandleDuplicate(stale, tessera::kRightSameRights), -linux_abi::kEBADF,
           "HandleDuplicate of a closed handle");
  ExpectEq(sys::HandleClose(stale), -linux_abi::kEBADF, "HandleClose of a closed handle");

  // Guesses around every value it holds.
  ForeignTally around;
  handle_t own[kMaxOwn];
  size_t n_own = g_own_count;
  memcpy(own, g_own, n_own * sizeof own[0]);
  for (size_t i = 0; i < n_own; ++i) GuessAround(own[i], 1000, &around, "near an own value");

  // The peer's values, sent as plain bytes, name nothing here; ours name nothing there.
  handle_t a, b;
  if (!CreateChannel(&a, &b)) return;
  const char* names[] = {"svc"};
  const char* argv[] = {"handle_peer", "isolation"};
  handle_t peer = SpawnModule("handle_peer", "handle_peer", 2, argv, &b, names, 1);
  if (peer == kInvalidHandle) return;
  uint64_t peer_pid = PidOf(peer);
  ForeignTally theirs;
  uint32_t values[1 + 16] = {};
  tessera::ChannelReadArgs args{};
  args.bytes = values;
  args.bytes_capacity = sizeof values;
  if (!WaitFor(a, tessera::kSignalReadable, 10 * kSec)) {
    Fail("handle_peer sent nothing within 10 s");
  } else if (ExpectEq(sys::ChannelRead(a, &args), 0, "reading handle_peer's values")) {
    ExpectEq(static_cast<int64_t>(args.sender.pid), static_cast<int64_t>(peer_pid),
             "sender of handle_peer's values");
    EXPECT(values[0] >= 4 && values[0] <= 16 && args.actual_bytes == 4 + 4 * values[0],
           "malformed value list from handle_peer (%u values, %u bytes)", values[0],
           args.actual_bytes);
    for (uint32_t i = 1; i <= values[0] && i <= 16; ++i) {
      if (IsOwn(values[i])) {
        Info("handle_peer's value %08x happens to be one of coretest's too; skipped", values[i]);
        continue;
      }
      for (int call = 0; call < 6; ++call) TryForeign(values[i], call, &theirs, "a child's value");
      GuessAround(values[i], 1000, &theirs, "near a child's value");
    }
  }
  // Our values to the peer (which tries them all).
  static uint32_t ours[1 + kMaxOwn];
  ours[0] = static_cast<uint32_t>(g_own_count);
  memcpy(ours + 1, g_own, g_own_count * sizeof ours[0]);
  ExpectEq(sys::ChannelWrite(a, ours, 4 * (1 + g_own_count), nullptr, 0, 0), 0,
           "sending coretest's values to handle_peer");
  uint32_t verdict[4] = {};
  tessera::ChannelReadArgs vargs{};
  vargs.bytes = verdict;
  vargs.bytes_capacity = sizeof verdict;
  if (!WaitFor(a, tessera::kSignalReadable | tessera::kSignalPeerClosed, 10 * kSec)) {
    Fail("handle_peer gave no verdict within 10 s");
  } else if (ExpectEq(sys::ChannelRead(a, &vargs), 0, "reading handle_peer's verdict")) {
    ExpectEq(vargs.actual_bytes, sizeof verdict, "verdict size");
    ExpectEq(verdict[1], 0, "coretest's handle values that worked in handle_peer");
    EXPECT(verdict[0] >= 4 * (g_own_count - verdict[2]) && verdict[0] > 0,
           "handle_peer tried only %u calls", verdict[0]);
    ExpectEq(verdict[3], 7, "handle_peer's own handles working (bit mask)");
  }
  CloseOwn(a);
  ExpectEq(WaitAndClose(peer), 0, "handle_peer's wait status");
  Info(
      "%d guesses near own values, %d on/near handle_peer's values, %u of ours tried there: "
      "all -EBADF unless reported",
      around.tried, theirs.tried, verdict[0]);
}

// ---------------------------------------------------------------------------
// 6. rights

void TestRights() {
  handle_t a, b;
  if (!CreateChannel(&a, &b)) return;
  constexpr uint32_t kNoWrite = kEndpointRights & ~tessera::kRightWrite;
  handle_t ro = Dup(a, kNoWrite);
  if (ro == kInvalidHandle) return;
  ExpectEq(sys::ChannelWrite(ro, "x", 1, nullptr, 0, 0), -linux_abi::kEACCES,
           "ChannelWrite without kRightWrite");
  tessera::ChannelCallArgs call{};
  call.write_bytes = "x";
  call.write_num_bytes = 1;
  call.deadline = 0;
  ExpectEq(sys::ChannelCall(ro, &call), -linux_abi::kEACCES, "ChannelCall without kRightWrite");
  EXPECT(!Asserted(b, tessera::kSignalReadable), "a refused write reached the peer");
  ExpectEq(sys::HandleDuplicate(ro, kEndpointRights), -linux_abi::kEINVAL,
           "HandleDuplicate adding kRightWrite back");
  ExpectEq(sys::HandleDuplicate(a, 1u << 20), -linux_abi::kEINVAL,
           "HandleDuplicate with unknown rights");
  handle_t ro2 = Dup(ro, tessera::kRightSameRights);
  ExpectEq(sys::ChannelWrite(ro2, "x", 1, nullptr, 0, 0), -linux_abi::kEACCES,
           "ChannelWrite through a same-rights copy of a read-only handle");
  ExpectEq(sys::ChannelWrite(a, "x", 1, nullptr, 0, 0), 0, "ChannelWrite with kRightWrite");

  handle_t noread = Dup(b, kEndpointRights & ~tessera::kRightRead);
  char buf[4];
  tessera::ChannelReadArgs args{};
  args.bytes = buf;
  args.bytes_capacity = sizeof buf;
  ExpectEq(sys::ChannelRead(noread, &args), -linux_abi::kEACCES, "ChannelRead without kRightRead");
  ExpectEq(sys::ChannelRead(b, &args), 0, "ChannelRead with kRightRead");
  handle_t nowait = Dup(a, kEndpointRights & ~tessera::kRightWait);
  ExpectEq(sys::ObjectWaitOne(nowait, tessera::kSignalWritable, 0, nullptr), -linux_abi::kEACCES,
           "ObjectWaitOne without kRightWait");
  handle_t nodup = Dup(a, kEndpointRights & ~tessera::kRightDuplicate);
  ExpectEq(sys::HandleDuplicate(nodup, tessera::kRightSameRights), -linux_abi::kEACCES,
           "HandleDuplicate without kRightDuplicate");

  // Notifications: signalling needs kRightWrite, and rights travel with a handle.
  handle_t n = CreateNotification();
  handle_t nsig = Dup(n, tessera::kRightDuplicate | tessera::kRightTransfer | tessera::kRightWait |
                             tessera::kRightRead);
  ExpectEq(sys::NotificationSignal(nsig, 1), -linux_abi::kEACCES,
           "NotificationSignal without kRightWrite");
  handle_t notransfer = Dup(n, tessera::kRightDuplicate | tessera::kRightWait |
                                   tessera::kRightRead | tessera::kRightWrite);
  ExpectEq(sys::ChannelWrite(a, "h", 1, &notransfer, 1, 0), -linux_abi::kEACCES,
           "sending a handle without kRightTransfer");
  ExpectEq(sys::NotificationSignal(notransfer, 2), 0, "the untransferable handle stays usable");
  ExpectEq(sys::ChannelWrite(a, "h", 1, &nsig, 1, 0), 0, "sending a read-only notification handle");
  Disown(nsig);
  ExpectEq(sys::NotificationSignal(nsig, 1), -linux_abi::kEBADF, "the sent handle's old value");
  handle_t got[1] = {};
  tessera::ChannelReadArgs hargs{};
  hargs.bytes = buf;
  hargs.bytes_capacity = sizeof buf;
  hargs.handles = got;
  hargs.handles_capacity = 1;
  if (ExpectEq(sys::ChannelRead(b, &hargs), 0, "receiving the handle") &&
      ExpectEq(hargs.actual_handles, 1, "handles received")) {
    Own(got[0]);
    ExpectEq(sys::NotificationSignal(got[0], 1), -linux_abi::kEACCES,
             "NotificationSignal through the received read-only handle");
    uint64_t bits = 0;
    ExpectEq(sys::NotificationTake(got[0], &bits), 0,
             "NotificationTake through the received handle");
    ExpectEq(static_cast<int64_t>(bits), 2, "bits seen through the received handle");
    CloseOwn(got[0]);
  }
  // Type checks come with the rights checks.
  ExpectEq(sys::NotificationSignal(a, 1), -linux_abi::kEINVAL, "NotificationSignal on a channel");
  ExpectEq(sys::ChannelWrite(n, "x", 1, nullptr, 0, 0), -linux_abi::kEINVAL,
           "ChannelWrite on a notification");

  // Processes: killing needs kRightManage.
  if (g_echo_proc != kInvalidHandle) {
    handle_t watch =
        Dup(g_echo_proc, tessera::kRightDuplicate | tessera::kRightWait | tessera::kRightRead);
    ExpectEq(sys::ProcessKill(watch, 0), -linux_abi::kEACCES, "ProcessKill without kRightManage");
    ExpectEq(sys::ProcessExitCode(g_echo_proc), -linux_abi::kEAGAIN, "echo_server still running");
    tessera::ProcessStats s;
    ExpectEq(sys::ProcessStats(watch, &s), 0, "ProcessStats with kRightRead");
    CloseOwn(watch);
    EchoCall(8000);
  }
  // Executables: spawning needs kRightExecute.
  handle_t nop = g_boot.Find("nop");
  if (nop != kInvalidHandle) {
    handle_t noexec =
        Dup(nop, tessera::kRightDuplicate | tessera::kRightRead | tessera::kRightWait);
    const char* argv[] = {"nop"};
    int64_t r = tessera::Spawn(noexec, "nop", 1, argv);
    ExpectEq(r, -linux_abi::kEACCES, "ProcessSpawn from a handle without kRightExecute");
    if (r > 0) sys::HandleClose(static_cast<handle_t>(r));
    CloseOwn(noexec);
  } else {
    Fail("no boot module named nop");
  }
  handle_t opened[] = {ro, ro2, noread, nowait, nodup, notransfer, n, a, b};
  for (handle_t h : opened) CloseOwn(h);
}

}  // namespace coretest
