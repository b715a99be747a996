#include "hal/x86_64/timer.h"

#include "core/kernel/log.h"
#include "hal/x86_64/interrupts.h"
#include "hal/x86_64/lapic.h"

namespace hal::x86_64 {
namespace {

uint32_t g_hz = 0;

void OnTimer(InterruptFrame*) {
  // The tick count itself is the dispatcher's per-vector counter; the
  // scheduler hooks in here in the next stage.
}

}  // namespace

bool StartSystemTimer(uint32_t hz) {
  SetInterruptHandler(kTimerVector, OnTimer);
  uint64_t lapic_hz = StartLapicTimer(hz);
  if (lapic_hz == 0) return false;
  g_hz = hz;
  core::Log("timer", "LAPIC timer %lu kHz (calibrated against the PIT), tick %u Hz",
            lapic_hz / 1000, hz);
  return true;
}

uint32_t TimerFrequency() { return g_hz; }

}  // namespace hal::x86_64
