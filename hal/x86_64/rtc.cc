// hal::ReadRealTimeClock from the CMOS RTC (ports 0x70/0x71).

#include "hal/timer.h"
#include "hal/x86_64/port_io.h"
#include "hal/x86_64/rtc_decode.h"

namespace hal {

namespace {

constexpr uint16_t kCmosIndex = 0x70, kCmosData = 0x71;
constexpr uint8_t kStatusA = 0x0A, kStatusB = 0x0B, kCentury = 0x32;
constexpr uint8_t kUpdateInProgress = 0x80;

uint8_t ReadCmos(uint8_t reg) {
  x86_64::Out8(kCmosIndex, reg);
  return x86_64::In8(kCmosData);
}

// One snapshot taken outside an update cycle (false if the clock never
// left its update state: no RTC there).
bool Snapshot(x86_64::RtcRegisters* regs) {
  int spins = 0;
  while ((ReadCmos(kStatusA) & kUpdateInProgress) != 0) {
    if (++spins > 1'000'000) return false;
  }
  regs->second = ReadCmos(0x00);
  regs->minute = ReadCmos(0x02);
  regs->hour = ReadCmos(0x04);
  regs->day = ReadCmos(0x07);
  regs->month = ReadCmos(0x08);
  regs->year = ReadCmos(0x09);
  regs->century = ReadCmos(kCentury);
  regs->status_b = ReadCmos(kStatusB);
  return true;
}

bool Same(const x86_64::RtcRegisters& a, const x86_64::RtcRegisters& b) {
  return a.second == b.second && a.minute == b.minute && a.hour == b.hour && a.day == b.day &&
         a.month == b.month && a.year == b.year && a.century == b.century;
}

}  // namespace

kstd::Result<int64_t> ReadRealTimeClock() {
  // Read until two snapshots agree: an update may start between the check
  // and the reads.
  x86_64::RtcRegisters last{}, now{};
  if (!Snapshot(&last)) return kstd::Error::kNotSupported;
  for (int tries = 0; tries < 8; ++tries) {
    if (!Snapshot(&now)) return kstd::Error::kNotSupported;
    if (Same(last, now)) return x86_64::DecodeRtc(now);
    last = now;
  }
  return kstd::Error::kIo;
}

}  // namespace hal
