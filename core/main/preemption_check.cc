#include "core/main/preemption_check.h"

#include "core/kernel/log.h"
#include "core/sched/scheduler.h"
#include "hal/timer.h"

namespace core {
namespace {

volatile bool g_spinner_done = false;
volatile bool g_boot_woke = false;
volatile uint64_t g_spins = 0;

// Spins, never yielding, until the boot thread has run again (only the
// timer's preemption lets it) or 5 s passed. A fixed spin of 100 ms failed
// the check when the host stalled QEMU for longer than that: the spinner's
// clock ran out before the boot thread could be scheduled.
void Spinner(void*) {
  uint64_t until = hal::MonotonicNanos() + 5'000'000'000;
  while (!g_boot_woke && hal::MonotonicNanos() < until) g_spins = g_spins + 1;
  g_spinner_done = true;
}

}  // namespace

void CheckPreemption() {
  auto spinner =
      sched::Thread::Create("spinner", nullptr, Spinner, nullptr, sched::kPriorityDefault);
  if (spinner.is_error()) Panic("sched: cannot create the check thread");
  uint64_t start = hal::MonotonicNanos();
  sched::Start(spinner.value().get());
  // The boot thread is the idle thread (lowest priority): run the check as a
  // sleeper at default priority by sleeping; the spinner can only be
  // interrupted by the timer.
  sched::SleepTicks(10);
  uint64_t woke_after = hal::MonotonicNanos() - start;
  bool preempted = !g_spinner_done;  // read before the spinner may stop
  g_boot_woke = true;
  while (!g_spinner_done) sched::SleepTicks(5);
  sched::SchedulerStats st = sched::Stats();
  Log("sched",
      "preemption check: boot thread woke after %lu us while a spinner ran (%s); "
      "%lu switches, %lu preemptions",
      woke_after / 1000, preempted ? "preempted: ok" : "NOT preempted", st.switches,
      st.preemptions);
  if (!preempted) Panic("sched: a spinning kernel thread was not preempted");
}

}  // namespace core
