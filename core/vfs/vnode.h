#pragma once

// The VFS object model: FileSystem (one per mount), Vnode (one per file,
// reference counted) and OpenFile (the VFS half of an open file description).
//
// A Vnode carries the attributes every Linux `struct stat` field needs and the
// operations of its kind as virtual methods. The defaults are honest: an
// operation that makes no sense for the vnode's type fails with the errno
// Linux gives (read on a directory -> kIsDirectory, lookup on a file ->
// kNotDirectory, readlink on a non-symlink -> kInvalid), and a namespace
// operation the file system does not implement on a directory (e.g. mkdir in
// a synthetic directory) fails with kNotSupported, which the syscall layer
// maps to EPERM.
//
// Identity and permissions: the VFS stores uid/gid/mode; the checks (search
// in path.h, read/write/create/delete/sticky in ops.h, the rest in the
// syscall layer) use the caller's credentials (core/posix/credentials.h)
// and Vnode::Ownership(). File systems enforce nothing of their own.
//
// Memory: ReadAt/WriteAt/ReadLink/ReadDir work on KERNEL buffers. The syscall
// layer copies user data through a kernel bounce buffer and never holds a VFS
// lock across a user copy (a user copy may fault and block).
//
// Locks (outer first): MountTable::lock_ -> (nothing: path resolution never
// holds it while calling a vnode) ; a file system's own lock (RamFs::lock_) ->
// Vnode::attr_lock_ -> mm (the heap). Vnode operations take the locks they
// need themselves; callers hold none. A vnode operation never calls another
// file system. Sinks (DirSink) and CharDevice calls run without VFS locks
// except DirSink::Emit, which runs under the file system's lock and so must
// not block or call into the VFS.

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/poll.h"
#include "abi/linux/stat.h"
#include "abi/linux/statfs.h"
#include "abi/linux/time.h"
#include "core/posix/credentials.h"
#include "core/sync/spin_lock.h"
#include "core/vfs/name.h"
#include "core/vfs/stream_read.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core {
class KernelObject;
}  // namespace core

namespace core::vfs {

/// Nanoseconds since the Unix epoch (CLOCK_REALTIME).
using Timestamp = int64_t;
/// The clock the VFS stamps atime/mtime/ctime with.
using ClockFn = Timestamp (*)();
/// Installs the clock (the kernel: its realtime clock; tests: a fake). The
/// default clock always says 0. Not synchronized: set it once at boot.
void SetClock(ClockFn clock);
Timestamp Now();
linux_abi::Timespec ToTimespec(Timestamp t);
Timestamp FromTimespec(int64_t sec, int64_t nsec);

enum class VnodeType : uint8_t {
  kRegular,
  kDirectory,
  kSymlink,
  kCharDevice,
  kBlockDevice,
  kFifo,
  kSocket,
};

/// The S_IF* bits of a type.
uint32_t ModeTypeBits(VnodeType type);
/// The getdents64 d_type of a type.
uint8_t DirentType(VnodeType type);
/// The type named by a mode's S_IF* bits. Errors: kInvalid (no such type).
kstd::Result<VnodeType> TypeFromMode(uint32_t mode);

/// Everything stat/statx report about a vnode.
struct Attributes {
  uint64_t dev = 0;  // the file system's device id (st_dev)
  uint64_t ino = 0;
  uint32_t mode = 0;  // S_IF* type bits | permission bits
  uint32_t nlink = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t rdev = 0;    // device nodes: the device number
  uint64_t size = 0;    // bytes (symlinks: the target's length)
  uint64_t blocks = 0;  // 512-byte units actually allocated
  uint32_t block_size = 4096;
  Timestamp atime = 0;
  Timestamp mtime = 0;
  Timestamp ctime = 0;
  Timestamp btime = 0;  // creation time (statx STATX_BTIME)
};

/// Fills a Linux `struct stat` (every field; padding zeroed).
void FillLinuxStat(const Attributes& attr, linux_abi::Stat* out);
/// Fills a `struct statx`; stx_mask reports basic stats + btime + mount id.
void FillLinuxStatx(const Attributes& attr, uint64_t mount_id, linux_abi::Statx* out);

/// chmod/chown/utimensat in one request (a field changes only if its bit is
/// in `mask`). ctime is always set to now.
struct SetAttrRequest {
  static constexpr uint32_t kMode = 1u << 0;  // mode & 07777 replaces the permissions
  static constexpr uint32_t kUid = 1u << 1;
  static constexpr uint32_t kGid = 1u << 2;
  static constexpr uint32_t kAtime = 1u << 3;  // set atime to `atime`
  static constexpr uint32_t kMtime = 1u << 4;
  static constexpr uint32_t kAtimeNow = 1u << 5;  // UTIME_NOW
  static constexpr uint32_t kMtimeNow = 1u << 6;
  uint32_t mask = 0;
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  Timestamp atime = 0;
  Timestamp mtime = 0;
};

/// What Vnode::Create makes (open O_CREAT, mkdir, mknod, symlink).
struct CreateRequest {
  VnodeType type = VnodeType::kRegular;
  uint32_t mode = 0644;  // permission bits only; the caller has applied umask
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t rdev = 0;    // device nodes
  Name symlink_target;  // symlinks: 1..kMaxPathLength bytes
};

/// One entry ReadDir produces.
struct DirEntry {
  uint64_t ino;
  VnodeType type;
  Name name;
  /// The cursor that continues after this entry (getdents64's d_off).
  uint64_t next_cursor;
};

/// Receives directory entries. Emit runs with the file system's lock held:
/// it must only copy the entry into kernel memory.
class DirSink {
 public:
  /// Takes the entry and returns true, or returns false (buffer full) and the
  /// entry is not consumed: the next ReadDir call starts with it again.
  virtual bool Emit(const DirEntry& entry) = 0;

