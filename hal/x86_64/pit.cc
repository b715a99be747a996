#include "hal/x86_64/pit.h"

#include "hal/x86_64/interrupts.h"
#include "hal/x86_64/port_io.h"

namespace hal::x86_64 {
namespace {

// 8254 (Intel 82C54 datasheet): input clock, ports, control word fields.
constexpr uint32_t kPitHz = 1193182;
constexpr uint16_t kChannel2 = 0x42;
constexpr uint16_t kCommand = 0x43;
constexpr uint16_t kSpeakerGate = 0x61;  // bit 0 gate 2, bit 1 speaker, bit 5 OUT2
constexpr uint8_t kSelectChannel2LoHiMode0 = 0xB0;

// 8259A ports and initialisation words.
constexpr uint16_t kPic1Command = 0x20;
constexpr uint16_t kPic1Data = 0x21;
constexpr uint16_t kPic2Command = 0xA0;
constexpr uint16_t kPic2Data = 0xA1;

}  // namespace

void PitOneShotStart(uint32_t ms) {
  uint32_t count = kPitHz / 1000 * ms;
  if (count > 0xFFFF) count = 0xFFFF;
  // Gate low, speaker off while programming.
  Out8(kSpeakerGate, In8(kSpeakerGate) & ~0x03);
  Out8(kCommand, kSelectChannel2LoHiMode0);
  Out8(kChannel2, count & 0xFF);
  Out8(kChannel2, count >> 8);
  // Raising the gate starts the count.
  Out8(kSpeakerGate, (In8(kSpeakerGate) & ~0x02) | 0x01);
}

bool PitOneShotWait() {
  for (uint64_t spins = 0; spins < 1'000'000'000ULL; ++spins) {
    if (In8(kSpeakerGate) & 0x20) return true;
  }
  return false;
}

void DisableLegacyPic() {
  Out8(kPic1Command, 0x11);  // ICW1: init, expect ICW4
  Out8(kPic2Command, 0x11);
  Out8(kPic1Data, kLegacyPicBase);  // ICW2: vector base
  Out8(kPic2Data, kLegacyPicBase + 8);
  Out8(kPic1Data, 0x04);  // ICW3: slave on IRQ2
  Out8(kPic2Data, 0x02);
  Out8(kPic1Data, 0x01);  // ICW4: 8086 mode
  Out8(kPic2Data, 0x01);
  Out8(kPic1Data, 0xFF);  // mask all
  Out8(kPic2Data, 0xFF);
}

}  // namespace hal::x86_64
