#include "core/kmsg/record_format.h"

#include <gtest/gtest.h>

#include <string>

namespace core::kmsg {
namespace {

klog::RecordInfo Info(uint64_t seq, uint64_t usec, uint8_t facility, uint8_t level,
                      const std::string& text) {
  klog::RecordInfo info;
  info.seq = seq;
  info.usec = usec;
  info.facility = facility;
  info.level = level;
  info.length = static_cast<uint16_t>(text.size());
  return info;
}

std::string Syslog(const klog::RecordInfo& info, const std::string& text) {
  char buf[kMaxSyslogRecord];
  size_t n = FormatSyslogRecord(info, text.data(), kstd::Span<char>(buf, sizeof buf));
  return std::string(buf, n);
}

std::string Kmsg(const klog::RecordInfo& info, const std::string& text) {
  char buf[kMaxKmsgRecord];
  size_t n = FormatKmsgRecord(info, text.data(), kstd::Span<char>(buf, sizeof buf));
  return std::string(buf, n);
}

TEST(RecordFormat, SyslogFormIsLinuxs) {
  EXPECT_EQ(Syslog(Info(0, 1234567, 0, 6, "[boot] hi"), "[boot] hi"),
            "<6>[    1.234567] [boot] hi\n");
  EXPECT_EQ(Syslog(Info(0, 0, 1, 4, "x"), "x"), "<12>[    0.000000] x\n");
  EXPECT_EQ(Syslog(Info(0, 123456789012, 0, 0, "x"), "x"), "<0>[123456.789012] x\n");
}

TEST(RecordFormat, KmsgFormEscapes) {
  EXPECT_EQ(Kmsg(Info(42, 1234567, 0, 6, "hi"), "hi"), "6,42,1234567,-;hi\n");
  std::string odd = std::string("a\tb\\c\x7f") + "\xc3";
  EXPECT_EQ(Kmsg(Info(1, 5, 1, 4, odd), odd), "12,1,5,-;a\\x09b\\x5cc\\x7f\\xc3\n");
}

TEST(RecordFormat, CountsTheFullLengthWhenCut) {
  klog::RecordInfo info = Info(0, 0, 0, 6, "hello");
  char small[4];
  EXPECT_EQ(FormatSyslogRecord(info, "hello", kstd::Span<char>(small, sizeof small)),
            Syslog(info, "hello").size());
  EXPECT_EQ(std::string(small, 4), "<6>[");
  EXPECT_EQ(FormatKmsgRecord(info, "hello", kstd::Span<char>()), Kmsg(info, "hello").size());
}

TEST(RecordFormat, ParsesTheLevelPrefix) {
  auto parse = [](const std::string& s) {
    return ParseKmsgWrite(kstd::Span<const char>(s.data(), s.size()));
  };
  KmsgMessage m = parse("hi\n");
  EXPECT_EQ(m.facility, klog::kFacilityUser);
  EXPECT_EQ(m.level, klog::kLevelWarning);
  EXPECT_EQ(m.text_offset, 0u);
  EXPECT_EQ(m.text_length, 2u);
  m = parse("<3>disk gone");
  EXPECT_EQ(m.facility, klog::kFacilityUser);
  EXPECT_EQ(m.level, 3);
  EXPECT_EQ(m.text_offset, 3u);
  EXPECT_EQ(m.text_length, 9u);
  m = parse("<30>daemon\n");
  EXPECT_EQ(m.facility, 3);
  EXPECT_EQ(m.level, 6);
  EXPECT_EQ(m.text_length, 6u);
  m = parse("<x>no");
  EXPECT_EQ(m.text_offset, 0u);
  EXPECT_EQ(m.level, klog::kLevelWarning);
  m = parse("<5");
  EXPECT_EQ(m.text_offset, 0u);
  EXPECT_EQ(m.text_length, 2u);
}

}  // namespace
}  // namespace core::kmsg
