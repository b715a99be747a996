#pragma once

// Path resolution (namei): turns a path into vnodes.
//
// Rules (Linux's, checked by path_test.cc):
// - An absolute path starts at `root` (the process's root), a relative one at
//   `cwd` (the syscall layer passes the dirfd's directory for *at calls).
// - Repeated slashes count as one; "." stays; ".." goes to the parent, stays
//   at `root` (so no path escapes a chroot), and at the root of a mounted
//   file system first steps back to the directory it covers (so
//   "/mnt/.." is "/"). A directory with something mounted on it is replaced
//   by the mounted root (stacked mounts: the top one).
// - Symbolic links met in the middle of a path are always followed; the final
//   one only with follow_final_symlink (or when a trailing slash follows it).
//   Targets may be absolute (restart at `root`) or relative (to the link's
//   directory). More than kMaxSymlinkExpansions (40) expansions in one
//   resolution give kLoop (ELOOP); an empty target gives kNotFound.
// - A trailing slash requires the final vnode to be a directory (kNotDirectory)
//   and makes a final symlink be followed; in parent mode without
//   follow_final_symlink the final component is returned as found, with
//   trailing_slash set, for the caller's own rule (see ops.h).
// - Errors: kNotFound (empty path, a missing component), kNotDirectory (a
//   non-directory used as a directory), kNameTooLong (a component > 255
//   bytes, or the path, or a path grown by symlink expansion, > 4095 bytes),
//   kLoop, kNoMemory, and errors of Vnode::Lookup / Vnode::ReadLink.
// - Permissions: with ResolveFlags::cred, search (x) permission on each
//   directory before a component (".", ".." and the final one included) is
//   looked up in it, as Linux's may_lookup: kAccess.
//
// Locks: none held by the caller; Resolve takes none across vnode calls.

#include <stddef.h>
#include <stdint.h>

#include "core/vfs/mount_table.h"
#include "core/vfs/name.h"
#include "core/vfs/vnode.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::vfs {

struct ResolveFlags {
  /// Follow a symlink that is the final component (stat vs lstat; open
  /// without O_NOFOLLOW).
  bool follow_final_symlink = true;
  /// "Parent mode", for calls that create, remove or rename the final
  /// component: resolve everything but the final component, then look that
  /// one up without failing if it is missing. See Resolved.
  bool want_parent = false;
  /// Whose walk this is: search (x) permission on every directory a
  /// component is looked up in is checked against these credentials
  /// (kAccess). Null: the kernel's own walk, unchecked.
  const posix::Credentials* cred = nullptr;
};

struct Resolved {
  /// The final vnode. In parent mode: null if the final component does not
  /// exist (the caller may create `name` in `parent`).
  kstd::RefPtr<Vnode> vnode;
  /// Parent mode only: the directory that holds (or would hold) `name`. With
  /// follow_final_symlink, a final symlink (even a dangling one) is followed,
  /// so parent/name describe the link's target (open O_CREAT creates it).
  kstd::RefPtr<Vnode> parent;
  /// Parent mode only: the final component as written, NUL-terminated. It
  /// is "" for a path with no components ("/"), and may be "." or "..": the
  /// syscall layer refuses those itself (mkdir "/" or "." -> EEXIST, rmdir
  /// "." -> EINVAL, rmdir ".." -> ENOTEMPTY, unlink/rename -> EISDIR/EBUSY).
  char name[kMaxNameLength + 1] = {};
  size_t name_length = 0;
  /// The path ended in '/'. Outside parent mode the final vnode was checked
  /// to be a directory. In parent mode it was not: the caller applies the
  /// call's rule (mkdir: fine; open O_CREAT: EISDIR; mknod/symlink/link on a
  /// missing name: ENOENT; unlink/rename of a non-directory: ENOTDIR). ops.h
  /// implements all of them.
  bool trailing_slash = false;

  Name final_name() const { return Name(name, name_length); }
};

/// Resolves `path` (path.size() bytes, no NUL needed) against `cwd` and
/// `root` (both directories; `root` may be a chroot). See the file comment
/// for the rules and errors.
kstd::Result<Resolved> Resolve(const MountTable& mounts, Name path, Vnode* cwd, Vnode* root,
                               ResolveFlags flags = {});

}  // namespace core::vfs
