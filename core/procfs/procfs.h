#pragma once

// procfs: the "proc" file system on /proc, what ps, top, free, uptime, kill
// and pidof read, in Linux's formats (see README.md for the list of files).
//
// Everything is computed when it is looked at: /proc/<pid> directories come
// from the process table on each lookup and readdir, and every file is a
// vfs::SyntheticFile whose text is rendered (render.h) into a snapshot when
// it is opened. A process that exits meanwhile makes lookups and opens fail
// with kNotFound (ENOENT); a zombie (exited, not yet reaped) shows state Z.

#include "core/proc/pid_namespace.h"
#include "core/proc/uts_namespace.h"
#include "core/vfs/mount_namespace.h"
#include "core/vfs/mount_table.h"
#include "core/vfs/vnode.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::procfs {

/// Mounts a new procfs on directory `dir` ("/proc") of `mounts` and starts
/// the load-average sampler (a kernel thread waking every 5 s). Call once, at
/// boot. Errors: kNoMemory, MountTable::Mount's.
kstd::Result<void> InitProcFs(vfs::MountTable& mounts, kstd::RefPtr<vfs::Vnode> dir);

/// Another instance of the "proc" file system, for mount(2) (every mount of
/// proc is a new instance, as in Linux since 5.8; all show the same
/// processes). Call after InitProcFs. Errors: kNoMemory.
kstd::Result<kstd::RefPtr<vfs::FileSystem>> CreateProcFs();

/// The UTS namespace `v` is the file of (an open /proc/<pid>/ns/uts, for
/// setns). Errors: kInvalid (not a namespace file), kNotSupported (the
/// file of a kind of namespace Tessera has only one of).
kstd::Result<kstd::RefPtr<UtsNamespace>> NamespaceOfFile(vfs::Vnode* v);
/// The mount namespace `v` is the file of (an open /proc/<pid>/ns/mnt).
/// Errors: kInvalid (not a mount namespace's file).
kstd::Result<kstd::RefPtr<vfs::MountNamespace>> MountNamespaceOfFile(vfs::Vnode* v);

/// The PID namespace `v` is the file of (an open /proc/<pid>/ns/pid or
/// pid_for_children, for setns). Errors: kInvalid (not such a file).
kstd::Result<kstd::RefPtr<PidNamespace>> PidNamespaceOfFile(vfs::Vnode* v);

}  // namespace core::procfs
