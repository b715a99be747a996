// unprivileged: coretest's plain process for the privilege test. init's
// resources ("dma", "sched") are not among its bootstrap handles; it gets only
// "vmo", a contiguous memory object coretest made, with every right a
// memory object can have (kRightManage included). It tries what only drivers
// may do and prints one line per try that was NOT refused as it must be:
//
//   unprivileged: FAIL <what>: <result>
//
// Exit status: the number of such failures (0: everything was refused).

#include <stdio.h>

#include "abi/linux/errno.h"
#include "lib/tessera/bootstrap.h"
#include "lib/tessera/syscalls.h"

namespace sys = tessera::sys;
using tessera::handle_t;

namespace {

int g_failures = 0;

void Expect(int64_t got, int64_t want, const char* what) {
  if (got == want) return;
  printf("unprivileged: FAIL %s: %lld (want %lld)\n", what, static_cast<long long>(got),
         static_cast<long long>(want));
  ++g_failures;
}

}  // namespace

int main() {
  tessera::Bootstrap boot;
  handle_t vmo = boot.Load() == 0 ? boot.Find("vmo") : tessera::kInvalidHandle;
  if (vmo == tessera::kInvalidHandle) {
    printf("unprivileged: FAIL no \"vmo\" handle\n");
    return 100;
  }
  if (boot.Find("dma") != tessera::kInvalidHandle ||
      boot.Find("sched") != tessera::kInvalidHandle) {
    printf("unprivileged: FAIL it was given a resource\n");
    return 101;
  }
  const int64_t eacces = -linux_abi::kEACCES;
  // Pinned memory: with no handle, or with the one handle it has (a VMO).
  Expect(sys::VmoCreateContiguous(tessera::kInvalidHandle, 4096), eacces,
         "VmoCreateContiguous without a dma resource");
  Expect(sys::VmoCreateContiguous(vmo, 4096), eacces, "VmoCreateContiguous naming a VMO");
  // The physical address of a contiguous VMO it holds with kRightManage.
  Expect(sys::VmoPhysicalAddress(tessera::kInvalidHandle, vmo, 0), eacces,
         "VmoPhysicalAddress without a dma resource");
  Expect(sys::VmoPhysicalAddress(vmo, vmo, 0), eacces, "VmoPhysicalAddress naming the VMO twice");
  // Priority: raising above the default is refused, lowering is not.
  Expect(sys::ThreadSetPriority(tessera::kInvalidHandle, tessera::kPriorityMax), eacces,
         "ThreadSetPriority(max) without a sched resource");
  Expect(sys::ThreadSetPriority(tessera::kInvalidHandle, tessera::kPriorityDefault + 1), eacces,
         "ThreadSetPriority(default + 1) without a sched resource");
  Expect(sys::ThreadSetPriority(tessera::kInvalidHandle, tessera::kPriorityMin), 0,
         "ThreadSetPriority(min)");
  Expect(sys::ThreadSetPriority(tessera::kInvalidHandle, tessera::kPriorityDefault), 0,
         "ThreadSetPriority(default) after lowering");
  return g_failures;
}
