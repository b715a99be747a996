#pragma once

// File leases (fcntl F_SETLEASE/F_GETLEASE), as Linux's: a read lease
// (F_RDLCK) or write lease (F_WRLCK) on a regular file, held by an open
// description (released with it, or by F_UNLCK). An open by anyone that
// conflicts (for writing: any lease; for reading: a write lease) breaks
// the lease: the holder gets SIGIO (or its F_SETSIG signal, si_code
// POLL_MSG) and must downgrade (to F_RDLCK, when the opener only reads) or
// release it; the opener waits until then, or until lease-break-time
// seconds (/proc/sys/fs/lease-break-time, 45 by default) have passed, when
// the kernel downgrades or removes the lease itself. An O_NONBLOCK opener
// starts the break and fails with kAgain (EWOULDBLOCK).
//
// Setting a lease, with Linux's EAGAIN rules: a read lease needs the file
// open for writing nowhere (the holder's own description included); a
// write lease needs the holder's description to be the file's only open;
// neither while another description holds a write lease or one being
// broken for a writer. A description's own lease changes in place (up or
// down) and F_UNLCK without a lease gives EAGAIN.
//
// The table is kernel state keyed by (st_dev, st_ino) behind one spin
// lock (a leaf except for the signal sender, which only queues). Every
// change bumps a generation and calls the waker (set by lease_break.h).
// Host-tested (lease_test).

#include <stddef.h>
#include <stdint.h>

#include "core/fd/file_lock.h"
#include "kstd/result.h"

namespace core::vfs {
class Vnode;
}

namespace core::fd {

class FileDescription;

/// fcntl's lease types (Linux's F_RDLCK, F_WRLCK, F_UNLCK values).
inline constexpr int kLeaseRead = 0;
inline constexpr int kLeaseWrite = 1;
inline constexpr int kLeaseNone = 2;

/// Leases the whole system may hold (ENOLCK past it).
inline constexpr size_t kMaxLeases = 4096;

/// F_SETLEASE of `type` (kLeaseRead/Write/None) on `file`, whose vnode is
/// `v`, by process `pid` through `fd` (the si_fd of its break signal). The
/// caller has checked ownership (EACCES). Errors: kInvalid (unknown type,
/// not a regular file), kAgain (the rules above), kNoLocks (kMaxLeases),
/// kNoMemory.
kstd::Result<void> SetLease(FileDescription* file, const vfs::Vnode& v, int type, int32_t pid,
                            int fd);

/// The identity leases use for `v` (as LockKeyOf: st_dev and st_ino,
/// without asking a remote file system).
FileKey LeaseKeyOf(const vfs::Vnode& v);

/// F_GETLEASE: the type of `file`'s lease (while it is being broken, the
/// type it is being broken to), kLeaseNone without one.
int GetLease(const FileDescription* file);

/// One step of breaking the leases of `key` for an opener (`want_write`:
/// opening for writing or truncating) at monotonic time `now` (ns): leases
/// whose break time passed are downgraded or removed first; conflicting
/// leases not yet breaking start to (their holders are signalled, their
/// deadline is now + lease-break-time). Returns true when nothing
/// conflicts any more; false with *deadline set to the earliest break
/// deadline of a conflicting lease otherwise (wait for the generation to
/// move, or for that time, then call again).
bool BreakLeasesStep(FileKey key, bool want_write, uint64_t now, uint64_t* deadline);

/// Drops the lease of `description` (its last reference).
void ReleaseLeases(const void* description);

/// Whether any lease exists (opens skip the break when none does).
bool AnyLeases();

/// fs.lease-break-time, in seconds (Linux's proc_dointvec: any int; at
/// most 0 breaks at once).
int64_t LeaseBreakTime();
void SetLeaseBreakTime(int64_t seconds);

/// The generation break waiters compare; the waker every change calls.
uint64_t LeaseGeneration();
void SetLeaseWaker(void (*wake)());

/// Appends up to `max` leases to `out` (for /proc/locks); returns how many.
size_t SnapshotLeases(LockInfo* out, size_t max);

}  // namespace core::fd
