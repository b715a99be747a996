#pragma once

// The file-system types mount(2) can make, all in the kernel: "tmpfs" (a new
// RamFs with Linux's tmpfs options and defaults), "ramfs", "proc" (a new
// procfs instance) and "devtmpfs" (the one devfs instance, as in Linux).
//
// Not here: ext2. The root disk's ext2 is served by a user-space process
// (servers/fs) over a virtio-blk driver process, both started by init; the
// kernel cannot start them for mount(2), so "ext2" (like "ext3", "ext4" and
// any unknown type) is kNoDevice (ENODEV), with a log line for the disk
// types saying why.

#include <stdint.h>

#include "core/vfs/name.h"
#include "core/vfs/vnode.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::fs {

/// A file system of `type` for mount(2), from its option string `data`;
/// the generic words in `data` ("ro", "sync", ...) set or clear kMount* bits
/// in *flags. devtmpfs is the boot instance: `data` reconfigures it (tmpfs
/// options, as Linux's devtmpfs) unless it is mounted already. Errors:
/// kNoDevice (no such type), kInvalid (bad options), kBusy (devtmpfs is
/// mounted already: this VFS shows a file system at one place only),
/// kNoMemory.
kstd::Result<kstd::RefPtr<vfs::FileSystem>> CreateFileSystem(vfs::Name type, vfs::Name data,
                                                             uint32_t* flags);

/// The machine's usable RAM in bytes: what tmpfs's default limits and
/// size=N% are reckoned from.
uint64_t RamBytes();

}  // namespace core::fs
