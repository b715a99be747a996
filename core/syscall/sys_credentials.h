#pragma once

// Credentials for the other handler files: the caller's capability test
// (Linux's capable()) and prctl's credential options.

#include <stdint.h>

#include "core/proc/process.h"
#include "core/syscall/caller.h"
#include "kstd/result.h"

namespace core::syscall {

/// The calling process's effective set holds `cap` (abi/linux/capability.h).
inline bool Capable(uint32_t cap) { return CurrentProcess()->HasCapability(cap); }

/// prctl's credential and process-relation options: PR_GET/SET_KEEPCAPS,
/// PR_CAPBSET_READ/DROP, PR_CAP_AMBIENT, PR_GET/SET_DUMPABLE,
/// PR_GET/SET_NO_NEW_PRIVS, PR_GET/SET_PDEATHSIG, PR_GET/SET_CHILD_SUBREAPER.
/// kNotSupported for any other option (the caller refuses it).
kstd::Result<uint64_t> PrctlCredentials(int32_t option, uint64_t arg2, uint64_t arg3, uint64_t arg4,
                                        uint64_t arg5);

}  // namespace core::syscall
