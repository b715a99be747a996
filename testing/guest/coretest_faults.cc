// coretest's tests of fault isolation.

#include <stdio.h>

#include "abi/linux/signal.h"
#include "testing/guest/coretest.h"

namespace coretest {

// ---------------------------------------------------------------------------
// 3. fault isolation: one test per fault variant

void RunFault(const char* variant, int64_t want_status) {
  char name[32];
  snprintf(name, sizeof name, "fault_%s", variant);
  for (char* c = name; *c != '\0'; ++c) {
    if (*c == '-') *c = '_';
  }
  const char* argv[] = {"fault", variant};
  handle_t p = SpawnModule("fault", name, 2, argv);
  if (p == kInvalidHandle) return;
  uint64_t pid = PidOf(p);
  int64_t status = WaitAndClose(p, 10 * kSec);
  Info("%s (pid %llu) ended with wait status %lld", name, ULL(pid), LL(status));
  ExpectEq(status, want_status, "wait status");
  // The system runs on: IPC to another process still works.
  EchoCall(9000);
}

void TestFaultNullWrite() { RunFault("null-write", linux_abi::kSigSegv); }
void TestFaultKernelRead() { RunFault("kernel-read", linux_abi::kSigSegv); }
void TestFaultNoncanonicalJump() { RunFault("noncanonical-jump", linux_abi::kSigSegv); }
void TestFaultUd2() { RunFault("ud2", linux_abi::kSigIll); }
void TestFaultNxExec() { RunFault("nx-exec", linux_abi::kSigSegv); }

}  // namespace coretest
