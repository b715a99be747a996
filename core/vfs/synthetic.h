#pragma once

// Helpers for synthetic file systems (procfs, later sysfs-like views):
// content generated on demand instead of stored.
//
// - SyntheticFile: a regular file whose text is rendered by Render() when it
//   is opened for reading; that open then reads a stable snapshot (so `cat`
//   with small reads never sees a torn record, as with Linux's seq_file).
//   Stat reports size 0, like procfs. Writes go to HandleWrite (default:
//   open for writing gives kAccess).
// - SyntheticSymlink: a symlink whose target is computed (/proc/self).
// - StaticDir: a directory with a fixed set of children added up front
//   (Add); Lookup/ReadDir may be overridden to add dynamic entries (the pid
//   directories of /proc) and call the base for the fixed ones.
// - SyntheticFs: a FileSystem whose root the owner sets once.
//
// Everything is read-only in the namespace sense: create/unlink/rename on a
// StaticDir give kNotSupported (the syscall layer: EPERM).

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sync/spin_lock.h"
#include "core/vfs/vnode.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::vfs {

/// A growable byte buffer for rendering. An allocation failure sticks:
/// later appends do nothing and failed() is true.
class TextBuffer {
 public:
  TextBuffer() = default;
  TextBuffer(const TextBuffer&) = delete;
  TextBuffer& operator=(const TextBuffer&) = delete;
  ~TextBuffer();

  void Append(const char* data, size_t size);
  void Append(Name text) { Append(text.data(), text.size()); }
  /// printf-style (klog/format.h: %s %c %d %u %x %p, l/ll/z).
  void Printf(const char* fmt, ...) __attribute__((format(printf, 2, 3)));

  const char* data() const { return data_; }
  size_t size() const { return size_; }
  bool failed() const { return failed_; }
  /// Hands the storage (new[]) to the caller; the buffer becomes empty.
  char* Release(size_t* size);

 private:
  bool Reserve(size_t extra);

  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  bool failed_ = false;
};

class SyntheticFile : public Vnode {
 public:
  /// Produces the file's whole content. Errors: the renderer's (kNoMemory
  /// is reported if `out` failed).
  virtual kstd::Result<void> Render(TextBuffer& out) = 0;
  /// A write(2) to the file. Default: kInvalid. Override and make
  /// writable() true to accept writes.
  virtual kstd::Result<size_t> HandleWrite(uint64_t offset, kstd::Span<const uint8_t> in);
  virtual bool writable() const { return false; }

  /// Opening for reading renders a snapshot. Errors: kAccess (opened for
  /// writing but not writable()), kNoMemory, Render's errors.
  kstd::Result<kstd::RefPtr<OpenFile>> Open(uint32_t flags) override;
  /// Reads without an open (renders each call).
  kstd::Result<size_t> ReadAt(uint64_t offset, kstd::Span<uint8_t> out) override;
  kstd::Result<size_t> WriteAt(uint64_t offset, kstd::Span<const uint8_t> in) override;
  /// O_TRUNC on a writable synthetic file is accepted and ignored.
  kstd::Result<void> Truncate(uint64_t size) override;

 protected:
  SyntheticFile(kstd::RefPtr<FileSystem> fs, uint64_t ino, uint32_t mode)
      : Vnode(kstd::Move(fs), VnodeType::kRegular, ino, mode, 0, 0, 0) {}
};

class SyntheticSymlink : public Vnode {
 public:
  /// Writes the current target into `out` (truncated as readlink does) and
  /// returns its full length. Errors: the implementation's (kNotFound).
  virtual kstd::Result<size_t> Target(kstd::Span<char> out) = 0;
  kstd::Result<size_t> ReadLink(kstd::Span<char> out) override;

 protected:
  SyntheticSymlink(kstd::RefPtr<FileSystem> fs, uint64_t ino)
      : Vnode(kstd::Move(fs), VnodeType::kSymlink, ino, 0777, 0, 0, 0) {}
};

class StaticDir : public Vnode {
 public:
  static constexpr size_t kMaxChildren = 32;

  StaticDir(kstd::RefPtr<FileSystem> fs, uint64_t ino, uint32_t mode)
      : Vnode(kstd::Move(fs), VnodeType::kDirectory, ino, mode, 0, 0, 0) {
    attr_.nlink = 2;
  }
  ~StaticDir() override;

  /// Adds a child (name is copied). Set up before publishing the directory.
  /// Errors: kNoSpace (kMaxChildren), kExists, kInvalid, kNoMemory.
  kstd::Result<void> Add(Name name, kstd::RefPtr<Vnode> child);
  /// The parent for ".." (raw: the parent owns this directory). Null: itself.
  void set_parent(Vnode* parent) { parent_ = parent; }

  kstd::Result<kstd::RefPtr<Vnode>> Lookup(Name name) override;
  /// Cursor: 1 ".", 2 "..", 3 + i the i-th child.
  kstd::Result<void> ReadDir(uint64_t* cursor, DirSink& sink) override;

 private:
  struct Child {
    char* name;
    size_t length;
    Vnode* vnode;  // holds a reference
  };
  Child children_[kMaxChildren] = {};
  size_t count_ = 0;
  Vnode* parent_ = nullptr;
};

class SyntheticFs : public FileSystem {
 public:
  SyntheticFs(const char* name, int64_t magic)
      : FileSystem(name, AllocateAnonymousDevice()), magic_(magic) {}
  void set_root(kstd::RefPtr<Vnode> root);
  kstd::RefPtr<Vnode> Root() override;
  FsStats StatFs() const override;
  void Shutdown() override;

 private:
  const int64_t magic_;
  mutable SpinLock lock_;
  kstd::RefPtr<Vnode> root_ GUARDED_BY(lock_);
};

}  // namespace core::vfs
