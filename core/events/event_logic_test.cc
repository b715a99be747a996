// Host tests of the eventfd counter and the timerfd expiry count.

#include <gtest/gtest.h>

#include "core/events/event_counter.h"
#include "core/events/timer_expiry.h"

namespace core::events {
namespace {

TEST(EventCounterTest, CounterModeTakesEverything) {
  EventCounter c(5, false);
  EXPECT_TRUE(c.readable());
  ASSERT_TRUE(c.Add(3).ok());
  EXPECT_EQ(c.Take().value(), 8u);
  EXPECT_FALSE(c.readable());
  EXPECT_EQ(c.Take().error(), kstd::Error::kAgain);
}

TEST(EventCounterTest, SemaphoreModeTakesOne) {
  EventCounter c(2, true);
  EXPECT_EQ(c.Take().value(), 1u);
  EXPECT_EQ(c.Take().value(), 1u);
  EXPECT_EQ(c.Take().error(), kstd::Error::kAgain);
}

TEST(EventCounterTest, OverflowAndTheForbiddenValue) {
  EventCounter c(0, false);
  EXPECT_EQ(c.Add(~0ULL).error(), kstd::Error::kInvalid);
  ASSERT_TRUE(c.Add(EventCounter::kMax - 1).ok());
  EXPECT_TRUE(c.writable());
  EXPECT_EQ(c.Add(2).error(), kstd::Error::kAgain);
  ASSERT_TRUE(c.Add(1).ok());
  EXPECT_EQ(c.count(), EventCounter::kMax);
  EXPECT_FALSE(c.writable());
  ASSERT_TRUE(c.Add(0).ok());  // adding nothing always fits
  EXPECT_EQ(c.Take().value(), EventCounter::kMax);
  EXPECT_TRUE(c.writable());
}

TEST(TimerExpiryTest, OneShot) {
  TimerExpiry t;
  t.Set(1000, 0);
  EXPECT_EQ(t.Advance(999), 0u);
  EXPECT_EQ(t.Get(400).value_ns, 600u);
  EXPECT_EQ(t.Advance(5000), 1u);
  EXPECT_FALSE(t.armed());
  EXPECT_EQ(t.Take(), 1u);
  EXPECT_EQ(t.Take(), 0u);
  EXPECT_EQ(t.Get(6000).value_ns, 0u);
}

TEST(TimerExpiryTest, PeriodicCountsMissedExpirations) {
  TimerExpiry t;
  t.Set(100, 50);
  EXPECT_EQ(t.Advance(100), 1u);  // due exactly now
  EXPECT_EQ(t.deadline(), 150u);
  EXPECT_EQ(t.Advance(349), 4u);  // 150, 200, 250, 300
  EXPECT_EQ(t.deadline(), 350u);
  EXPECT_EQ(t.Take(), 5u);
  EXPECT_EQ(t.Get(340).value_ns, 10u);
  EXPECT_EQ(t.Get(340).interval_ns, 50u);
}

TEST(TimerExpiryTest, SettingDropsTheUnreadCountAndZeroDisarms) {
  TimerExpiry t;
  t.Set(10, 10);
  t.Advance(100);
  EXPECT_GT(t.unread(), 0u);
  t.Set(0, 10);
  EXPECT_FALSE(t.armed());
  EXPECT_EQ(t.unread(), 0u);
  EXPECT_EQ(t.Get(200).value_ns, 0u);
  EXPECT_EQ(t.Get(200).interval_ns, 10u);  // kept, as Linux reports it
}

}  // namespace
}  // namespace core::events
