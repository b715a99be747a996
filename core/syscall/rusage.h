#pragma once

// Linux's struct rusage, written from a process's ResourceUsage (wait4,
// waitid, getrusage).

#include "core/proc/process.h"
#include "core/user/user_ptr.h"

namespace core::syscall {

/// Writes `usage` as Linux's struct rusage (144 bytes: user and system time,
/// ru_maxrss in KiB, ru_minflt; the fields Tessera does not count stay 0) at
/// `rusage`; nothing for a null pointer. False if the copy faulted.
bool CopyOutRusage(UserPtr<void> rusage, const ResourceUsage& usage);

}  // namespace core::syscall
