#pragma once

// VnodeFile: the file description of anything opened by path (regular files,
// directories, device nodes): it wraps the VFS's OpenFile with the POSIX
// offset and status flags. Device reads and writes that would block wait on
// the device's wait object unless O_NONBLOCK; a read may take several
// attempts, each telling what to wait for and until when (vfs::StreamRead).

#include "core/fd/file.h"
#include "core/sync/spin_lock.h"
#include "core/sync/thread_annotations.h"
#include "core/vfs/vnode.h"
#include "kstd/ref_ptr.h"

namespace core::fd {

class VnodeFile final : public FileDescription {
 public:
  /// `flags` are the open flags (access mode and status flags).
  VnodeFile(kstd::RefPtr<vfs::OpenFile> file, uint32_t flags);
  ~VnodeFile() override;

  kstd::Result<size_t> Read(kstd::Span<uint8_t> out) override;
  kstd::Result<size_t> Write(kstd::Span<const uint8_t> in) override;
  kstd::Result<size_t> ReadAt(uint64_t offset, kstd::Span<uint8_t> out) override;
  kstd::Result<size_t> WriteAt(uint64_t offset, kstd::Span<const uint8_t> in) override;
  kstd::Result<int64_t> Seek(int64_t offset, int whence) override;
  kstd::Result<int64_t> Ioctl(uint32_t request, uint64_t arg) override;
  kstd::Result<void> Sync() override { return file_->Sync(); }
  int16_t PollEvents() override;
  KernelObject* WaitTarget() override;
  bool IsStream() const override { return !file_->seekable(); }
  bool IsTty() const override;
  const char* Describe() const override { return "file"; }

  vfs::Vnode* vnode() const override { return file_->vnode(); }
  /// O_ASYNC on a fifo: watches the fifo's pipe (POLL_IN when it becomes
  /// readable for a reading description, POLL_OUT when it becomes writable
  /// for a writing one).
  void AsyncChanged(bool on) override;
  vfs::OpenFile* open_file() const { return file_.get(); }

  /// The directory-reading cursor (getdents64), which lseek also moves.
  uint64_t offset() const { return __atomic_load_n(&offset_, __ATOMIC_RELAXED); }
  void set_offset(uint64_t v) { __atomic_store_n(&offset_, v, __ATOMIC_RELAXED); }

 private:
  // Waits until the device shows one of `wanted` (or hangs up), or until
  // `deadline` (a scheduler deadline; sched::kNoDeadline: none). Errors:
  // kInterrupted, kTimedOut, kAgain (the device has nothing to wait on).
  kstd::Result<void> WaitForDevice(Signals wanted, uint64_t deadline);

  class AsyncWatch;

  kstd::RefPtr<vfs::OpenFile> file_;
  uint64_t offset_ = 0;
  SpinLock async_lock_;  // guards async_watch_
  AsyncWatch* async_watch_ GUARDED_BY(async_lock_) = nullptr;
};

}  // namespace core::fd
