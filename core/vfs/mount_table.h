#pragma once

// MountTable: which file system is mounted on which directory.
//
// A mount attaches a FileSystem's root directory on top of a directory vnode
// of an already mounted file system (the *covered* directory). Path
// resolution (path.h) asks the table to step from a covered directory into
// the mounted root, and from a mounted root back to the covered directory
// for "..". Mounting on a mounted root stacks (the new mount hides the old).
//
// The root mount ("/") has no covered directory. It can be replaced at run
// time (ReplaceRoot): the initramfs ramfs is the first root, the ext2 disk
// replaces it (switch_root: mount the new fs somewhere, MoveMount /dev, /proc,
// /tmp into it, then ReplaceRoot).
//
// Mount namespaces (mount_namespace.h) each have a table; CopyFrom fills an
// empty one with another's records, sharing the file systems. A file system
// counts the tables it is mounted in (FileSystem::mount_count): Umount and
// the table's death shut it down only when its last mount goes. Every rule
// below (one mount of a file system, one mount on a directory, nested mounts)
// holds within one table; only pins (open files, cwds) are counted per file
// system, not per table, so they keep only the last mount busy.
//
// Thread safety: every method takes lock_ (a leaf lock apart from the
// reference drops and FileSystem::Shutdown, which run after it is released).

#include <stddef.h>
#include <stdint.h>

#include "core/sync/spin_lock.h"
#include "core/vfs/vnode.h"
#include "kstd/intrusive_list.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::vfs {

/// What a mount shows besides its file system: the source /proc/mounts
/// names ("tmpfs", "none", a server's name) and the kMount* flags.
struct MountOptions {
  Name source = Name("none");
  uint32_t flags = 0;
};

/// The longest source recorded (PATH_MAX - 1, what mount(2) copies in; longer
/// ones are refused with kNameTooLong).
inline constexpr size_t kMaxMountSource = kMaxPathLength;

/// One row of the table, as ForEach shows it (for /proc/mounts, df).
struct MountView {
  uint64_t id;  // stable for the mount's life (statx stx_mnt_id)
  FileSystem* fs;
  Vnode* root;         // the mounted file system's root
  Vnode* covered;      // null for the root mount
  const char* path;    // the path given at mount time ("/" for the root)
  const char* source;  // MountOptions::source
  uint32_t flags;      // the file system's mount_flags()
};

class MountTable {
 public:
  MountTable() = default;
  MountTable(const MountTable&) = delete;
  MountTable& operator=(const MountTable&) = delete;
  /// Unmounts everything. A file system whose last mount this was is shut
  /// down (a retained one only has its flags cleared) unless it is pinned,
  /// and then handed to the unmounted hook (SetUnmountedHook).
  ~MountTable();

  /// What the kernel does after a table's death unmounted a file system for
  /// good (core/syscall: stop a user-space server, free an agent's disk).
  using UnmountedHook = void (*)(FileSystem* fs);
  static void SetUnmountedHook(UnmountedHook hook);

  /// Fills this empty table with a copy of every record of `from` (same
  /// paths, sources, ids and covered directories; the file systems are
  /// shared: each one's mount_count goes up). Errors: kInvalid (this table
  /// is not empty), kAgain (`from` kept changing), kNoMemory.
  kstd::Result<void> CopyFrom(const MountTable& from);

  /// Makes `fs` the root, with `options`. Errors: kBusy (a root exists; see
  /// ReplaceRoot), kInvalid (fs has no root), kNameTooLong (source), kNoMemory.
  kstd::Result<void> MountRoot(kstd::RefPtr<FileSystem> fs, const MountOptions& options = {});

  /// The root directory ("/"), or null before MountRoot.
  kstd::RefPtr<Vnode> Root() const;

  /// Mounts `fs` on the directory `mount_point` with `options` (the flags
  /// become fs->mount_flags()); `path` is only recorded for display. Returns
  /// the mount id. Errors: kNotDirectory, kBusy (fs is already mounted: a
  /// file system shows at one place only; or something is already mounted
  /// on mount_point: resolve the path first, which lands on the top mount),
  /// kInvalid (fs has no root, no root mount yet), kNameTooLong (path,
  /// source), kNoMemory.
  kstd::Result<uint64_t> Mount(kstd::RefPtr<FileSystem> fs, kstd::RefPtr<Vnode> mount_point,
                               Name path, const MountOptions& options = {});

  /// Changes the flags of the mount whose root is `mounted_root` (the root
  /// mount included): mount -o remount. Errors: kInvalid (not the root of a
  /// mount), kBusy (turning read-only while regular files are open for
  /// writing in it; nothing changes).
  kstd::Result<void> Remount(Vnode* mounted_root, uint32_t flags);

