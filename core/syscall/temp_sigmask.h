#pragma once

// The temporary signal mask of ppoll, pselect6, epoll_pwait and
// epoll_pwait2 (Linux's set_user_sigmask and
// restore_saved_sigmask_unless): the mask is installed for the wait, so a
// signal it unblocks interrupts the wait, and taken back at once when the
// call returns without being interrupted (so such a signal is not delivered
// in the call's window).
//
//   bool installed = TRY(BeginTemporaryMask(set, sigsetsize));
//   auto r = wait...;
//   EndTemporaryMask(installed, r.is_error() && r.error() == kInterrupted);

#include <stdint.h>

#include "core/user/user_ptr.h"
#include "kstd/result.h"

namespace core::syscall {

/// Installs the mask at `set` (a null address: none, returns false).
/// Errors: kInvalid (sigsetsize is not 8), kFault.
kstd::Result<bool> BeginTemporaryMask(UserPtr<const uint64_t> set, uint64_t sigsetsize);

/// After the wait: if it was not interrupted, the saved mask comes back now;
/// if it was, the way out delivers the signal under the temporary mask and
/// the handler's frame records the saved one (rt_sigsuspend's rule).
void EndTemporaryMask(bool installed, bool interrupted);

}  // namespace core::syscall
