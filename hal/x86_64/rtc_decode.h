#pragma once

// Decoding of the MC146818-compatible CMOS real-time clock's registers (the
// PC RTC: seconds 0x00, minutes 0x02, hours 0x04, day 0x07, month 0x08, year
// 0x09, century 0x32, status B 0x0B) into seconds since the Unix epoch. Pure:
// host-tested; rtc.cc does the port I/O.

#include <stdint.h>

#include "kstd/result.h"

namespace hal::x86_64 {

struct RtcRegisters {
  uint8_t second, minute, hour, day, month, year;
  uint8_t century;   // 0 when the machine has no century register
  uint8_t status_b;  // bit 2: binary (else BCD); bit 1: 24-hour (else 12 with bit 7 = PM)
};

inline constexpr uint8_t kRtcStatusBBinary = 0x04;
inline constexpr uint8_t kRtcStatusB24Hour = 0x02;

/// Days from 1970-01-01 to the given proleptic Gregorian date.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

/// The registers as seconds since the epoch (UTC). Without a century the
/// years 70..99 are 19xx and 00..69 are 20xx. Errors: kIo (a field out of
/// range or a malformed BCD digit).
kstd::Result<int64_t> DecodeRtc(const RtcRegisters& regs);

}  // namespace hal::x86_64
