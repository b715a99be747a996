#pragma once

// Ext2: an ext2 (revision 0 and 1) file system on a BlockDevice, read and
// written through a write-back BlockCache; on ext3 images (has_journal) the
// metadata goes through the JBD2 journal (journal.h) in ordered mode. The
// ext4 features `mke2fs -t ext4` turns on are read and written too: extent
// trees (extent.cc), 64bit descriptors (below 2^32 blocks), flex_bg,
// huge_file, dir_nlink, extra_isize, sparse_super2 and metadata_csum with
// its seed (checksum.cc), htree lookups (htree.cc). This is the heart of the fs
// server (servers/fs): the server process owns one Ext2 per mounted disk and
// turns the kernel VFS's requests into the calls below.
//
// Inode-number interface. Every call names files by inode number (the root
// is kRootIno = 2), like FUSE's low-level API: the server keeps the VFS's
// vnode <-> inode mapping; this class keeps no per-file state except the
// open counts (OpenInode/CloseInode) that keep an unlinked file alive.
//
// Validation. Every on-disk structure is checked before use (superblock and
// group descriptors at Mount; each inode when loaded; each directory block,
// indirect block and block pointer when walked; bitmaps against their free
// counts before the first allocation from a group). Damage gives kIo (EIO)
// for the file or directory concerned plus a message on the LogSink, never a
// crash and never a write through a damaged structure; the superblock is
// then marked with errors (EXT2_ERROR_FS) at the next sync or unmount.
//
// Thread safety: none. The server's single dispatch thread owns the object
// (or holds one lock around every call).
//
// Errors common to all calls: kIo (device error or on-disk damage),
// kInvalid (not mounted, or an inode number out of range or reserved),
// kNotFound (an inode that is no longer in use), kNoMemory. Calls that
// change anything also give kReadOnlyFs (EROFS) on a read-only mount.

#include <stddef.h>
#include <stdint.h>

#include "kstd/result.h"
#include "kstd/span.h"
#include "servers/fs/ext2/block_cache.h"
#include "servers/fs/ext2/block_device.h"
#include "servers/fs/ext2/format.h"
#include "servers/fs/ext2/fs_type.h"
#include "servers/fs/ext2/journal.h"

namespace servers::fs::ext2 {

/// The clock that stamps atime/mtime/ctime/dtime: seconds since the Unix epoch.
class Clock {
 public:
  virtual int64_t NowSeconds() = 0;

 protected:
  ~Clock() = default;
};

enum class LogLevel : uint8_t { kInfo, kWarning, kError };

/// Receives the file system's messages (one line each, no newline).
class LogSink {
 public:
  virtual void Log(LogLevel level, const char* message) = 0;

 protected:
  ~LogSink() = default;
};

/// A borrowed name (pointer + length, not NUL-terminated).
class Name {
 public:
  constexpr Name() = default;
  constexpr Name(const char* data, size_t size) : data_(data), size_(size) {}
  Name(const char* cstr);  // NOLINT(runtime/explicit): literals work

