#pragma once

// The kernel's mount table: the one namespace every process resolves paths
// in (Tessera has no mount namespaces; a process's root and cwd are vnodes
// inside it). Built at boot by core/fs (InitFileSystems); changed by mount(2),
// umount2(2) and the user-space file systems' fs_mount.

#include "core/vfs/mount_table.h"

namespace core::vfs {

/// The kernel's mount table. Empty until core/fs mounts the root at boot.
MountTable& Mounts();

}  // namespace core::vfs
