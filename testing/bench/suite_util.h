#pragma once
// What every benchsuite benchmark shares: the clock, the sample buffer, the
// result lines (the format is in suite.cc's header comment) and small I/O
// helpers. The suite is one static musl program for Linux and Tessera, so
// this is plain POSIX with no Tessera library.

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

namespace bench {

/// CLOCK_MONOTONIC in nanoseconds.
int64_t NowNs();

/// Room for one benchmark's samples.
constexpr int kMaxSamples = 4096;
extern double g_samples[kMaxSamples];

/// Outcomes of one benchmark (also the exit status of its child process).
enum Outcome { kMeasured = 0, kFailed = 1, kSkipped = 2 };

/// Sorts samples[0..n) and prints the metric's line; `extra` is appended
/// (" k=v ..."). ns figures are printed whole, others with one decimal.
void Report(const char* metric, const char* unit, double* samples, int n, long iterations,
            const char* extra = "");

/// Prints "bench: METRIC error: WHAT[: strerror (errno N)]" and returns kFailed.
Outcome Fail(const char* metric, const char* what, bool use_errno = true);

/// Prints "bench: METRIC skipped: WHY" and returns kSkipped.
Outcome Skip(const char* metric, const char* why);

/// write/read until all `n` bytes moved (EINTR retried); false on an error or EOF.
bool WriteAll(int fd, const void* data, size_t n);
bool ReadAll(int fd, void* data, size_t n);

/// Waits for `pid` and says whether it exited with status 0.
bool ReapedCleanly(pid_t pid);

}  // namespace bench
