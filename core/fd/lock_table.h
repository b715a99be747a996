#pragma once

// LockTable: the advisory file locks of Linux, as data. Three classes of
// lock share one table, keyed by the file's identity (st_dev, st_ino), so
// they work the same on every file system:
//   kPosix  fcntl(F_SETLK) record locks, owned by a process (its fd table)
//   kOfd    fcntl(F_OFD_SETLK) record locks, owned by an open description
//   kFlock  flock(2) whole-file locks, owned by an open description
// POSIX and OFD locks are one family (they conflict with each other, as on
// Linux); flock locks conflict only with flock locks. Two locks conflict
// when their owners differ, their byte ranges overlap and one is a write
// lock. An owner's own locks of one family never overlap: setting a range
// splits, trims and merges what the owner held (Linux's posix_lock_inode).
//
// The table does no locking and no waiting: the kernel's one instance and
// its lock live in file_lock.h. Records are allocated by the caller (at
// most kSparesPerSet per call) and the ones a call no longer needs are
// handed back in a Freed list, so no heap call happens under the caller's
// spin lock.

#include <stdint.h>

#include "kstd/intrusive_list.h"

namespace core::fd {

/// The largest offset (Linux's OFFSET_MAX): a lock that ends here runs to
/// the end of the file, however long it grows.
inline constexpr int64_t kLockEof = INT64_MAX;

enum class LockClass : uint8_t { kPosix, kOfd, kFlock };
enum class LockType : uint8_t { kRead, kWrite };

struct FileKey {
  uint64_t dev = 0;
  uint64_t ino = 0;
  bool operator==(const FileKey& o) const { return dev == o.dev && ino == o.ino; }
};

struct LockRecord {
  kstd::ListNode node;
  FileKey file;
  LockClass cls = LockClass::kPosix;
  LockType type = LockType::kRead;
  const void* owner = nullptr;  // an FdTable (kPosix) or a FileDescription
  int32_t pid = 0;              // the process that set it (/proc/locks, F_GETLK)
  int64_t start = 0;            // first byte
  int64_t end = 0;              // last byte (inclusive); kLockEof: to the end
};

using LockList = kstd::IntrusiveList<LockRecord, &LockRecord::node>;

/// A lock or a request as listings show it: the file, class and type, who
/// asked (a pid) and the bytes.
struct LockView {
  FileKey file;
  LockClass cls = LockClass::kPosix;
  LockType type = LockType::kRead;
  int32_t pid = 0;
  int64_t start = 0;
  int64_t end = 0;
};

/// A blocked request (F_SETLKW, F_OFD_SETLKW, flock): `owner` waits for a
/// lock held by `blocker`. POSIX waiters make the wait-for graph deadlock
/// detection walks; every waiter is listed by /proc/locks.
struct LockWaiter {
  kstd::ListNode node;
  const void* owner = nullptr;
  const void* blocker = nullptr;
  LockView request;
  // Scratch for listings (the lock in its way), under the table's lock.
  mutable const LockRecord* listed_after = nullptr;
};

class LockTable {
 public:
  /// Records one SetRange call may need (the new lock, and the tail of a
  /// lock it splits in two).
  static constexpr int kSparesPerSet = 2;

  LockTable() = default;
  LockTable(const LockTable&) = delete;
  LockTable& operator=(const LockTable&) = delete;
  /// The table must be empty (every owner released).
  ~LockTable() = default;

  /// The first lock of another owner that conflicts with a `type` lock of
  /// `cls` over [start, end] on `file`, or null.
  const LockRecord* FindConflict(const FileKey& file, LockClass cls, const void* owner,
                                 LockType type, int64_t start, int64_t end) const;

  /// Makes `owner` hold [start, end] of `file` as `type` (or, with `unlock`,
  /// hold nothing there), splitting, trimming and merging its own locks of
  /// the same family. Conflicts are not checked (FindConflict first). Takes
  /// records from `spares` (which must hold kSparesPerSet) and appends the
  /// ones it dropped to `freed`. Cannot fail.
  void SetRange(const FileKey& file, LockClass cls, const void* owner, int32_t pid, LockType type,
                bool unlock, int64_t start, int64_t end, LockList& spares, LockList& freed);

  /// Drops every lock of `owner` of `cls` (on `file`, or on every file when
  /// `file` is null) into `freed`. Returns whether any went.
  bool ReleaseOwner(const void* owner, LockClass cls, const FileKey* file, LockList& freed);

  /// The first lock `owner` holds of `cls` on `file` (flock's one lock), or
  /// null.
  const LockRecord* FindOwned(const FileKey& file, LockClass cls, const void* owner) const;

  /// True when `owner` blocking on a lock of `blocker` would close a cycle
  /// of waiting POSIX owners (Linux follows at most kMaxDeadlockSteps; OFD
  /// and flock waiters are not part of it).
  bool WouldDeadlock(const void* owner, const void* blocker) const;
  static constexpr int kMaxDeadlockSteps = 10;

  /// Registers / unregisters a blocked waiter (the waiter owns the record).
  void AddWaiter(LockWaiter* waiter) { waiters_.PushBack(waiter); }
  void RemoveWaiter(LockWaiter* waiter) { waiters_.Remove(waiter); }

  /// Calls fn(record) for every lock; fn must not change the table.
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (const LockList& bucket : buckets_) {
      bucket.ForEach([&](LockRecord* r) { fn(static_cast<const LockRecord*>(r)); });
    }
  }
  /// Calls fn(waiter) for every waiter; fn must not change the table.
  template <typename Fn>
  void ForEachWaiter(Fn fn) const {
    waiters_.ForEach([&](LockWaiter* w) { fn(static_cast<const LockWaiter*>(w)); });
  }
  /// Locks held, and of them POSIX ones.
  size_t size() const { return size_; }
  size_t posix_count() const { return posix_count_; }

 private:
  // Locks by file (a hash of the key), so a call scans its file's bucket.
  static constexpr size_t kBuckets = 64;
  LockList& BucketOf(const FileKey& file);
  const LockList& BucketOf(const FileKey& file) const;
  void Link(LockList& bucket, LockRecord* r, bool front);
  void Unlink(LockList& bucket, LockRecord* r, LockList& freed);

  LockList buckets_[kBuckets];
  size_t size_ = 0;
  size_t posix_count_ = 0;
  kstd::IntrusiveList<LockWaiter, &LockWaiter::node> waiters_;
};

}  // namespace core::fd