  constexpr const char* data() const { return data_; }
  constexpr size_t size() const { return size_; }
  bool operator==(Name other) const;
  bool IsDot() const { return size_ == 1 && data_[0] == '.'; }
  bool IsDotDot() const { return size_ == 2 && data_[0] == '.' && data_[1] == '.'; }
  /// 1..255 bytes, no '/' or NUL, not "." or "..".
  bool IsValidEntryName() const;

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

enum class FileType : uint8_t {
  kUnknown,  // only in ReadDir, never for an inode
  kRegular,
  kDirectory,
  kSymlink,
  kCharDevice,
  kBlockDevice,
  kFifo,
  kSocket,
};

/// An inode's attributes (what stat(2) reports).
struct Attr {
  uint32_t ino = 0;
  FileType type = FileType::kUnknown;
  uint32_t mode = 0;  // S_IF* type bits | permission bits (07777)
  uint32_t nlink = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;    // bytes; symlinks: the target's length
  uint64_t blocks = 0;  // 512-byte units allocated (data, indirect, xattr)
  uint32_t rdev = 0;    // device nodes: Linux's st_rdev encoding
  int64_t atime = 0;    // seconds since the epoch
  int64_t mtime = 0;
  int64_t ctime = 0;
  int64_t crtime = 0;  // creation time (0 where the inode has no room)
  uint32_t generation = 0;
  uint32_t block_size = 0;  // st_blksize
};

/// chmod/chown/utimes in one request: a field changes only if its bit is in
/// `mask`. ctime is always set to now.
struct SetAttrRequest {
  static constexpr uint32_t kMode = 1u << 0;  // mode & 07777 replaces the permission bits
  static constexpr uint32_t kUid = 1u << 1;
  static constexpr uint32_t kGid = 1u << 2;
  static constexpr uint32_t kAtime = 1u << 3;  // atime = `atime` (seconds)
  static constexpr uint32_t kMtime = 1u << 4;
  static constexpr uint32_t kAtimeNow = 1u << 5;
  static constexpr uint32_t kMtimeNow = 1u << 6;
  static constexpr uint32_t kAll = (1u << 7) - 1;
  uint32_t mask = 0;
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t atime = 0;
  int64_t mtime = 0;
};

/// What Create makes.
struct CreateRequest {
  FileType type = FileType::kRegular;  // kRegular, kCharDevice, kBlockDevice, kFifo, kSocket
  uint32_t mode = 0644;                // permission bits (07777); umask already applied
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t rdev = 0;  // device nodes: Linux st_rdev encoding
};

/// One directory entry from ReadDir.
struct DirEntry {
  uint32_t ino = 0;
  FileType type = FileType::kUnknown;
  uint8_t name_len = 0;
  char name[kMaxNameLength + 1] = {};  // NUL-terminated copy
  /// The cursor that continues after this entry (getdents64's d_off).
  uint64_t next_cursor = 0;
};

/// statfs(2) figures.
struct FsStats {
  uint32_t block_size = 0;
  uint64_t total_blocks = 0;
  uint64_t free_blocks = 0;
  uint64_t available_blocks = 0;  // free minus the root reserve
  uint64_t total_inodes = 0;
  uint64_t free_inodes = 0;
  uint32_t max_name_length = kMaxNameLength;
  uint32_t magic = kMagic;
};

struct MountOptions {
  /// Mount read-only even if the device and the image allow writing.
  bool read_only = false;
  /// The type mount(2) named (fs_type.h): an image whose features that
  /// type lacks is refused (kInvalid). kAny: whatever the image is.
  FsType as = FsType::kAny;
  /// Leave the orphan list (s_last_orphan) as it is instead of freeing its
  /// inodes: a server taking over from a crashed one (the kernel may still
  /// hold them open and AdoptInode them; each goes at its last close, the
  /// rest at the next mount that processes the list).
  bool keep_orphans = false;
  /// Blocks the cache may hold (memory = this times the block size).
  uint32_t cache_blocks = 1024;
  /// relatime: update atime on reads when it is older than mtime/ctime or a
  /// day old (read-write mounts only).
  bool update_atime = true;
  /// Defaults: a clock that always says 0, and no messages.
  Clock* clock = nullptr;
  LogSink* log = nullptr;
};

/// What Mount found.
struct MountReport {
  bool read_only = false;    // mounted read-only (asked for, device, or features)
  bool was_clean = false;    // s_state said "cleanly unmounted" and no errors
  bool had_errors = false;   // s_state had EXT2_ERROR_FS
  uint16_t mount_count = 0;  // s_mnt_count after this mount
  int16_t max_mount_count = 0;
  uint32_t block_size = 0;
  uint32_t groups = 0;
  bool journaled = false;              // writes go through the JBD2 journal (ext3)
  FsType type = FsType::kAny;          // what it is mounted as: the type asked for, or blkid's
  uint32_t replayed_transactions = 0;  // journal transactions replayed at this mount
  bool replay_dropped_torn = false;    // the log ended in an uncommitted transaction
};

class Ext2 {
 public:
  static constexpr uint32_t kRootIno = ext2::kRootIno;

  Ext2();
  /// A still-mounted file system is dropped without writing anything (a
  /// warning reports dirty data that is lost): call Unmount first.
  ~Ext2();
  Ext2(const Ext2&) = delete;
  Ext2& operator=(const Ext2&) = delete;

  // ---- Mounting.

