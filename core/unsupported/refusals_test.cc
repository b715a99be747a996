#include "core/unsupported/refusals.h"

#include <string>

#include "gtest/gtest.h"

namespace core {
namespace {

TEST(RefusalsTest, CountsEachKindOnceInFirstSeenOrder) {
  ResetRefusalsForTest();
  EXPECT_EQ(Refuse("mremap", "flags", 4), kstd::Error::kInvalid);
  EXPECT_EQ(Refuse("clone", "flags", 0x10000), kstd::Error::kInvalid);
  std::string dynamic = "mremap";  // same text, another pointer
  EXPECT_EQ(Refuse(dynamic.c_str(), "flags", 4), kstd::Error::kInvalid);
  EXPECT_EQ(Refuse("futex", "op", 9, kstd::Error::kNotSupported), kstd::Error::kNotSupported);
  Refusal rows[8];
  uint64_t overflow = 99;
  ASSERT_EQ(ListRefusals(rows, 8, &overflow), 3u);
  EXPECT_EQ(overflow, 0u);
  EXPECT_STREQ(rows[0].call, "mremap");
  EXPECT_EQ(rows[0].value, 4u);
  EXPECT_EQ(rows[0].count, 2u);
  EXPECT_STREQ(rows[1].call, "clone");
  EXPECT_EQ(rows[1].count, 1u);
  EXPECT_STREQ(rows[2].what, "op");
  EXPECT_EQ(ListRefusals(rows, 1, nullptr), 1u);  // bounded by the caller's room
}

TEST(RefusalsTest, AFullTableCountsTheRestTogether) {
  ResetRefusalsForTest();
  for (uint64_t i = 0; i < kMaxRefusals + 5; ++i) (void)Refuse("mmap", "flags", i);
  (void)Refuse("mmap", "flags", 0);  // a known kind still counts in its row
  Refusal rows[kMaxRefusals];
  uint64_t overflow = 0;
  ASSERT_EQ(ListRefusals(rows, kMaxRefusals, &overflow), kMaxRefusals);
  EXPECT_EQ(overflow, 5u);
  EXPECT_EQ(rows[0].count, 2u);
}

}  // namespace
}  // namespace core
