#pragma once

namespace core::syscall {

/// Gives core/net the calling process's credentials (for write(2) on a
/// socket and SO_PEERCRED). Called once by InitTraps.
void InitSocketCalls();

}  // namespace core::syscall
