#include "init/restart_policy.h"

#include <gtest/gtest.h>

namespace init {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000'000'000;

TEST(RestartPolicy, FirstCrashRestartsAtOnceThenBacksOff) {
  RestartPolicy policy;
  int64_t t = 100 * kSec;
  auto d = policy.OnCrash(t);
  EXPECT_FALSE(d.give_up);
  EXPECT_EQ(d.restart_at_ns, t);
  EXPECT_EQ(d.recent, 1u);
  const int64_t expected_delays[] = {500 * kMs, 1000 * kMs, 2000 * kMs};
  for (int64_t delay : expected_delays) {
    t += kSec;
    d = policy.OnCrash(t);
    ASSERT_FALSE(d.give_up);
    EXPECT_EQ(d.restart_at_ns - t, delay);
  }
  EXPECT_EQ(policy.RecentCrashes(t), 4u);
  t += kSec;
  d = policy.OnCrash(t);  // the fifth within a minute
  EXPECT_TRUE(d.give_up);
  EXPECT_EQ(d.recent, 5u);
  EXPECT_TRUE(policy.gave_up());
  // Given up is final, even long after.
  EXPECT_TRUE(policy.OnCrash(t + 3600 * kSec).give_up);
}

TEST(RestartPolicy, CrashesOutsideTheWindowAreForgotten) {
  RestartPolicy policy;
  int64_t t = 0;
  // Four crashes a minute apart never add up: each restarts at once.
  for (int i = 0; i < 20; ++i) {
    t += 61 * kSec;
    auto d = policy.OnCrash(t);
    ASSERT_FALSE(d.give_up) << i;
    EXPECT_EQ(d.restart_at_ns, t);
    EXPECT_EQ(d.recent, 1u);
  }
  // Two quick ones, then a quiet spell: the count starts over.
  policy.OnCrash(t + kSec);
  EXPECT_EQ(policy.RecentCrashes(t + kSec), 2u);
  EXPECT_EQ(policy.RecentCrashes(t + 60 * kSec), 1u);  // the first left the window
  EXPECT_EQ(policy.RecentCrashes(t + 62 * kSec), 0u);
  auto d = policy.OnCrash(t + 62 * kSec);
  EXPECT_EQ(d.recent, 1u);
  EXPECT_EQ(d.restart_at_ns, t + 62 * kSec);
}

TEST(RestartPolicy, DelayIsCapped) {
  RestartPolicy::Config config;
  config.crash_limit = 100;  // more than tracked: acts as kMaxTracked
  config.window_ns = 1000 * kSec;
  RestartPolicy policy(config);
  int64_t t = 0;
  int64_t last_delay = 0;
  uint32_t crashes = 0;
  for (;;) {
    auto d = policy.OnCrash(t);
    ++crashes;
    if (d.give_up) break;
    last_delay = d.restart_at_ns - t;
    EXPECT_LE(last_delay, config.max_delay_ns);
    t += kSec;
  }
  EXPECT_EQ(crashes, RestartPolicy::kMaxTracked);
  EXPECT_EQ(last_delay, config.max_delay_ns);
}

TEST(RestartPolicy, LimitOfOneGivesUpAtTheFirstCrash) {
  RestartPolicy::Config config;
  config.crash_limit = 1;
  RestartPolicy policy(config);
  EXPECT_TRUE(policy.OnCrash(5 * kSec).give_up);
}

TEST(RestartPolicy, CrashesAtTheSameInstantCount) {
  RestartPolicy policy;
  for (int i = 0; i < 4; ++i) ASSERT_FALSE(policy.OnCrash(7 * kSec).give_up);
  EXPECT_TRUE(policy.OnCrash(7 * kSec).give_up);
}

}  // namespace
}  // namespace init