  /// Validates the superblock and group descriptors of the image on
  /// `device` (which must outlive the mount) and mounts it. A read-write
  /// mount marks the image not-clean on disk at once (with a journal:
  /// needs_recovery instead) and counts the mount; an image that was not
  /// cleanly unmounted (or has errors recorded) is reported in the
  /// MountReport and on the LogSink. Incompatible features other than
  /// filetype, extent, 64bit, flex_bg and metadata_csum_seed (meta_bg, a
  /// journal device, compression, inline data, ...) refuse the mount, naming
  /// the features; so do 2^32 blocks or more, and a superblock or group
  /// descriptor whose metadata_csum checksum does not match. A journal (has_journal) is
  /// validated and, if it needs recovery, replayed first (also for a
  /// read-only mount; kReadOnlyFs if the device itself is read-only); a
  /// read-write mount then writes through it. Unknown read-only-compatible
  /// features, or a read-only device, make the mount read-only. Errors:
  /// kBusy (already mounted), kInvalid (not ext2, damaged geometry, a
  /// malformed journal; the message says what), kNotSupported (features,
  /// also the journal's), kReadOnlyFs, kIo, kNoMemory.
  kstd::Result<MountReport> Mount(BlockDevice* device, const MountOptions& options);
  /// Frees inodes that were unlinked while open, writes everything back,
  /// flushes, then marks the image clean (if it was clean at mount and no
  /// damage was found) and flushes again. On an error the file system stays
  /// mounted with its data in memory, so the caller may retry. Errors: kIo.
  kstd::Result<void> Unmount();
  bool mounted() const { return mounted_; }
  /// Changes are refused: mounted read-only, or damage was found on an image
  /// whose error behaviour (s_errors) is remount-ro.
  bool read_only() const { return read_only_; }
  /// What it is mounted as (MountReport::type).
  FsType fs_type() const { return fs_type_; }
  /// Writes every dirty block back and flushes the device (sync/fsync; the
  /// server also calls it periodically); with a journal, commits and
  /// checkpoints the running transaction. Errors: kIo (with a journal
  /// aborted by a write error the mount turns read-only).
  kstd::Result<void> Sync();
  kstd::Result<FsStats> StatFs();

  // ---- Inodes.

  kstd::Result<Attr> GetAttr(uint32_t ino);
  /// Errors: kInvalid (unknown mask bits).
  kstd::Result<Attr> SetAttr(uint32_t ino, const SetAttrRequest& request);
  /// The server opened the inode: it stays allocated while open even if its
  /// last link goes (counted; pairs with CloseInode). Errors: as GetAttr.
  kstd::Result<void> OpenInode(uint32_t ino);
  /// The last close of an inode with no links frees it. Errors: kInvalid
  /// (not open), and those of freeing it.
  kstd::Result<void> CloseInode(uint32_t ino);
  /// OpenInode for a server that takes over an inode its crashed
  /// predecessor held open (fsproto kAdopt): an orphan (no links left, not
  /// freed: still marked in the inode bitmap, no deletion time) is accepted
  /// too, and freed by its last CloseInode. Errors: kNotFound (a free inode),
  /// kInvalid (out of range, reserved, not mounted), kIo (damaged inode),
  /// kNoMemory.
  kstd::Result<void> AdoptInode(uint32_t ino);

  // ---- Directories. `name` is one component.

  /// The entry `name` in `dir` ("." and ".." included). Errors:
  /// kNotDirectory, kNotFound, kNameTooLong, kIo (damaged directory, or an
  /// entry that names a free or out-of-range inode).
  kstd::Result<Attr> Lookup(uint32_t dir, Name name);
  /// Fills `out` with entries from `*cursor` on ("." and ".." included),
  /// advancing `*cursor` past each one returned; start with 0. Returns how
  /// many were filled, 0 at the end. Cursors stay valid across changes to
  /// the directory. Errors: kNotDirectory, kIo.
  kstd::Result<size_t> ReadDir(uint32_t dir, uint64_t* cursor, kstd::Span<DirEntry> out);

