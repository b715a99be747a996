// echo_client: makes N channel calls with 64-byte payloads to the "svc"
// server, checks every reply byte for byte, and prints the kernel-stamped
// identity of the replier and the median round trip.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tessera/bootstrap.h"
#include "lib/tessera/process.h"
#include "lib/tessera/syscalls.h"

namespace sys = tessera::sys;

namespace {
int CompareInt64(const void* a, const void* b) {
  int64_t x = *static_cast<const int64_t*>(a), y = *static_cast<const int64_t*>(b);
  return x < y ? -1 : x > y;
}
}  // namespace

int main(int argc, char** argv) {
  int calls = argc > 1 ? atoi(argv[1]) : 100;
  if (calls < 1 || calls > 100000) calls = 100;
  tessera::Bootstrap boot;
  if (boot.Load() < 0) return 2;
  tessera::handle_t svc = boot.Find("svc");
  if (svc == tessera::kInvalidHandle) return 3;
  static int64_t samples[100000];
  for (int i = 0; i < calls; ++i) {
    char out[64], in[64];
    for (int b = 0; b < 64; ++b) out[b] = static_cast<char>(i * 7 + b);
    tessera::ChannelCallArgs args{};
    args.write_bytes = out;
    args.write_num_bytes = sizeof out;
    args.read_bytes = in;
    args.read_bytes_capacity = sizeof in;
    args.deadline = tessera::kInfinite;
    int64_t start = tessera::NowNs();
    int64_t r = sys::ChannelCall(svc, &args);
    samples[i] = tessera::NowNs() - start;
    if (r < 0 || args.actual_bytes != sizeof in || memcmp(in, out, sizeof in) != 0) {
      printf("echo_client: call %d failed (%lld, %u bytes)\n", i, static_cast<long long>(r),
             args.actual_bytes);
      return 1;
    }
  }
  qsort(samples, static_cast<size_t>(calls), sizeof samples[0], CompareInt64);
  printf("echo_client: %d calls echoed correctly; median round trip %lld ns\n", calls,
         static_cast<long long>(samples[calls / 2]));
  return 0;
}
