#pragma once

// The kernel's mount table: the initial mount namespace's
// (mount_namespace.h). Built at boot by core/fs (InitFileSystems); what the
// kernel's own work without a calling process uses (boot, the console).
// Anything done for a process uses that process's namespace
// (Process::mount_namespace) instead.

#include "core/vfs/mount_namespace.h"

namespace core::vfs {

/// The initial namespace's mount table. Empty until core/fs mounts the root.
MountTable& Mounts();

}  // namespace core::vfs