  /// Creates a regular file, device node, fifo or socket. Errors:
  /// kNotDirectory, kExists, kInvalid (bad name or type), kNameTooLong,
  /// kNoSpace (no free inode or block), kNotFound (dir was removed).
  kstd::Result<Attr> Create(uint32_t dir, Name name, const CreateRequest& request);
  /// Creates a directory with "." and "..". Errors: as Create, kTooManyLinks.
  kstd::Result<Attr> Mkdir(uint32_t dir, Name name, uint32_t mode, uint32_t uid, uint32_t gid);
  /// Creates a symlink to `target` (1..4095 bytes and less than a block):
  /// a fast symlink (target in the inode) below 60 bytes, else one block.
  /// Errors: as Create, kNameTooLong (target too long), kInvalid (empty).
  kstd::Result<Attr> Symlink(uint32_t dir, Name name, kstd::Span<const char> target, uint32_t uid,
                             uint32_t gid);
  /// A new name for `ino` in `dir`. Errors: kPermission (a directory),
  /// kExists, kTooManyLinks, kNotFound (ino has no links left), kNotDirectory.
  kstd::Result<Attr> Link(uint32_t ino, uint32_t dir, Name name);
  /// Removes a non-directory's name (the inode goes with its last link and
  /// last close). Errors: kNotDirectory, kNotFound, kIsDirectory.
  kstd::Result<void> Unlink(uint32_t dir, Name name);
  /// Removes an empty directory. Errors: kNotDirectory, kNotFound,
  /// kNotEmpty (also for ".."), kInvalid (".").
  kstd::Result<void> Rmdir(uint32_t dir, Name name);
  /// rename(2): POSIX replacement rules (a directory may replace an empty
  /// directory, a non-directory a non-directory; a name onto another link of
  /// the same inode does nothing); a moved directory's ".." and the parents'
  /// link counts follow. Errors: kNotFound, kNotDirectory, kIsDirectory,
  /// kNotEmpty, kInvalid (a directory into its own subtree), kBusy ("." or
  /// ".."), kTooManyLinks, kNoSpace, kIo (also a loop in the directory tree).
  kstd::Result<void> Rename(uint32_t old_dir, Name old_name, uint32_t new_dir, Name new_name);

  // ---- File data.

  /// Reads up to out.size() bytes at `offset` (0 at or past the end; holes
  /// read as zeros). Short before the end only when damage or a device
  /// error stops it after some bytes; the next call reports the error.
  /// Errors: kIsDirectory, kInvalid (not a regular file).
  kstd::Result<size_t> Read(uint32_t ino, uint64_t offset, kstd::Span<uint8_t> out);
  /// Writes at `offset`, allocating blocks near the inode's group and
  /// growing the file; returns the count, short only if space ran out (or
  /// an error happened) part way: the next call reports it. Errors:
  /// kIsDirectory, kInvalid, kNoSpace, kFileTooBig.
  kstd::Result<size_t> Write(uint32_t ino, uint64_t offset, kstd::Span<const uint8_t> data);
  /// Sets the size: shrinking frees blocks (indirect ones included),
  /// growing leaves a hole. Errors: kIsDirectory, kInvalid, kFileTooBig.
  kstd::Result<void> Truncate(uint32_t ino, uint64_t size);
  /// Copies the symlink's target into `out` (truncated to out.size(), no
  /// NUL) and returns the full target length. Errors: kInvalid (not a symlink).
  kstd::Result<size_t> ReadLink(uint32_t ino, kstd::Span<char> out);

  /// The largest file size this block size allows.
  uint64_t max_file_size() const { return max_file_size_; }
  uint32_t block_size() const { return block_size_; }
  const BlockCache* cache() const { return cache_; }
  /// True once any damage was found since the mount.
  bool errors_detected() const { return errors_detected_; }

 private:
  struct Inode {
    uint32_t ino = 0;
    DiskInode d = {};
    uint32_t crtime = 0;  // from the large-inode fields, when present (read only)
  };
  struct Extent {
    uint32_t block = 0;
    uint32_t count = 1;
  };
  static constexpr uint32_t kNoPrev = 0xFFFFFFFFu;
  /// Where a live directory entry is.
  struct DirSlot {
    uint64_t index = 0;              // directory block index
    uint32_t offset = 0;             // the entry's offset in that block
    uint32_t prev_offset = kNoPrev;  // the previous entry in the block
    uint32_t ino = 0;
    uint8_t file_type = 0;
  };
  /// Room for a new entry, found (or made) and pinned by PrepareInsert.
  struct InsertSlot {
    BlockRef block;
    uint32_t seed = 0;    // the directory's checksum seed (metadata_csum)
    uint32_t offset = 0;  // the entry that gives up its slack, or is reused
    bool reuse = false;   // that entry is unused and large enough
  };
  /// An inode the server has open (a singly linked list).
  struct OpenCount {
    uint32_t ino;
    uint32_t count;
    OpenCount* next;
  };
  // group_flags_ bits.
  static constexpr uint8_t kGroupBlocksChecked = 1;  // block bitmap matched its count
  static constexpr uint8_t kGroupInodesChecked = 2;  // inode bitmap matched its count
  static constexpr uint8_t kGroupBlocksBad = 4;      // never allocate blocks here
  static constexpr uint8_t kGroupInodesBad = 8;      // never allocate inodes here
  static constexpr uint8_t kGroupSealPending = 16;   // checksums to recompute (SealGroups)

