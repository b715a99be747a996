#pragma once

// The registry of user-space file systems mounted in the kernel (each a
// RemoteFs with its ChannelTransport), for umount2 (flush), sync(2), a
// restarted server's re-attach and the flush before the machine stops; and
// the move of the root onto a user-space file system (kFsMountRoot).

#include "core/fs/channel_transport.h"
#include "core/vfs/mount_table.h"
#include "core/vfs/remote_fs.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::fs {

/// One registered mount (both null: none).
struct RemoteMount {
  kstd::RefPtr<vfs::RemoteFs> fs;
  kstd::RefPtr<ChannelTransport> transport;
};

/// At most this many user-space file systems are mounted at once.
inline constexpr size_t kMaxRemoteMounts = 16;

/// Records a new mount. False if the registry is full.
bool RegisterRemote(const kstd::RefPtr<vfs::RemoteFs>& fs, const kstd::RefPtr<ChannelTransport>& t);

/// Takes the record of `fs` out of the registry (null if it is not remote).
RemoteMount UnregisterRemote(const vfs::FileSystem* fs);

/// The registry's record of the remote file system `fs` (null if none).
RemoteMount FindRemote(const vfs::FileSystem* fs);

/// Gives the registered mount `fs` a new transport (a restarted server's).
/// False if `fs` is no longer registered (unmounted meanwhile).
bool ReplaceRemoteTransport(const kstd::RefPtr<vfs::RemoteFs>& fs,
                            const kstd::RefPtr<ChannelTransport>& t);

/// Makes `fs` the root (see kFsMountRoot). Decode first: every mount inside
/// the old root must find its directory in the new one before anything moves;
/// then processes whose root or cwd was the old root move to the new one.
/// The old root's file system is kept alive. Errors: kInvalid (no root),
/// kBusy (too many mounts to move), kNotFound (a mount point is missing in
/// the new root), kNoMemory, the mount table's errors.
kstd::Result<void> ReplaceRootWith(const kstd::RefPtr<vfs::RemoteFs>& fs,
                                   const vfs::MountOptions& options);

/// Asks the server of `fs` to flush (before a remount read-only); nothing to
/// do if `fs` is not a user-space file system. Errors: kIo, kInterrupted,
/// the server's errno.
kstd::Result<void> SyncRemoteFileSystem(const vfs::FileSystem* fs);

/// sync(2) for the user-space file systems: asks each to flush (errors are
/// ignored: sync(2) cannot fail).
void SyncRemoteFileSystems();

/// Before the machine stops: asks every user-space file system to flush and
/// unmount (a clean unmount marks ext2 clean); they are dead afterwards.
void UnmountRemoteFileSystems();

}  // namespace core::fs
