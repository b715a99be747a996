#pragma once

// RamFs: the in-memory file system. One implementation, several mount names:
// "ramfs" (the initramfs root), "tmpfs" (/tmp, usually with a size cap) and
// "devtmpfs" (/dev, see devfs.h).
//
// Data: a regular file is a growable array of 4 KiB blocks taken from a
// BlockSource (host tests: the heap or a counting/failing fake; kernel: the
// heap). A missing block is a hole and reads as zeros; truncation frees whole
// blocks past the new end and zeroes the tail of the last one.
//
// Names: a directory is a list of entries in creation order. Each entry gets
// a per-directory increasing cookie; ReadDir cursors are cookies, so a cursor
// survives unlinks of any entry (including the one it points after).
// Lookups are a linear scan (directories here are small; /bin with busybox's
// ~400 applet links is the largest).
//
// Lifetime: directory entries hold references to their nodes; a node lives
// while it has a link or someone (an open file, a cwd, a resolution in
// flight) holds it, so an unlinked open file keeps its data until the last
// reference goes. A removed directory is "dead": lookups and creates in it
// give kNotFound, ReadDir yields nothing. Each directory keeps a raw pointer
// to its parent (valid while it is linked; cleared when it is removed).
//
// Limits: max_bytes caps the data blocks (kNoSpace), max_inodes the nodes
// (kNoSpace); files up to kMaxFileSize (kFileTooBig).
//
// Locking: one SpinLock per file system (lock_) guards every tree link, every
// directory's entries and every file's blocks; attributes are under each
// vnode's attr_lock_, taken inside lock_. All allocation happens before lock_
// is taken where possible; nodes are never freed with lock_ held (reference
// drops are deferred past the unlock), so destructors may not take it.

#include <stddef.h>
#include <stdint.h>

#include "core/sync/spin_lock.h"
#include "core/vfs/mount_options.h"
#include "core/vfs/vnode.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::vfs {

/// Where file data blocks come from.
class BlockSource {
 public:
  static constexpr size_t kBlockSize = 4096;
  /// A kBlockSize-byte block (contents undefined), or null when out of memory.
  virtual uint8_t* AllocBlock() = 0;
  virtual void FreeBlock(uint8_t* block) = 0;

 protected:
  ~BlockSource() = default;
};

/// Blocks from the kernel heap (new (kstd::nothrow) uint8_t[4096]).
BlockSource& HeapBlocks();

struct RamFsOptions {
  /// The mount name: "ramfs", "tmpfs" or "devtmpfs" (statfs reports
  /// RAMFS_MAGIC for "ramfs", TMPFS_MAGIC otherwise).
  const char* name = "ramfs";
  /// Cap on file data in bytes, rounded down to blocks (0: no cap).
  uint64_t max_bytes = 0;
  /// Cap on nodes, the root included (0: no cap).
  uint64_t max_inodes = 0;
  /// Block source (null: HeapBlocks()). Must outlive the file system.
  BlockSource* blocks = nullptr;
  uint32_t root_mode = 0755;
  uint32_t root_uid = 0;
  uint32_t root_gid = 0;
  /// st_dev of the file system (0: AllocateAnonymousDevice()).
  uint64_t device = 0;
  /// The limits /proc/mounts does not show ("tmpfs"/"devtmpfs": Linux hides
  /// its defaults, half of RAM; see FormatOptions).
  uint64_t default_max_bytes = 0;
  uint64_t default_max_inodes = 0;
  /// The machine's RAM, for size=N% at remount (0: such sizes give 0 bytes).
  uint64_t ram_bytes = 0;
};

class RamDir;

class RamFs final : public FileSystem {
 public:
  static constexpr uint64_t kMaxFileSize = 1ull << 40;
  static constexpr uint32_t kMaxLinks = 65000;

  /// A new file system holding only its root directory. Errors: kInvalid
  /// (no name), kNoMemory.
  static kstd::Result<kstd::RefPtr<RamFs>> Create(const RamFsOptions& options = {});
  ~RamFs() override;

  kstd::RefPtr<Vnode> Root() override;
  FsStats StatFs() const override;
  /// Linux's words: tmpfs and devtmpfs show size=<KiB>k and nr_inodes=
  /// unless they are the defaults, mode= unless 1777, uid=/gid= unless 0;
  /// ramfs shows mode= unless 755. Mode, uid and gid are the mount-time ones.
  void FormatOptions(kstd::Span<char> out) const override;

  /// Remount (Linux's shmem_reconfigure): applies size and nr_inodes if
  /// set (0: no limit); mode, uid and gid are ignored, as by Linux. Errors:
  /// kInvalid (a limit on a file system that had none, or below what is in
  /// use: nothing changes).
  kstd::Result<void> Reconfigure(const TmpfsOptions& options);
  /// tmpfs and devtmpfs: ParseTmpfsOptions (with RamFsOptions::ram_bytes)
  /// then Reconfigure; ramfs: ParseRamfsOptions, the mode ignored.
  kstd::Result<void> Remount(Name data, uint32_t* flags) override;
  /// Detaches the whole tree (iteratively, so depth cannot overflow the
  /// kernel stack) and drops the root.
  void Shutdown() override;

  uint64_t blocks_used() const { return __atomic_load_n(&blocks_used_, __ATOMIC_RELAXED); }
  uint64_t inodes_used() const { return __atomic_load_n(&inodes_used_, __ATOMIC_RELAXED); }

 private:
  friend class RamNode;
  friend class RamFile;
  friend class RamDir;

  RamFs(const RamFsOptions& options, uint64_t device);

  /// Counts a node against max_inodes. Errors: kNoSpace.
  kstd::Result<void> ReserveInode();
  void ReleaseInode();
  /// A zeroed block counted against max_bytes, or an error (kNoSpace,
  /// kNoMemory). Caller holds lock_.
  kstd::Result<uint8_t*> AllocBlockLocked();
  /// Returns a block (any lock state).
  void FreeBlock(uint8_t* block);

  uint64_t max_blocks() const { return __atomic_load_n(&max_blocks_, __ATOMIC_RELAXED); }
  uint64_t max_inodes() const { return __atomic_load_n(&max_inodes_, __ATOMIC_RELAXED); }

  SpinLock lock_;
  BlockSource* const blocks_;
  uint64_t max_blocks_;  // 0: none; changed under lock_ (Reconfigure), read atomically
  uint64_t max_inodes_;  // 0: none; likewise
  const int64_t magic_;
  const uint32_t root_mode_;  // as created, for FormatOptions
  const uint32_t root_uid_;
  const uint32_t root_gid_;
  const uint64_t default_max_blocks_;
  const uint64_t default_max_inodes_;
  const uint64_t ram_bytes_;
  uint64_t blocks_used_ = 0;                     // atomic
  uint64_t inodes_used_ = 0;                     // atomic
  kstd::RefPtr<RamDir> root_ GUARDED_BY(lock_);  // null after Shutdown
};

}  // namespace core::vfs