 protected:
  ~DirSink() = default;
};

/// Statistics for statfs(2).
struct FsStats {
  int64_t magic = 0;
  uint64_t block_size = 4096;
  uint64_t total_blocks = 0;
  uint64_t free_blocks = 0;
  uint64_t available_blocks = 0;
  uint64_t total_files = 0;
  uint64_t free_files = 0;
  uint64_t max_name_length = kMaxNameLength;
};
/// Fills a Linux `struct statfs`; f_flags is ST_VALID plus the ST_* bits of
/// `mount_flags` (kMount*), as Linux's calculate_f_flags gives them.
void FillLinuxStatfs(const FsStats& stats, uint64_t device, uint32_t mount_flags,
                     linux_abi::Statfs* out);

class Vnode;

// How a file system is mounted (FileSystem::mount_flags), with Linux's
// meaning and /proc/mounts words. The mount table sets them (mount(2),
// remount); the VFS and the syscall layer honour them:
inline constexpr uint32_t kMountReadOnly = 1u << 0;  // "ro": changes give kReadOnlyFs (EROFS)
inline constexpr uint32_t kMountNoSuid = 1u
                                         << 1;  // "nosuid": nothing to ignore (no set-user-ID exec)
inline constexpr uint32_t kMountNoDev = 1u << 2;    // "nodev": opening a device node gives kAccess
inline constexpr uint32_t kMountNoExec = 1u << 3;   // "noexec": execve gives kAccess
inline constexpr uint32_t kMountNoAtime = 1u << 4;  // "noatime": reads never update atime
inline constexpr uint32_t kMountNoDirAtime = 1u << 5;   // "nodiratime": directories never do
inline constexpr uint32_t kMountStrictAtime = 1u << 6;  // every read does (default: relatime)
inline constexpr uint32_t kMountSync = 1u << 7;         // "sync": memory file systems always are
inline constexpr uint32_t kMountDirSync = 1u << 8;      // "dirsync": likewise
inline constexpr uint32_t kMountLazyTime = 1u << 9;     // "lazytime": recorded only
inline constexpr uint32_t kMountAtimeMask = kMountNoAtime | kMountNoDirAtime | kMountStrictAtime;
inline constexpr uint32_t kMountAllFlags = (1u << 10) - 1;

/// A mounted (or mountable) file system: a name ("ramfs", "tmpfs", "devtmpfs",
/// "proc", "ext2"), a device id shared by all its vnodes, and statfs data.
///
/// Lifetime: every vnode holds a reference to its file system; a file system
/// keeps its root alive until Shutdown (the MountTable calls it when the last
/// mount goes away), which breaks that cycle.
class FileSystem : public kstd::RefCounted<FileSystem> {
 public:
  virtual ~FileSystem() = default;

