#pragma once

// A tiny test harness for the POSIX suite: the same static binary runs on
// Tessera and on the host's Linux (the oracle), printing one line per case
// ("posix: PASS name" / "posix: FAIL name: why") and a closing
// "posix: N passed, N failed" line (", N xfail" appended when some cases are
// expected to fail on Tessera).
//
// Each case runs in its own child, as the leader of its own process group
// (as LTP's library does), so a crash, a hang (killed after a timeout) or a
// leaked grandchild cannot disturb the next case.

#include <stdio.h>
#include <string.h>

namespace posix_test {

struct Case {
  const char* name;
  // Returns nullptr on success, or a static description of the failure.
  const char* (*run)();
  // Non-null: the case is known to fail on Tessera for the reason given (a
  // kernel feature that is missing). There it is reported as XFAIL (or XPASS)
  // and not counted as a failure; on the host it must pass like any other.
  // Every such entry is marked `// EXPECTED-FAIL on Tessera: <reason>`.
  const char* xfail_on_tessera = nullptr;
};

/// Runs every case in order; returns the number of failures.
int RunAll(const Case* cases, int count, const char* filter);

/// True when running on Tessera (uname's version names it), false on Linux.
bool OnTessera();

/// Formats a failure description into a static buffer (cases run in their own
/// child, so one buffer is enough).
const char* Fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace posix_test

// CHECK(cond): fails the current case with the condition's text.
#define POSIX_STR2(x) #x
#define POSIX_STR(x) POSIX_STR2(x)
#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) return __FILE__ ":" POSIX_STR(__LINE__) ": " #cond; \
  } while (0)

// CHECK_ERRNO(expr, err): expr must evaluate to -1 with errno == err; the
// failure names what was returned and the errno seen.
#define CHECK_ERRNO(expr, err)                                                               \
  do {                                                                                       \
    errno = 0;                                                                               \
    long long posix_r_ = static_cast<long long>(expr);                                       \
    int posix_e_ = errno;                                                                    \
    if (posix_r_ != -1 || posix_e_ != (err))                                                 \
      return ::posix_test::Fail(                                                             \
          __FILE__ ":" POSIX_STR(__LINE__) ": " #expr                                        \
                                           " = %lld, errno %d (%s); want -1, errno %d (%s)", \
          posix_r_, posix_e_, strerror(posix_e_), (err), strerror(err));                     \
  } while (0)

// CHECK_OK(expr): expr must not be -1 (on failure the errno is named).
#define CHECK_OK(expr)                                                                     \
  do {                                                                                     \
    errno = 0;                                                                             \
    long long posix_r_ = static_cast<long long>(expr);                                     \
    if (posix_r_ == -1)                                                                    \
      return ::posix_test::Fail(__FILE__ ":" POSIX_STR(__LINE__) ": " #expr                \
                                                                 " failed: errno %d (%s)", \
                                errno, strerror(errno));                                   \
  } while (0)

// CHECK_EQ(a, b): integers; the failure shows both values.
#define CHECK_EQ(a, b)                                                             \
  do {                                                                             \
    long long posix_a_ = static_cast<long long>(a);                                \
    long long posix_b_ = static_cast<long long>(b);                                \
    if (posix_a_ != posix_b_)                                                      \
      return ::posix_test::Fail(__FILE__ ":" POSIX_STR(__LINE__) ": " #a " == " #b \
                                                                 ": %lld != %lld", \
                                posix_a_, posix_b_);                               \
  } while (0)
