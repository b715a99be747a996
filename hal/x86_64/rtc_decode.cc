#include "hal/x86_64/rtc_decode.h"

namespace hal::x86_64 {

namespace {

// One register in the clock's encoding; false on a malformed BCD digit.
bool Field(uint8_t raw, bool binary, unsigned* out) {
  if (binary) {
    *out = raw;
    return true;
  }
  if ((raw & 0x0F) > 9 || (raw >> 4) > 9) return false;
  *out = (raw >> 4) * 10u + (raw & 0x0Fu);
  return true;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t year, unsigned month) {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

}  // namespace

int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  // Count from 0000-03-01 in 400-year eras, so leap days fall at the end.
  year -= month <= 2 ? 1 : 0;
  int64_t era = (year >= 0 ? year : year - 399) / 400;
  int64_t year_of_era = year - era * 400;
  int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468: days from 0000-03-01 to 1970-01-01
}

kstd::Result<int64_t> DecodeRtc(const RtcRegisters& regs) {
  bool binary = (regs.status_b & kRtcStatusBBinary) != 0;
  unsigned second, minute, hour, day, month, year, century = 0;
  bool pm = (regs.status_b & kRtcStatusB24Hour) == 0 && (regs.hour & 0x80) != 0;
  if (!Field(regs.second, binary, &second) || !Field(regs.minute, binary, &minute) ||
      !Field(static_cast<uint8_t>(regs.hour & 0x7F), binary, &hour) ||
      !Field(regs.day, binary, &day) || !Field(regs.month, binary, &month) ||
      !Field(regs.year, binary, &year) ||
      (regs.century != 0 && !Field(regs.century, binary, &century))) {
    return kstd::Error::kIo;
  }
  if ((regs.status_b & kRtcStatusB24Hour) == 0) {  // 12-hour clock: 12 AM is 0, 12 PM is 12
    if (hour < 1 || hour > 12) return kstd::Error::kIo;
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  if (second > 59 || minute > 59 || hour > 23 || year > 99 || month < 1 || month > 12) {
    return kstd::Error::kIo;
  }
  int64_t full_year =
      regs.century != 0 ? century * 100 + year : (year >= 70 ? 1900 + year : 2000 + year);
  if (full_year < 1970 || day < 1 || day > DaysInMonth(full_year, month)) return kstd::Error::kIo;
  return DaysFromCivil(full_year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
}

}  // namespace hal::x86_64
