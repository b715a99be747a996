#pragma once

// FdTable: a process's file descriptors (0 .. kMaxFds-1), each pointing at a
// FileDescription, with its close-on-exec flag. Shared descriptions are
// reference counted, so dup'ed and inherited fds share offsets and flags.

#include <stdint.h>

#include "core/fd/file.h"
#include "core/sync/spin_lock.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::fd {

inline constexpr int kMaxFds = 1024;  // RLIMIT_NOFILE

class FdTable {
 public:
  FdTable() = default;
  ~FdTable();
  FdTable(const FdTable&) = delete;
  FdTable& operator=(const FdTable&) = delete;

  /// The description behind `fd`. Errors: kBadHandle.
  kstd::Result<kstd::RefPtr<FileDescription>> Get(int fd) const;

  /// Installs at the lowest free fd >= min_fd. Errors: kTooManyHandles
  /// (EMFILE), kInvalid (min_fd out of range).
  kstd::Result<int> Install(kstd::RefPtr<FileDescription> file, bool cloexec, int min_fd = 0);

  /// Installs at exactly `fd`, closing what was there (dup2/dup3).
  /// Errors: kBadHandle (fd out of range).
  kstd::Result<void> InstallAt(int fd, kstd::RefPtr<FileDescription> file, bool cloexec);

  /// Errors: kBadHandle.
  kstd::Result<void> Close(int fd);

  kstd::Result<bool> GetCloexec(int fd) const;
  kstd::Result<void> SetCloexec(int fd, bool cloexec);

  /// Copies every fd (fork).
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
  mutable SpinLock lock_;
  Slot slots_[kMaxFds];
};

}  // namespace core::fd