  // ext2.cc: mount, superblock, group descriptors, logging.
  kstd::Result<void> ReadSuperblock(Superblock* out);
  kstd::Result<void> ValidateSuperblock(const Superblock& sb);
  kstd::Result<void> LoadGroups();
  kstd::Result<void> StoreSuper();
  /// Writes the group's descriptor into its block; with metadata_csum the
  /// checksums (bitmaps', descriptor's) are recomputed later, by SealGroups.
  kstd::Result<void> StoreGroup(uint32_t group);
  /// Recomputes the checksums of every group StoreGroup wrote since the
  /// last call (before each commit or write-back). Errors: kIo.
  kstd::Result<void> SealGroups();
  kstd::Result<void> FlushAll();
  void ResetState();
  kstd::Result<MountReport> MountOnce(BlockDevice* device, const MountOptions& options,
                                      bool* replayed);

  // ext2_journal.cc: the journal (has_journal).
  /// Maps the journal inode and opens the journal. Errors: kInvalid,
  /// kNotSupported, kIo, kNoMemory (logged).
  kstd::Result<void> OpenJournal();
  /// Replays the log, then clears needs_recovery on the disk.
  kstd::Result<void> ReplayJournal(MountReport* report);
  kstd::Result<void> WriteSuperblockDirect(const Superblock& sb);
  kstd::Result<void> StartJournaling();
  /// A read-write mount: frees the inodes on the orphan list a crash left
  /// (s_last_orphan, chained through i_dtime: unlinked while open) and
  /// finishes their truncates (links left), as Linux's ext4_orphan_cleanup;
  /// then empties the list. A broken list is logged and left to e2fsck.
  void ProcessOrphans();
  /// Commits and checkpoints the running transaction. Errors: kIo.
  kstd::Result<void> CommitJournal();
  kstd::Result<void> OperationBoundary();
  void DropCommittedMaps();
  /// Keeps the group's block bitmap as the last commit left it (once per
  /// transaction) before a block in it is freed. Errors: kNoMemory.
  kstd::Result<void> SnapshotBlockBitmap(uint32_t group, const uint8_t* map);
  int64_t Now();
  /// Now() as an on-disk timestamp (32-bit, clamped).
  uint32_t DiskNow();
  void Log(LogLevel level, const char* format, ...) __attribute__((format(printf, 3, 4)));
  /// Logs damage, records it, and returns kIo.
  kstd::Error Corrupt(const char* format, ...) __attribute__((format(printf, 2, 3)));
  /// Whether changes are allowed; at an operation's start, so with a
  /// journal it also commits a transaction that has grown large (the
  /// previous operations are complete: transactions split only here).
  kstd::Result<void> CheckWritable();
  uint32_t GroupFirstBlock(uint32_t group) const;
  uint32_t GroupBlockCount(uint32_t group) const;
  bool GroupHasSuper(uint32_t group) const;
  /// True if `block` may hold file data or indirect blocks: inside the data
  /// area and not the superblock, descriptors, bitmaps or inode table.
  bool IsDataBlock(uint64_t block) const;
  /// True if every block of [start, start + count) may hold data (see
  /// IsDataBlock): the extent-tree check.
  bool IsDataRange(uint64_t start, uint64_t count) const;
  /// True if [start, start + count) meets a superblock or descriptor copy
  /// (with the reserved descriptor blocks) of any group.
  bool InSuperArea(uint64_t start, uint64_t count) const;
  /// Sorts every group's bitmaps and inode table into meta_ranges_, merged;
  /// logs and returns kInvalid if two overlap or one is outside the data
  /// area. Errors: kInvalid, kNoMemory.
  kstd::Result<void> BuildMetaRanges();
  /// Sets (`set`) or checks the bits of `group`'s block bitmap `map` that
  /// the group's own metadata and any group's bitmaps and inode table in it
  /// occupy; returns false if one is not set (check mode).
  bool MarkGroupMetadata(uint32_t group, uint8_t* map, bool set) const;
  uint16_t GdField16(uint32_t group, uint32_t offset) const;
  void SetGdField16(uint32_t group, uint32_t offset, uint16_t value);

