// The CPU-time timers' model (core/posix/cpu_timers.h); the same behaviour
// runs against Linux in testing/posix/timer_cases.cc.

#include "core/posix/cpu_timers.h"

#include <gtest/gtest.h>

namespace core::posix {
namespace {

int CountFires(CpuTimers& t, int ticks, bool user, uint32_t bit) {
  int n = 0;
  for (int i = 0; i < ticks; ++i) n += (t.Tick(user) & bit) != 0;
  return n;
}

TEST(CpuTimersTest, VirtualCountsUserTimeOnly) {
  CpuTimers t;
  t.Set(CpuTimers::kVirtual, {5, 0});
  EXPECT_EQ(CountFires(t, 100, /*user=*/false, CpuTimers::kFireVirtual), 0);
  EXPECT_EQ(t.Get(CpuTimers::kVirtual).value_ticks, 5u);
  EXPECT_EQ(CountFires(t, 4, true, CpuTimers::kFireVirtual), 0);
  EXPECT_EQ(CountFires(t, 1, true, CpuTimers::kFireVirtual), 1);
  EXPECT_EQ(t.Get(CpuTimers::kVirtual).value_ticks, 0u);  // one-shot: disarmed
  EXPECT_EQ(CountFires(t, 100, true, CpuTimers::kFireVirtual), 0);
}

TEST(CpuTimersTest, ProfCountsBothAndReloads) {
  CpuTimers t;
  t.Set(CpuTimers::kProf, {10, 3});
  EXPECT_EQ(
      CountFires(t, 5, false, CpuTimers::kFireProf) + CountFires(t, 5, true, CpuTimers::kFireProf),
      1);
  EXPECT_EQ(CountFires(t, 9, true, CpuTimers::kFireProf), 3);  // every 3 ticks
  CpuTimerSetting old = t.Set(CpuTimers::kProf, {0, 7});
  EXPECT_EQ(old.interval_ticks, 3u);
  EXPECT_EQ(t.Get(CpuTimers::kProf).interval_ticks, 0u);  // disarming clears the interval
}

TEST(CpuTimersTest, CpuLimitSignalsEverySecondThenKills) {
  CpuTimers t;
  t.SetCpuLimit(2000, 4000, 1000);
  EXPECT_EQ(CountFires(t, 1999, true, CpuTimers::kFireCpuSoft), 0);
  EXPECT_EQ(CountFires(t, 1, false, CpuTimers::kFireCpuSoft), 1);
  EXPECT_EQ(CountFires(t, 1000, true, CpuTimers::kFireCpuSoft), 1);  // one a second
  EXPECT_EQ(CountFires(t, 999, true, CpuTimers::kFireCpuHard), 0);
  EXPECT_NE(t.Tick(true) & CpuTimers::kFireCpuHard, 0u);
}

TEST(CpuTimersTest, UnlimitedNeverFires) {
  CpuTimers t;
  EXPECT_EQ(CountFires(t, 100000, true, ~0u), 0);
  EXPECT_EQ(t.used_ticks(), 100000u);
}

}  // namespace
}  // namespace core::posix
