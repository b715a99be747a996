#pragma once

// Loop devices: a regular file seen as a block device, as Linux's loop driver
// (<linux/loop.h>), so `losetup` and `mount -o loop image.ext2 DIR` work.
//
//   /dev/loop-control (10:237)  LOOP_CTL_GET_FREE (the first unbound device,
//                               its node made if needed), LOOP_CTL_ADD,
//                               LOOP_CTL_REMOVE (an unbound, closed device)
//   /dev/loop0 ... (7:N)        8 made at boot, at most kMaxLoops
//
// A device is bound to an open file (LOOP_SET_FD, LOOP_CONFIGURE) with an
// offset, a size limit, a name (what losetup passes) and flags
// (LO_FLAGS_READ_ONLY: also when the file was not open for writing;
// LO_FLAGS_AUTOCLEAR: unbound when the last user goes; LO_FLAGS_DIRECT_IO:
// accepted, as reads and writes always go to the file; LO_FLAGS_PARTSCAN:
// refused, no partitions are read). Its size is the file's, less the offset,
// cut to the size limit, in whole 512-byte sectors, read live (so
// LOOP_SET_CAPACITY has nothing to do). Reads and writes go straight to the
// file (pread/pwrite at offset + position); writes to a read-only device give
// EPERM, as Linux's block layer; fsync syncs the file. LOOP_CLR_FD while
// another user holds the device sets AUTOCLEAR instead (Linux). An unbound
// device reads as empty; LOOP_GET_STATUS64 on it gives ENXIO.
//
// mount(2) of /dev/loopN: ServeLoopForMount gives a channel whose other end a
// kernel thread serves with the block protocol (loop_server.h); the mount
// counts as a user of the device until the file-system server closes it.

#include <stdint.h>

#include "core/ipc/channel.h"
#include "core/vfs/vnode.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::fs {

inline constexpr uint32_t kMaxLoops = 16;
inline constexpr uint32_t kBootLoops = 8;

/// Boot: /dev/loop-control and /dev/loop0..7 in `dev_dir` (devfs's root,
/// which must outlive the devices). Errors: those of DevFs.
kstd::Result<void> AddLoopDevices(vfs::Vnode* dev_dir);

/// Whether `rdev` is a loop device's number (major 7).
bool IsLoopDevice(uint64_t rdev);

/// The block opener's share for major 7. Errors: kNoDeviceOrAddress (no
/// such device), kNoMemory.
kstd::Result<kstd::RefPtr<vfs::OpenFile>> OpenLoopNode(kstd::RefPtr<vfs::Vnode> node,
                                                       uint32_t flags);

/// mount(2) of loop device `rdev`: the client end of a channel served by a
/// new kernel thread (blkproto), and the device's identity (for "already
/// mounted" checks). `read_only` mounts get a read-only disk. Errors:
/// kNoDeviceOrAddress (unbound or no such device), kNoMemory.
struct LoopMountSource {
  kstd::RefPtr<ipc::ChannelEndpoint> channel;
  const void* identity = nullptr;
};
kstd::Result<LoopMountSource> ServeLoopForMount(uint64_t rdev, bool read_only);

}  // namespace core::fs
