#include <gtest/gtest.h>

#include "kstd/result.h"
#include "kstd/span.h"

namespace kstd {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Error::kInvalid;
  return x / 2;
}

Result<int> Quarter(int x) {
  int h = TRY(Half(x));
  return TRY(Half(h));
}

TEST(Result, TryPropagatesErrorsAndValues) {
  EXPECT_EQ(Quarter(8).value(), 2);
  EXPECT_EQ(Quarter(6).error(), Error::kInvalid);
  EXPECT_STREQ(ErrorName(Quarter(3).error()), "EINVAL");
}

TEST(Span, SubspanOutOfBoundsIsEmpty) {
  uint8_t bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  ByteSpan s(bytes, 8);
  EXPECT_EQ(s.Subspan(6, 2).size(), 2u);
  EXPECT_TRUE(s.Subspan(6, 3).empty());
  EXPECT_TRUE(s.Subspan(9).empty());
  EXPECT_FALSE(s.Contains(4, SIZE_MAX));
  EXPECT_EQ(LoadLe<uint32_t>(s, 0), 0x04030201u);
}

TEST(Utility, CheckedAddDetectsOverflow) {
  uint64_t out;
  EXPECT_TRUE(CheckedAdd(1, 2, &out));
  EXPECT_EQ(out, 3u);
  EXPECT_FALSE(CheckedAdd(UINT64_MAX, 1, &out));
  EXPECT_EQ(AlignUp(4097, 4096), 8192u);
}

}  // namespace
}  // namespace kstd

#include "kstd/string.h"

namespace kstd {
namespace {

TEST(String, EqualLengthCopy) {
  EXPECT_TRUE(StringEqual("fault", "fault"));
  EXPECT_FALSE(StringEqual("fault", "faul"));
  EXPECT_FALSE(StringEqual("", "a"));
  EXPECT_EQ(StringLength("init"), 4u);
  char buf[4];
  EXPECT_TRUE(CopyString(buf, sizeof buf, "abc"));
  EXPECT_STREQ(buf, "abc");
  EXPECT_FALSE(CopyString(buf, sizeof buf, "abcd"));
  EXPECT_STREQ(buf, "abc");
}

}  // namespace
}  // namespace kstd
