// posixtest: Tessera's POSIX process test suite. Runs the same on Tessera
// and on Linux (the oracle):
//   posixtest [--helper PATH] [--list] [FILTER]
// --helper names the program the execve cases run (default /bin/posixhelper,
// from Tessera's initramfs); FILTER runs only the cases whose name contains it.

#include <stdio.h>
#include <string.h>

#include "testing/posix/cases.h"
#include "testing/posix/util.h"

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  const char* filter = nullptr;
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--helper") == 0 && i + 1 < argc) {
      posix_test::SetHelperPath(argv[++i]);
    } else if (strcmp(argv[i], "--list") == 0) {
      list = true;
    } else {
      filter = argv[i];
    }
  }
  // One table, so RunAll prints a single summary line.
  static posix_test::Case all[512];
  int n = 0;
  struct {
    const posix_test::Case* cases;
    int count;
  } tables[] = {
      {posix_test::kProcessCases, posix_test::kProcessCaseCount},
      {posix_test::kFdCases, posix_test::kFdCaseCount},
      {posix_test::kExecCases, posix_test::kExecCaseCount},
      {posix_test::kSignalCases, posix_test::kSignalCaseCount},
      {posix_test::kFileCases, posix_test::kFileCaseCount},
      {posix_test::kTimerCases, posix_test::kTimerCaseCount},
      {posix_test::kMemoryCases, posix_test::kMemoryCaseCount},
      {posix_test::kMountCases, posix_test::kMountCaseCount},
      {posix_test::kThreadCases, posix_test::kThreadCaseCount},
      {posix_test::kSocketCases, posix_test::kSocketCaseCount},
      {posix_test::kInetCases, posix_test::kInetCaseCount},
      {posix_test::kKlogCases, posix_test::kKlogCaseCount},
      {posix_test::kEventCases, posix_test::kEventCaseCount},
      {posix_test::kSysvCases, posix_test::kSysvCaseCount},
      {posix_test::kCredCases, posix_test::kCredCaseCount},
      {posix_test::kSysctlCases, posix_test::kSysctlCaseCount},
      {posix_test::kCoreCases, posix_test::kCoreCaseCount},
      {posix_test::kLockCases, posix_test::kLockCaseCount},
      {posix_test::kMemfdCases, posix_test::kMemfdCaseCount},
      {posix_test::kLeaseCases, posix_test::kLeaseCaseCount},
      {posix_test::kTaskCases, posix_test::kTaskCaseCount},
      {posix_test::kNsCases, posix_test::kNsCaseCount},
  };
  for (const auto& t : tables) {
    for (int i = 0; i < t.count && n < 512; ++i) all[n++] = t.cases[i];
  }
  if (list) {
    for (int i = 0; i < n; ++i) {
      printf("%s%s%s\n", all[i].name,
             all[i].xfail_on_tessera ? "  # EXPECTED-FAIL on Tessera: " : "",
             all[i].xfail_on_tessera ? all[i].xfail_on_tessera : "");
    }
    return 0;
  }
  if (!posix_test::MakeWorkDir()) {
    printf("posix: cannot make a scratch directory under $TEST_TMPDIR or /tmp\n");
    return 1;
  }
  printf("posix: %d case(s), helper %s, scratch %s%s\n", n, posix_test::HelperPath(),
         posix_test::WorkDir(), posix_test::OnTessera() ? ", on Tessera" : "");
  int failed = posix_test::RunAll(all, n, filter);
  posix_test::RemoveWorkDir();
  return failed == 0 ? 0 : 1;
}
