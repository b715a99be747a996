// posixtest: Tessera's POSIX process test suite. Runs the same on Tessera
// and on Linux (the oracle): `posixtest [filter]`.

#include <stdio.h>

#include "testing/posix/cases.h"

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int failed = posix_test::RunAll(posix_test::kProcessCases, posix_test::kProcessCaseCount, filter);
  return failed == 0 ? 0 : 1;
}
