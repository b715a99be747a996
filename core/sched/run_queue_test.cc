#include "core/sched/run_queue.h"

#include <gtest/gtest.h>

#include <vector>

namespace core::sched {
namespace {

TEST(RunQueue, HighestPriorityFirstRoundRobinWithin) {
  RunQueue q;
  RunQueueEntry a, b, c, idle;
  a.priority = kPriorityDefault;
  b.priority = kPriorityDefault;
  c.priority = kPriorityHigh;
  idle.priority = kPriorityIdle;
  q.Enqueue(&idle);
  q.Enqueue(&a);
  q.Enqueue(&b);
  q.Enqueue(&c);
  EXPECT_EQ(q.size(), 4u);
  EXPECT_EQ(q.HighestPriority(), kPriorityHigh);
  EXPECT_EQ(q.PopHighest(), &c);
  EXPECT_EQ(q.PopHighest(), &a);
  q.Enqueue(&a);  // a's slice ended: it goes behind b
  EXPECT_EQ(q.PopHighest(), &b);
  EXPECT_EQ(q.PopHighest(), &a);
  EXPECT_EQ(q.PopHighest(), &idle);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.PopHighest(), nullptr);
}

TEST(RunQueue, EnqueueFrontKeepsTurnAndRemoveClearsBitmap) {
  RunQueue q;
  RunQueueEntry a, b;
  q.Enqueue(&a);
  q.EnqueueFront(&b);
  EXPECT_EQ(q.PopHighest(), &b);
  q.Remove(&a);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.HighestPriority(), -1);
}

TEST(RunQueue, SpinnerCannotStarveEqualPriority) {
  // Model: each "tick" the running entry's slice ends and it is requeued.
  RunQueue q;
  RunQueueEntry spinner, worker;
  q.Enqueue(&spinner);
  q.Enqueue(&worker);
  int worker_turns = 0;
  for (int tick = 0; tick < 100; ++tick) {
    RunQueueEntry* run = q.PopHighest();
    if (run == &worker) ++worker_turns;
    q.Enqueue(run);
  }
  EXPECT_EQ(worker_turns, 50);
}

}  // namespace
}  // namespace core::sched
