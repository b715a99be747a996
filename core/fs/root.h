#pragma once

// The kernel's file-system namespace: the mount table, the initramfs root,
// /dev (devfs with the memory devices and the console), /tmp (tmpfs), /proc
// (procfs).

#include "core/vfs/kernel_mounts.h"
#include "core/vfs/ramfs.h"
#include "hal/boot/boot_info.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::fs {

/// Builds the namespace at boot: a ramfs root filled from the boot module
/// named "initramfs" (a cpio newc archive; an empty root with a warning if
/// there is none or it is malformed), devfs on /dev, tmpfs on /tmp, procfs
/// on /proc.
/// Errors: kNoMemory.
kstd::Result<void> InitFileSystems(const hal::BootInfo& boot_info);

/// The devtmpfs instance (valid after InitFileSystems): mounted on /dev at
/// boot, kept by the kernel while unmounted (FileSystem::retained), and what
/// mount -t devtmpfs mounts again.
kstd::RefPtr<vfs::RamFs> DevFsInstance();

}  // namespace core::fs
