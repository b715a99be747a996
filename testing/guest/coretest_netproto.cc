// coretest: the kernel's side of netproto against a hostile network server.
// coretest registers itself as the server (it holds init's "net" resource)
// and answers a worker thread's socket(AF_INET) calls with garbage: records
// of unknown kinds, replies nobody waits for, replies with lengths past the
// request's slot, errnos no socket call returns. The kernel must drop or
// turn them into EIO, never hang or panic; when the server's end closes, a
// call in flight ends with ECONNRESET and new sockets are EAFNOSUPPORT.

#include "abi/linux/errno.h"
#include "abi/linux/mman.h"
#include "abi/tessera/netproto.h"
#include "testing/guest/coretest.h"

namespace coretest {
namespace {

constexpr int kAfInet = 2;
constexpr int kSockStream = 1;
constexpr uint64_t kNrSocket = 41;

// The worker's socket(2) result (0 while it runs).
int64_t g_socket_result = 0;
int g_socket_done = 0;

void SocketThreadMain(uint64_t) {
  int64_t r = Syscall(kNrSocket, kAfInet, kSockStream, 0);
  __atomic_store_n(&g_socket_result, r, __ATOMIC_RELEASE);
  __atomic_store_n(&g_socket_done, 1, __ATOMIC_RELEASE);
  guest::ExitThread();
}

// Reads the next request on the server end (waiting up to 5 s).
bool NextRequest(handle_t server_end, netproto::Request* out, uint32_t* txid) {
  uint32_t observed = 0;
  sys::ObjectWaitOne(server_end, tessera::kSignalReadable, Now() + 5 * kSec, &observed);
  tessera::ChannelReadArgs args{};
  args.bytes = out;
  args.bytes_capacity = sizeof *out;
  int64_t r = sys::ChannelRead(server_end, &args);
  if (r != 0 || args.actual_bytes != sizeof *out) return false;
  *txid = args.txid;
  return true;
}

// Starts a worker's socket(AF_INET) call and returns its request.
bool StartSocketCall(handle_t server_end, Worker* w, netproto::Request* req, uint32_t* txid) {
  __atomic_store_n(&g_socket_done, 0, __ATOMIC_RELEASE);
  if (!StartWorker(SocketThreadMain, 0, w)) return false;
  return NextRequest(server_end, req, txid) && req->op == netproto::kSocket;
}

int64_t AwaitSocketResult() {
  int64_t deadline = Now() + 15 * kSec;
  while (__atomic_load_n(&g_socket_done, __ATOMIC_ACQUIRE) == 0 && Now() < deadline)
    guest::SleepNs(5 * kMs);
  if (__atomic_load_n(&g_socket_done, __ATOMIC_ACQUIRE) == 0) return -99999;
  return __atomic_load_n(&g_socket_result, __ATOMIC_ACQUIRE);
}

netproto::Delivery ReplyFor(uint32_t txid, int32_t result) {
  netproto::Delivery d{};
  d.kind = netproto::kReply;
  d.id = txid;
  d.result = result;
  return d;
}

}  // namespace

void TestNetprotoHostileServer() {
  handle_t net = g_boot.Find("net");
  if (net == kInvalidHandle) {
    Fail("no net resource among coretest's handles");
    return;
  }
  handle_t server_end, kernel_end;
  if (!CreateChannel(&server_end, &kernel_end)) return;
  ExpectEq(sys::NetServe(kInvalidHandle, kernel_end), -linux_abi::kEACCES,
           "NetServe without the net resource");
  ExpectEq(sys::NetServe(net, kernel_end), 0, "NetServe with the net resource");
  Disown(kernel_end);  // the kernel holds it now
  netproto::Request hello{};
  uint32_t txid = 0;
  tessera::handle_t area_vmo = kInvalidHandle;
  {
    uint32_t observed = 0;
    sys::ObjectWaitOne(server_end, tessera::kSignalReadable, Now() + 5 * kSec, &observed);
    tessera::ChannelReadArgs args{};
    args.bytes = &hello;
    args.bytes_capacity = sizeof hello;
    args.handles = &area_vmo;
    args.handles_capacity = 1;
    ExpectEq(sys::ChannelRead(server_end, &args), 0, "reading the kernel's hello");
    EXPECT(hello.op == netproto::kHello && args.actual_handles == 1 &&
               hello.length == netproto::kDataAreaSize,
           "the hello carries the data area (op %u, %u handles)", hello.op, args.actual_handles);
    if (args.actual_handles == 1) Own(area_vmo);
  }

  // 1. Garbage first, then a reply whose length passes the slot: EIO.
  Worker w1;
  netproto::Request req{};
  if (StartSocketCall(server_end, &w1, &req, &txid)) {
    netproto::Delivery bad[4] = {ReplyFor(txid + 1000, 0), ReplyFor(txid, 0), ReplyFor(0, 0),
                                 ReplyFor(txid, 0)};
    bad[0].kind = 77;      // unknown kind
    bad[1].length = 4096;  // kSocket has no slot: any length is a lie
    bad[2].kind = netproto::kEvent;
    bad[2].id = 123456789;  // an event for no socket
    bad[3].id = txid + 7;   // nobody waits for it
    ExpectEq(sys::NetDeliver(server_end, bad, 4), 0, "NetDeliver of a hostile batch");
    ExpectEq(AwaitSocketResult(), -linux_abi::kEIO, "socket() answered with a lying length");
  } else {
    Fail("no kSocket request from the worker");
  }
  ReleaseWorkers(&w1, 1);

  // 2. An errno no socket call returns: EIO; one it does: passed through.
  Worker w2;
  if (StartSocketCall(server_end, &w2, &req, &txid)) {
    netproto::Delivery d = ReplyFor(txid, -9999);
    sys::NetDeliver(server_end, &d, 1);
    ExpectEq(AwaitSocketResult(), -linux_abi::kEIO, "socket() answered with errno 9999");
  }
  ReleaseWorkers(&w2, 1);
  Worker w3;
  if (StartSocketCall(server_end, &w3, &req, &txid)) {
    netproto::Delivery d = ReplyFor(txid, -linux_abi::kEPROTONOSUPPORT);
    sys::NetDeliver(server_end, &d, 1);
    ExpectEq(AwaitSocketResult(), -linux_abi::kEPROTONOSUPPORT,
             "socket() answered with EPROTONOSUPPORT");
  }
  ReleaseWorkers(&w3, 1);

  // 3. Too many records at once, and a channel end that is not the server's.
  netproto::Delivery many[1] = {ReplyFor(1, 0)};
  ExpectEq(sys::NetDeliver(server_end, many, netproto::kMaxDeliveries + 1), -linux_abi::kEINVAL,
           "NetDeliver of more than kMaxDeliveries records");
  handle_t other_a, other_b;
  if (CreateChannel(&other_a, &other_b)) {
    ExpectEq(sys::NetDeliver(other_a, many, 1), -linux_abi::kEACCES,
             "NetDeliver through a channel that is not the server's");
    CloseOwn(other_a);
    CloseOwn(other_b);
  }

  // 4. The server dies with a call in flight: ECONNRESET; then no server.
  Worker w4;
  if (StartSocketCall(server_end, &w4, &req, &txid)) {
    CloseOwn(server_end);
    ExpectEq(AwaitSocketResult(), -linux_abi::kECONNRESET, "socket() whose server died");
  } else {
    CloseOwn(server_end);
  }
  ReleaseWorkers(&w4, 1);
  ExpectEq(Syscall(kNrSocket, kAfInet, kSockStream, 0), -linux_abi::kEAFNOSUPPORT,
           "socket(AF_INET) with the server gone");
  if (area_vmo != kInvalidHandle) CloseOwn(area_vmo);
}

}  // namespace coretest
