#include "core/proc/process_traps.h"

#include "abi/linux/signal.h"
#include "core/kernel/log.h"
#include "core/proc/process.h"
#include "core/posix/signals.h"
#include "core/proc/signal_delivery.h"
#include "core/sched/scheduler.h"
#include "core/syscall/dispatch.h"
#include "core/syscall/sys_common.h"
#include "core/vm/vm_aspace.h"
#include "hal/traps.h"
#include "hal/x86_64/percpu.h"

namespace core {
namespace {


struct FaultKind {
  int signal;
  const char* what;
};

FaultKind Classify(int vector) {
  switch (vector) {
    case 0: return {linux_abi::kSigFpe, "divide error"};
    case 1:
    case 3: return {linux_abi::kSigTrap, "breakpoint/debug trap"};
    case 4:
    case 5: return {linux_abi::kSigSegv, "overflow/bound range"};
    case 6: return {linux_abi::kSigIll, "invalid opcode"};
    case 7: return {linux_abi::kSigFpe, "FPU not available"};
    case 13: return {linux_abi::kSigSegv, "general protection fault"};
    case 14: return {linux_abi::kSigSegv, "page fault"};
    case 16:
    case 19: return {linux_abi::kSigFpe, "floating-point exception"};
    case 17: return {linux_abi::kSigBus, "alignment check"};
    default: return {linux_abi::kSigSegv, "CPU exception"};
  }
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

void OnUserFault(hal::UserFrame* frame, int vector, uint64_t error_code, uint64_t address) {
  sched::Thread* t = sched::Current();
  Process* p = t->process();
  FaultKind kind = Classify(vector);
  if (t->signal_state_ != nullptr) {
    // POSIX: the fault becomes a signal; a handler may catch it. Report it
    // when it will kill the process (no handler).
    // SEGV_ACCERR when the address is mapped but the access is not allowed
    // (even if no page is present yet), SEGV_MAPERR when nothing is mapped.
    bool mapped = vector == 14 && ((error_code & 1) != 0 ||
                                   (p->aspace() != nullptr && p->aspace()->Query(address).ok()));
    int code = vector == 14 ? (mapped ? linux_abi::kSegvAccErr : linux_abi::kSegvMapErr)
                            : linux_abi::kSiKernel;
    RaiseFaultSignal(kind.signal, code, vector == 14 ? address : hal::UserPc(frame));
    bool caught;
    {
      SpinLockGuard guard(p->signal_lock_);
      caught = p->signals_.action(kind.signal).handler > linux_abi::kSigIgn;
    }
    if (caught) return;
  }
  if (vector == 14) {
    Log("proc", "pid %lu (%s) killed: %s at address %lx (%s %s), RIP %lx; signal %d",
        p->pid(), p->name(), kind.what, address,
        (error_code & 1) ? "protection violation," : "not mapped,",
        (error_code & 16) ? "execute" : (error_code & 2) ? "write" : "read", hal::UserPc(frame),
        kind.signal);
  } else {
    Log("proc", "pid %lu (%s) killed: %s (vector %d, error %lx), RIP %lx; signal %d", p->pid(),
        p->name(), kind.what, vector, error_code, hal::UserPc(frame), kind.signal);
  }
  p->Kill(kind.signal);
  syscall::ExitCurrentThread();
}

// The syscall entry and exit read the current thread inline (hot paths).
sched::Thread* CurrentFast() { return static_cast<sched::Thread*>(hal::x86_64::CurrentThreadInline()); }

void OnSyscall(hal::UserFrame* frame) {
  sched::Thread* t = CurrentFast();
  Process* p = t->process();
  __atomic_fetch_add(&p->counters().syscalls, 1, __ATOMIC_RELAXED);
  t->syscall_nr_ = hal::SyscallNumber(frame);
  syscall::Dispatch(frame);
}

// Whether a syscall's exit needs DeliverSignals even with no signal posted:
// a restart code to resolve (ERESTARTSYS..ERESTART_RESTARTBLOCK), or a
// temporary mask (sigsuspend, ppoll, pselect6) to put back. Both are this
// thread's own state, so no lock is needed to look.
bool SyscallExitNeedsSignalWork(sched::Thread* t, const hal::UserFrame* frame) {
  const int64_t result = hal::SyscallResult(frame);
  if (result >= -516 && result <= -512) return true;
  const auto* ts = static_cast<const posix::ThreadSignals*>(t->signal_state_);
  return ts != nullptr && ts->has_saved_mask();
}

void OnReturnToUser(hal::UserFrame* frame) {
  sched::Thread* t = CurrentFast();
  if (t->kill_pending_) syscall::ExitCurrentThread();
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
  DeliverSignals(frame);
  if (t->kill_pending_) syscall::ExitCurrentThread();
}

}  // namespace

void InitProcessTraps() {
  hal::TrapHandlers handlers;
  handlers.page_fault = OnPageFault;
  handlers.user_fault = OnUserFault;
  handlers.syscall = OnSyscall;
  handlers.return_to_user = OnReturnToUser;
  hal::InitTraps(handlers);
  syscall::InitChannelCalls();
}

}  // namespace core

namespace core::syscall {

void ExitCurrentThread() {
  sched::Thread* t = sched::Current();
  Process* p = t->process();
  // Still on the process's address space: the robust list can be read, and
  // the clear-tid word written (pthread_join waits on it).
  if (p != nullptr) {
    ReleaseRobustFutexes(t);
    ClearChildTid(t);
    p->OnThreadExit(t);
  }
  sched::ExitCurrent();
}

}  // namespace core::syscall
