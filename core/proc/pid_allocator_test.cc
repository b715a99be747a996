// PidAllocator: Linux's cyclic allocation below pid_max, the wrap to 300,
// skipping ids in use and in flight, EAGAIN when full, pid_max's range.

#include "core/proc/pid_allocator.h"

#include <set>

#include "gtest/gtest.h"

namespace core {
namespace {

struct Table {
  std::set<uint64_t> used;
  int asked = 0;
  static bool InUse(uint64_t id, void* context) {
    auto* t = static_cast<Table*>(context);
    ++t->asked;
    return t->used.count(id) != 0;
  }
};

uint64_t Next(PidAllocator& a, Table& t) {
  kstd::Result<uint64_t> id = a.Allocate(Table::InUse, &t);
  EXPECT_TRUE(id.ok());
  if (!id.ok()) return 0;
  a.Commit(id.value());
  t.used.insert(id.value());
  return id.value();
}

TEST(PidAllocatorTest, CountsUpFromOneWithoutAskingBeforeTheWrap) {
  PidAllocator a;
  Table t;
  EXPECT_EQ(Next(a, t), 1u);
  EXPECT_EQ(Next(a, t), 2u);
  EXPECT_EQ(a.last(), 2u);
  EXPECT_EQ(a.given(), 2u);
  EXPECT_EQ(t.asked, 0);
}

TEST(PidAllocatorTest, WrapsTo300SkippingIdsInUse) {
  PidAllocator a;
  Table t;
  ASSERT_TRUE(a.SetMax(310).ok());
  for (uint64_t want = 1; want < 310; ++want) ASSERT_EQ(Next(a, t), want);
  // 1..309 in use; free 301 and 305 (and 5, below the reserved range).
  t.used.erase(301);
  t.used.erase(305);
  t.used.erase(5);
  EXPECT_EQ(Next(a, t), 301u);
  EXPECT_EQ(Next(a, t), 305u);
  EXPECT_EQ(a.Allocate(Table::InUse, &t).error(), kstd::Error::kAgain);  // 5 is never reused
  t.used.erase(300);
  EXPECT_EQ(Next(a, t), 300u);
}

TEST(PidAllocatorTest, InFlightIdsAreSkippedUntilCommitted) {
  PidAllocator a;
  Table t;
  ASSERT_TRUE(a.SetMax(303).ok());
  for (uint64_t want = 1; want < 303; ++want) ASSERT_EQ(Next(a, t), want);
  t.used.erase(300);
  t.used.erase(301);
  kstd::Result<uint64_t> first = a.Allocate(Table::InUse, &t);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first.value(), 300u);
  // 300 is not in the table yet but in flight: the next is 301.
  EXPECT_EQ(a.Allocate(Table::InUse, &t).value(), 301u);
  EXPECT_EQ(a.Allocate(Table::InUse, &t).error(), kstd::Error::kAgain);
  a.Abandon(first.value());  // the fork failed: 300 is free again
  EXPECT_EQ(a.Allocate(Table::InUse, &t).value(), 300u);
}

TEST(PidAllocatorTest, LoweringPidMaxWrapsAtOnce) {
  PidAllocator a;
  Table t;
  for (int i = 0; i < 500; ++i) Next(a, t);
  ASSERT_TRUE(a.SetMax(400).ok());
  for (uint64_t id = 300; id < 400; ++id) t.used.erase(id);
  EXPECT_EQ(Next(a, t), 300u);
  EXPECT_EQ(Next(a, t), 301u);
}

TEST(PidAllocatorTest, PidMaxRange) {
  PidAllocator a;
  EXPECT_EQ(a.SetMax(300).error(), kstd::Error::kInvalid);
  EXPECT_EQ(a.SetMax(PidAllocator::kLimit + 1).error(), kstd::Error::kInvalid);
  EXPECT_EQ(a.max(), PidAllocator::kLimit);
  EXPECT_TRUE(a.SetMax(301).ok());
  EXPECT_EQ(a.max(), 301u);
  EXPECT_TRUE(a.SetMax(PidAllocator::kLimit).ok());
}

}  // namespace
}  // namespace core
