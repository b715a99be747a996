#pragma once

// init::RestartPolicy: when init restarts a service that crashed, and when it
// stops trying. Pure logic on monotonic timestamps (host-tested):
//
//   - the first crash within `window_ns` restarts at once;
//   - each further crash within the window waits twice as long as the one
//     before (base_delay_ns, 2 * base_delay_ns, ... at most max_delay_ns),
//     so a service that crashes right after starting does not spin the CPU;
//   - the crash_limit-th crash within the window gives up: the service stays
//     down (init says so once) and its clients get errors.
//
// Crashes older than the window are forgotten, so a service that runs well
// for a while gets the full budget again.

#include <stddef.h>
#include <stdint.h>

namespace init {

class RestartPolicy {
 public:
  struct Config {
    uint32_t crash_limit = 5;              // crashes within the window that give up
    int64_t window_ns = 60'000'000'000;    // 60 s
    int64_t base_delay_ns = 500'000'000;   // the second crash's delay
    int64_t max_delay_ns = 8'000'000'000;  // the longest delay
  };

  /// What to do after a crash.
  struct Decision {
    bool give_up = false;
    int64_t restart_at_ns = 0;  // when to restart (unless give_up)
    uint32_t recent = 0;        // crashes within the window, this one included
  };

  /// Most crashes remembered (a crash_limit above this acts as this).
  static constexpr uint32_t kMaxTracked = 16;

  RestartPolicy() = default;
  explicit RestartPolicy(const Config& config) : config_(config) {}

  /// Records a crash at `now_ns` (monotonic; not before an earlier crash)
  /// and decides. After a give-up every later crash gives up too.
  Decision OnCrash(int64_t now_ns);

  /// Crashes within the window that ends at `now_ns`.
  uint32_t RecentCrashes(int64_t now_ns) const;

  bool gave_up() const { return gave_up_; }
  const Config& config() const { return config_; }

 private:
  Config config_;
  int64_t crashes_[kMaxTracked] = {};  // the last `count_` crash times, oldest first
  uint32_t count_ = 0;
  bool gave_up_ = false;
};

}  // namespace init
