// echo_server: answers every message on its "svc" channel with the same bytes
// (and the request's transaction id, so channel_call callers get their reply).
// Ends when the client closes its end.

#include <stdio.h>

#include "lib/tessera/bootstrap.h"
#include "lib/tessera/syscalls.h"

namespace sys = tessera::sys;

int main() {
  tessera::Bootstrap boot;
  if (boot.Load() < 0) return 2;
  tessera::handle_t svc = boot.Find("svc");
  if (svc == tessera::kInvalidHandle) return 3;
  static char buffer[tessera::kMaxMessageBytes];
  uint64_t served = 0;
  for (;;) {
    uint32_t observed = 0;
    int64_t w = sys::ObjectWaitOne(svc, tessera::kSignalReadable | tessera::kSignalPeerClosed,
                                   tessera::kInfinite, &observed);
    if (w < 0) return 4;
    tessera::ChannelReadArgs args{};
    args.bytes = buffer;
    args.bytes_capacity = sizeof buffer;
    int64_t r = sys::ChannelRead(svc, &args);
    if (r == -32) break;  // EPIPE: the client is gone and nothing is queued
    if (r < 0) continue;
    if (sys::ChannelWrite(svc, buffer, args.actual_bytes, nullptr, 0, args.txid) < 0) break;
    ++served;
  }
  printf("echo_server: served %llu request(s); client closed the channel\n",
         static_cast<unsigned long long>(served));
  return 0;
}
