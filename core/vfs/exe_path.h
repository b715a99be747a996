#pragma once

// The path /proc/<pid>/exe shows: the file execve ran, as a canonical
// absolute path (Linux keeps the file and prints its path: "/bin/busybox"
// for `execve("/bin/sh")` when /bin/sh is a symlink to it, and the program
// itself for `execve("/proc/self/exe")`, busybox's way to rerun itself).
// Pure VFS code: host-tested on a ramfs.

#include "core/vfs/mount_table.h"
#include "core/vfs/vnode.h"

namespace core::vfs {

/// Resolves `path` (as given to execve: absolute, or relative to `cwd`) seen
/// from `root`: every directory component and every symbolic link in the
/// final one. Returns new[] storage with the NUL-terminated path, or null
/// (out of memory; the path does not resolve; more than 40 links).
char* ResolveExePath(const MountTable& mounts, Vnode* root, Vnode* cwd, const char* path);

}  // namespace core::vfs
