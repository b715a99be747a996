// Ext2: the JBD2 journal of ext3 images (has_journal): opening it from the
// journal inode, replay at mount, commits at sync and between operations,
// and the allocator's rule that blocks freed in the running transaction are
// not reused before it commits.

#include <string.h>

#include "kstd/new.h"
#include "servers/fs/ext2/crc32c.h"
#include "servers/fs/ext2/ext2.h"
#include "servers/fs/ext2/journal.h"

namespace servers::fs::ext2 {

namespace {

/// The largest journal this code maps (blocks): 2^20, 4 GiB at 4 KiB.
constexpr uint64_t kMaxJournalBlocks = 1u << 20;

}  // namespace

kstd::Result<void> Ext2::OpenJournal() {
  uint32_t ino = sb_.s_journal_inum;
  if ((sb_.s_feature_incompat & kIncompatJournalDev) != 0 || ino == 0 || ino > sb_.s_inodes_count) {
    Log(LogLevel::kError, "not mounting: the journal inode %u is not in this file system", ino);
    return kstd::Error::kInvalid;
  }
  Inode inode = TRY(LoadInode(ino));
  uint64_t size = InodeSize(inode);
  if ((inode.d.i_mode & kModeTypeMask) != kModeRegular || inode.d.i_links_count == 0 ||
      (inode.d.i_flags & kUnsupportedInodeFlags) != 0 || size % block_size_ != 0 ||
      size / block_size_ < 2 || size / block_size_ > kMaxJournalBlocks) {
    Log(LogLevel::kError,
        "not mounting: the journal inode %u is not a usable journal (mode 0%o, flags 0x%x, size "
        "%llu)",
        ino, inode.d.i_mode, inode.d.i_flags, static_cast<unsigned long long>(size));
    return kstd::Error::kInvalid;
  }
  uint32_t length = static_cast<uint32_t>(size / block_size_);
  uint32_t* map = new (kstd::nothrow) uint32_t[length];
  if (map == nullptr) return kstd::Error::kNoMemory;
  for (uint32_t n = 0; n < length;) {
    auto extent = MapExtent(inode, n, length - n);
    if (extent.is_error() || extent.value().block == 0) {
      Log(LogLevel::kError, "not mounting: journal block %u is %s", n,
          extent.is_error() ? "damaged" : "a hole");
      delete[] map;
      return kstd::Error::kInvalid;
    }
    for (uint32_t k = 0; k < extent.value().count && n < length; ++k)
      map[n++] = extent.value().block + k;
  }
  journal_ = new (kstd::nothrow) Journal;
  if (journal_ == nullptr) {
    delete[] map;
    return kstd::Error::kNoMemory;
  }
  auto opened = journal_->Open(device_, block_size_, sb_.s_blocks_count, map, length);
  if (opened.is_error()) {
    Log(LogLevel::kError, "not mounting: journal: %s", journal_->message());
    return opened.error();
  }
  return kstd::Ok();
}

kstd::Result<void> Ext2::ReplayJournal(MountReport* report) {
  auto replayed = journal_->Replay();
  if (replayed.is_error()) {
    Log(LogLevel::kError, "not mounting: journal replay failed: %s", journal_->message());
    return replayed.error();
  }
  const Journal::ReplayReport& r = replayed.value();
  report->replayed_transactions = r.transactions;
  report->replay_dropped_torn = r.torn;
  Log(LogLevel::kInfo,
      "journal replayed: %u transactions, %u blocks written home, %u revoked, %u with bad "
      "checksums skipped%s",
      r.transactions, r.blocks, r.revoked, r.bad_checksums,
      r.torn ? "; an uncommitted (torn) transaction was dropped" : "");
  // The journal is empty now: the superblock (perhaps just replayed) no
  // longer needs recovery.
  Superblock sb;
  TRY(ReadSuperblock(&sb));
  sb.s_feature_incompat &= ~kIncompatRecover;
  return WriteSuperblockDirect(sb);
}

kstd::Result<void> Ext2::WriteSuperblockDirect(const Superblock& sb) {
  uint32_t sector = device_->sector_size();
  uint64_t first = kSuperblockOffset / sector;
  uint64_t end = (kSuperblockOffset + kSuperblockSize + sector - 1) / sector;
  size_t bytes = static_cast<size_t>(end - first) * sector;
  uint8_t* buffer = new (kstd::nothrow) uint8_t[bytes];
  if (buffer == nullptr) return kstd::Error::kNoMemory;
  uint32_t count = static_cast<uint32_t>(end - first);
  auto r = device_->Read(first, count, kstd::Span<uint8_t>(buffer, bytes));
  if (r.ok()) {
    uint8_t* at = buffer + (kSuperblockOffset - first * sector);
    memcpy(at, &sb, sizeof(sb));
    if ((sb.s_feature_ro_compat & kRoCompatMetadataCsum) != 0) {
      // s_checksum, the superblock's last field: crc32c of everything before.
      uint32_t csum = Crc32cUpdate(~0u, at, kSuperblockSize - 4);
      memcpy(at + kSuperblockSize - 4, &csum, 4);
    }
    r = device_->Write(first, count, kstd::Span<const uint8_t>(buffer, bytes));
  }
  if (r.ok()) r = device_->Flush();
  delete[] buffer;
  if (r.is_error()) {
    Log(LogLevel::kError, "cannot write the superblock: %s", kstd::ErrorName(r.error()));
    return kstd::Error::kIo;
  }
  return kstd::Ok();
}

kstd::Result<void> Ext2::StartJournaling() {
  if (csum_) {
    // As Linux on a metadata_csum file system: the commits carry crc32c
    // checksums (CSUM_V3), so a torn log is never replayed.
    bool on = TRY(journal_->EnableChecksumV3());
    if (!on) Log(LogLevel::kInfo, "the journal stays without checksums (a v1 or busy journal)");
  }
  committed_maps_ = new (kstd::nothrow) uint8_t*[group_count_];
  if (committed_maps_ == nullptr) return kstd::Error::kNoMemory;
  for (uint32_t g = 0; g < group_count_; ++g) committed_maps_[g] = nullptr;
  cache_->SetJournaling(true);
  return kstd::Ok();
}

void Ext2::DropCommittedMaps() {
  if (committed_maps_ != nullptr) {
    for (uint32_t g = 0; g < group_count_; ++g) {
      delete[] committed_maps_[g];
      committed_maps_[g] = nullptr;
    }
  }
  txn_freed_blocks_ = 0;
}

kstd::Result<void> Ext2::SnapshotBlockBitmap(uint32_t group, const uint8_t* map) {
  if (committed_maps_ == nullptr || committed_maps_[group] != nullptr) return kstd::Ok();
  uint8_t* copy = new (kstd::nothrow) uint8_t[block_size_];
  if (copy == nullptr) return kstd::Error::kNoMemory;
  memcpy(copy, map, block_size_);
  committed_maps_[group] = copy;
  return kstd::Ok();
}

kstd::Result<void> Ext2::CommitJournal() {
  auto r = journal_->Commit(cache_, DiskNow());
  if (r.ok()) {
    DropCommittedMaps();
    return r;
  }
  Log(LogLevel::kError, "journal commit failed: %s", journal_->message());
  if (journal_->aborted() && !read_only_) {
    Log(LogLevel::kError, "the journal is aborted: now read-only (the log keeps what it had)");
    read_only_ = true;
  }
  return r;
}

kstd::Result<void> Ext2::OperationBoundary() {
  if (!cache_->journaling()) return kstd::Ok();
  bool big = cache_->journaled_unpinned() >= journal_->soft_limit() || cache_->over_capacity();
  // Blocks freed in the running transaction cannot be reused before it
  // commits: commit early when they are most of what is left.
  bool tight = txn_freed_blocks_ > 0 && sb_.s_free_blocks_count < txn_freed_blocks_ + 256;
  if (!big && !tight) return kstd::Ok();
  return FlushAll();
}

}  // namespace servers::fs::ext2
