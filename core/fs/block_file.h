#pragma once

// Open block devices: what open("/dev/vdX") gives. The kernel has no block
// layer of its own: an open disk is a DiskClient (disk_client.h) to a
// user-mode driver that init starts for it (abi/tessera/mountproto.h,
// kBlockClient). All open files of one disk share one client; the last
// close drops it, and the driver then stops.
//
// Semantics, as Linux's block devices without a page cache:
//   - read/write/pread/pwrite at any offset and length (partly covered
//     blocks are read, changed and written back); reads stop at the end of
//     the disk (0 at or past it); a write at or past the end gives ENOSPC,
//     one across it is cut short. O_DIRECT needs block-aligned offsets and
//     lengths (EINVAL). Writes go to the driver at once (no write-back
//     cache), so fsync/fdatasync and BLKFLSBUF only flush the device cache.
//   - lseek(SEEK_END) counts from the disk's size; fstat shows st_size 0 and
//     st_rdev, as Linux.
//   - ioctls: BLKGETSIZE64, BLKGETSIZE, BLKSSZGET, BLKBSZGET, BLKPBSZGET,
//     BLKIOMIN, BLKIOOPT, BLKROGET, BLKFLSBUF (CAP_SYS_ADMIN), BLKRRPART
//     (CAP_SYS_ADMIN, the whole disk, EBUSY while anyone else has it open);
//     anything else ENOTTY.
//   - Partitions (partition_table.h: MBR or GPT) are read when a disk gets
//     its driver (its first open) and on BLKRRPART; /dev/vdbN nodes are made
//     and removed to match. A partition's file is the disk's file cut to its
//     range (it shares the disk's client and EBUSY rules). mount(2) of a
//     partition goes through ServePartitionForMount.
//   - A disk that is mounted (the root included) opens read-only: the
//     kernel gets a read-only client of the mount's driver, and an open for
//     writing gives EBUSY (from init), as Linux without
//     BLK_DEV_WRITE_MOUNTED. A disk open through its node cannot be mounted
//     (EBUSY, DiskOpenThroughNode). O_EXCL opens exclude each other (EBUSY).
//     A disk first opened read-only while mounted keeps that client: a
//     writer gives EBUSY until every open file is closed.
//   - A driver that dies or hangs fails the open files with EIO; a new open
//     (after every old one is closed) starts a new driver.

#include <stdint.h>

#include "core/fs/loop_devices.h"
#include "core/ipc/channel.h"
#include "core/pci/pci_bus.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::fs {

/// How the kernel gets a channel to a block driver for `disk` (the syscall
/// layer's mount agent; mount_agent.h); `read_only` when no open needs to
/// write. Errors: the agent's (kBusy for a writer of a mounted disk,
/// kNoDevice without an agent, ...).
using BlockClientSource =
    kstd::Result<kstd::RefPtr<ipc::ChannelEndpoint>> (*)(const pci::Function* disk, bool read_only);

/// Boot: installs the VFS's block opener, which asks `source` for drivers.
void InitBlockFiles(BlockClientSource source);

/// Whether any file has `disk` open through its node (mount(2) refuses it).
bool DiskOpenThroughNode(const pci::Function* disk);

/// Boot: where partition nodes (/dev/vdb1, ...) are made (devfs's root).
void SetBlockNodeDirectory(vfs::Vnode* dev_dir);

/// Whether `rdev` is a virtio-blk partition (not a whole disk).
bool IsDiskPartition(uint64_t rdev);

/// mount(2) of a partition node: opens it (read-only or read-write) and
/// serves it with the block protocol on a kernel thread (loop_server.h), as
/// a loop device's file; the open keeps the disk busy for the mount's life.
/// Errors: those of opening the node, kNoMemory.
kstd::Result<LoopMountSource> ServePartitionForMount(kstd::RefPtr<vfs::Vnode> node, bool read_only);

}  // namespace core::fs
