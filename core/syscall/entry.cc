#include "core/syscall/entry.h"

#include "core/proc/process.h"
#include "core/proc/process_traps.h"
#include "core/syscall/dispatch.h"
#include "core/syscall/sys_channel.h"
#include "core/syscall/sys_common.h"
#include "core/syscall/sys_fs_mount.h"
#include "core/syscall/sys_socket.h"
#include "core/syscall/sys_sysv.h"
#include "hal/traps.h"

namespace core::syscall {
namespace {

// Counts the call, notes its number for restarts and signal delivery, and
// dispatches. Reads the current thread inline (a hot path).
void OnSyscall(hal::UserFrame* frame) {
  auto* t = static_cast<sched::Thread*>(hal::CurrentThreadSlotInline());
  Process* p = t->process();
  __atomic_fetch_add(&p->counters().syscalls, 1, __ATOMIC_RELAXED);
  t->syscall_nr_ = hal::SyscallNumber(frame);
  Dispatch(frame);
}

}  // namespace

void InitTraps() {
  hal::TrapHandlers handlers = ProcessTrapHandlers();
  handlers.syscall = OnSyscall;
  hal::InitTraps(handlers);
  InitChannelCalls();
  InitSocketCalls();
  InitSysvCalls();
  InitFsMountCalls();
}

}  // namespace core::syscall