  const char* name() const { return name_; }
  uint64_t device() const { return device_; }

  /// The root directory, or null after Shutdown.
  virtual kstd::RefPtr<Vnode> Root() = 0;
  virtual FsStats StatFs() const { return FsStats{}; }
  /// Drops the file system's own references (its tree); vnodes still held
  /// elsewhere stay valid but are detached (lookups in them give kNotFound).
  virtual void Shutdown() {}

  /// Pins: open files and processes' cwd/root keep a file system busy
  /// (umount gives kBusy while pins() > 0). See OpenFile and PinnedVnode.
  void Pin() { __atomic_fetch_add(&pins_, 1, __ATOMIC_RELAXED); }
  void Unpin() { __atomic_fetch_sub(&pins_, 1, __ATOMIC_RELAXED); }
  uint64_t pins() const { return __atomic_load_n(&pins_, __ATOMIC_RELAXED); }

  /// A fresh inode number (never 0, never reused).
  uint64_t NextIno() { return __atomic_add_fetch(&next_ino_, 1, __ATOMIC_RELAXED); }

  /// How the file system is mounted (kMount* bits). A file system is mounted
  /// at most once in a mount table (MountTable's rule), so these are also its
  /// mount's flags; the copies of it in other namespaces share them (as
  /// Linux's superblock flags: remount changes it everywhere).
  uint32_t mount_flags() const { return __atomic_load_n(&mount_flags_, __ATOMIC_SEQ_CST); }
  bool read_only() const { return (mount_flags() & kMountReadOnly) != 0; }

  /// Sets the mount flags (the mount table does, at mount and remount).
  /// Turning read-only fails with kBusy while regular files are open for
  /// writing (Linux's remount rule), and then nothing changes. Opens for
  /// writing count themselves first and check read_only() after (OpenPath),
  /// so one of the two always sees the other.
  kstd::Result<void> SetMountFlags(uint32_t flags);

  /// Regular files open for writing (OpenFile counts them).
  uint64_t writers() const { return __atomic_load_n(&writers_, __ATOMIC_SEQ_CST); }
  void AddWriter() { __atomic_add_fetch(&writers_, 1, __ATOMIC_SEQ_CST); }
  void RemoveWriter() { __atomic_sub_fetch(&writers_, 1, __ATOMIC_SEQ_CST); }

  /// A file system the kernel keeps while it is not mounted (the devtmpfs
  /// instance, like Linux's internal mount of it): umount detaches it without
  /// Shutdown, so mounting it again shows the same tree.
  void set_retained(bool retained) { retained_ = retained; }
  bool retained() const { return retained_; }

  /// How many mount tables (mount namespaces) have it mounted: a copied
  /// namespace shares its file systems, and the last umount shuts one down.
  uint64_t mount_count() const { return __atomic_load_n(&mount_count_, __ATOMIC_ACQUIRE); }

  /// The file system's own options as /proc/mounts shows them after the
  /// generic ones, each with a leading comma (",size=1024k,mode=700"),
  /// NUL-terminated in `out` (cut short if it does not fit). Default: "".
  virtual void FormatOptions(kstd::Span<char> out) const;

  /// mount -o remount with the option string `data`: applies what the file
  /// system can change and sets or clears the generic words' kMount* bits
  /// ("ro", "rw", "sync", ...) in *flags; the caller then sets the flags.
  /// Default: only the generic words. Errors: kInvalid (an option the file
  /// system does not take, or cannot apply; then nothing changed).
  virtual kstd::Result<void> Remount(Name data, uint32_t* flags);

 protected:
  FileSystem(const char* name, uint64_t device) : name_(name), device_(device) {}

 private:
  const char* const name_;
  const uint64_t device_;
  friend class MountTable;  // changes mount_count_
  uint64_t pins_ = 0;
  uint64_t mount_count_ = 0;  // atomic
  uint64_t next_ino_ = 0;
  uint32_t mount_flags_ = 0;  // atomic
  uint64_t writers_ = 0;      // atomic
  bool retained_ = false;     // set before the file system is shared
};

/// A device number for a file system with no backing device (major 0, like
/// Linux's anonymous block devices): distinct for each call.
uint64_t AllocateAnonymousDevice();

class OpenFile;

class Vnode : public kstd::RefCounted<Vnode> {
 public:
  virtual ~Vnode() = default;