  // checksum.cc: metadata_csum (crc32c) of the superblock, descriptors,
  // bitmaps, inodes, extent blocks and directory blocks.
  /// The crc32c seed of an inode's blocks: from the fs seed, ino, generation.
  uint32_t InodeSeed(uint32_t ino, uint32_t generation) const;
  uint32_t SuperChecksum(const uint8_t* sb) const;
  uint16_t GroupChecksum(uint32_t group, const uint8_t* raw) const;
  uint32_t BitmapChecksum(const uint8_t* map, uint32_t bits) const;
  /// Whether a bitmap of `bits` bits matches the checksum the descriptor
  /// keeps at lo_offset (and hi_offset, in 64-byte descriptors).
  bool BitmapChecksumOk(uint32_t group, const uint8_t* map, uint32_t bits, uint32_t lo_offset,
                        uint32_t hi_offset) const;
  /// Computes (and with `store`, writes) the checksum of an inode slot;
  /// returns whether the stored one matched.
  bool InodeChecksum(uint32_t ino, uint8_t* slot, bool store) const;
  /// Extent block tail (after eh_max entries); false if eh_max is too big.
  bool ExtentBlockChecksum(const Inode& inode, uint8_t* block, bool store) const;
  /// Whether a directory block ends with the checksum tail entry.
  bool HasDirTail(const uint8_t* block) const;
  bool DirBlockChecksum(uint32_t seed, uint8_t* block, bool store) const;
  /// An htree node (root or interior) at `count_offset`: whether its
  /// checksum matches (false also if the counts are bad); `store` writes it.
  bool DxNodeChecksum(uint32_t seed, uint8_t* block, uint32_t count_offset, bool store) const;
  /// Where the entries of a (validated) directory block end: before the
  /// checksum tail, if any.
  uint32_t DirBlockEnd(const uint8_t* block) const;
  /// Recomputes a leaf directory block's tail checksum and marks it dirty.
  void DirBlockDirty(uint32_t seed, BlockRef* ref);
  /// Marks an extent block dirty with its checksum updated.
  void ExtentBlockDirty(const Inode& inode, BlockRef* ref);
  /// Gives up the htree index of `dir` (before a change to its entries):
  /// clears EXT2_INDEX_FL on disk and in `*dir`; with metadata_csum the
  /// index blocks are rewritten as empty leaf blocks with checksum tails.
  kstd::Result<void> DropIndex(Inode* dir);

  // htree.cc: lookups through an htree index.
  /// The leaf blocks (directory block indexes) where `name` may be: the
  /// one its hash leads to and those its hash continues into. `complete`
  /// false: it may also be elsewhere.
  struct DxLeaves {
    uint64_t block[4];
    uint32_t count = 0;
    bool complete = false;
  };
  /// The half-MD4 hash of a name with the file system's seed (low bit 0).
  uint32_t DxHashHalfMd4(Name name, bool unsigned_chars) const;
  /// False if `dir` has no index this code reads (then scan linearly).
  /// Errors: kIo (a damaged index).
  kstd::Result<bool> DxLeavesFor(const Inode& dir, Name name, DxLeaves* out);
  /// Looks for `name` in one directory block. Errors: kIo.
  kstd::Result<bool> FindInBlock(const Inode& dir, uint64_t index, Name name, DirSlot* slot);

  // extent.cc: extent trees (EXT4_EXTENTS_FL).
  struct ExtentPath;
  bool UsesExtents(const Inode& inode) const { return (inode.d.i_flags & kFlagExtents) != 0; }
  /// Makes `inode`'s i_block an empty extent tree and sets EXTENTS_FL.
  void InitExtentRoot(Inode* inode);
  /// The most file blocks `inode` may address.
  uint64_t MaxFileBlocks(const Inode& inode) const;
  /// `ref`: the node's block (none for the root); its checksum is checked
  /// unless verified since it last changed.
  kstd::Result<void> CheckExtentNode(const Inode& inode, const uint8_t* node, uint32_t capacity,
                                     uint32_t depth, uint64_t lo, uint64_t hi, uint32_t block,
                                     BlockRef* ref = nullptr);
  kstd::Result<void> FindExtentPath(Inode* inode, uint64_t n, ExtentPath* path);
  kstd::Result<Extent> MapExtentTree(Inode* inode, uint64_t n, uint32_t max);
  kstd::Result<uint32_t> MapExtentAlloc(Inode* inode, uint64_t n, uint32_t goal, BlockRef* fresh);
  kstd::Result<void> InsertExtent(Inode* inode, uint64_t n, uint32_t block, uint32_t goal);
  kstd::Result<void> FreeExtentsFrom(Inode* inode, uint64_t first);
  kstd::Result<uint32_t> TruncateExtentNode(Inode* inode, uint8_t* node, uint32_t depth,
                                            uint64_t first, BlockRef* ref);
  kstd::Result<void> FreeBlockRun(uint32_t start, uint32_t count, Inode* owner);

