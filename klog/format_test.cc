#include "klog/format.h"

#include <gtest/gtest.h>

#include <string>

namespace klog {
namespace {

std::string F(const char* fmt, ...) {
  char buf[128];
  va_list args;
  va_start(args, fmt);
  FormatV(buf, sizeof buf, fmt, args);
  va_end(args);
  return buf;
}

TEST(Format, Integers) {
  EXPECT_EQ(F("%d %i %u", -42, 7, 3000000000u), "-42 7 3000000000");
  EXPECT_EQ(F("%x %X %lx", 0xbeefu, 0xbeefu, 0x123456789abcUL), "beef BEEF 123456789abc");
  EXPECT_EQ(F("%ld", static_cast<long>(INT64_MIN)), "-9223372036854775808");
  EXPECT_EQ(F("%zu", static_cast<size_t>(12345)), "12345");
  EXPECT_EQ(F("%llu", 18446744073709551615ULL), "18446744073709551615");
}

TEST(Format, WidthAndPadding) {
  EXPECT_EQ(F("[%5d]", 42), "[   42]");
  EXPECT_EQ(F("[%-5d]", 42), "[42   ]");
  EXPECT_EQ(F("[%05d]", -42), "[-0042]");
  EXPECT_EQ(F("[%08x]", 0x1fu), "[0000001f]");
  EXPECT_EQ(F("[%-6s]", "ab"), "[ab    ]");
}

TEST(Format, StringsPointersPercent) {
  EXPECT_EQ(F("%s/%c/%%", "dir", 'x'), "dir/x/%");
  EXPECT_EQ(F("%s", static_cast<const char*>(nullptr)), "(null)");
  EXPECT_EQ(F("%p", reinterpret_cast<void*>(0xffffffff80001000ULL)), "0xffffffff80001000");
}

TEST(Format, UnknownConversionIsLiteral) {
  EXPECT_EQ(F("a %q b"), "a %q b");
  EXPECT_EQ(F("end %"), "end %");
}

TEST(Format, TruncatesButReportsFullLength) {
  char buf[6];
  EXPECT_EQ(Format(buf, sizeof buf, "hello world"), 11u);
  EXPECT_STREQ(buf, "hello");
  EXPECT_EQ(Format(nullptr, 0, "%d", 12345), 5u);
}

}  // namespace
}  // namespace klog
