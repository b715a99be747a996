// Linux calls on the calling thread: its TLS base (arch_prctl), yielding
// the CPU, and the CPUs it may run on (sched_getaffinity).

#include "core/proc/process.h"
#include "core/syscall/pid_view.h"
#include "core/syscall/sys_common.h"
#include "hal/thread.h"

namespace core::syscall {

namespace {

constexpr int32_t kArchSetFs = 0x1002;
constexpr int32_t kArchGetFs = 0x1003;

}  // namespace

kstd::Result<uint64_t> SysLinuxArchPrctl(int32_t code, uint64_t address) {
  hal::ThreadContext* context = CurrentThread()->context();
  switch (code) {
    case kArchSetFs:
      if (!IsUserTlsBase(address)) return kstd::Error::kPermission;
      context->fs_base = address;
      hal::LoadFsBase(address);
      return 0;
    case kArchGetFs: {
      uint64_t value = context->fs_base;
      TRY(UserPtr<uint64_t>(address).CopyOut(&value));
      return 0;
    }
    default: return kstd::Error::kInvalid;
  }
}

kstd::Result<uint64_t> SysLinuxSchedYield() {
  sched::Yield();
  return 0;
}

kstd::Result<uint64_t> SysLinuxSchedGetaffinity(int32_t pid, uint64_t size, UserPtr<void> mask) {
  if (size < 8 || (size & 7) != 0) return kstd::Error::kInvalid;
  if (pid != 0 && !FindProcessFromUser(pid)) return kstd::Error::kSearch;
  uint64_t one_cpu = 1;  // only the boot CPU runs threads today
  TRY(mask.CopyOut(&one_cpu, sizeof one_cpu));
  return 8;
}

}  // namespace core::syscall
