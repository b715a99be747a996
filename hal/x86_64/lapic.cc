#include "hal/x86_64/lapic.h"

#include "hal/x86_64/address_space_layout.h"
#include "hal/x86_64/cpu.h"
#include "hal/x86_64/interrupts.h"
#include "hal/x86_64/pit.h"

namespace hal::x86_64 {
namespace {

// Register offsets (SDM vol. 3A table 10-1).
constexpr uint32_t kRegId = 0x020;
constexpr uint32_t kRegTaskPriority = 0x080;
constexpr uint32_t kRegEoi = 0x0B0;
constexpr uint32_t kRegSpurious = 0x0F0;
constexpr uint32_t kRegErrorStatus = 0x280;
constexpr uint32_t kRegLvtTimer = 0x320;
constexpr uint32_t kRegLvtLint0 = 0x350;
constexpr uint32_t kRegLvtLint1 = 0x360;
constexpr uint32_t kRegLvtError = 0x370;
constexpr uint32_t kRegTimerInitial = 0x380;
constexpr uint32_t kRegTimerCurrent = 0x390;
constexpr uint32_t kRegTimerDivide = 0x3E0;

constexpr uint32_t kLvtMasked = 1u << 16;
constexpr uint32_t kLvtTimerPeriodic = 1u << 17;
constexpr uint32_t kSpuriousEnable = 1u << 8;
constexpr uint32_t kDivideBy16 = 0x3;
constexpr uint64_t kApicBaseEnable = 1ULL << 11;

volatile uint32_t* g_lapic = nullptr;

uint32_t Read(uint32_t reg) { return g_lapic[reg / 4]; }
void Write(uint32_t reg, uint32_t value) { g_lapic[reg / 4] = value; }

}  // namespace

void InitLapic(uint64_t base_phys) {
  WriteMsr(kMsrApicBase, (ReadMsr(kMsrApicBase) & 0xFFF) | base_phys | kApicBaseEnable);
  g_lapic = static_cast<volatile uint32_t*>(PhysToVirt(base_phys));
  Write(kRegTaskPriority, 0);
  Write(kRegLvtLint0, kLvtMasked);
  Write(kRegLvtLint1, kLvtMasked);
  Write(kRegLvtError, kLvtMasked);
  Write(kRegErrorStatus, 0);
  Write(kRegSpurious, kSpuriousEnable | kSpuriousVector);
}

void LapicEndOfInterrupt() {
  if (g_lapic != nullptr) Write(kRegEoi, 0);
}

uint32_t LapicId() { return g_lapic == nullptr ? 0 : Read(kRegId) >> 24; }

namespace {

template <typename T, int N>
T Median(T (&values)[N]) {
  for (int i = 1; i < N; ++i) {  // insertion sort: N is tiny
    for (int j = i; j > 0 && values[j] < values[j - 1]; --j) {
      T t = values[j];
      values[j] = values[j - 1];
      values[j - 1] = t;
    }
  }
  return values[N / 2];
}

}  // namespace

uint64_t StartLapicTimer(uint32_t hz, uint64_t* tsc_hz) {
  // Count TSC and LAPIC timer cycles over PIT windows. Under emulation the
  // vCPU can lose the host CPU inside a window, which skews one measurement
  // (too long if it happens before the expiry is seen, too short if before
  // the counts start): take the median of several windows.
  constexpr uint32_t kWindowMs = 10;
  constexpr int kWindows = 5;
  Write(kRegTimerDivide, kDivideBy16);
  Write(kRegLvtTimer, kLvtMasked);
  uint64_t tsc_counts[kWindows];
  uint32_t lapic_counts[kWindows];
  for (int i = 0; i < kWindows; ++i) {
    PitOneShotStart(kWindowMs);
    Write(kRegTimerInitial, 0xFFFFFFFF);
    uint64_t tsc_start = ReadTsc();
    if (!PitOneShotWait()) return 0;
    lapic_counts[i] = 0xFFFFFFFF - Read(kRegTimerCurrent);
    tsc_counts[i] = ReadTsc() - tsc_start;
  }
  *tsc_hz = Median(tsc_counts) * (1000 / kWindowMs);
  uint64_t frequency = static_cast<uint64_t>(Median(lapic_counts)) * (1000 / kWindowMs);
  if (frequency < hz) return 0;
  Write(kRegTimerInitial, 0);
  Write(kRegLvtTimer, kTimerVector | kLvtTimerPeriodic);
  Write(kRegTimerInitial, static_cast<uint32_t>(frequency / hz));
  return frequency;
}

}  // namespace hal::x86_64