  VnodeType type() const { return type_; }
  bool IsDirectory() const { return type_ == VnodeType::kDirectory; }
  FileSystem* fs() const { return fs_.get(); }
  uint64_t ino() const { return ino_; }
  /// Bumped after every change to the file's bytes made through the VFS
  /// (write, append, truncate; NoteContentChanged). Caches of the content
  /// (exec images, core/proc/exec_image_cache.h) compare it.
  uint64_t content_version() const { return __atomic_load_n(&content_version_, __ATOMIC_ACQUIRE); }
  void NoteContentChanged() { __atomic_fetch_add(&content_version_, 1, __ATOMIC_ACQ_REL); }
  /// Open files of a regular file: those open for writing and those open
  /// for reading only (Linux's i_writecount and i_readcount; leases check
  /// them, core/fd/lease.h). OpenFile counts itself.
  uint64_t open_writers() const { return __atomic_load_n(&open_writers_, __ATOMIC_SEQ_CST); }
  uint64_t open_readers() const { return __atomic_load_n(&open_readers_, __ATOMIC_SEQ_CST); }
  /// True while a file system is mounted on this directory.
  bool is_mount_point() const { return __atomic_load_n(&mount_count_, __ATOMIC_ACQUIRE) != 0; }

  /// A consistent snapshot of the attributes.
  virtual Attributes GetAttr() const;
  /// The mode, owner and group that permission checks use: the kernel's
  /// copy, without asking a remote file system's server (every change of
  /// them goes through the kernel, and lookups refresh it).
  posix::FileOwnership Ownership() const;
  /// Sets owner and group without SetAttr's rules and side effects: for
  /// synthetic files whose owner follows something else (/proc/<pid>).
  void SetSyntheticOwner(uint32_t uid, uint32_t gid);
  /// Fills a Linux struct stat from GetAttr().
  void Stat(linux_abi::Stat* out) const { FillLinuxStat(GetAttr(), out); }

  /// chmod/chown/utimens (see SetAttrRequest). chown of a non-directory
  /// clears setuid, and setgid if group-executable, like Linux. Errors:
  /// kInvalid (unknown mask bits).
  virtual kstd::Result<void> SetAttr(const SetAttrRequest& request);

  // ---- Directories. `name` is a single component (Name::IsValidEntryName)
  // except where "." / ".." are mentioned.

  /// The child called `name`; ".." gives the parent (the root gives itself).
  /// Errors: kNotDirectory (not a directory), kNotFound (no such entry, or
  /// this directory was removed), kNameTooLong.
  virtual kstd::Result<kstd::RefPtr<Vnode>> Lookup(Name name);

  /// Makes a new node `name` of request.type. Errors: kNotDirectory,
  /// kExists (name taken, or "."/".."), kNotFound (directory removed),
  /// kInvalid (bad name, type or request), kNameTooLong, kNoSpace (file-system
  /// limit), kNoMemory, kTooManyLinks, kNotSupported (fs cannot create).
  virtual kstd::Result<kstd::RefPtr<Vnode>> Create(Name name, const CreateRequest& request);

  /// Adds `name` as another hard link to `target`. Errors: kNotDirectory,
  /// kExists, kCrossDevice (target on another fs), kPermission (target is a
  /// directory), kNotFound (target has no links left, or this dir removed),
  /// kTooManyLinks, kNoMemory, kNotSupported.
  virtual kstd::Result<void> Link(Name name, Vnode* target);

  /// Removes the non-directory entry `name` (the node lives on while
  /// referenced). Errors: kNotDirectory, kNotFound, kIsDirectory (it is a
  /// directory: use Rmdir), kBusy, kNotSupported.
  virtual kstd::Result<void> Unlink(Name name);

  /// Removes the empty directory `name`. Errors: kNotDirectory (this or the
  /// child is not a directory), kNotFound, kNotEmpty, kBusy (a mount point),
  /// kInvalid ("."), kNotEmpty (".."), kNotSupported.
  virtual kstd::Result<void> Rmdir(Name name);

