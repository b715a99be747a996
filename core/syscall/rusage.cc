#include "core/syscall/rusage.h"

#include "core/sched/scheduler.h"

namespace core::syscall {

bool CopyOutRusage(UserPtr<void> rusage, const ResourceUsage& usage) {
  if (rusage.address() == 0) return true;
  constexpr uint64_t kUsPerTick = 1'000'000ULL / sched::kTickHz;
  int64_t ru[18] = {};  // struct rusage: 2 timevals, then 14 longs
  const uint64_t user_us = usage.user_ticks * kUsPerTick;
  const uint64_t system_us = usage.system_ticks * kUsPerTick;
  ru[0] = static_cast<int64_t>(user_us / 1'000'000);
  ru[1] = static_cast<int64_t>(user_us % 1'000'000);
  ru[2] = static_cast<int64_t>(system_us / 1'000'000);
  ru[3] = static_cast<int64_t>(system_us % 1'000'000);
  ru[4] = static_cast<int64_t>(usage.max_rss_pages * 4);  // ru_maxrss, KiB
  ru[8] = static_cast<int64_t>(usage.minor_faults);       // ru_minflt
  static_assert(sizeof ru == 144);
  return rusage.CopyOut(ru, sizeof ru).ok();
}

}  // namespace core::syscall