  // alloc.cc: bitmaps and free counts.
  kstd::Result<void> VerifyBlockBitmap(uint32_t group);
  kstd::Result<void> VerifyInodeBitmap(uint32_t group);
  kstd::Result<uint32_t> AllocBlock(uint32_t goal);
  kstd::Result<uint32_t> AllocBlockInGroup(uint32_t group, uint32_t goal_index);
  /// Frees a block that `owner` (an inode, for messages) pointed to.
  kstd::Result<void> FreeBlock(uint32_t block, uint32_t owner);
  kstd::Result<uint32_t> AllocInode(uint32_t parent, bool directory);
  kstd::Result<void> FreeInodeNumber(uint32_t ino, bool directory);
  /// Whether the inode bitmap marks `ino` in use. Errors: kIo.
  kstd::Result<bool> InodeMarkedUsed(uint32_t ino);
  uint32_t GoalBlockFor(uint32_t ino) const;

  // inode.cc: inodes and the block map.
  kstd::Result<Inode> LoadInode(uint32_t ino);
  kstd::Result<Inode> LoadLiveInode(uint32_t ino);
  kstd::Result<void> StoreInode(const Inode& inode);
  kstd::Result<void> InitInode(Inode* inode, uint16_t mode, uint32_t uid, uint32_t gid);
  kstd::Result<void> ValidateInode(const Inode& inode);
  kstd::Result<uint32_t> CheckPointer(const Inode& inode, uint32_t block, const uint32_t* path,
                                      int depth);
  Attr MakeAttr(const Inode& inode) const;
  static uint64_t InodeSize(const Inode& inode);
  static void SetInodeSize(Inode* inode, uint64_t size);
  void AddBlocks(Inode* inode, int64_t count);
  bool IsFastSymlink(const Inode& inode) const;
  bool HasBlockMap(const Inode& inode) const;
  /// The block holding file block `n`, or 0 for a hole.
  kstd::Result<uint32_t> MapBlock(const Inode& inode, uint64_t n);
  /// A run of file blocks from `n`: `block` is n's physical block (0: a
  /// hole) and `count` (1..max) how many file blocks from n on are at
  /// block, block + 1, ... (holes count one at a time), all read from the
  /// same pointer array (the inode's or one indirect block). Validated as
  /// MapBlock validates. Errors: as MapBlock.
  kstd::Result<Extent> MapExtent(const Inode& inode, uint64_t n, uint32_t max);
  kstd::Result<Extent> MapIndirect(const Inode& inode, uint64_t n, uint32_t max);
  /// Like MapBlock, allocating the block (and indirect blocks) if missing.
  /// A newly allocated data block comes back zeroed and pinned in `*fresh`.
  kstd::Result<uint32_t> MapBlockAlloc(Inode* inode, uint64_t n, uint32_t goal, BlockRef* fresh);
  kstd::Result<void> FreeBlocksFrom(Inode* inode, uint64_t first);
  kstd::Result<bool> FreeTree(Inode* inode, uint32_t block, int level, uint64_t start,
                              uint32_t* path, int depth);
  kstd::Result<void> ReleaseXattrBlock(Inode* inode);
  kstd::Result<void> ZeroTail(Inode* inode, uint64_t old_size);
  kstd::Result<void> DropLink(Inode* inode);
  /// `inode` lost its last link while open: stores it, and on a journaled
  /// file system puts it on the orphan list (i_dtime links it to the next
  /// one; s_last_orphan is the head), as ext3/ext4 do, so that a crash
  /// before its last close leaves it for the next mount to free.
  kstd::Result<void> StoreOrphan(Inode* inode);
  /// Whether `ino` is on the orphan list (a bounded walk).
  kstd::Result<bool> OnOrphanList(uint32_t ino);
  /// Takes `inode` off the orphan list if it is there (FreeInode does,
  /// before i_dtime becomes the deletion time).
  kstd::Result<void> Unorphan(const Inode& inode);
  kstd::Result<void> FreeInode(Inode* inode);
  bool IsOpen(uint32_t ino) const;
  /// Counts one more open of `ino` (OpenInode, AdoptInode). Errors: kNoMemory.
  kstd::Result<void> CountOpen(uint32_t ino);
  uint64_t MetaBlocksFor(uint64_t data_blocks) const;