  /// rename(2) within one file system: moves `old_name` here to `new_name`
  /// in `new_dir`, atomically replacing an existing target per POSIX: a
  /// directory may replace an empty directory, a non-directory a
  /// non-directory; renaming a file onto another link of itself does
  /// nothing. When several errors apply, Linux's order decides. Errors:
  /// kNotDirectory (new_dir not a directory, or a directory onto a
  /// non-directory), kIsDirectory (non-directory onto a directory), kNotEmpty
  /// (target directory not empty, or an ancestor of the source), kInvalid (a
  /// directory into its own subtree), kCrossDevice
  /// (new_dir on another fs), kNotFound, kBusy (mount point, or "."/".."),
  /// kNoMemory, kNotSupported.
  virtual kstd::Result<void> Rename(Name old_name, Vnode* new_dir, Name new_name);

  /// Emits entries after `*cursor` ("." and ".." first) until the sink is
  /// full or the directory ends, advancing `*cursor` past each consumed
  /// entry. Start with cursor 0. Cursors stay valid across concurrent
  /// unlinks (no entry is skipped or repeated except ones renamed meanwhile).
  /// End of directory: the call consumed nothing. Errors: kNotDirectory.
  virtual kstd::Result<void> ReadDir(uint64_t* cursor, DirSink& sink);

  // ---- Data.

  /// Reads up to out.size() bytes at `offset` (0 at or past the end; holes
  /// read as zeros). Errors: kIsDirectory, kInvalid (not a regular file:
  /// device nodes and fifos are read through their OpenFile), kIo.
  virtual kstd::Result<size_t> ReadAt(uint64_t offset, kstd::Span<uint8_t> out);

  /// Writes at `offset`, growing the file; returns the count, short only if
  /// space ran out part way. O_APPEND is the caller's: it passes the size.
  /// Errors: kIsDirectory, kInvalid, kNoSpace, kNoMemory, kFileTooBig.
  virtual kstd::Result<size_t> WriteAt(uint64_t offset, kstd::Span<const uint8_t> in);

  /// O_APPEND: writes at the end of file, atomically with respect to other
  /// writers of this vnode, and sets *end to the offset after the data (the
  /// description's new offset). Errors: as WriteAt. The default reads the
  /// size and calls WriteAt (atomic only if the fs serializes itself);
  /// RamFs overrides it.
  virtual kstd::Result<size_t> Append(kstd::Span<const uint8_t> in, uint64_t* end);

  /// Sets the size (shrinking frees data; growing adds a hole). Errors:
  /// kIsDirectory, kInvalid (not a regular file), kFileTooBig.
  virtual kstd::Result<void> Truncate(uint64_t size);

  /// Copies the symlink's target into `out` (no NUL; truncated to
  /// out.size(), as readlink(2) does) and returns its length. Errors:
  /// kInvalid (not a symlink).
  virtual kstd::Result<size_t> ReadLink(kstd::Span<char> out);

  /// Opens the vnode: the per-open state the syscall layer's file
  /// description wraps. `flags` are open(2)'s (access mode, O_NONBLOCK, ...).
  /// The default covers every type: regular files and directories read and
  /// write through the vnode; device nodes go to the CharDevice registered
  /// for their rdev; fifos to the fifo opener (see device.h). Errors:
  /// kIsDirectory (a directory opened for writing), kLoop (a symlink),
  /// kNoDeviceOrAddress (no driver; sockets; block devices), kNoMemory, and
  /// the device's own errors.
  virtual kstd::Result<kstd::RefPtr<OpenFile>> Open(uint32_t flags);

  /// fsync: nothing to do for memory file systems.
  virtual kstd::Result<void> Sync() { return kstd::Ok(); }

 protected:
  /// `mode` may carry type bits; they are replaced by `type`'s.
  Vnode(kstd::RefPtr<FileSystem> fs, VnodeType type, uint64_t ino, uint32_t mode, uint32_t uid,
        uint32_t gid, uint64_t rdev);

  /// Stamps times with Now(). Caller holds attr_lock_.
  void TouchAccessedLocked();  // relatime: only if atime <= mtime/ctime or a day old
  void TouchModifiedLocked();  // mtime and ctime
  void TouchChangedLocked();   // ctime

  /// Guards attr_ (a leaf lock: nothing is taken while holding it).
  mutable SpinLock attr_lock_;
  Attributes attr_;  // dev and ino are filled by GetAttr; the rest is live

 private:
  friend class MountTable;
  friend class OpenFile;

