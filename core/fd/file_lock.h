#pragma once

// The kernel's file locks: one LockTable (lock_table.h) behind one spin
// lock, shared by fcntl's record locks and flock(2). Locks are kernel state
// keyed by (st_dev, st_ino); file systems (ramfs, tmpfs, the ext2 server)
// know nothing of them.
//
// Release rules, as Linux's:
//   POSIX locks  when their process closes any fd of the file
//                (ReleasePosixLocks, from FdTable) and when its fd table
//                goes (ReleaseAllPosixLocks: exit)
//   OFD, flock   when their open description is released (last close:
//                ReleaseDescriptionLocks, from ~FileDescription)
// Every change bumps a generation and calls the waker (set by the blocking
// side, file_lock_wait.h), so waiters try again.

#include <stdint.h>

#include "core/fd/lock_table.h"
#include "kstd/result.h"

namespace core::fd {

class FileDescription;

/// Locks the whole system may hold (records: a split adds one); a new lock
/// past it is ENOLCK, as Linux's "lock table is full". Unlocking always
/// works.
inline constexpr size_t kMaxFileLocks = 65536;

/// A decoded lock call: who, what file, which bytes.
struct LockRequest {
  FileKey file;
  LockClass cls = LockClass::kPosix;
  const void* owner = nullptr;
  int32_t pid = 0;
  bool unlock = false;
  LockType type = LockType::kRead;
  int64_t start = 0;
  int64_t end = kLockEof;
};

/// A lock as F_GETLK and /proc/locks report it.
struct LockInfo : LockView {
  bool waiting = false;  // a blocked request (/proc/locks' "->" lines)
  // Leases (lease.h): /proc/locks' LEASE lines, ACTIVE or BREAKING; the
  // type shown is the one a breaking lease goes to (unlock_target: UNLCK).
  bool lease = false;
  bool breaking = false;
  bool unlock_target = false;
};

/// Tries to apply `request` once. With `waiter` null a conflict gives
/// kAgain. With `waiter`, a conflict registers it (owner = the request's,
/// blocker = the conflicting lock's owner), stores the generation to wait
/// on in *generation and gives kAgain: the caller waits until the
/// generation moves (file_lock_wait.h) and then calls RemoveLockWaiter.
/// flock requests drop the owner's current lock first (conversion is not
/// atomic, as on Linux). Errors: kAgain, kDeadlock (a POSIX waiter would
/// wait for itself through a chain of waiters), kNoLocks (kMaxFileLocks
/// held), kNoMemory.
kstd::Result<void> TrySetLock(const LockRequest& request, LockWaiter* waiter, uint64_t* generation);

/// Unregisters a waiter registered by TrySetLock.
void RemoveLockWaiter(LockWaiter* waiter);

/// F_GETLK: fills *conflict with the first lock that conflicts with
/// `request` and returns true, or returns false.
bool TestLock(const LockRequest& request, LockInfo* conflict);

/// Drops the POSIX locks `owner` (an fd table) holds on `file`'s file.
/// Cheap when no POSIX lock exists anywhere.
void ReleasePosixLocks(const void* owner, FileDescription* file);
/// Drops every POSIX lock of `owner` (its fd table is going).
void ReleaseAllPosixLocks(const void* owner);
/// Drops the OFD and flock locks of `description` (its last reference).
void ReleaseDescriptionLocks(const void* description);

/// The identity locks use for `file`: kInvalid for a description with no
/// vnode (pipes, sockets and other kernel-made files).
kstd::Result<FileKey> LockKeyOf(FileDescription* file);

/// The generation waiters compare (bumped by every change to the table).
uint64_t LockGeneration();
/// Sets the function every change calls to wake waiters (once).
void SetLockWaker(void (*wake)());

/// Copies up to `max` locks into `out` (for /proc/locks), each followed by
/// the requests blocked on it (marked waiting); returns how many.
size_t SnapshotLocks(LockInfo* out, size_t max);

}  // namespace core::fd
