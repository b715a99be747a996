#pragma once

// The mount agent (abi/tessera/mountproto.h): mount(2) of a file system that only a
// user-space server can serve (ext2 on /dev/vdX) goes to init, which
// registered a channel for it (MountAgentRegister, init's "vfs" right).
//
// Pending mount points. mount(2) resolves its target in the caller's context
// and keeps the directory as a pending mount point with a fresh id, sends the
// request and sleeps until the agent answers. The server init starts mounts
// itself exactly there (fs_mount with kFsMountPending + that id): no path is
// resolved twice, so nothing can race the caller's view of the target, and
// the mount lands in the caller's mount namespace, not the server's. The
// pending point lives until mount(2) returns; afterwards, for a mount made
// that way, the record stays (it makes a second mount of the same disk EBUSY)
// until umount2 forgets it.
//
// Requests are serialized: one waits for the agent at a time (a sleeping
// busy flag); replies with another id are dropped. Deadline: 120 s (a
// server's start on TCG mounts a disk in a few seconds).

#include <stdint.h>

#include "core/ipc/channel.h"
#include "core/pci/pci_bus.h"
#include "core/vfs/mount_namespace.h"
#include "core/vfs/mount_table.h"
#include "core/vfs/vnode.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::syscall {

/// What mount(2) asks the agent to mount.
struct AgentMount {
  const pci::Function* function = nullptr;          // the disk, or null for a loop device:
  kstd::RefPtr<ipc::ChannelEndpoint> loop_channel;  // its block server's client end
  const void* loop_identity = nullptr;              // and its identity (core/fs/loop_devices.h)
  kstd::RefPtr<vfs::Vnode> dir;                     // the target directory
  kstd::RefPtr<vfs::MountNamespace> ns;             // whose table gets the mount
  vfs::Name path;                                   // its canonical path (mount table)
  vfs::Name source;                                 // as written, e.g. "/dev/vdb"
  vfs::Name fstype;                                 // e.g. "ext2"
  uint32_t flags = 0;                               // vfs::kMount* (read-only ...)
};

/// Hands `mount` to the agent and sleeps until it answers. Errors: kNoDevice
/// (no agent registered), kBusy (the disk is mounted or being mounted),
/// kNoSpace (too many pending or agent mounts), kNoMemory, kInterrupted (a
/// signal; a server already attaching still completes the mount), kTimedOut,
/// kIo (the agent's answer was malformed, or it claimed a mount that did not
/// happen), or the errno the agent answered.
kstd::Result<void> MountThroughAgent(const AgentMount& mount);

/// open("/dev/vdX"): asks the agent for a channel to a block driver for
/// `disk` (mountproto kBlockClient; core/fs/block_file.h installs it as its
/// BlockClientSource); `read_only` clients of a mounted disk are given, a
/// writer is not. Errors: kNoDevice (no agent), kBusy (a writer of a disk
/// that is mounted or being mounted; the agent says so for the root disk),
/// kInterrupted, kTimedOut, kIo (a malformed answer), the agent's errno.
kstd::Result<kstd::RefPtr<ipc::ChannelEndpoint>> BlockClientThroughAgent(const pci::Function* disk,
                                                                         bool read_only);

/// What fs_mount kFsMountPending gets from ClaimPendingMount.
struct ClaimedMount {
  kstd::RefPtr<vfs::Vnode> dir;
  kstd::RefPtr<vfs::MountNamespace> ns;  // mount(2)'s caller's
  char* path = nullptr;                  // kMaxPathLength + 1 bytes, owned
  size_t path_length = 0;
  char source[32] = {};
  uint32_t flags = 0;
  ClaimedMount() = default;
  ClaimedMount(const ClaimedMount&) = delete;
  ClaimedMount& operator=(const ClaimedMount&) = delete;
  ~ClaimedMount() { delete[] path; }
};

/// fs_mount: takes pending mount point `id` for the caller (one claim at a
/// time). Errors: kNotFound (no such pending point: it never was, or its
/// mount(2) gave up), kBusy (claimed already), kNoMemory.
kstd::Result<void> ClaimPendingMount(uint32_t id, ClaimedMount* out);
/// fs_mount's outcome for claimed point `id`: `fs` is mounted there (null:
/// the mount failed and the point is pending again).
void FinishPendingMount(uint32_t id, const vfs::FileSystem* fs);
/// umount2 or a mount namespace's death: `fs` is unmounted for good (from
/// its last namespace); if the agent mounted it, its disk is free.
void ForgetAgentMount(const vfs::FileSystem* fs);

}  // namespace core::syscall
