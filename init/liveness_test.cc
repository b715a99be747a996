#include "init/liveness.h"

#include <gtest/gtest.h>

namespace init {
namespace {

constexpr int64_t kS = 1'000'000'000;
using Action = Liveness::Action;

TEST(Liveness, NotWatchedUntilStarted) {
  Liveness l;
  uint64_t txid = 0;
  EXPECT_FALSE(l.watching());
  EXPECT_EQ(l.Due(100 * kS, &txid), Action::kNone);
  EXPECT_EQ(l.NextDeadline(), Liveness::kNever);
}

TEST(Liveness, PingsEveryIntervalWhileAnswered) {
  Liveness l;  // 2 s interval, 5 s deadline
  l.Start(10 * kS);
  uint64_t txid = 0;
  EXPECT_EQ(l.NextDeadline(), 12 * kS);
  EXPECT_EQ(l.Due(11 * kS, &txid), Action::kNone);
  ASSERT_EQ(l.Due(12 * kS, &txid), Action::kPing);
  EXPECT_NE(txid, 0u);
  EXPECT_EQ(l.NextDeadline(), 17 * kS);
  // One ping at a time: nothing more before the answer or the deadline.
  uint64_t again = 0;
  EXPECT_EQ(l.Due(13 * kS, &again), Action::kNone);
  EXPECT_TRUE(l.OnPong(txid, 13 * kS));
  EXPECT_EQ(l.NextDeadline(), 15 * kS);
  uint64_t next = 0;
  ASSERT_EQ(l.Due(15 * kS, &next), Action::kPing);
  EXPECT_NE(next, txid);
}

TEST(Liveness, SilenceBeyondTheDeadlineIsAHang) {
  Liveness l;
  l.Start(0);
  uint64_t txid = 0;
  ASSERT_EQ(l.Due(2 * kS, &txid), Action::kPing);
  EXPECT_EQ(l.Due(7 * kS - 1, &txid), Action::kNone);
  EXPECT_EQ(l.Due(7 * kS, &txid), Action::kHung);
  // Said once: no longer watched until the restarted service starts.
  EXPECT_FALSE(l.watching());
  EXPECT_EQ(l.Due(100 * kS, &txid), Action::kNone);
  EXPECT_FALSE(l.OnPong(txid, 100 * kS));  // too late
  l.Start(200 * kS);
  EXPECT_EQ(l.Due(202 * kS, &txid), Action::kPing);
}

TEST(Liveness, LateInitStillCountsAPongThatArrived) {
  // init reads the pongs before it asks Due: an answer that came in while
  // init was busy is not a hang even when init looks only after the deadline.
  Liveness l;
  l.Start(0);
  uint64_t txid = 0;
  ASSERT_EQ(l.Due(2 * kS, &txid), Action::kPing);
  EXPECT_TRUE(l.OnPong(txid, 20 * kS));
  EXPECT_EQ(l.Due(20 * kS, &txid), Action::kNone);
}

TEST(Liveness, WrongPongsBuyNoTime) {
  Liveness l;
  l.Start(0);
  uint64_t txid = 0;
  EXPECT_FALSE(l.OnPong(1, kS));  // nothing outstanding yet
  ASSERT_EQ(l.Due(2 * kS, &txid), Action::kPing);
  EXPECT_FALSE(l.OnPong(txid + 1, 3 * kS));
  EXPECT_FALSE(l.OnPong(0, 3 * kS));
  EXPECT_TRUE(l.OnPong(txid, 3 * kS));
  EXPECT_FALSE(l.OnPong(txid, 3 * kS));  // a repeat
  uint64_t next = 0;
  ASSERT_EQ(l.Due(5 * kS, &next), Action::kPing);
  EXPECT_FALSE(l.OnPong(txid, 6 * kS));  // the old ping's txid
  EXPECT_EQ(l.Due(10 * kS, &next), Action::kHung);
}

TEST(Liveness, StopForgetsTheOutstandingPing) {
  Liveness l;
  l.Start(0);
  uint64_t txid = 0;
  ASSERT_EQ(l.Due(2 * kS, &txid), Action::kPing);
  l.Stop();
  EXPECT_EQ(l.Due(60 * kS, &txid), Action::kNone);
  EXPECT_FALSE(l.OnPong(txid, 60 * kS));
  EXPECT_EQ(l.NextDeadline(), Liveness::kNever);
}

TEST(Liveness, HugeTimesDoNotOverflow) {
  Liveness::Config c;
  c.interval_ns = Liveness::kNever;
  Liveness l(c);
  l.Start(Liveness::kNever - 1);
  uint64_t txid = 0;
  EXPECT_EQ(l.NextDeadline(), Liveness::kNever);
  EXPECT_EQ(l.Due(Liveness::kNever - 1, &txid), Action::kNone);
}

}  // namespace
}  // namespace init
