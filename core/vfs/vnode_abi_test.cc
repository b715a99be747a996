// The VFS's conversions between its attributes and the Linux ABI's
// structures and bits (abi/linux/stat.h, dirent.h).

#include <gtest/gtest.h>

#include "abi/linux/stat.h"
#include "abi/linux/time.h"
#include "core/vfs/vnode.h"

namespace core::vfs {
namespace {

TEST(VnodeAbiTest, TypeModeAndDirentConversions) {
  for (VnodeType t :
       {VnodeType::kRegular, VnodeType::kDirectory, VnodeType::kSymlink, VnodeType::kCharDevice,
        VnodeType::kBlockDevice, VnodeType::kFifo, VnodeType::kSocket}) {
    auto back = TypeFromMode(ModeTypeBits(t) | 0644);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back.value(), t);
    EXPECT_EQ(DirentType(t) << 12, ModeTypeBits(t));  // IFTODT/DTTOIF
  }
  EXPECT_FALSE(TypeFromMode(0).ok());
  EXPECT_FALSE(TypeFromMode(0170000).ok());
}

TEST(VnodeAbiTest, TimespecConversionFloorsNegativeTimes) {
  linux_abi::Timespec t = ToTimespec(1500000000123456789);
  EXPECT_EQ(t.tv_sec, 1500000000);
  EXPECT_EQ(t.tv_nsec, 123456789);
  t = ToTimespec(-1);
  EXPECT_EQ(t.tv_sec, -1);
  EXPECT_EQ(t.tv_nsec, 999999999);
  EXPECT_EQ(FromTimespec(12, 34), 12000000034);
}

TEST(VnodeAbiTest, StatxFromAttributes) {
  Attributes a;
  a.dev = linux_abi::MakeDev(0, 17);
  a.ino = 99;
  a.mode = linux_abi::kModeRegular | 0600;
  a.nlink = 3;
  a.size = 12345;
  a.blocks = 32;
  a.rdev = linux_abi::MakeDev(4, 64);
  a.mtime = 7 * 1000000000ll + 5;
  linux_abi::Statx x;
  FillLinuxStatx(a, 4, &x);
  EXPECT_EQ(x.stx_mask & linux_abi::kStatxBasicStats, linux_abi::kStatxBasicStats);
  EXPECT_EQ(x.stx_ino, 99u);
  EXPECT_EQ(x.stx_mode, linux_abi::kModeRegular | 0600);
  EXPECT_EQ(x.stx_nlink, 3u);
  EXPECT_EQ(x.stx_size, 12345u);
  EXPECT_EQ(x.stx_dev_minor, 17u);
  EXPECT_EQ(x.stx_rdev_major, 4u);
  EXPECT_EQ(x.stx_rdev_minor, 64u);
  EXPECT_EQ(x.stx_mtime.tv_sec, 7);
  EXPECT_EQ(x.stx_mtime.tv_nsec, 5u);
  EXPECT_EQ(x.stx_mnt_id, 4u);
}

}  // namespace
}  // namespace core::vfs
