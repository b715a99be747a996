// handle_peer: coretest's partner for handle isolation and for a server that
// goes away mid-call. Its "svc" channel comes from the bootstrap message.
//
//   handle_peer isolation
//     1. creates a channel pair and a notification, and sends the values of
//        its own handles (svc, both channel ends, the notification) to the
//        client as plain bytes: {uint32 count, uint32 values[count]};
//     2. receives the client's handle values the same way, and tries each
//        that is not one of its own with several calls; every try must fail
//        with -EBADF;
//     3. checks its own handles do work, and replies with
//        {uint32 tried, uint32 not_ebadf, uint32 skipped, uint32 own_ok};
//     4. waits for the client to close the channel and exits 0.
//   handle_peer swallow
//     reads one request, sleeps 30 ms and exits without answering.

#include <stdio.h>
#include <string.h>

#include "abi/linux/errno.h"
#include "lib/tessera/bootstrap.h"
#include "lib/tessera/syscalls.h"
#include "testing/guest/guest_util.h"

namespace sys = tessera::sys;
using tessera::handle_t;

namespace {

constexpr uint32_t kMaxValues = 1024;

int64_t WaitReadable(handle_t h) {
  uint32_t observed = 0;
  return sys::ObjectWaitOne(h, tessera::kSignalReadable | tessera::kSignalPeerClosed,
                            guest::DeadlineIn(30'000'000'000), &observed);
}

int Isolation(handle_t svc) {
  handle_t c0, c1;
  if (sys::ChannelCreate(&c0, &c1) < 0) return 10;
  int64_t n = sys::NotificationCreate();
  if (n < 0) return 11;
  handle_t own[4] = {svc, c0, c1, static_cast<handle_t>(n)};
  uint32_t out[5] = {4, own[0], own[1], own[2], own[3]};
  if (sys::ChannelWrite(svc, out, sizeof out, nullptr, 0, 0) < 0) return 12;

  if (WaitReadable(svc) < 0) return 13;
  static uint32_t in[kMaxValues + 1];
  tessera::ChannelReadArgs args{};
  args.bytes = in;
  args.bytes_capacity = sizeof in;
  if (sys::ChannelRead(svc, &args) < 0) return 14;
  if (args.actual_bytes < 4 || in[0] > kMaxValues || args.actual_bytes != 4 + 4 * in[0]) return 15;

  uint32_t tried = 0, not_ebadf = 0, skipped = 0;
  for (uint32_t i = 1; i <= in[0]; ++i) {
    handle_t v = in[i];
    bool mine = false;
    for (handle_t h : own) mine = mine || h == v;
    if (mine || v == tessera::kInvalidHandle) {
      ++skipped;
      continue;
    }
    int64_t r[4];
    r[0] = sys::HandleDuplicate(v, tessera::kRightSameRights);
    r[1] = sys::ObjectWaitOne(v, tessera::kSignalReadable, 0, nullptr);
    r[2] = sys::NotificationSignal(v, 1);
    r[3] = sys::ChannelWrite(v, "x", 1, nullptr, 0, 0);
    for (int64_t x : r) {
      ++tried;
      if (x != -linux_abi::kEBADF) {
        ++not_ebadf;
        printf("handle_peer: the client's handle value %08x worked here (%lld)\n", v,
               static_cast<long long>(x));
      }
    }
    if (r[0] >= 0) sys::HandleClose(static_cast<handle_t>(r[0]));
  }

  // Its own handles must work (otherwise the test above proves nothing).
  uint32_t own_ok = 0;
  if (sys::NotificationSignal(own[3], 1) == 0) own_ok |= 1;
  if (sys::ChannelWrite(c0, "y", 1, nullptr, 0, 0) == 0 &&
      sys::ObjectWaitOne(c1, tessera::kSignalReadable, 0, nullptr) == 0) {
    own_ok |= 2;
  }
  int64_t dup = sys::HandleDuplicate(own[3], tessera::kRightSameRights);
  if (dup > 0 && sys::HandleClose(static_cast<handle_t>(dup)) == 0) own_ok |= 4;

  uint32_t reply[4] = {tried, not_ebadf, skipped, own_ok};
  if (sys::ChannelWrite(svc, reply, sizeof reply, nullptr, 0, 0) < 0) return 16;

  // Until the client hangs up.
  for (;;) {
    if (WaitReadable(svc) < 0) return 17;
    char drain[64];
    tessera::ChannelReadArgs d{};
    d.bytes = drain;
    d.bytes_capacity = sizeof drain;
    int64_t r = sys::ChannelRead(svc, &d);
    if (r == -linux_abi::kEPIPE) return 0;
  }
}

int Swallow(handle_t svc) {
  if (WaitReadable(svc) < 0) return 20;
  char buf[256];
  tessera::ChannelReadArgs args{};
  args.bytes = buf;
  args.bytes_capacity = sizeof buf;
  if (sys::ChannelRead(svc, &args) < 0) return 21;
  guest::SleepNs(30'000'000);
  return 0;  // exit without answering: the caller's call must end in an error
}

}  // namespace

int main(int argc, char** argv) {
  tessera::Bootstrap boot;
  if (boot.Load() < 0) return 2;
  handle_t svc = boot.Find("svc");
  if (svc == tessera::kInvalidHandle) return 3;
  const char* mode = argc > 1 ? argv[1] : "isolation";
  if (strcmp(mode, "isolation") == 0) return Isolation(svc);
  if (strcmp(mode, "swallow") == 0) return Swallow(svc);
  return 4;
}
