#pragma once

// The JBD2 journal's on-disk format (ext3/ext4 journals), as constants and
// big-endian field accessors. Source: the Linux kernel's
// Documentation/filesystems/ext4/journal.rst ("Journal (jbd2)"): the
// journal superblock, descriptor blocks with block tags, revoke blocks and
// commit blocks, all big-endian, each starting with a 12-byte header
// (magic, block type, transaction sequence).

#include <stdint.h>

namespace servers::fs::ext2::jbd2 {

inline constexpr uint32_t kMagic = 0xC03B3998u;

// Header h_blocktype.
inline constexpr uint32_t kDescriptorBlock = 1;
inline constexpr uint32_t kCommitBlock = 2;
inline constexpr uint32_t kSuperblockV1 = 3;
inline constexpr uint32_t kSuperblockV2 = 4;
inline constexpr uint32_t kRevokeBlock = 5;

// Header: h_magic, h_blocktype, h_sequence.
inline constexpr uint32_t kHeaderSize = 12;

// Superblock field offsets (journal.rst "Super Block").
inline constexpr uint32_t kSbBlockSize = 0x0C;
inline constexpr uint32_t kSbMaxLen = 0x10;
inline constexpr uint32_t kSbFirst = 0x14;
inline constexpr uint32_t kSbSequence = 0x18;
inline constexpr uint32_t kSbStart = 0x1C;
inline constexpr uint32_t kSbErrno = 0x20;
inline constexpr uint32_t kSbFeatureCompat = 0x24;
inline constexpr uint32_t kSbFeatureIncompat = 0x28;
inline constexpr uint32_t kSbFeatureRoCompat = 0x2C;
inline constexpr uint32_t kSbUuid = 0x30;  // 16 bytes
inline constexpr uint32_t kSbNrUsers = 0x40;
inline constexpr uint32_t kSbChecksumType = 0x50;  // one byte
inline constexpr uint32_t kSbChecksum = 0xFC;
/// The bytes the superblock checksum covers.
inline constexpr uint32_t kSbSize = 1024;

// Feature bits.
inline constexpr uint32_t kCompatChecksum = 0x1;  // v1 commit checksums (compat: may be ignored)
inline constexpr uint32_t kIncompatRevoke = 0x1;
inline constexpr uint32_t kIncompat64Bit = 0x2;
inline constexpr uint32_t kIncompatAsyncCommit = 0x4;
inline constexpr uint32_t kIncompatCsumV2 = 0x8;
inline constexpr uint32_t kIncompatCsumV3 = 0x10;
inline constexpr uint32_t kIncompatFastCommit = 0x20;
inline constexpr uint32_t kSupportedIncompat =
    kIncompatRevoke | kIncompat64Bit | kIncompatAsyncCommit | kIncompatCsumV2 | kIncompatCsumV3;

// s_checksum_type.
inline constexpr uint8_t kChecksumCrc32c = 4;

// Block tag flags.
inline constexpr uint32_t kTagEscape = 0x1;    // the block started with kMagic: restore it
inline constexpr uint32_t kTagSameUuid = 0x2;  // no 16-byte UUID follows the tag
inline constexpr uint32_t kTagDeleted = 0x4;   // (unused by JBD2)
inline constexpr uint32_t kTagLastTag = 0x8;   // the descriptor's last tag
inline constexpr uint32_t kUuidSize = 16;

// Tag layouts. Without CSUM_V3 (journal_block_tag_t): blocknr (4),
// checksum (2, low 16 bits, CSUM_V2), flags (2), blocknr_high (4, 64BIT).
// With CSUM_V3 (journal_block_tag3_t): blocknr, flags, blocknr_high,
// checksum, 4 bytes each (16 bytes whatever 64BIT says).
inline constexpr uint32_t kTag3Size = 16;

// A 4-byte checksum tail ends descriptor and revoke blocks with CSUM_V2/V3.
inline constexpr uint32_t kTailSize = 4;

// Revoke block: header, r_count (bytes used, header included), records of
// 4 bytes (8 with 64BIT).
inline constexpr uint32_t kRevokeCount = 0x0C;
inline constexpr uint32_t kRevokeHeaderSize = 16;

// Commit block: header, h_chksum_type (1), h_chksum_size (1), padding (2),
// h_chksum[8] (the CSUM_V2/V3 checksum is h_chksum[0]), h_commit_sec (8),
// h_commit_nsec (4).
inline constexpr uint32_t kCommitChecksumType = 0x0C;
inline constexpr uint32_t kCommitChecksumSize = 0x0D;
inline constexpr uint32_t kCommitChecksum = 0x10;
inline constexpr uint32_t kCommitSec = 0x30;
inline constexpr uint32_t kCommitNsec = 0x38;

inline uint32_t Load32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}
inline uint16_t Load16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline void Store32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
inline void Store16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

}  // namespace servers::fs::ext2::jbd2
