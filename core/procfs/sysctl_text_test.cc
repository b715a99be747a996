// The /proc/sys text rules, against what Linux's proc_dointvec_minmax and
// proc_dostring do with the same writes.

#include "core/procfs/sysctl_text.h"

#include <string.h>

#include <string>

#include "gtest/gtest.h"

namespace core::procfs {
namespace {

kstd::Span<const uint8_t> Bytes(const char* s) {
  return kstd::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(s), strlen(s));
}

// One int in [min, max]: the value, or -999 for EINVAL.
int64_t One(const char* text, int64_t min = -2147483648LL, int64_t max = 2147483647) {
  int64_t v = 0;
  size_t n = 0;
  auto r = ParseIntVector(Bytes(text), min, max, kstd::Span<int64_t>(&v, 1), &n);
  if (r.is_error()) {
    EXPECT_EQ(r.error(), kstd::Error::kInvalid);
    return -999;
  }
  EXPECT_EQ(n, 1u);
  return v;
}

TEST(SysctlTextTest, IntsParseAsLinuxParsesThem) {
  EXPECT_EQ(One("65530\n"), 65530);
  EXPECT_EQ(One("  42 \n"), 42);
  EXPECT_EQ(One("-7"), -7);
  EXPECT_EQ(One("0x10\n"), 16);  // C's bases
  EXPECT_EQ(One("010"), 8);
  EXPECT_EQ(One("0"), 0);
  EXPECT_EQ(One("2147483647"), 2147483647);
  EXPECT_EQ(One("-2147483648"), -2147483648LL);
}

TEST(SysctlTextTest, JunkRangeAndOverflowAreInvalid) {
  EXPECT_EQ(One(""), -999);
  EXPECT_EQ(One("\n"), -999);
  EXPECT_EQ(One("abc"), -999);
  EXPECT_EQ(One("12abc"), -999);
  EXPECT_EQ(One("+5"), -999);
  EXPECT_EQ(One("1.5"), -999);
  EXPECT_EQ(One("09"), -999);  // octal
  EXPECT_EQ(One("2147483648"), -999);
  EXPECT_EQ(One("99999999999999999999999"), -999);
  EXPECT_EQ(One("5", 1, 4), -999);
  EXPECT_EQ(One("0", 1, 4), -999);
  EXPECT_EQ(One("4", 1, 4), 4);
  EXPECT_EQ(One("-1", 0, 10), -999);
}

TEST(SysctlTextTest, VectorsAndLeftovers) {
  int64_t v[4] = {};
  size_t n = 0;
  auto r = ParseIntVector(Bytes("1\t2  3\n"), 0, 10, kstd::Span<int64_t>(v, 4), &n);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 7u);
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(v[2], 3);
  // One value wanted: the rest is left over (a short write, as Linux).
  r = ParseIntVector(Bytes("5 6\n"), 0, 10, kstd::Span<int64_t>(v, 1), &n);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 2u);
  EXPECT_EQ(v[0], 5);
}

std::string Write(const char* before, uint64_t offset, const char* text, size_t size = 65) {
  char field[65] = {};
  strncpy(field, before, sizeof field - 1);
  EXPECT_EQ(WriteString(kstd::Span<char>(field, size), offset, Bytes(text)), strlen(text));
  return field;
}

TEST(SysctlTextTest, StringsStopAtANewlineAndFitTheField) {
  EXPECT_EQ(Write("tessera", 0, "box\n"), "box");
  EXPECT_EQ(Write("tessera", 0, "a\nb"), "a");
  EXPECT_EQ(Write("tessera", 4, "XY"), "tessXY");  // continues at the offset
  EXPECT_EQ(Write("abc", 9, "zz"), "abc");         // past the end: ignored
  EXPECT_EQ(Write("", 0, "0123456789", 5), "0123");
  EXPECT_EQ(Write("x", 0, ""), "");
}

TEST(SysctlTextTest, UuidsAreVersion4) {
  uint8_t bytes[16];
  for (int i = 0; i < 16; ++i) bytes[i] = static_cast<uint8_t>(0xff - i);
  char text[37];
  FormatUuid(bytes, text);
  EXPECT_STREQ(text, "fffefdfc-fbfa-49f8-b7f6-f5f4f3f2f1f0");
  for (int i = 0; i < 16; ++i) bytes[i] = 0;
  FormatUuid(bytes, text);
  EXPECT_STREQ(text, "00000000-0000-4000-8000-000000000000");
}

}  // namespace
}  // namespace core::procfs
