#pragma once

// A tiny test harness for the POSIX suite: the same static binary runs on
// Tessera and on the host's Linux (the oracle), printing one line per case
// ("posix: PASS name" / "posix: FAIL name: why") and a closing
// "posix: N passed, N failed" line.

#include <stdio.h>
#include <string.h>

namespace posix_test {

struct Case {
  const char* name;
  // Returns nullptr on success, or a static description of the failure.
  const char* (*run)();
};

/// Runs every case in order; returns the number of failures.
int RunAll(const Case* cases, int count, const char* filter);

}  // namespace posix_test

// CHECK(cond): fails the current case with the condition's text.
#define POSIX_STR2(x) #x
#define POSIX_STR(x) POSIX_STR2(x)
#define CHECK(cond)                                              \
  do {                                                           \
    if (!(cond)) return __FILE__ ":" POSIX_STR(__LINE__) ": " #cond; \
  } while (0)
