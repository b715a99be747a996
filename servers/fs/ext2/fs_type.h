#pragma once

// The name an ext2-family image is mounted as: ext2, ext3 or ext4. One
// implementation serves all three (as Linux's ext4 driver does), but the
// name mount(2) gives decides which images mount, by Linux's rules
// (fs/ext4/super.c, ext2_feature_set_ok and ext3_feature_set_ok):
//   - ext2: no incompatible feature beyond filetype and meta_bg; read-write
//     also no read-only-compatible one beyond sparse_super, large_file and
//     btree_dir.
//   - ext3: the ext2 rules, plus needs_recovery allowed, and has_journal
//     required.
//   - ext4: every feature this implementation knows (ext2.cc checks them).
// An image mounted without a name (the root, which no mount(2) names) is
// called what blkid calls it: ext4 if it has a feature ext3 lacks, ext3 if
// it has a journal, ext2 otherwise. Portable and host-tested.

#include <stdint.h>

namespace servers::fs::ext2 {

enum class FsType : uint8_t { kAny = 0, kExt2 = 2, kExt3 = 3, kExt4 = 4 };

/// "ext2", "ext3", "ext4"; "ext2" for kAny.
const char* FsTypeName(FsType type);

/// "ext2"/"ext3"/"ext4" to the type; false for anything else.
bool ParseFsType(const char* name, FsType* out);

/// The superblock's three feature words.
struct Features {
  uint32_t compat = 0;
  uint32_t incompat = 0;
  uint32_t ro_compat = 0;
};

/// blkid's name for an image with `f`.
FsType FsTypeOf(const Features& f);

/// Whether Linux mounts an image with `f` as `type` (kAny and kExt4: yes;
/// the features ext4 lacks are ext2.cc's to refuse).
bool MountsAs(FsType type, const Features& f, bool read_only);

}  // namespace servers::fs::ext2
