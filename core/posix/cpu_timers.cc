#include "core/posix/cpu_timers.h"

namespace core::posix {

CpuTimerSetting CpuTimers::Set(Which which, CpuTimerSetting next) {
  CpuTimerSetting old = Get(which);
  remaining_[which] = next.value_ticks;
  interval_[which] = next.value_ticks == 0 ? 0 : next.interval_ticks;
  return old;
}

void CpuTimers::SetCpuLimit(uint64_t soft_ticks, uint64_t hard_ticks, uint64_t ticks_per_second) {
  soft_ = soft_ticks;
  hard_ = hard_ticks;
  ticks_per_second_ = ticks_per_second == 0 ? 1 : ticks_per_second;
  next_soft_signal_ = soft_;
}

uint32_t CpuTimers::Tick(bool user) {
  uint32_t fired = 0;
  // One interval timer's tick: reload or disarm at zero.
  auto step = [this](int which) {
    if (remaining_[which] == 0) return false;
    if (--remaining_[which] != 0) return false;
    remaining_[which] = interval_[which];
    return true;
  };
  if (user && step(kVirtual)) fired |= kFireVirtual;
  if (step(kProf)) fired |= kFireProf;
  ++used_;
  if (hard_ != kUnlimited && used_ >= hard_) {
    fired |= kFireCpuHard;
  } else if (next_soft_signal_ != kUnlimited && used_ >= next_soft_signal_) {
    fired |= kFireCpuSoft;
    next_soft_signal_ += ticks_per_second_;
  }
  return fired;
}

}  // namespace core::posix
