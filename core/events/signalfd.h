#pragma once

// signalfd: pending signals read as a file (Linux's signalfd4). The file
// holds a signal mask; read(2) dequeues signals of that mask pending for
// the reading thread or its process (blocked or not: programs block them
// with sigprocmask so that only the signalfd sees them) as 128-byte struct
// signalfd_siginfo records, and blocks while none is pending. POLLIN while
// one is pending for the polling thread.
//
// Waking: core/proc calls a hook (SetSignalQueuedHook) after every send; it
// raises kSignalReadable (a new arrival) on each signalfd whose mask holds
// the signal. PollEvents and reads re-check and settle it for the calling
// thread, so a signal sent to another process only costs a spurious wake.

#include <stdint.h>

#include "abi/linux/signalfd.h"
#include "core/fd/file.h"
#include "core/posix/signals.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::events {

/// A new signalfd for `mask` (SIGKILL and SIGSTOP are dropped from it).
/// `flags`: SFD_NONBLOCK (SFD_CLOEXEC is the caller's).
/// Errors: kInvalid (other bits), kNoMemory.
kstd::Result<kstd::RefPtr<fd::FileDescription>> CreateSignalFd(posix::SigSet mask, uint32_t flags);

/// signalfd4 on an existing fd: replaces the mask. Errors: kInvalid (not a
/// signalfd).
kstd::Result<void> SetSignalFdMask(fd::FileDescription* file, posix::SigSet mask);

/// The record a read returns for `info` (Linux's signalfd_copyinfo: the
/// fields that si_code's layout defines, the rest 0).
linux_abi::SignalfdSiginfo ToSignalfdSiginfo(const linux_abi::SigInfo& info);

}  // namespace core::events
