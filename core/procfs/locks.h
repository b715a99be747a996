#pragma once

// /proc/locks: every file lock (core/fd/file_lock.h) in Linux's format, one
// line each:
//   1: POSIX  ADVISORY  WRITE 123 00:1d:4567 0 EOF
//   2: FLOCK  ADVISORY  READ 124 00:1d:4568 0 EOF
//   3: OFDLCK ADVISORY  WRITE -1 00:1d:4569 5 9
// (class, kind, type, owner pid (-1 for OFD locks), major:minor:inode of
// the file, first and last byte; flock locks cover the whole file). A
// blocked request follows the lock in its way, under its number:
//   4: POSIX  ADVISORY  WRITE 123 00:1d:4567 0 9
//   4: -> POSIX  ADVISORY  READ 125 00:1d:4567 5 6

#include <stddef.h>

#include "core/fd/file_lock.h"
#include "core/vfs/synthetic.h"
#include "kstd/ref_ptr.h"

namespace core::procfs {

/// Renders `count` locks, numbered from 1 (pure; host-tested).
void RenderLocks(const fd::LockInfo* locks, size_t count, vfs::TextBuffer& out);

/// The /proc/locks node (a snapshot of the lock table per open); null when
/// out of memory.
kstd::RefPtr<vfs::Vnode> MakeProcLocksNode(kstd::RefPtr<vfs::FileSystem> fs, uint64_t ino);

}  // namespace core::procfs
