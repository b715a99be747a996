#pragma once

// The caller of a system call: its thread, its process and the identity the
// kernel stamps on the messages it sends.

#include "core/ipc/message_packet.h"
#include "core/proc/process.h"
#include "core/sched/scheduler.h"

namespace core::syscall {

inline sched::Thread* CurrentThread() { return sched::Current(); }
inline Process* CurrentProcess() { return sched::Current()->process(); }

/// The kernel-stamped identity of the calling thread, for messages.
inline ipc::SenderInfo CurrentSender() {
  sched::Thread* t = CurrentThread();
  Process* p = t->process();
  return ipc::SenderInfo{p != nullptr ? p->pid() : 0, p != nullptr ? p->koid() : 0, t->koid()};
}

}  // namespace core::syscall