  // dir.cc: directory blocks.
  kstd::Result<BlockRef> ReadDirBlock(const Inode& dir, uint64_t index);
  /// `csum_known`: the block's checksum was verified and it has not changed since.
  kstd::Result<void> CheckDirBlock(const Inode& dir, uint64_t index, const uint8_t* data,
                                   bool csum_known);
  kstd::Result<bool> FindEntry(const Inode& dir, Name name, DirSlot* slot);
  kstd::Result<bool> IsEmptyDir(const Inode& dir);
  /// Finds room for `name` (in an indexed directory: in the leaf its hash
  /// leads to, else the index is dropped), growing the directory if needed.
  kstd::Result<void> PrepareInsert(Inode* dir, Name name, InsertSlot* slot);
  /// An entry of directory block `ref` with `need` bytes of room: true and
  /// `slot` points there (the block moves into it), or false.
  bool TakeRoomIn(BlockRef ref, uint32_t need, InsertSlot* slot);
  void CommitInsert(InsertSlot* slot, Name name, uint32_t ino, uint8_t file_type);
  kstd::Result<void> RemoveEntry(const Inode& dir, const DirSlot& slot);
  kstd::Result<void> SetEntryInode(const Inode& dir, const DirSlot& slot, uint32_t ino,
                                   uint8_t file_type);
  kstd::Result<uint32_t> ReadDotDot(const Inode& dir, DirSlot* slot);
  kstd::Result<void> TouchDir(uint32_t dir_ino, int link_delta);
  uint8_t FileTypeByte(uint16_t mode) const;
  kstd::Result<Inode> LoadDir(uint32_t ino);
  kstd::Result<bool> IsAncestor(uint32_t ancestor, uint32_t dir);

  // namei.cc: namespace operations.
  kstd::Result<Attr> MakeNode(uint32_t dir, Name name, uint16_t mode, uint32_t uid, uint32_t gid,
                              uint32_t rdev, kstd::Span<const char> symlink_target);

  BlockDevice* device_ = nullptr;
  BlockCache* cache_ = nullptr;
  Clock* clock_ = nullptr;
  LogSink* log_ = nullptr;
  bool mounted_ = false;
  bool read_only_ = false;         // no changes accepted (mount option, device, features, errors)
  FsType fs_type_ = FsType::kAny;  // what it is mounted as (MountReport::type)
  bool writable_mount_ = false;    // mounted read-write: dirty data and the state get written
  bool update_atime_ = true;
  bool errors_detected_ = false;
  bool super_dirty_ = false;
  uint16_t state_at_mount_ = 0;

  Superblock sb_ = {};
  uint32_t block_size_ = 0;
  uint32_t log_block_size_ = 0;  // log2(block_size_)
  uint32_t ptrs_per_block_ = 0;  // block numbers per indirect block
  uint32_t inode_size_ = 0;
  uint32_t first_ino_ = 0;
  uint32_t group_count_ = 0;
  uint32_t gdt_blocks_ = 0;     // blocks of group descriptors
  uint32_t itable_blocks_ = 0;  // inode-table blocks per group
  uint64_t max_file_size_ = 0;
  uint64_t max_file_blocks_ = 0;
  bool filetype_ = false;  // directory entries carry a file type
  bool extents_ = false;   // extent feature: new files get extent trees
  bool csum_ = false;      // metadata_csum
  bool dir_nlink_ = false;
  bool huge_file_ = false;
  bool flex_bg_ = false;
  uint32_t csum_seed_ = 0;       // crc32c seed of the metadata checksums
  uint32_t desc_size_ = 32;      // bytes per group descriptor
  uint64_t ext_max_blocks_ = 0;  // file blocks an extent-mapped file may have
  uint8_t* gd_raw_ = nullptr;    // every descriptor as on disk (desc_size_ each)
  struct MetaRange {
    uint64_t start;
    uint64_t count;
  };
  MetaRange* meta_ranges_ = nullptr;  // bitmaps and inode tables, sorted, merged
  uint32_t meta_range_count_ = 0;

  Journal* journal_ = nullptr;  // has_journal images
  // Per group, with a journal: the block bitmap as of the last commit, if a
  // block was freed in the group since (those blocks are not reallocated
  // before the commit, so a crash cannot hand them out twice).
  uint8_t** committed_maps_ = nullptr;
  uint32_t txn_freed_blocks_ = 0;

  GroupDesc* groups_ = nullptr;
  uint8_t* group_flags_ = nullptr;  // kGroup* bits per group
  OpenCount* open_ = nullptr;       // open inodes (a short list)
};

}  // namespace servers::fs::ext2
