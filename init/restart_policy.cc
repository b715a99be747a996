#include "init/restart_policy.h"

namespace init {

uint32_t RestartPolicy::RecentCrashes(int64_t now_ns) const {
  uint32_t recent = 0;
  for (uint32_t i = 0; i < count_; ++i) {
    if (now_ns - crashes_[i] < config_.window_ns) ++recent;
  }
  return recent;
}

RestartPolicy::Decision RestartPolicy::OnCrash(int64_t now_ns) {
  // Forget what left the window, then remember this crash (dropping the
  // oldest when full).
  uint32_t kept = 0;
  for (uint32_t i = 0; i < count_; ++i) {
    if (now_ns - crashes_[i] < config_.window_ns) crashes_[kept++] = crashes_[i];
  }
  count_ = kept;
  if (count_ == kMaxTracked) {
    for (uint32_t i = 1; i < count_; ++i) crashes_[i - 1] = crashes_[i];
    --count_;
  }
  crashes_[count_++] = now_ns;

  Decision d;
  d.recent = count_;
  uint32_t limit = config_.crash_limit < kMaxTracked ? config_.crash_limit : kMaxTracked;
  if (gave_up_ || d.recent >= limit) {
    gave_up_ = true;
    d.give_up = true;
    return d;
  }
  int64_t delay = 0;
  if (d.recent >= 2) {
    delay = config_.base_delay_ns;
    for (uint32_t i = 2; i < d.recent && delay < config_.max_delay_ns; ++i) delay *= 2;
    if (delay > config_.max_delay_ns) delay = config_.max_delay_ns;
  }
  d.restart_at_ns = now_ns + delay;
  return d;
}

}  // namespace init
