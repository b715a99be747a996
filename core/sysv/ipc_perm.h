#pragma once

// Who may use a System V IPC object, as Linux's ipcperms and
// ipcctl_obtain_check. core/sysv sits below the processes: the syscall
// layer installs where the caller's credentials come from.

#include <stdint.h>

#include "core/posix/credentials.h"
#include "core/sysv/ipc_ids.h"
#include "kstd/result.h"

namespace core::sysv {

/// Installs the source of the calling process's credentials (once, at
/// boot). Without one (host tests) every caller is root.
void SetCredentialsSource(posix::Credentials (*source)());
posix::Credentials CallerCredentials();

/// A new object: owner and creator are the caller's effective ids; the
/// mode is the permission bits of the get call's flags.
void InitPerm(Perm* p, const posix::Credentials& caller, int32_t key, int flags);

/// ipcperms: `want` (posix::kMayRead/kMayWrite) against the owner's or
/// creator's bits for the effective uid, the group's for a member of the
/// owner's or creator's group, else the others'; CAP_IPC_OWNER may all.
/// Errors: kAccess.
kstd::Result<void> CheckAccess(const Perm& p, const posix::Credentials& caller, uint32_t want);
/// The bits a get call's flags ask for on an existing object (S_IRUGO-style
/// mode bits folded into kMay* bits).
uint32_t WantedByFlags(int flags);

/// IPC_SET and IPC_RMID: the owner or creator, or CAP_SYS_ADMIN. Errors:
/// kPermission.
kstd::Result<void> CheckOwner(const Perm& p, const posix::Credentials& caller);

}  // namespace core::sysv
