#pragma once

// Process, thread, group and session ids at the system-call boundary. The
// kernel keeps its own ids (the root PID namespace's numbers,
// core/proc/pid_namespace.h); a caller gives and gets the numbers of its own
// PID namespace. An id the caller's namespace cannot see reads as 0 and,
// given, names nothing (the caller answers ESRCH).

#include <stdint.h>

#include "core/proc/process.h"
#include "core/syscall/caller.h"
#include "kstd/ref_ptr.h"

namespace core::syscall {

inline PidNamespace* CallerPidNamespace() { return CurrentProcess()->pid_namespace(); }

/// `kernel_id` as the caller sees it (0: not visible to it).
inline uint64_t PidToUser(uint64_t kernel_id) { return CallerPidNamespace()->ToLocal(kernel_id); }

/// The kernel id the caller's `user_id` names; 0 if none (or `user_id` <= 0).
inline uint64_t PidFromUser(int64_t user_id) {
  if (user_id <= 0) return 0;
  return CallerPidNamespace()->ToGlobal(static_cast<uint64_t>(user_id));
}

/// The live or zombie process the caller calls `pid`, or an empty RefPtr.
inline kstd::RefPtr<Process> FindProcessFromUser(int64_t pid) {
  const uint64_t id = PidFromUser(pid);
  if (id == 0) return {};
  return Process::FindByPid(id);
}

}  // namespace core::syscall
