#pragma once

// The on-disk layout of ext2 revision 0/1, as typed structures.
//
// Sources: "The Second Extended File System: Internal Layout" (Dave Poirier,
// nongnu.org/ext2-doc), §3.1 superblock, §3.4 block group descriptor table,
// §3.5 inode table, §4.1 linked directories; field names follow Linux's
// include/linux/ext2_fs.h and e2fsprogs' lib/ext2fs/ext2_fs.h (ext4 fields
// that ext2 revision 1 leaves zero are kept so the structures are complete).
//
// The structures need no packing: every field is naturally aligned (the
// static_asserts check the offsets). Everything on disk is little-endian and
// Tessera runs on x86-64 only, so they are read and written with memcpy.
// None is used in place on a buffer from the disk: callers copy a structure
// out of a block, validate it, and copy it back.

#include <stddef.h>
#include <stdint.h>

namespace servers::fs::ext2 {

// ---- Constants (ext2-doc §3.1, §3.5).

inline constexpr uint16_t kMagic = 0xEF53;
/// Byte offset of the primary superblock from the start of the device.
inline constexpr uint64_t kSuperblockOffset = 1024;
inline constexpr uint32_t kSuperblockSize = 1024;

inline constexpr uint32_t kMinBlockSize = 1024;
inline constexpr uint32_t kMaxBlockSize = 65536;
/// s_log_block_size: block size = 1024 << s_log_block_size.
inline constexpr uint32_t kMaxLogBlockSize = 6;

// s_rev_level.
inline constexpr uint32_t kGoodOldRev = 0;
inline constexpr uint32_t kDynamicRev = 1;
// Revision 0 fixed values.
inline constexpr uint32_t kGoodOldFirstIno = 11;
inline constexpr uint32_t kGoodOldInodeSize = 128;

// s_state bits.
inline constexpr uint16_t kStateValid = 0x0001;  // EXT2_VALID_FS: cleanly unmounted
inline constexpr uint16_t kStateError = 0x0002;  // EXT2_ERROR_FS: errors detected

// Reserved inode numbers (ext2-doc §3.5 table 3-9).
inline constexpr uint32_t kBadBlocksIno = 1;
inline constexpr uint32_t kRootIno = 2;
inline constexpr uint32_t kResizeIno = 7;
inline constexpr uint32_t kJournalIno = 8;

// Feature bits (ext2-doc §3.1.x; e2fsprogs ext2_fs.h).
// s_feature_compat: a driver that does not know them may still read and write.
inline constexpr uint32_t kCompatDirPrealloc = 0x0001;
inline constexpr uint32_t kCompatImagicInodes = 0x0002;
inline constexpr uint32_t kCompatHasJournal = 0x0004;
inline constexpr uint32_t kCompatExtAttr = 0x0008;
inline constexpr uint32_t kCompatResizeInode = 0x0010;
inline constexpr uint32_t kCompatDirIndex = 0x0020;
// s_feature_incompat: a driver that does not know one must not mount.
inline constexpr uint32_t kIncompatCompression = 0x0001;
inline constexpr uint32_t kIncompatFiletype = 0x0002;
inline constexpr uint32_t kIncompatRecover = 0x0004;
inline constexpr uint32_t kIncompatJournalDev = 0x0008;
inline constexpr uint32_t kIncompatMetaBg = 0x0010;
inline constexpr uint32_t kIncompatExtents = 0x0040;
inline constexpr uint32_t kIncompat64Bit = 0x0080;
inline constexpr uint32_t kIncompatMmp = 0x0100;
inline constexpr uint32_t kIncompatFlexBg = 0x0200;
inline constexpr uint32_t kIncompatEaInode = 0x0400;
inline constexpr uint32_t kIncompatDirData = 0x1000;
inline constexpr uint32_t kIncompatCsumSeed = 0x2000;
inline constexpr uint32_t kIncompatLargeDir = 0x4000;
inline constexpr uint32_t kIncompatInlineData = 0x8000;
inline constexpr uint32_t kIncompatEncrypt = 0x10000;
inline constexpr uint32_t kIncompatCasefold = 0x20000;
// s_feature_ro_compat: a driver that does not know one may only read.
inline constexpr uint32_t kRoCompatSparseSuper = 0x0001;
inline constexpr uint32_t kRoCompatLargeFile = 0x0002;
inline constexpr uint32_t kRoCompatBtreeDir = 0x0004;
inline constexpr uint32_t kRoCompatHugeFile = 0x0008;
inline constexpr uint32_t kRoCompatGdtCsum = 0x0010;
inline constexpr uint32_t kRoCompatDirNlink = 0x0020;
inline constexpr uint32_t kRoCompatExtraIsize = 0x0040;
inline constexpr uint32_t kRoCompatQuota = 0x0100;
inline constexpr uint32_t kRoCompatBigalloc = 0x0200;
inline constexpr uint32_t kRoCompatMetadataCsum = 0x0400;
inline constexpr uint32_t kRoCompatReadonly = 0x1000;
inline constexpr uint32_t kRoCompatProject = 0x2000;
inline constexpr uint32_t kRoCompatOrphanPresent = 0x10000;

// s_feature_compat, ext4 additions.
inline constexpr uint32_t kCompatSparseSuper2 = 0x0200;

/// What this implementation reads and writes.
inline constexpr uint32_t kSupportedIncompat =
    kIncompatFiletype | kIncompatExtents | kIncompat64Bit | kIncompatFlexBg | kIncompatCsumSeed;
inline constexpr uint32_t kSupportedRoCompat = kRoCompatSparseSuper | kRoCompatLargeFile |
                                               kRoCompatHugeFile | kRoCompatDirNlink |
                                               kRoCompatExtraIsize | kRoCompatMetadataCsum;

// ---- Superblock (ext2-doc §3.1), 1024 bytes at byte 1024.

struct Superblock {
  uint32_t s_inodes_count;
  uint32_t s_blocks_count;
  uint32_t s_r_blocks_count;
  uint32_t s_free_blocks_count;
  uint32_t s_free_inodes_count;
  uint32_t s_first_data_block;
  uint32_t s_log_block_size;
  uint32_t s_log_frag_size;
  uint32_t s_blocks_per_group;
  uint32_t s_frags_per_group;
  uint32_t s_inodes_per_group;
  uint32_t s_mtime;
  uint32_t s_wtime;
  uint16_t s_mnt_count;
  int16_t s_max_mnt_count;
  uint16_t s_magic;
  uint16_t s_state;
  uint16_t s_errors;
  uint16_t s_minor_rev_level;
  uint32_t s_lastcheck;
  uint32_t s_checkinterval;
  uint32_t s_creator_os;
  uint32_t s_rev_level;
  uint16_t s_def_resuid;
  uint16_t s_def_resgid;
  // EXT2_DYNAMIC_REV only.
  uint32_t s_first_ino;
  uint16_t s_inode_size;
  uint16_t s_block_group_nr;
  uint32_t s_feature_compat;
  uint32_t s_feature_incompat;
  uint32_t s_feature_ro_compat;
  uint8_t s_uuid[16];
  char s_volume_name[16];
  char s_last_mounted[64];
  uint32_t s_algorithm_usage_bitmap;
  uint8_t s_prealloc_blocks;
  uint8_t s_prealloc_dir_blocks;
  uint16_t s_reserved_gdt_blocks;
  uint8_t s_journal_uuid[16];
  uint32_t s_journal_inum;
  uint32_t s_journal_dev;
  uint32_t s_last_orphan;
  uint32_t s_hash_seed[4];
  uint8_t s_def_hash_version;
  uint8_t s_jnl_backup_type;
  uint16_t s_desc_size;
  uint32_t s_default_mount_opts;
  uint32_t s_first_meta_bg;
  uint32_t s_mkfs_time;
  uint32_t s_jnl_blocks[17];
  uint8_t s_rest[1024 - 336];  // ext4 fields; ext2 rev 1 keeps them as found
};
static_assert(sizeof(Superblock) == kSuperblockSize);
static_assert(offsetof(Superblock, s_magic) == 56);
static_assert(offsetof(Superblock, s_first_ino) == 84);
static_assert(offsetof(Superblock, s_feature_compat) == 92);
static_assert(offsetof(Superblock, s_uuid) == 104);
static_assert(offsetof(Superblock, s_reserved_gdt_blocks) == 206);
static_assert(offsetof(Superblock, s_desc_size) == 254);
static_assert(offsetof(Superblock, s_jnl_blocks) == 268);

// ext4 superblock fields inside s_rest, as byte offsets from the superblock's
// start (e2fsprogs ext2_fs.h).
inline constexpr uint32_t kSbBlocksCountHi = 0x150;
inline constexpr uint32_t kSbRBlocksCountHi = 0x154;
inline constexpr uint32_t kSbFreeBlocksHi = 0x158;
inline constexpr uint32_t kSbBackupBgs = 0x24C;  // sparse_super2: two group numbers
inline constexpr uint32_t kSbChecksumType = 0x175;
inline constexpr uint32_t kSbChecksumSeed = 0x270;
inline constexpr uint32_t kSbChecksum = 0x3FC;
inline constexpr uint8_t kChecksumTypeCrc32c = 1;

// ---- Block group descriptor (ext2-doc §3.4), 32 bytes each, in the blocks
// right after the superblock's block.

struct GroupDesc {
  uint32_t bg_block_bitmap;
  uint32_t bg_inode_bitmap;
  uint32_t bg_inode_table;
  uint16_t bg_free_blocks_count;
  uint16_t bg_free_inodes_count;
  uint16_t bg_used_dirs_count;
  uint16_t bg_flags;  // ext4 (with uninit_bg/metadata_csum); ext2 ignores
  uint8_t bg_reserved[12];
};
static_assert(sizeof(GroupDesc) == 32);

// Fields of a descriptor beyond the ext2 ones (byte offsets; 64bit
// descriptors are s_desc_size bytes, the first 32 as above).
inline constexpr uint32_t kGdBlockBitmapCsumLo = 0x18;
inline constexpr uint32_t kGdInodeBitmapCsumLo = 0x1A;
inline constexpr uint32_t kGdItableUnusedLo = 0x1C;
inline constexpr uint32_t kGdChecksum = 0x1E;
inline constexpr uint32_t kGdBlockBitmapHi = 0x20;
inline constexpr uint32_t kGdInodeBitmapHi = 0x24;
inline constexpr uint32_t kGdInodeTableHi = 0x28;
inline constexpr uint32_t kGdFreeBlocksHi = 0x2C;
inline constexpr uint32_t kGdFreeInodesHi = 0x2E;
inline constexpr uint32_t kGdUsedDirsHi = 0x30;
inline constexpr uint32_t kGdItableUnusedHi = 0x32;
inline constexpr uint32_t kGdBlockBitmapCsumHi = 0x38;
inline constexpr uint32_t kGdInodeBitmapCsumHi = 0x3A;
inline constexpr uint32_t kGdSize64 = 64;
inline constexpr uint32_t kMaxDescSize = 1024;
// bg_flags.
inline constexpr uint16_t kBgInodeUninit = 0x0001;  // inode bitmap not initialized: all free
inline constexpr uint16_t kBgBlockUninit = 0x0002;  // block bitmap not initialized: computed
inline constexpr uint16_t kBgInodeZeroed = 0x0004;

// ---- Inode (ext2-doc §3.5): s_inode_size bytes; the first 128 are these.

inline constexpr uint32_t kNumDirectBlocks = 12;
inline constexpr uint32_t kIndirectSlot = 12;
inline constexpr uint32_t kDoubleIndirectSlot = 13;
inline constexpr uint32_t kTripleIndirectSlot = 14;
inline constexpr uint32_t kNumBlockSlots = 15;
/// A fast symlink keeps its target in i_block: up to 59 bytes + NUL.
inline constexpr uint32_t kFastSymlinkMax = kNumBlockSlots * 4 - 1;

struct DiskInode {
  uint16_t i_mode;
  uint16_t i_uid;
  uint32_t i_size;
  uint32_t i_atime;
  uint32_t i_ctime;
  uint32_t i_mtime;
  uint32_t i_dtime;
  uint16_t i_gid;
  uint16_t i_links_count;
  uint32_t i_blocks;  // 512-byte units, data + indirect + xattr blocks
  uint32_t i_flags;
  uint32_t i_osd1;
  uint32_t i_block[kNumBlockSlots];
  uint32_t i_generation;
  uint32_t i_file_acl;   // extended-attribute block
  uint32_t i_size_high;  // i_dir_acl in revision 0; regular files: size bits 32..63
  uint32_t i_faddr;
  // osd2 (Linux).
  uint16_t l_i_blocks_hi;  // huge_file only
  uint16_t l_i_file_acl_high;
  uint16_t l_i_uid_high;
  uint16_t l_i_gid_high;
  uint16_t l_i_checksum_lo;
  uint16_t l_i_reserved;
};
static_assert(sizeof(DiskInode) == 128);
static_assert(offsetof(DiskInode, i_block) == 40);
static_assert(offsetof(DiskInode, i_file_acl) == 104);
static_assert(offsetof(DiskInode, l_i_uid_high) == 120);

/// Large inodes (s_inode_size > 128) continue with i_extra_isize (ext4
/// layout): the number of bytes past 128 that hold the fields below.
inline constexpr uint32_t kExtraIsizeOffset = 128;
inline constexpr uint32_t kCrtimeOffset = 144;
/// i_ctime_extra, i_mtime_extra, i_atime_extra: nanoseconds << 2 | epoch bits.
inline constexpr uint32_t kCtimeExtraOffset = 132;
inline constexpr uint32_t kMtimeExtraOffset = 136;
inline constexpr uint32_t kAtimeExtraOffset = 140;
/// What mke2fs gives new inodes (s_want_extra_isize): up to i_crtime_extra.
inline constexpr uint16_t kDefaultExtraIsize = 32;
/// The high half of the inode checksum (metadata_csum), when i_extra_isize >= 4.
inline constexpr uint32_t kChecksumHiOffset = 130;
inline constexpr uint32_t kChecksumLoOffset = offsetof(DiskInode, l_i_checksum_lo);

// i_mode type bits (ext2-doc §3.5.1).
inline constexpr uint16_t kModeTypeMask = 0xF000;
inline constexpr uint16_t kModeFifo = 0x1000;
inline constexpr uint16_t kModeChar = 0x2000;
inline constexpr uint16_t kModeDir = 0x4000;
inline constexpr uint16_t kModeBlock = 0x6000;
inline constexpr uint16_t kModeRegular = 0x8000;
inline constexpr uint16_t kModeSymlink = 0xA000;
inline constexpr uint16_t kModeSocket = 0xC000;
inline constexpr uint16_t kModePermMask = 0x0FFF;

// i_flags (ext2-doc §3.5.8, ext4 additions).
inline constexpr uint32_t kFlagIndex = 0x00001000;  // htree directory
inline constexpr uint32_t kFlagImagic = 0x00002000;
inline constexpr uint32_t kFlagHugeFile = 0x00040000;  // i_blocks counts file-system blocks
inline constexpr uint32_t kFlagExtents = 0x00080000;   // ext4 extent tree
inline constexpr uint32_t kFlagEaInode = 0x00200000;
inline constexpr uint32_t kFlagInlineData = 0x10000000;
/// Flags whose inodes this implementation cannot interpret.
inline constexpr uint32_t kUnsupportedInodeFlags = kFlagEaInode | kFlagInlineData | kFlagHugeFile;

/// The most links an inode may have (EXT2_LINK_MAX).
inline constexpr uint32_t kLinkMax = 32000;
/// With dir_nlink (ext4): a directory's count goes to 1 ("many") at this.
inline constexpr uint32_t kDirNlinkMax = 65000;

// ---- Linked directory entries (ext2-doc §4.1).

struct DirEntryHeader {
  uint32_t inode;
  uint16_t rec_len;
  uint8_t name_len;
  uint8_t file_type;  // revision 1 with the filetype feature; else name_len's high byte
};
static_assert(sizeof(DirEntryHeader) == 8);

inline constexpr uint32_t kDirEntryHeaderSize = 8;
inline constexpr uint32_t kMaxNameLength = 255;

/// The bytes an entry with a name of `name_len` needs (EXT2_DIR_REC_LEN).
constexpr uint32_t DirEntrySize(uint32_t name_len) {
  return (kDirEntryHeaderSize + name_len + 3) & ~3u;
}

// file_type values (ext2-doc §4.1.2).
inline constexpr uint8_t kFtUnknown = 0;
inline constexpr uint8_t kFtRegular = 1;
inline constexpr uint8_t kFtDir = 2;
inline constexpr uint8_t kFtChar = 3;
inline constexpr uint8_t kFtBlock = 4;
inline constexpr uint8_t kFtFifo = 5;
inline constexpr uint8_t kFtSocket = 6;
inline constexpr uint8_t kFtSymlink = 7;
inline constexpr uint8_t kFtMax = 8;

/// The checksum tail of a leaf directory block (metadata_csum): a fake
/// entry of 12 bytes at the block's end (inode 0, rec_len 12, name_len 0,
/// file_type 0xDE, then the crc32c of the block before it).
inline constexpr uint32_t kDirTailSize = 12;
inline constexpr uint8_t kDirTailFileType = 0xDE;

// ---- htree (dir_index) nodes: the root (in block 0 after "." and "..") and
// interior nodes (a fake empty entry spanning the block), each an array of
// {hash, block} entries headed by {limit, count}; with metadata_csum an
// 8-byte tail {reserved, checksum} follows the `limit` entries.
inline constexpr uint32_t kDxRootCountOffset = 32;
inline constexpr uint32_t kDxNodeCountOffset = 8;
inline constexpr uint32_t kDxTailSize = 8;

// ---- Extent trees (ext4, EXT4_EXTENTS_FL): a 12-byte header then 12-byte
// entries, in i_block (4 entries) or in a block (with metadata_csum the
// 4-byte checksum follows the eh_max entries).

inline constexpr uint16_t kExtentMagic = 0xF30A;
inline constexpr uint32_t kExtentMaxDepth = 5;
/// ee_len above this marks an unwritten (preallocated, reads as zeros)
/// extent of ee_len - kExtentInitMax blocks.
inline constexpr uint32_t kExtentInitMax = 32768;

struct ExtentHeader {
  uint16_t eh_magic;
  uint16_t eh_entries;
  uint16_t eh_max;
  uint16_t eh_depth;  // 0: the entries are extents (a leaf)
  uint32_t eh_generation;
};
static_assert(sizeof(ExtentHeader) == 12);

struct ExtentLeaf {
  uint32_t ee_block;  // first file block
  uint16_t ee_len;
  uint16_t ee_start_hi;
  uint32_t ee_start_lo;
};
static_assert(sizeof(ExtentLeaf) == 12);

struct ExtentIndex {
  uint32_t ei_block;  // first file block of the subtree
  uint32_t ei_leaf_lo;
  uint16_t ei_leaf_hi;
  uint16_t ei_unused;
};
static_assert(sizeof(ExtentIndex) == 12);

// ---- Extended-attribute block header (e2fsprogs ext2_ext_attr.h): only the
// reference count matters here, to release the block when an inode goes.

inline constexpr uint32_t kXattrMagic = 0xEA020000;

struct XattrHeader {
  uint32_t h_magic;
  uint32_t h_refcount;
  uint32_t h_blocks;
  uint32_t h_hash;
  uint32_t h_checksum;
  uint32_t h_reserved[3];
};
static_assert(sizeof(XattrHeader) == 32);

}  // namespace servers::fs::ext2
