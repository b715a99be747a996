#pragma once

namespace core::syscall {

/// Has a mount namespace's death finish what it unmounted for good as
/// umount2 does (stop a user-space server, free an agent's disk): the
/// vfs::MountTable unmounted hook. Called once by InitTraps.
void InitFsMountCalls();

}  // namespace core::syscall
