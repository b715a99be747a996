#include "hal/x86_64/ich9_intx.h"

namespace hal::x86_64 {
namespace {

constexpr int kDnIrPinShift = 4;        // pin n's field starts at bit 4n
constexpr uint16_t kDnIrPirqMask = 7;   // bits 2:0 of the field: 0 = PIRQA .. 7 = PIRQH
constexpr uint8_t kFirstUpperPirq = 4;  // PIRQE

}  // namespace

kstd::Result<uint8_t> Ich9Pirq(uint8_t slot, uint8_t pin, const Ich9InterruptRoutes& routes) {
  if (slot > 31 || pin < 1 || pin > 4) return kstd::Error::kInvalid;
  uint8_t intx = static_cast<uint8_t>(pin - 1);  // 0 = INTA
  if (slot == kIch9BridgeSlot) return static_cast<uint8_t>(kFirstUpperPirq + intx);
  if (slot >= kIch9FirstRoutedSlot) {
    uint16_t dnir = routes.dnir[slot - kIch9FirstRoutedSlot];
    return static_cast<uint8_t>((dnir >> (kDnIrPinShift * intx)) & kDnIrPirqMask);
  }
  return static_cast<uint8_t>(kFirstUpperPirq + ((slot + intx) & 3));
}

}  // namespace hal::x86_64
