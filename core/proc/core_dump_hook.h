#pragma once

// Core dumps, as proc sees them: kernel.core_pattern and
// kernel.core_uses_pid (/proc/sys/kernel, procfs), and the dumper a signal
// whose default action dumps core calls (installed by the syscall layer,
// core/syscall/core_dump.h, which can open files).

#include <stddef.h>
#include <stdint.h>

#include "core/posix/signal_frame.h"

namespace core {

class Process;

/// Linux's CORENAME_MAX_SIZE: the longest pattern, with its NUL.
inline constexpr size_t kCorePatternSize = 128;

/// Copies the pattern (default "core") into `out`, NUL-terminated.
void GetCorePattern(char (&out)[kCorePatternSize]);
/// Sets it (cut to fit; a trailing newline is dropped, as Linux's sysctl).
void SetCorePattern(const char* pattern, size_t length);
bool CoreUsesPid();
void SetCoreUsesPid(bool on);

/// Writes a core file for `p`, which dies of `signo` in the calling thread
/// (whose registers are `regs`; `orig_rax` the syscall it was in, or -1).
/// Returns true when a core file was written (the wait status then has the
/// core flag, 0x80).
using CoreDumper = bool (*)(Process* p, int signo, const posix::UserRegs& regs, uint64_t orig_rax);
void SetCoreDumper(CoreDumper dumper);
/// The dumper, or null before one is installed.
CoreDumper GetCoreDumper();

}  // namespace core
