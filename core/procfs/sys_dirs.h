#pragma once

// /proc/sys (the sysctl files: what Tessera enforces is writable, what it
// only reports is read-only, as Linux's 0444 files) and /proc/sysvipc (the
// System V IPC objects in Linux's formats). See README.md for the entries.

#include "core/vfs/synthetic.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::procfs {

/// Whether the calling process may write a sysctl: Linux's sysctl_perm
/// gives the owner's (root's) write bit to an effective uid of 0 only.
/// Every /proc/sys write goes through it.
bool SysctlWriteAllowed();

/// Adds "sys" to `root` (whose fs is `fs`). Errors: kNoMemory, kNoSpace.
kstd::Result<void> AddSysDir(vfs::StaticDir* root, kstd::RefPtr<vfs::FileSystem> fs);

/// Adds "sysvipc" to `root`. Errors: kNoMemory, kNoSpace.
kstd::Result<void> AddSysvipcDir(vfs::StaticDir* root, kstd::RefPtr<vfs::FileSystem> fs);

}  // namespace core::procfs
