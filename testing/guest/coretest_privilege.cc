// coretest's tests of the driver privileges (issue 14, finding 2): DMA
// memory and physical addresses need init's "dma" resource, raising a thread
// above the default priority its "sched" resource, and pinned memory has a
// per-process limit. coretest holds both resources (init passes it all of its
// handles); the plain process is the "unprivileged" module, which holds none.

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi/linux/errno.h"
#include "testing/guest/coretest.h"

namespace coretest {
namespace {

constexpr int64_t kEacces = -linux_abi::kEACCES;
constexpr uint64_t kChunk = 1u << 20;

// A contiguous VMO (owned) or kInvalidHandle.
handle_t Contiguous(handle_t dma, uint64_t bytes, int64_t* result = nullptr) {
  int64_t r = sys::VmoCreateContiguous(dma, bytes);
  if (result != nullptr) *result = r;
  if (r < 0) return kInvalidHandle;
  Own(static_cast<handle_t>(r));
  return static_cast<handle_t>(r);
}

// The value of `key` in /proc/self/tessera, or -1 (no procfs, no such line).
int64_t TesseraCounter(const char* key) {
  int fd = open("/proc/self/tessera", O_RDONLY);
  if (fd < 0) return -1;
  static char text[2048];
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return -1;
  text[n] = '\0';
  size_t length = strlen(key);
  for (const char* line = text; line != nullptr && *line != '\0';) {
    if (strncmp(line, key, length) == 0 && line[length] == ':') return atoll(line + length + 1);
    line = strchr(line, '\n');
    if (line != nullptr) ++line;
  }
  return -1;
}

}  // namespace

void TestPrivilegeHolder() {
  handle_t dma = g_boot.Find("dma");
  handle_t sched = g_boot.Find("sched");
  EXPECT(dma != kInvalidHandle && sched != kInvalidHandle, "init passed no dma/sched resource");
  if (dma == kInvalidHandle || sched == kInvalidHandle) return;
  const int64_t refused_before = TesseraCounter("privilege_refused");

  int64_t r = 0;
  handle_t vmo = Contiguous(dma, 8192, &r);
  EXPECT(vmo != kInvalidHandle, "VmoCreateContiguous with the dma resource: %lld", LL(r));
  if (vmo == kInvalidHandle) return;
  int64_t phys = sys::VmoPhysicalAddress(dma, vmo, 0);
  EXPECT(phys > 0 && (phys & 4095) == 0, "VmoPhysicalAddress with the dma resource: %lld",
         LL(phys));
  ExpectEq(sys::VmoPhysicalAddress(dma, vmo, 4096), phys + 4096, "VmoPhysicalAddress(+4096)");
  // An allocate-only duplicate: the resource's two rights are separate.
  handle_t alloc_only = Dup(dma, tessera::kRightsBasic | tessera::kRightWrite);
  ExpectEq(sys::VmoPhysicalAddress(alloc_only, vmo, 0), kEacces,
           "VmoPhysicalAddress with an allocate-only dma resource");
  handle_t one = Contiguous(alloc_only, 4096, &r);
  EXPECT(one != kInvalidHandle, "VmoCreateContiguous with an allocate-only resource: %lld", LL(r));
  if (one != kInvalidHandle) CloseOwn(one);
  CloseOwn(alloc_only);
  // The wrong kind of resource, or no handle.
  ExpectEq(sys::VmoCreateContiguous(sched, 4096), kEacces, "VmoCreateContiguous(sched resource)");
  ExpectEq(sys::VmoCreateContiguous(kInvalidHandle, 4096), kEacces,
           "VmoCreateContiguous(no resource)");
  ExpectEq(sys::ThreadSetPriority(dma, tessera::kPriorityMax), kEacces,
           "ThreadSetPriority(max) with the dma resource");
  ExpectEq(sys::ThreadSetPriority(sched, tessera::kPriorityMax), 0,
           "ThreadSetPriority(max) with the sched resource");
  ExpectEq(sys::ThreadSetPriority(kInvalidHandle, tessera::kPriorityDefault), 0,
           "ThreadSetPriority(default)");
  ExpectEq(sys::ThreadSetPriority(sched, tessera::kPriorityMax + 1), -linux_abi::kEINVAL,
           "ThreadSetPriority(max + 1)");
  CloseOwn(vmo);
  // Four refusals above: the allocate-only address, two creations, a priority.
  if (refused_before >= 0) {
    ExpectEq(TesseraCounter("privilege_refused") - refused_before, 4,
             "privilege_refused in /proc/self/tessera");
  } else {
    Info("no /proc/self/tessera: the refusal count is not checked here");
  }
}

void TestPrivilegePlainProcess() {
  handle_t dma = g_boot.Find("dma");
  if (dma == kInvalidHandle) {
    Fail("init passed no dma resource");
    return;
  }
  handle_t vmo = Contiguous(dma, 4096);
  if (vmo == kInvalidHandle) {
    Fail("VmoCreateContiguous with the dma resource failed");
    return;
  }
  const char* names[] = {"vmo"};
  const char* argv[] = {"unprivileged"};
  handle_t child = SpawnModule("unprivileged", "unprivileged", 1, argv, &vmo, names, 1);
  if (child == kInvalidHandle) return;
  int64_t status = WaitAndClose(child, 10 * kSec);
  EXPECT(status == 0,
         "the plain process was not refused everything (wait status %#llx: exit code = number "
         "of calls that got through, see its FAIL lines)",
         ULL(static_cast<uint64_t>(status)));
}

void TestPinnedLimit() {
  handle_t dma = g_boot.Find("dma");
  if (dma == kInvalidHandle) {
    Fail("init passed no dma resource");
    return;
  }
  constexpr size_t kMax = tessera::kPinnedProcessLimitBytes / kChunk;
  handle_t held[kMax + 1] = {};
  size_t n = 0;
  int64_t r = 0;
  for (; n < kMax; ++n) {
    held[n] = Contiguous(dma, kChunk, &r);
    if (held[n] == kInvalidHandle) break;
  }
  EXPECT(n == kMax, "only %zu of %zu MiB of pinned memory within the limit: %lld", n, kMax, LL(r));
  if (n == kMax) {
    const int64_t refused_before = TesseraCounter("pinned_refused");
    if (refused_before >= 0) {
      ExpectEq(TesseraCounter("pinned_pages"),
               static_cast<int64_t>(tessera::kPinnedProcessLimitBytes / 4096),
               "pinned_pages in /proc/self/tessera at the limit");
    }
    handle_t over = Contiguous(dma, 4096, &r);
    ExpectEq(r, -linux_abi::kENOMEM, "VmoCreateContiguous past the process's pinned limit");
    if (over != kInvalidHandle) CloseOwn(over);
    if (refused_before >= 0) {
      ExpectEq(TesseraCounter("pinned_refused") - refused_before, 1,
               "pinned_refused in /proc/self/tessera");
    }
    // Giving memory back makes room again.
    CloseOwn(held[--n]);
    handle_t again = Contiguous(dma, 4096, &r);
    EXPECT(again != kInvalidHandle, "VmoCreateContiguous after freeing pinned memory: %lld", LL(r));
    if (again != kInvalidHandle) CloseOwn(again);
  }
  while (n > 0) CloseOwn(held[--n]);
  Info("the pinned limit is %llu MiB per process, %llu MiB for the system",
       ULL(tessera::kPinnedProcessLimitBytes >> 20), ULL(tessera::kPinnedSystemLimitBytes >> 20));
}

}  // namespace coretest
