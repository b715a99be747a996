#include "core/syscall/clock_ids.h"

#include <gtest/gtest.h>

#include "abi/linux/time.h"

namespace core::syscall {
namespace {

constexpr uint64_t kTick = 4'000'000;

ClockInfo Describe(int32_t clock) {
  auto info = DescribeClock(clock, kTick);
  EXPECT_FALSE(info.is_error()) << clock;
  return info.is_error() ? ClockInfo{} : info.value();
}

TEST(ClockIdsTest, HighResolutionClocksReportOneNanosecond) {
  for (int32_t c :
       {linux_abi::kClockRealtime, linux_abi::kClockMonotonic, linux_abi::kClockMonotonicRaw,
        linux_abi::kClockBoottime, linux_abi::kClockTai}) {
    EXPECT_EQ(Describe(c).resolution_ns, 1u) << c;
    EXPECT_FALSE(Describe(c).coarse) << c;
  }
}

TEST(ClockIdsTest, CoarseClocksReportTheTick) {
  ClockInfo rt = Describe(linux_abi::kClockRealtimeCoarse);
  ClockInfo mono = Describe(linux_abi::kClockMonotonicCoarse);
  EXPECT_EQ(rt.resolution_ns, kTick);
  EXPECT_EQ(mono.resolution_ns, kTick);
  EXPECT_TRUE(rt.coarse);
  EXPECT_TRUE(mono.coarse);
  EXPECT_EQ(rt.source, ClockSource::kWall);
  EXPECT_EQ(mono.source, ClockSource::kMonotonic);
}

TEST(ClockIdsTest, SourcesAndSleeping) {
  EXPECT_EQ(Describe(linux_abi::kClockTai).source, ClockSource::kWall);
  EXPECT_EQ(Describe(linux_abi::kClockBoottime).source, ClockSource::kMonotonic);
  EXPECT_EQ(Describe(linux_abi::kClockProcessCputime).source, ClockSource::kProcessCpu);
  EXPECT_EQ(Describe(linux_abi::kClockThreadCputime).source, ClockSource::kThreadCpu);
  EXPECT_EQ(Describe(linux_abi::kClockTai).sleep, ClockSleep::kYes);
  EXPECT_EQ(Describe(linux_abi::kClockBoottime).sleep, ClockSleep::kYes);
  EXPECT_EQ(Describe(linux_abi::kClockMonotonicRaw).sleep, ClockSleep::kNotSupported);
  EXPECT_EQ(Describe(linux_abi::kClockRealtimeCoarse).sleep, ClockSleep::kNotSupported);
  EXPECT_EQ(Describe(linux_abi::kClockThreadCputime).sleep, ClockSleep::kNotSupported);
  EXPECT_EQ(Describe(linux_abi::kClockProcessCputime).sleep, ClockSleep::kNotImplemented);
}

TEST(ClockIdsTest, UnknownIdsAreInvalid) {
  for (int32_t c : {linux_abi::kClockRealtimeAlarm, linux_abi::kClockBoottimeAlarm, 10, 12, 100, -1,
                    -6 /* another process's CPU clock */}) {
    auto info = DescribeClock(c, kTick);
    ASSERT_TRUE(info.is_error()) << c;
    EXPECT_EQ(info.error(), kstd::Error::kInvalid);
  }
}

TEST(ClockIdsTest, CoarseNanosRoundsDownToTheTick) {
  EXPECT_EQ(CoarseNanos(0, kTick), 0u);
  EXPECT_EQ(CoarseNanos(kTick - 1, kTick), 0u);
  EXPECT_EQ(CoarseNanos(3 * kTick + 5, kTick), 3 * kTick);
}

}  // namespace
}  // namespace core::syscall
