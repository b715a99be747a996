#include "hal/x86_64/timer.h"

#include "hal/x86_64/interrupts.h"
#include "hal/x86_64/lapic.h"
#include "klog/log.h"

namespace hal::x86_64 {
namespace {

uint32_t g_hz = 0;
void (*g_tick_callback)(bool) = nullptr;

void OnTimer(InterruptFrame* frame) {
  // The tick count itself is the dispatcher's per-vector counter.
  if (g_tick_callback != nullptr) g_tick_callback((frame->cs & 3) == 3);
}

}  // namespace

bool StartSystemTimer(uint32_t hz) {
  SetInterruptHandler(kTimerVector, OnTimer);
  uint64_t tsc_hz = 0;
  uint64_t lapic_hz = StartLapicTimer(hz, &tsc_hz);
  if (lapic_hz == 0) return false;
  g_hz = hz;
  SetTscFrequency(tsc_hz);
  klog::Log("timer",
            "LAPIC timer %lu kHz, TSC %lu MHz (both calibrated against the PIT), tick %u Hz",
            lapic_hz / 1000, tsc_hz / 1000000, hz);
  return true;
}

uint32_t TimerFrequency() { return g_hz; }

void SetTickCallback(void (*callback)(bool from_user)) { g_tick_callback = callback; }

}  // namespace hal::x86_64
