#pragma once

// Core dumps (Linux's fs/coredump.c, its file part): when a signal whose
// default action dumps core kills a process, the dying thread writes an ELF
// core file (core/elf/core_file.h) if
//   - the soft RLIMIT_CORE is above 0 (the file stops at that many bytes),
//   - the process is dumpable (not after a set-ID exec, PR_SET_DUMPABLE), and
//   - kernel.core_pattern names a file: "%p" pid, "%e" comm, "%s" signal,
//     "%t" seconds since the epoch, "%u"/"%g" fs uid/gid, "%h" hostname,
//     "%%"; a relative name is in the process's cwd; kernel.core_uses_pid
//     adds ".PID" to a pattern without %p. A pipe ("|program") is not
//     supported: logged and counted, no core is written.
// The file is created (mode 0600, owned by the fs uid) or truncated, never
// through a symlink; an existing file must be a regular file with one link
// owned by the fs uid, as Linux checks. The notes hold the crashing
// thread's registers and signal (NT_PRSTATUS) and the process's name and
// ids (NT_PRPSINFO); each region's resident pages follow (pages never
// touched stay holes; regions without read permission and guard regions
// have no bytes). Other threads keep running while the dump is written
// (Linux stops them first); their registers are not in the file.

#include <stdint.h>

#include "core/posix/signal_frame.h"
#include "core/proc/process.h"

namespace core::syscall {

/// The CoreDumper installed into proc (core/proc/core_dump_hook.h) at boot.
bool DumpCore(Process* p, int signo, const posix::UserRegs& regs, uint64_t orig_rax);

}  // namespace core::syscall
