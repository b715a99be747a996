// posixtest: Tessera's POSIX process test suite. Runs the same on Tessera
// and on Linux (the oracle): `posixtest [filter]`.

#include <stdio.h>

#include "testing/posix/cases.h"

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  const char* filter = argc > 1 ? argv[1] : nullptr;
  // One table, so RunAll prints a single summary line.
  static posix_test::Case all[256];
  int n = 0;
  for (int i = 0; i < posix_test::kProcessCaseCount; ++i) all[n++] = posix_test::kProcessCases[i];
  for (int i = 0; i < posix_test::kFdCaseCount; ++i) all[n++] = posix_test::kFdCases[i];
  int failed = posix_test::RunAll(all, n, filter);
  return failed == 0 ? 0 : 1;
}
