#include "core/proc/process_traps.h"

#include "core/proc/cpu_time.h"

#include "abi/linux/signal.h"
#include "core/kernel/log.h"
#include "core/posix/signals.h"
#include "core/proc/linux_thread.h"
#include "core/proc/process.h"
#include "core/proc/signal_delivery.h"
#include "core/proc/thread_exit.h"
#include "core/sched/scheduler.h"
#include "core/vm/vm_aspace.h"
#include "hal/traps.h"

namespace core {
namespace {

// Linux signal numbers for the wait status of a process killed by a fault.

struct FaultSignal {
  int signal;
  const char* what;
};

FaultSignal SignalFor(hal::FaultKind kind) {
  switch (kind) {
    case hal::FaultKind::kDivideError: return {linux_abi::kSigFpe, "divide error"};
    case hal::FaultKind::kDebugTrap: return {linux_abi::kSigTrap, "breakpoint/debug trap"};
    case hal::FaultKind::kOverflowOrBound: return {linux_abi::kSigSegv, "overflow/bound range"};
    case hal::FaultKind::kInvalidOpcode: return {linux_abi::kSigIll, "invalid opcode"};
    case hal::FaultKind::kFpuUnavailable: return {linux_abi::kSigFpe, "FPU not available"};
    case hal::FaultKind::kGeneralProtection:
      return {linux_abi::kSigSegv, "general protection fault"};
    case hal::FaultKind::kPageFault: return {linux_abi::kSigSegv, "page fault"};
    case hal::FaultKind::kFloatingPoint: return {linux_abi::kSigFpe, "floating-point exception"};
    case hal::FaultKind::kAlignmentCheck: return {linux_abi::kSigBus, "alignment check"};
    case hal::FaultKind::kOther: break;
  }
  return {linux_abi::kSigSegv, "CPU exception"};
}

bool OnPageFault(const hal::PageFaultInfo& info) {
  sched::Thread* t = sched::Current();
  Process* p = t != nullptr ? t->process() : nullptr;
  if (p == nullptr || p->aspace() == nullptr) return false;
  vm::Access access = info.execute ? vm::Access::kExecute
                      : info.write ? vm::Access::kWrite
                                   : vm::Access::kRead;
  auto r = p->aspace()->HandlePageFault(info.address, access, info.user);
  if (r.ok()) {
    __atomic_fetch_add(&p->counters().minor_faults, 1, __ATOMIC_RELAXED);
    p->NoteResidentSet();
  }
  if (r.is_error() && r.error() == kstd::Error::kNoMemory) {
    Log("proc", "pid %lu (%s): out of memory resolving a fault at %lx", p->pid(), p->name(),
        info.address);
  }
  return r.ok();
}

void OnUserFault(hal::UserFrame* frame, const hal::UserFault& fault) {
  sched::Thread* t = sched::Current();
  Process* p = t->process();
  FaultSignal outcome = SignalFor(fault.kind);
  const bool page_fault = fault.kind == hal::FaultKind::kPageFault;
  // A memfd mapping past the file's end: SIGBUS (BUS_ADRERR), as Linux.
  const bool past_end =
      page_fault && p->aspace() != nullptr && p->aspace()->PastObjectEnd(fault.address);
  if (past_end) outcome = {linux_abi::kSigBus, "access past the end of a mapped file"};
  if (SignalsOf(t) != nullptr) {
    // POSIX: the fault becomes a signal; a handler may catch it. Report it
    // when it will kill the process (no handler).
    // SEGV_ACCERR when the address is mapped but the access is not allowed
    // (even if no page is present yet), SEGV_MAPERR when nothing is mapped.
    bool mapped =
        page_fault &&
        (fault.page.present || (p->aspace() != nullptr && p->aspace()->Query(fault.address).ok()));
    int code = past_end     ? linux_abi::kBusAdrErr
               : page_fault ? (mapped ? linux_abi::kSegvAccErr : linux_abi::kSegvMapErr)
                            : linux_abi::kSiKernel;
    RaiseFaultSignal(outcome.signal, code, page_fault ? fault.address : hal::UserPc(frame));
    bool caught;
    {
      SpinLockGuard guard(p->signal_lock());
      caught = p->signals().action(outcome.signal).handler > linux_abi::kSigIgn;
    }
    if (caught) return;
  }
  if (page_fault) {
    Log("proc", "pid %lu (%s) killed: %s at address %lx (%s %s), RIP %lx; signal %d", p->pid(),
        p->name(), outcome.what, fault.address,
        fault.page.present ? "protection violation," : "not mapped,",
        fault.page.execute ? "execute"
        : fault.page.write ? "write"
                           : "read",
        hal::UserPc(frame), outcome.signal);
  } else {
    Log("proc", "pid %lu (%s) killed: %s (vector %d, error %lx), RIP %lx; signal %d", p->pid(),
        p->name(), outcome.what, fault.vector, fault.error_code, hal::UserPc(frame),
        outcome.signal);
  }
  p->Kill(outcome.signal);
  ExitCurrentThread();
}

// The syscall entry and exit read the current thread inline (hot paths).
sched::Thread* CurrentFast() { return static_cast<sched::Thread*>(hal::CurrentThreadSlotInline()); }

// Whether a syscall's exit needs DeliverSignals even with no signal posted:
// a restart code to resolve (ERESTARTSYS..ERESTART_RESTARTBLOCK), or a
// temporary mask (sigsuspend, ppoll, pselect6) to put back. Both are this
// thread's own state, so no lock is needed to look.
bool SyscallExitNeedsSignalWork(sched::Thread* t, const hal::UserFrame* frame) {
  const int64_t result = hal::SyscallResult(frame);
  if (result >= -516 && result <= -512) return true;
  const auto* ts = SignalsOf(t);
  return ts != nullptr && ts->has_saved_mask();
}

void OnReturnToUser(hal::UserFrame* frame) {
  sched::Thread* t = CurrentFast();
  if (t->kill_pending_) ExitCurrentThread();
  if (!t->interrupt_pending_) {
    // The common syscall exit: nothing posted (every post sets
    // interrupt_pending_, see InterruptThread), nothing to restart or
    // restore. Skips the signal lock and the register copies.
    if (t->syscall_nr_ == ~0ULL) return;
    if (!SyscallExitNeedsSignalWork(t, frame)) {
      t->syscall_nr_ = ~0ULL;
      return;
    }
  }
  SendCpuTimerSignals(t->process());  // what the tick charged (cpu_time.h)
  DeliverSignals(frame);
  if (t->kill_pending_) ExitCurrentThread();
}

}  // namespace

hal::TrapHandlers ProcessTrapHandlers() {
  hal::TrapHandlers handlers;
  handlers.page_fault = OnPageFault;
  handlers.user_fault = OnUserFault;
  handlers.return_to_user = OnReturnToUser;
  return handlers;
}

}  // namespace core