  /// Unmounts the file system whose root is `mounted_root` (what resolving
  /// the mount's path returns) from this table. If that was its last mount
  /// (no other table has it), calls its Shutdown (unless it is retained():
  /// then it only clears its mount flags) and returns true; false while
  /// other tables still have it. Errors: kInvalid (not the root of a mount),
  /// kBusy (the root mount; another file system mounted inside; for the last
  /// mount only: open files, cwd or root of a process in it
  /// (FileSystem::pins)).
  kstd::Result<bool> Umount(Vnode* mounted_root);

  /// Moves the mount whose root is `mounted_root` onto `new_mount_point`
  /// (mount --move). Errors: kInvalid (not a mount root, or the root mount),
  /// kLoop (the target is inside the moved mount), kNotDirectory, kBusy
  /// (target is covered already), kNameTooLong, kNoMemory.
  kstd::Result<void> MoveMount(Vnode* mounted_root, kstd::RefPtr<Vnode> new_mount_point,
                               Name new_path);

  /// Makes `new_root` the root file system, with `options`, and returns the
  /// old one (not shut down: processes may still use it; the caller drops or
  /// keeps it; its mount flags stay). If new_root is mounted somewhere, that
  /// mount is dissolved. Errors: kBusy (other mounts still sit inside the old
  /// root: move them first), kInvalid (no root yet, new_root has no root, or
  /// new_root is the root already), kNameTooLong (source), kNoMemory.
  kstd::Result<kstd::RefPtr<FileSystem>> ReplaceRoot(kstd::RefPtr<FileSystem> new_root,
                                                     const MountOptions& options = {});

  /// The root of the file system mounted on `dir`, or null if none.
  kstd::RefPtr<Vnode> MountedOn(const Vnode* dir) const;
  /// If `dir` is the root of a mounted (non-root) file system, the directory
  /// it covers; otherwise null.
  kstd::RefPtr<Vnode> CoveredBy(const Vnode* dir) const;
  /// The id of the mount of `fs`, or 0 if it is not mounted.
  uint64_t MountIdOf(const FileSystem* fs) const;
  size_t size() const;

  /// Calls fn(const MountView&) for each mount, root first, under the lock:
  /// fn must only copy data out.
  template <typename Fn>
  void ForEach(Fn fn) const {
    SpinLockGuard guard(lock_);
    mounts_.ForEach([&](Record* r) {
      MountView view{r->id,   r->fs.get(), r->root.get(),       r->covered.get(),
                     r->path, r->source,   r->fs->mount_flags()};
      fn(view);
    });
  }

 private:
  struct Record {
    kstd::ListNode node;
    uint64_t id = 0;
    kstd::RefPtr<FileSystem> fs;
    kstd::RefPtr<Vnode> root;
    kstd::RefPtr<Vnode> covered;  // null for the root mount
    char* path = nullptr;         // owned, NUL-terminated
    char* source = nullptr;       // owned, NUL-terminated
  };
  using List = kstd::IntrusiveList<Record, &Record::node>;

  static Record* NewRecord(Name path, Name source);
  static void FreeRecord(Record* record);
  /// A NUL-terminated heap copy of `text` (null when out of memory).
  static char* CopyText(Name text);
  static bool SetPath(Record* record, Name path);

  /// Callers hold lock_.
  Record* FindByRootLocked(const Vnode* root) const REQUIRES(lock_);
  Record* FindByFsLocked(const FileSystem* fs) const REQUIRES(lock_);
  /// Whether a record of this table covers `dir`.
  bool CoversLocked(const Vnode* dir) const REQUIRES(lock_);
  /// Takes one from fs's mount_count; false (and nothing changes) if that
  /// would be its last mount while it is pinned and `check_pins`. *last:
  /// the count reached 0.
  static bool DropMountCount(FileSystem* fs, bool check_pins, bool* last);
  static void AddMountCount(FileSystem* fs);
  /// ReplaceRoot's checks; *current is new_root's mount elsewhere, or null.
  kstd::Result<void> CheckReplaceRootLocked(const FileSystem* new_root, Record** current) const
      REQUIRES(lock_);
  static void Cover(Vnode* dir, int delta);

  mutable SpinLock lock_;
  List mounts_ GUARDED_BY(lock_);  // the root mount first
  Record* root_ GUARDED_BY(lock_) = nullptr;
  uint64_t next_id_ GUARDED_BY(lock_) = 0;
};

}  // namespace core::vfs
