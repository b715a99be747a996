// coretest: the in-guest test suite of the core (processes, threads,
// scheduling, IPC, handles and rights, faults, user pointers). init runs it
// in `tessera.test=core` mode with a handle to every boot module, by module
// name. It prints one line per test,
//
//   coretest: PASS <name>
//   coretest: FAIL <name>: <why>
//
// (plus "coretest: info ..." lines with measurements), then
// "coretest: N passed, N failed", and exits 0 only if every test passed.
// testing/system/core_test.sh checks these lines and the kernel's reports.
//
// Every wait has a deadline, so a kernel bug shows as a FAIL line, not a hang.
// Extra threads run without TLS: their code uses only tessera::sys::* and the
// raw calls of guest_util.h (no printf, no errno).
//
// The tests live in coretest_<area>.cc (the harness in coretest_harness.cc,
// declared in coretest.h); main below runs them in order.

#include <stdio.h>

#include "testing/guest/coretest.h"

using namespace coretest;

int main() {
  int loaded = g_boot.Load();
  if (loaded < 0) {
    printf("coretest: FAIL bootstrap: Bootstrap::Load returned %d\n", loaded);
    printf("coretest: 0 passed, 1 failed\n");
    return 1;
  }
  for (size_t i = 0; i < g_boot.count(); ++i) Own(g_boot.at(i).handle);
  printf("coretest: starting (pid %lld) with %zu module handle(s)\n",
         LL(Syscall(tessera::kNrLinuxGetpid)), g_boot.count());
  fflush(stdout);
  int64_t start = Now();

  Run("ping-pong", TestPingPong);
  Run("accounting", TestAccounting);
  Run("sender-stamp", TestSenderStamp);
  Run("preemption", TestPreemption);
  Run("fault-null-write", TestFaultNullWrite);
  Run("fault-kernel-read", TestFaultKernelRead);
  Run("fault-noncanonical-jump", TestFaultNoncanonicalJump);
  Run("fault-ud2", TestFaultUd2);
  Run("fault-nx-exec", TestFaultNxExec);
  Run("bad-pointers-native", TestBadPointersNative);
  Run("bad-pointers-linux", TestBadPointersLinux);
  Run("handle-isolation", TestHandleIsolation);
  Run("rights", TestRights);
  Run("privilege-holder", TestPrivilegeHolder);
  Run("privilege-plain-process", TestPrivilegePlainProcess);
  Run("pinned-limit", TestPinnedLimit);
  Run("peer-close-wakes", TestPeerCloseWakes);
  Run("call-server-exit", TestCallServerExit);
  Run("timeouts", TestTimeouts);
  Run("notifications", TestNotifications);
  Run("threads", TestThreads);
  Run("netproto-hostile-server", TestNetprotoHostileServer);
  Run("cleanup", TestCleanup);

  printf("coretest: finished in %lld ms\n", LL((Now() - start) / kMs));
  printf("coretest: %d passed, %d failed\n", g_passed, g_failed);
  fflush(stdout);
  return g_failed == 0 ? 0 : 1;
}