  const kstd::RefPtr<FileSystem> fs_;
  const VnodeType type_;
  const uint64_t ino_;
  uint64_t content_version_ = 0;  // atomic
  int mount_count_ = 0;           // changed by MountTable under its lock
  uint64_t open_writers_ = 0;     // atomic; OpenFile
  uint64_t open_readers_ = 0;     // atomic; OpenFile
};

/// The VFS side of an open file: what Vnode::Open returns. The syscall
/// layer's file description holds one together with its own offset and
/// status flags. An OpenFile pins its file system (umount gives kBusy), and
/// one of a regular file opened for writing counts as a writer (remount
/// read-only gives kBusy).
/// Read/Write take explicit offsets; a non-seekable file ignores them. The
/// access mode (O_RDONLY/O_WRONLY) is checked by the syscall layer, not here.
class OpenFile : public kstd::RefCounted<OpenFile> {
 public:
  OpenFile(kstd::RefPtr<Vnode> vnode, uint32_t flags);
  virtual ~OpenFile();

  Vnode* vnode() const { return vnode_.get(); }
  const kstd::RefPtr<Vnode>& vnode_ref() const { return vnode_; }
  uint32_t open_flags() const { return flags_; }

  /// Whether the file has a position (lseek, pread/pwrite): false for
  /// character devices and fifos (ESPIPE).
  virtual bool seekable() const { return true; }

  /// Default: vnode()->ReadAt / WriteAt. Streams (devices) may return kAgain
  /// when they would block; the syscall layer then waits on WaitObject()
  /// unless O_NONBLOCK.
  virtual kstd::Result<size_t> Read(uint64_t offset, kstd::Span<uint8_t> out);
  virtual kstd::Result<size_t> Write(uint64_t offset, kstd::Span<const uint8_t> in);
  /// One attempt of a read(2) on a stream that may wait several times (see
  /// StreamRead; the caller waits between attempts). Default: Read(0, out).
  virtual kstd::Result<size_t> ReadStream(kstd::Span<uint8_t> out, StreamRead* read);
  /// lseek(2) of a file that is not seekable(): a stream with a position of
  /// its own (/dev/kmsg's record cursor) moves it and returns the new
  /// offset. Default kIllegalSeek (ESPIPE).
  virtual kstd::Result<int64_t> SeekStream(int64_t offset, int whence);
  /// A write with O_APPEND (default: vnode()->Append); *end is the new offset.
  virtual kstd::Result<size_t> Append(kstd::Span<const uint8_t> in, uint64_t* end);
  /// Default kNotTty (ENOTTY). `arg` is the raw user argument: the device
  /// does its own user copies.
  virtual kstd::Result<int64_t> Ioctl(uint32_t request, uint64_t arg);
  /// fsync(2): makes what was written durable. Default: vnode()->Sync().
  virtual kstd::Result<void> Sync();
  /// Where SEEK_END counts from: the file's size (default: the vnode's
  /// size; a block device's capacity).
  virtual uint64_t EndOffset();
  /// Current readiness as poll(2) bits (linux_abi::kPollIn/linux_abi::kPollOut/...). Default: both.
  virtual uint32_t Poll();
  /// An object whose kSignalReadable/kSignalWritable track Poll(), to wait
  /// on; null when the file never blocks.
  virtual KernelObject* WaitObject() { return nullptr; }

 private:
  const kstd::RefPtr<Vnode> vnode_;
  const uint32_t flags_;
};

/// A vnode reference that also pins its file system: what a process's cwd and
/// root hold, so umount of a file system in use gives kBusy.
class PinnedVnode {
 public:
  PinnedVnode() = default;
  explicit PinnedVnode(kstd::RefPtr<Vnode> vnode);
  PinnedVnode(const PinnedVnode& other);
  PinnedVnode(PinnedVnode&& other);
  PinnedVnode& operator=(const PinnedVnode& other);
  PinnedVnode& operator=(PinnedVnode&& other);
  ~PinnedVnode();

  Vnode* get() const { return vnode_.get(); }
  Vnode* operator->() const { return vnode_.get(); }
  const kstd::RefPtr<Vnode>& ref() const { return vnode_; }
  explicit operator bool() const { return static_cast<bool>(vnode_); }
  void reset();

 private:
  kstd::RefPtr<Vnode> vnode_;
};

}  // namespace core::vfs
