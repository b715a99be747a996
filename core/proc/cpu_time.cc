#include "core/proc/cpu_time.h"

#include "abi/linux/signal.h"
#include "core/posix/cpu_timers.h"
#include "core/proc/process.h"
#include "core/proc/signals.h"
#include "core/sched/scheduler.h"
#include "core/sched/thread.h"

namespace core {
namespace {

void OnTick(sched::Thread* current, bool from_user) {
  Process* p = current->process();
  if (p == nullptr) return;
  // The signals go out on the thread's way back to user mode.
  if (p->ChargeTick(from_user) != 0) current->interrupt_pending_ = true;
}

}  // namespace

void InitCpuTimers() { sched::SetTickHook(OnTick); }

void SendCpuTimerSignals(Process* process) {
  if (process == nullptr) return;
  const uint32_t fired = process->TakeCpuTimerFires();
  if (fired == 0) return;
  struct Pair {
    uint32_t bit;
    int signo;
  };
  constexpr Pair kSignals[] = {
      {posix::CpuTimers::kFireVirtual, linux_abi::kSigVtalrm},
      {posix::CpuTimers::kFireProf, linux_abi::kSigProf},
      {posix::CpuTimers::kFireCpuSoft, linux_abi::kSigXcpu},
      {posix::CpuTimers::kFireCpuHard, linux_abi::kSigKill},
  };
  for (const Pair& s : kSignals) {
    if (fired & s.bit) SendSignal(process, s.signo, linux_abi::SigInfo::FromKernel(s.signo));
  }
}

}  // namespace core
