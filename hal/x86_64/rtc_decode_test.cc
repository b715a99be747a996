#include "hal/x86_64/rtc_decode.h"

#include <gtest/gtest.h>
#include <time.h>

namespace hal::x86_64 {
namespace {

constexpr uint8_t kBcd24 = kRtcStatusB24Hour;
constexpr uint8_t kBinary24 = kRtcStatusB24Hour | kRtcStatusBBinary;

int64_t HostTimegm(int year, int month, int day, int hour, int minute, int second) {
  struct tm tm = {};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm));
}

TEST(RtcDecodeTest, DaysFromCivilMatchesTheHostLibraryOverCenturies) {
  // Every first, last and leap day from 1970 to 2400 against glibc's timegm.
  for (int year = 1970; year <= 2400; ++year) {
    for (unsigned month = 1; month <= 12; ++month) {
      for (unsigned day : {1u, 28u}) {
        ASSERT_EQ(HostTimegm(year, month, day, 0, 0, 0) / 86400, DaysFromCivil(year, month, day))
            << year << "-" << month << "-" << day;
      }
    }
    ASSERT_EQ(HostTimegm(year, 3, 1, 0, 0, 0) / 86400 - 1,
              DaysFromCivil(year, 2, 28) +
                  ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 1 : 0));
  }
  EXPECT_EQ(0, DaysFromCivil(1970, 1, 1));
}

TEST(RtcDecodeTest, BcdWithCentury) {
  RtcRegisters r{0x59, 0x34, 0x23, 0x21, 0x11, 0x26, 0x20, kBcd24};
  EXPECT_EQ(HostTimegm(2026, 11, 21, 23, 34, 59), DecodeRtc(r).value());
}

TEST(RtcDecodeTest, BinaryWithoutCenturyPicksTheRightCentury) {
  RtcRegisters r{5, 6, 7, 29, 2, 24, 0, kBinary24};
  EXPECT_EQ(HostTimegm(2024, 2, 29, 7, 6, 5), DecodeRtc(r).value());
  r.year = 99;
  r.day = 28;
  EXPECT_EQ(HostTimegm(1999, 2, 28, 7, 6, 5), DecodeRtc(r).value());
}

TEST(RtcDecodeTest, TwelveHourClock) {
  RtcRegisters r{0, 0, 0x12, 1, 1, 0x30, 0x20, 0};  // 12 AM, BCD
  EXPECT_EQ(HostTimegm(2030, 1, 1, 0, 0, 0), DecodeRtc(r).value());
  r.hour = 0x80 | 0x12;  // 12 PM
  EXPECT_EQ(HostTimegm(2030, 1, 1, 12, 0, 0), DecodeRtc(r).value());
  r.hour = 0x80 | 0x01;  // 1 PM
  EXPECT_EQ(HostTimegm(2030, 1, 1, 13, 0, 0), DecodeRtc(r).value());
  r.hour = 0x00;  // no hour 0 on a 12-hour clock
  EXPECT_EQ(kstd::Error::kIo, DecodeRtc(r).error());
}

TEST(RtcDecodeTest, NonsenseIsRejected) {
  RtcRegisters good{0x00, 0x00, 0x00, 0x01, 0x01, 0x26, 0x20, kBcd24};
  ASSERT_TRUE(DecodeRtc(good).ok());
  RtcRegisters r = good;
  r.second = 0x5A;  // not BCD
  EXPECT_EQ(kstd::Error::kIo, DecodeRtc(r).error());
  r = good;
  r.month = 0x13;
  EXPECT_EQ(kstd::Error::kIo, DecodeRtc(r).error());
  r = good;
  r.month = 0x02;
  r.day = 0x29;  // 2026 is not a leap year
  EXPECT_EQ(kstd::Error::kIo, DecodeRtc(r).error());
  r = good;
  r.hour = 0x24;
  EXPECT_EQ(kstd::Error::kIo, DecodeRtc(r).error());
  r = good;
  r.century = 0x19;
  r.year = 0x69;  // 1969: before the epoch
  EXPECT_EQ(kstd::Error::kIo, DecodeRtc(r).error());
  r = good;
  r.status_b = kBinary24;
  r.second = 60;
  EXPECT_EQ(kstd::Error::kIo, DecodeRtc(r).error());
}

}  // namespace
}  // namespace hal::x86_64
