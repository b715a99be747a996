#include "core/posix/interval_timer.h"

#include <gtest/gtest.h>

namespace core::posix {
namespace {

constexpr uint64_t kMs = 1'000'000;

TEST(IntervalTimerTest, StartsDisarmed) {
  IntervalTimer t;
  EXPECT_FALSE(t.armed());
  EXPECT_EQ(0u, t.Get(5).value_ns);
  EXPECT_FALSE(t.Expire(~0ULL));
}

TEST(IntervalTimerTest, OneShotFiresOnceAtItsDeadline) {
  IntervalTimer t;
  IntervalTimerValue old = t.Set(100, {10 * kMs, 0});
  EXPECT_EQ(0u, old.value_ns);
  EXPECT_EQ(100 + 10 * kMs, t.deadline());
  EXPECT_FALSE(t.Expire(100 + 10 * kMs - 1));
  EXPECT_TRUE(t.Expire(100 + 10 * kMs));
  EXPECT_FALSE(t.armed());
  EXPECT_FALSE(t.Expire(100 + 20 * kMs));
}

TEST(IntervalTimerTest, SetReturnsTheTimeLeftAndDisarmsWithZero) {
  IntervalTimer t;
  t.Set(0, {10 * kMs, 3 * kMs});
  IntervalTimerValue old = t.Set(4 * kMs, {0, 7 * kMs});
  EXPECT_EQ(6 * kMs, old.value_ns);
  EXPECT_EQ(3 * kMs, old.interval_ns);
  EXPECT_FALSE(t.armed());
  // A disarmed timer keeps no interval (Linux ignores it with a zero value).
  EXPECT_EQ(0u, t.Get(5 * kMs).interval_ns);
}

TEST(IntervalTimerTest, AnOverdueArmedTimerStillReadsAsArmed) {
  IntervalTimer t;
  t.Set(0, {kMs, 0});
  EXPECT_EQ(1u, t.Get(2 * kMs).value_ns);
}

TEST(IntervalTimerTest, PeriodicReloadsFromTheDueTimeNotTheNoticedTime) {
  IntervalTimer t;
  t.Set(0, {10 * kMs, 10 * kMs});
  EXPECT_TRUE(t.Expire(13 * kMs));  // noticed 3 ms late
  EXPECT_EQ(20 * kMs, t.deadline());
  EXPECT_FALSE(t.Expire(19 * kMs));
  EXPECT_TRUE(t.Expire(20 * kMs));
  EXPECT_EQ(30 * kMs, t.deadline());
}

TEST(IntervalTimerTest, MissedPeriodsCollapseIntoOneExpiry) {
  IntervalTimer t;
  t.Set(0, {10 * kMs, 10 * kMs});
  EXPECT_TRUE(t.Expire(55 * kMs));
  EXPECT_EQ(60 * kMs, t.deadline());
  EXPECT_FALSE(t.Expire(59 * kMs));
}

TEST(IntervalTimerTest, HugeValuesSaturateInsteadOfWrapping) {
  IntervalTimer t;
  t.Set(1000, {~0ULL - 10, 0});
  EXPECT_EQ(~0ULL, t.deadline());
  EXPECT_FALSE(t.Expire(~0ULL - 1));
}

}  // namespace
}  // namespace core::posix
