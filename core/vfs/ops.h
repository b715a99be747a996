#pragma once

// Path-level operations: one call per path-taking syscall, combining Resolve
// with the vnode operations in Linux's order, so the errno the caller gets is
// the one Linux gives when several apply (checked against the host kernel in
// ramfs_model_test.cc). The syscall layer copies the path in, picks the
// starting directory (the process cwd, or the dirfd's directory for *at
// calls) and maps the returned Error to -errno.
//
// Not handled here (the syscall layer's): AT_EMPTY_PATH and dirfd lookup,
// O_APPEND (each write passes the current size as the offset), O_CLOEXEC and
// the other fd flags, O_PATH, umask (callers pass mode & ~umask), the
// access-mode check on read/write (EBADF), and the permission checks of
// calls that are not about paths (chmod, chown, utimes, truncate, exec: the
// syscall layer's, with core/posix/credentials.h).

#include <stddef.h>
#include <stdint.h>

#include "core/vfs/mount_table.h"
#include "core/vfs/path.h"
#include "core/vfs/vnode.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::vfs {

/// Where a path is resolved: the mount table, the process's root (chroot)
/// and the starting directory for relative paths.
/// With `cred`, the calls check permissions as Linux does (search on every
/// directory walked; read/write on open; write+search on the parent to
/// create, remove or rename; the sticky bit; protected hard links) and new
/// nodes belong to the caller's fs uid and gid (or the parent's group under
/// a set-group-ID directory). Null `cred`: the kernel's own calls, unchecked,
/// owned by the uid/gid arguments.
struct PathContext {
  const MountTable* mounts;
  Vnode* root;
  Vnode* cwd;
  const posix::Credentials* cred = nullptr;
};

/// Linux's mnt_want_write: kReadOnlyFs if `v`'s file system is mounted
/// read-only. Every call below that changes something checks it (in Linux's
/// order among its other errors); the syscall layer calls it before
/// chmod/chown/utimensat/truncate and for access(W_OK).
kstd::Result<void> CheckWritable(const Vnode& v);

/// The vnode at `path` (stat, chdir, chmod, utimensat, truncate, execve...).
/// Errors: those of Resolve.
kstd::Result<kstd::RefPtr<Vnode>> LookupPath(const PathContext& ctx, Name path,
                                             bool follow_final_symlink = true);

/// open(2) without the fd: resolves (O_NOFOLLOW: a final symlink gives
/// kLoop), creates with O_CREAT (regular file, `mode` & 07777; O_EXCL: fails
/// with kExists on anything there, a symlink included; without O_EXCL a
/// dangling final symlink creates its target), refuses a non-directory with
/// O_DIRECTORY (kNotDirectory), truncates a regular file with O_TRUNC, then
/// Vnode::Open. Errors: Resolve's, kExists, kIsDirectory (O_CREAT on a
/// directory, or on any path with a trailing slash; a directory opened for
/// writing), kReadOnlyFs (creating, truncating or opening a regular file
/// for writing on a read-only mount), kAccess (a device node on a nodev
/// mount), kNotDirectory, kLoop, Vnode::Create's, Vnode::Open's.
kstd::Result<kstd::RefPtr<OpenFile>> OpenPath(const PathContext& ctx, Name path, uint32_t flags,
                                              uint32_t mode, uint32_t uid = 0, uint32_t gid = 0);

/// mkdir(2). Errors: kExists (anything there, "/", ".", ".."), kReadOnlyFs,
/// Resolve's, Vnode::Create's.
kstd::Result<void> MakeDirectory(const PathContext& ctx, Name path, uint32_t mode, uint32_t uid = 0,
                                 uint32_t gid = 0);

/// mknod(2) for fifos, sockets and device nodes, and creat-style regular
/// files. Errors: kExists, kNotFound (a trailing slash), kInvalid (a
/// directory or symlink type), Resolve's, Vnode::Create's.
kstd::Result<void> MakeNode(const PathContext& ctx, Name path, VnodeType type, uint32_t mode,
                            uint64_t rdev, uint32_t uid = 0, uint32_t gid = 0);

/// symlink(2): makes `link_path` point at `target` (stored as given).
/// Errors: kExists, kNotFound (empty target; trailing slash), kNameTooLong.
kstd::Result<void> MakeSymlink(const PathContext& ctx, Name target, Name link_path,
                               uint32_t uid = 0, uint32_t gid = 0);

/// unlink(2). Errors: kIsDirectory (a directory, ".", "..", "/"),
/// kNotDirectory (trailing slash on a non-directory), kNotFound, kBusy.
kstd::Result<void> UnlinkPath(const PathContext& ctx, Name path);

/// rmdir(2). Errors: kInvalid ("."), kNotEmpty (".." or not empty), kBusy
/// ("/" or a mount point), kNotDirectory, kNotFound.
kstd::Result<void> RemoveDirectory(const PathContext& ctx, Name path);

/// rename(2)/renameat(2) (old and new may start in different directories).
/// Errors: kBusy ("." / ".." / "/"), kNotDirectory (trailing slash on a
/// non-directory), kCrossDevice, and Vnode::Rename's.
kstd::Result<void> RenamePath(const PathContext& old_ctx, Name old_path, const PathContext& new_ctx,
                              Name new_path);

/// link(2)/linkat(2); `follow` is AT_SYMLINK_FOLLOW. Errors: kExists,
/// kPermission (a directory), kCrossDevice, kNotFound, Resolve's.
kstd::Result<void> LinkPath(const PathContext& old_ctx, Name old_path, const PathContext& new_ctx,
                            Name new_path, bool follow = false);

/// readlink(2): copies the target (no NUL, truncated) and returns its
/// length. Errors: kInvalid (not a symlink), Resolve's.
kstd::Result<size_t> ReadLinkPath(const PathContext& ctx, Name path, kstd::Span<char> out);

/// getcwd(3)/`/proc/<pid>/cwd`: the absolute path of directory `dir` as seen
/// from `root`, NUL-terminated in `out`; returns its length (without NUL).
/// Walks ".." and searches each parent for the child's inode, crossing
/// mount points. Errors: kNotFound (dir was removed, or is not below root),
/// kRange (out too small), kNotDirectory, kNameTooLong, kNoMemory.
kstd::Result<size_t> PathOf(const MountTable& mounts, Vnode* dir, Vnode* root,
                            kstd::Span<char> out);

}  // namespace core::vfs
