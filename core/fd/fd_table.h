#pragma once

// FdTable: a process's file descriptors (0 .. limit()-1), each pointing at a
// FileDescription, with its close-on-exec flag. Shared descriptions are
// reference counted, so dup'ed and inherited fds share offsets and flags.
//
// The slots grow on demand (doubling, up to the limit), so a table costs
// what its highest fd needs: kInlineSlots inside the table, then a heap
// array. The limit is RLIMIT_NOFILE: kDefaultFdLimit at first, raised by
// setrlimit up to kMaxFds, inherited by fork.

#include <stdint.h>

#include "core/fd/file.h"
#include "core/sync/spin_lock.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::fd {

inline constexpr int kMaxFds = 16384;         // RLIMIT_NOFILE's hard limit
inline constexpr int kDefaultFdLimit = 1024;  // RLIMIT_NOFILE's soft limit at boot

class FdTable {
 public:
  FdTable() = default;
  ~FdTable();
  FdTable(const FdTable&) = delete;
  FdTable& operator=(const FdTable&) = delete;

  /// The description behind `fd`. Errors: kBadHandle.
  kstd::Result<kstd::RefPtr<FileDescription>> Get(int fd) const;

  /// Installs at the lowest free fd >= min_fd. Errors: kTooManyHandles
  /// (EMFILE: no free fd below limit()), kInvalid (min_fd < 0 or >= limit()),
  /// kNoMemory (the slots could not grow).
  kstd::Result<int> Install(kstd::RefPtr<FileDescription> file, bool cloexec, int min_fd = 0);

  /// Installs at exactly `fd`, closing what was there (dup2/dup3).
  /// Errors: kBadHandle (fd < 0 or >= limit()), kNoMemory.
  kstd::Result<void> InstallAt(int fd, kstd::RefPtr<FileDescription> file, bool cloexec);

  /// Errors: kBadHandle.
  kstd::Result<void> Close(int fd);

  kstd::Result<bool> GetCloexec(int fd) const;
  kstd::Result<void> SetCloexec(int fd, bool cloexec);

  /// RLIMIT_NOFILE (the soft limit): fds are below it.
  int limit() const;
  /// Sets it (1 .. kMaxFds); open fds above it stay open, as on Linux.
  void set_limit(int limit);
  /// Slots allocated now (/proc/<pid>/status FDSize).
  int capacity() const;

  /// Copies every fd and the limit (fork). Errors: kNoMemory.
  kstd::Result<void> CopyFrom(const FdTable& other);

  /// Closes the close-on-exec fds (execve).
  void CloseOnExec();

  /// Closes everything (exit).
  void CloseAll();

  /// Number of open fds.
  int count() const;

  /// Calls fn(fd, description, context) for each open fd, in order, with the
  /// table lock held (fn must not block or touch this table).
  void ForEach(void (*fn)(int fd, FileDescription* file, void* context), void* context) const;

 private:
  struct Slot {
    FileDescription* file = nullptr;  // one reference held
    bool cloexec = false;
  };
  static constexpr int kInlineSlots = 64;

  /// Grows the slots to at least `count` (allocating without the lock).
  /// Errors: kNoMemory.
  kstd::Result<void> Reserve(int count) EXCLUDES(lock_);

  mutable SpinLock lock_;
  Slot* slots_ GUARDED_BY(lock_) = inline_slots_;
  int capacity_ GUARDED_BY(lock_) = kInlineSlots;
  int limit_ GUARDED_BY(lock_) = kDefaultFdLimit;
  Slot inline_slots_[kInlineSlots];
};

}  // namespace core::fd
