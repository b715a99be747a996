#pragma once

// Journal: a JBD2 journal (ext3/ext4 format) kept inside the file system's
// journal inode. It replays what a crash left in the log (mount) and commits
// the block cache's journaled metadata in ordered mode (Commit):
//
//   1. file data (the cache's non-journaled dirty blocks) is written home;
//   2. descriptor blocks, the metadata copies (a copy that starts with the
//      JBD2 magic is escaped) and the journal superblock (s_start set) are
//      written, then a flush; then the commit block and a flush: from here
//      on the transaction survives a crash (replay);
//   3. checkpoint: the metadata is written home, flush, and the journal
//      superblock says empty again (s_start = 0, next sequence), flush.
//
// Every transaction starts at the journal's first block, because the log
// is empty after each checkpoint; so the log never wraps and needs no
// revoke records of its own. Replay reads any valid JBD2 log (Linux's
// included): wrapping, revoke records, 64-bit block numbers, CSUM_V2/V3
// checksums; a transaction without a valid commit block ends the log and
// is not replayed. Everything read is validated (block numbers inside the
// journal and the file system, tags inside their block); a malformed
// journal is refused with a message, never followed.
//
// Not synchronized: the file system that owns it serializes calls.

#include <stddef.h>
#include <stdint.h>

#include "kstd/result.h"
#include "servers/fs/ext2/block_cache.h"
#include "servers/fs/ext2/block_device.h"

namespace servers::fs::ext2 {

class Journal {
 public:
  struct ReplayReport {
    uint32_t transactions = 0;   // committed transactions replayed
    uint32_t blocks = 0;         // blocks written home
    uint32_t revoked = 0;        // blocks skipped: revoked by a later transaction
    uint32_t bad_checksums = 0;  // blocks skipped: their tag checksum did not match
    bool torn = false;           // a last transaction without a valid commit was dropped
  };

  Journal() = default;
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// Takes over `map` (new[]: the file-system block of each journal block,
  /// `length` of them, each already checked to lie inside the file system's
  /// `fs_blocks`) and reads and validates the journal superblock. Errors:
  /// kInvalid (malformed; see message()), kNotSupported (an incompatible
  /// journal feature this code does not know), kIo, kNoMemory.
  kstd::Result<void> Open(BlockDevice* device, uint32_t block_size, uint64_t fs_blocks,
                          uint32_t* map, uint32_t length);

  /// True if the log holds transactions (s_start != 0).
  bool needs_replay() const { return start_ != 0; }
  /// True if the journal has read-only-compatible features this code does
  /// not know (then it must not be written).
  bool unknown_ro_features() const { return unknown_ro_; }
  bool checksummed() const { return csum_v2_ || csum_v3_; }
  uint32_t sequence() const { return sequence_; }
  /// Metadata blocks per transaction beyond which the owner should commit
  /// at the next operation boundary (a quarter of the log, as JBD2).
  size_t soft_limit() const { return max_chunk_ / 4 > 0 ? max_chunk_ / 4 : 1; }
  /// True after a failure once a commit block was written: nothing more is
  /// written through this journal.
  bool aborted() const { return aborted_; }
  /// The last problem, for the log.
  const char* message() const { return message_; }

  /// Replays the committed transactions into their home blocks, flushes,
  /// and marks the journal empty. Errors: kInvalid (malformed log; nothing
  /// was written), kIo, kNoMemory, kReadOnlyFs.
  kstd::Result<ReplayReport> Replay();

  /// Commits the cache's journaled blocks as described above (in several
  /// transactions only if they do not fit in the log at once) and
  /// checkpoints them; with none, writes data back and flushes. Errors: kIo
  /// (aborted() tells whether the journal can still be used), kNoMemory,
  /// kReadOnlyFs.
  kstd::Result<void> Commit(BlockCache* cache, uint32_t now_seconds);
  /// Turns CSUM_V3 checksums on for the commits to come (as Linux does on a
  /// metadata_csum file system): only on an empty v2 journal. Returns
  /// whether the journal is checksummed now. Errors: kIo.
  kstd::Result<bool> EnableChecksumV3();

 private:
  /// Tag size, tags per descriptor and the largest transaction, from the features.
  void SetGeometry();
  struct Revoke {
    uint64_t block;
    uint32_t sequence;
  };
  struct ScanResult {
    uint32_t end_sequence = 0;  // the first sequence not committed
    bool torn = false;
  };

  kstd::Result<void> ReadJournalBlock(uint32_t pos, uint8_t* out);
  kstd::Result<void> WriteJournalBlock(uint32_t pos, const uint8_t* in);
  kstd::Result<void> WriteSuperblock();
  uint32_t Next(uint32_t pos, uint32_t n) const;
  uint32_t Fail(const char* format, ...) __attribute__((format(printf, 2, 3)));
  /// Walks a descriptor's tags; `visit(index, target, flags, checksum)`.
  /// Returns the tag count, or 0 (message set) if malformed.
  template <typename Visit>
  uint32_t ForEachTag(const uint8_t* block, Visit visit);
  bool BlockTailOk(const uint8_t* block);
  bool CommitChecksumOk(const uint8_t* block);
  uint32_t TagChecksum(uint32_t sequence, const uint8_t* data) const;
  kstd::Result<ScanResult> Scan();
  kstd::Result<void> AddRevoke(uint64_t block, uint32_t sequence);
  bool IsRevoked(uint64_t block, uint32_t sequence) const;
  kstd::Result<void> CommitChunk(BlockCache* cache, CacheEntry** entries, size_t count,
                                 uint32_t now_seconds);
  /// Coalesced writes of journal blocks at consecutive positions.
  kstd::Result<void> Stage(uint32_t pos, const uint8_t* block);
  kstd::Result<void> WriteStaged();

  BlockDevice* device_ = nullptr;
  uint32_t block_size_ = 0;
  uint32_t sectors_per_block_ = 0;
  uint64_t fs_blocks_ = 0;
  uint32_t* map_ = nullptr;
  uint32_t length_ = 0;
  uint8_t* super_ = nullptr;    // the journal superblock (journal block 0)
  uint8_t* scratch_ = nullptr;  // one block
  uint8_t* run_ = nullptr;      // BlockCache::kMaxRunBytes of staged blocks
  uint32_t run_first_ = 0;      // journal position of the first staged block
  uint32_t run_blocks_ = 0;

  uint32_t first_ = 0;     // s_first
  uint32_t maxlen_ = 0;    // s_maxlen
  uint32_t start_ = 0;     // s_start (0: empty)
  uint32_t sequence_ = 0;  // s_sequence: the next transaction's (or the log's first)
  bool revoke_ = false;
  bool bit64_ = false;
  bool csum_v2_ = false;
  bool csum_v3_ = false;
  bool version2_ = false;  // a v2 superblock (features)
  bool unknown_ro_ = false;
  bool aborted_ = false;
  uint32_t csum_seed_ = 0;
  uint32_t tag_size_ = 0;
  uint32_t tags_per_descriptor_ = 0;
  size_t max_chunk_ = 0;  // metadata blocks one transaction can carry

  Revoke* revokes_ = nullptr;
  size_t revoke_count_ = 0;
  size_t revoke_capacity_ = 0;
  char message_[200] = {};
};

}  // namespace servers::fs::ext2
