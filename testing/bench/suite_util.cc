#include "testing/bench/suite_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace bench {

double g_samples[kMaxSamples];

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

namespace {

int CompareDouble(const void* a, const void* b) {
  double x = *static_cast<const double*>(a), y = *static_cast<const double*>(b);
  return x < y ? -1 : x > y;
}

}  // namespace

void Report(const char* metric, const char* unit, double* samples, int n, long iterations,
            const char* extra) {
  qsort(samples, static_cast<size_t>(n), sizeof samples[0], CompareDouble);
  // ns are whole numbers; bandwidths keep one decimal.
  const char* fmt = strcmp(unit, "ns") == 0
                        ? "bench: %s unit=%s median=%.0f min=%.0f max=%.0f iterations=%ld%s\n"
                        : "bench: %s unit=%s median=%.1f min=%.1f max=%.1f iterations=%ld%s\n";
  printf(fmt, metric, unit, samples[n / 2], samples[0], samples[n - 1], iterations, extra);
  fflush(stdout);
}

Outcome Fail(const char* metric, const char* what, bool use_errno) {
  int e = use_errno ? errno : 0;
  if (e != 0) {
    printf("bench: %s error: %s: %s (errno %d)\n", metric, what, strerror(e), e);
  } else {
    printf("bench: %s error: %s\n", metric, what);
  }
  fflush(stdout);
  return kFailed;
}

Outcome Skip(const char* metric, const char* why) {
  printf("bench: %s skipped: %s\n", metric, why);
  fflush(stdout);
  return kSkipped;
}

bool WriteAll(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool ReadAll(int fd, void* data, size_t n) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool ReapedCleanly(pid_t pid) {
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  return r == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace bench
