#include "servers/fs/ext2/fs_type.h"

#include <gtest/gtest.h>

#include "servers/fs/ext2/format.h"

namespace servers::fs::ext2 {
namespace {

// What mke2fs -t ext2/ext3/ext4 turn on (Debian 12's mke2fs.conf).
constexpr Features kMke2fsExt2{kCompatExtAttr | kCompatResizeInode | kCompatDirIndex,
                               kIncompatFiletype, kRoCompatSparseSuper | kRoCompatLargeFile};
constexpr Features kMke2fsExt3{kMke2fsExt2.compat | kCompatHasJournal, kMke2fsExt2.incompat,
                               kMke2fsExt2.ro_compat};
constexpr Features kMke2fsExt4{
    kMke2fsExt3.compat, kIncompatFiletype | kIncompatExtents | kIncompat64Bit | kIncompatFlexBg,
    kRoCompatSparseSuper | kRoCompatLargeFile | kRoCompatHugeFile | kRoCompatDirNlink |
        kRoCompatExtraIsize | kRoCompatMetadataCsum};

TEST(FsType, NamesAsBlkid) {
  EXPECT_EQ(FsTypeOf(kMke2fsExt2), FsType::kExt2);
  EXPECT_EQ(FsTypeOf(kMke2fsExt3), FsType::kExt3);
  EXPECT_EQ(FsTypeOf(kMke2fsExt4), FsType::kExt4);
  // An ext3 image whose journal needs replay is still ext3.
  Features recovering = kMke2fsExt3;
  recovering.incompat |= kIncompatRecover;
  EXPECT_EQ(FsTypeOf(recovering), FsType::kExt3);
  // One ext4 feature is enough, with or without a journal.
  Features extents = kMke2fsExt2;
  extents.incompat |= kIncompatExtents;
  EXPECT_EQ(FsTypeOf(extents), FsType::kExt4);
  Features dir_nlink = kMke2fsExt2;
  dir_nlink.ro_compat |= kRoCompatDirNlink;
  EXPECT_EQ(FsTypeOf(dir_nlink), FsType::kExt4);
}

TEST(FsType, Ext2MountsOnlyExt2Features) {
  EXPECT_TRUE(MountsAs(FsType::kExt2, kMke2fsExt2, false));
  // A journal is a compatible feature: ext2 ignores it.
  EXPECT_TRUE(MountsAs(FsType::kExt2, kMke2fsExt3, false));
  EXPECT_FALSE(MountsAs(FsType::kExt2, kMke2fsExt4, false));
  EXPECT_FALSE(MountsAs(FsType::kExt2, kMke2fsExt4, true));  // extents are incompatible
  // A journal that needs replay cannot be ignored.
  Features recovering = kMke2fsExt3;
  recovering.incompat |= kIncompatRecover;
  EXPECT_FALSE(MountsAs(FsType::kExt2, recovering, false));
  // Read-only-compatible extras refuse a read-write mount only.
  Features huge = kMke2fsExt2;
  huge.ro_compat |= kRoCompatHugeFile;
  EXPECT_FALSE(MountsAs(FsType::kExt2, huge, false));
  EXPECT_TRUE(MountsAs(FsType::kExt2, huge, true));
}

TEST(FsType, Ext3NeedsAJournal) {
  EXPECT_FALSE(MountsAs(FsType::kExt3, kMke2fsExt2, false));
  EXPECT_FALSE(MountsAs(FsType::kExt3, kMke2fsExt2, true));
  EXPECT_TRUE(MountsAs(FsType::kExt3, kMke2fsExt3, false));
  Features recovering = kMke2fsExt3;
  recovering.incompat |= kIncompatRecover;
  EXPECT_TRUE(MountsAs(FsType::kExt3, recovering, false));
  EXPECT_FALSE(MountsAs(FsType::kExt3, kMke2fsExt4, false));
  Features huge = kMke2fsExt3;
  huge.ro_compat |= kRoCompatHugeFile;
  EXPECT_FALSE(MountsAs(FsType::kExt3, huge, false));
  EXPECT_TRUE(MountsAs(FsType::kExt3, huge, true));
}

TEST(FsType, Ext4AndUnnamedMountEverything) {
  for (const Features& f : {kMke2fsExt2, kMke2fsExt3, kMke2fsExt4}) {
    EXPECT_TRUE(MountsAs(FsType::kExt4, f, false));
    EXPECT_TRUE(MountsAs(FsType::kAny, f, false));
  }
}

TEST(FsType, ParsesTheThreeNames) {
  FsType t = FsType::kAny;
  EXPECT_TRUE(ParseFsType("ext3", &t));
  EXPECT_EQ(t, FsType::kExt3);
  EXPECT_TRUE(ParseFsType("ext4", &t));
  EXPECT_EQ(t, FsType::kExt4);
  EXPECT_TRUE(ParseFsType("ext2", &t));
  EXPECT_EQ(t, FsType::kExt2);
  EXPECT_FALSE(ParseFsType("ext", &t));
  EXPECT_FALSE(ParseFsType("ext44", &t));
  EXPECT_FALSE(ParseFsType("", &t));
  EXPECT_STREQ(FsTypeName(FsType::kAny), "ext2");
  EXPECT_STREQ(FsTypeName(FsType::kExt4), "ext4");
}

}  // namespace
}  // namespace servers::fs::ext2
