// Checks the Linux ABI layouts in linux_abi.h against the host's own C library
// and kernel headers (the host is Linux x86-64, the ABI Tessera speaks).

#include "core/vfs/linux_abi.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <linux/stat.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <cstddef>

#include "core/vfs/vnode.h"

namespace core::vfs {
namespace {

#define EXPECT_SAME_OFFSET(ours, field, theirs, their_field) \
  EXPECT_EQ(offsetof(ours, field), offsetof(theirs, their_field)) << #field

TEST(LinuxAbiTest, StructStatMatchesTheHost) {
  EXPECT_EQ(sizeof(LinuxStat), sizeof(struct stat));
  EXPECT_SAME_OFFSET(LinuxStat, st_dev, struct stat, st_dev);
  EXPECT_SAME_OFFSET(LinuxStat, st_ino, struct stat, st_ino);
  EXPECT_SAME_OFFSET(LinuxStat, st_nlink, struct stat, st_nlink);
  EXPECT_SAME_OFFSET(LinuxStat, st_mode, struct stat, st_mode);
  EXPECT_SAME_OFFSET(LinuxStat, st_uid, struct stat, st_uid);
  EXPECT_SAME_OFFSET(LinuxStat, st_gid, struct stat, st_gid);
  EXPECT_SAME_OFFSET(LinuxStat, st_rdev, struct stat, st_rdev);
  EXPECT_SAME_OFFSET(LinuxStat, st_size, struct stat, st_size);
  EXPECT_SAME_OFFSET(LinuxStat, st_blksize, struct stat, st_blksize);
  EXPECT_SAME_OFFSET(LinuxStat, st_blocks, struct stat, st_blocks);
  EXPECT_SAME_OFFSET(LinuxStat, st_atim, struct stat, st_atim);
  EXPECT_SAME_OFFSET(LinuxStat, st_mtim, struct stat, st_mtim);
  EXPECT_SAME_OFFSET(LinuxStat, st_ctim, struct stat, st_ctim);
}

TEST(LinuxAbiTest, StructStatxMatchesTheKernelHeader) {
  EXPECT_EQ(sizeof(LinuxStatx), sizeof(struct statx));
  EXPECT_SAME_OFFSET(LinuxStatx, stx_mask, struct statx, stx_mask);
  EXPECT_SAME_OFFSET(LinuxStatx, stx_blksize, struct statx, stx_blksize);
  EXPECT_SAME_OFFSET(LinuxStatx, stx_attributes, struct statx, stx_attributes);
  EXPECT_SAME_OFFSET(LinuxStatx, stx_nlink, struct statx, stx_nlink);
  EXPECT_SAME_OFFSET(LinuxStatx, stx_uid, struct statx, stx_uid);
  EXPECT_SAME_OFFSET(LinuxStatx, stx_gid, struct statx, stx_gid);
  EXPECT_SAME_OFFSET(LinuxStatx, stx_mode, struct statx, stx_mode);
  EXPECT_SAME_OFFSET(LinuxStatx, stx_ino, struct statx, stx_ino);
  EXPECT_SAME_OFFSET(LinuxStatx, stx_size, struct statx, stx_size);
  EXPECT_SAME_OFFSET(LinuxStatx, stx_blocks, struct statx, stx_blocks);
  EXPECT_SAME_OFFSET(LinuxStatx, stx_attributes_mask, struct statx, stx_attributes_mask);
  EXPECT_SAME_OFFSET(LinuxStatx, stx_atime, struct statx, stx_atime);
  EXPECT_SAME_OFFSET(LinuxStatx, stx_btime, struct statx, stx_btime);
  EXPECT_SAME_OFFSET(LinuxStatx, stx_ctime, struct statx, stx_ctime);
  EXPECT_SAME_OFFSET(LinuxStatx, stx_mtime, struct statx, stx_mtime);
  EXPECT_SAME_OFFSET(LinuxStatx, stx_rdev_major, struct statx, stx_rdev_major);
  EXPECT_SAME_OFFSET(LinuxStatx, stx_rdev_minor, struct statx, stx_rdev_minor);
  EXPECT_SAME_OFFSET(LinuxStatx, stx_dev_major, struct statx, stx_dev_major);
  EXPECT_SAME_OFFSET(LinuxStatx, stx_dev_minor, struct statx, stx_dev_minor);
  EXPECT_EQ(kStatxBasicStats, static_cast<uint32_t>(STATX_BASIC_STATS));
  EXPECT_EQ(kStatxBtime, static_cast<uint32_t>(STATX_BTIME));
}

TEST(LinuxAbiTest, StructStatfsMatchesTheHost) {
  EXPECT_EQ(sizeof(LinuxStatfs), sizeof(struct statfs));
  EXPECT_SAME_OFFSET(LinuxStatfs, f_type, struct statfs, f_type);
  EXPECT_SAME_OFFSET(LinuxStatfs, f_bsize, struct statfs, f_bsize);
  EXPECT_SAME_OFFSET(LinuxStatfs, f_blocks, struct statfs, f_blocks);
  EXPECT_SAME_OFFSET(LinuxStatfs, f_bfree, struct statfs, f_bfree);
  EXPECT_SAME_OFFSET(LinuxStatfs, f_bavail, struct statfs, f_bavail);
  EXPECT_SAME_OFFSET(LinuxStatfs, f_files, struct statfs, f_files);
  EXPECT_SAME_OFFSET(LinuxStatfs, f_ffree, struct statfs, f_ffree);
  EXPECT_SAME_OFFSET(LinuxStatfs, f_fsid, struct statfs, f_fsid);
  EXPECT_SAME_OFFSET(LinuxStatfs, f_namelen, struct statfs, f_namelen);
  EXPECT_SAME_OFFSET(LinuxStatfs, f_frsize, struct statfs, f_frsize);
  EXPECT_SAME_OFFSET(LinuxStatfs, f_flags, struct statfs, f_flags);
  EXPECT_EQ(kRamfsMagic, RAMFS_MAGIC);
  EXPECT_EQ(kTmpfsMagic, TMPFS_MAGIC);
  EXPECT_EQ(kProcMagic, PROC_SUPER_MAGIC);
}

TEST(LinuxAbiTest, Dirent64Layout) {
  EXPECT_EQ(offsetof(LinuxDirent64, d_ino), offsetof(struct dirent64, d_ino));
  EXPECT_EQ(offsetof(LinuxDirent64, d_off), offsetof(struct dirent64, d_off));
  EXPECT_EQ(offsetof(LinuxDirent64, d_reclen), offsetof(struct dirent64, d_reclen));
  EXPECT_EQ(offsetof(LinuxDirent64, d_type), offsetof(struct dirent64, d_type));
  EXPECT_EQ(kDirent64HeaderSize, offsetof(struct dirent64, d_name));
}

TEST(LinuxAbiTest, ModeTypeAndFlagConstants) {
  EXPECT_EQ(kModeTypeMask, static_cast<uint32_t>(S_IFMT));
  EXPECT_EQ(kModeSocket, static_cast<uint32_t>(S_IFSOCK));
  EXPECT_EQ(kModeSymlink, static_cast<uint32_t>(S_IFLNK));
  EXPECT_EQ(kModeRegular, static_cast<uint32_t>(S_IFREG));
  EXPECT_EQ(kModeBlockDevice, static_cast<uint32_t>(S_IFBLK));
  EXPECT_EQ(kModeDirectory, static_cast<uint32_t>(S_IFDIR));
  EXPECT_EQ(kModeCharDevice, static_cast<uint32_t>(S_IFCHR));
  EXPECT_EQ(kModeFifo, static_cast<uint32_t>(S_IFIFO));
  EXPECT_EQ(kDirentRegular, DT_REG);
  EXPECT_EQ(kDirentDirectory, DT_DIR);
  EXPECT_EQ(kDirentSymlink, DT_LNK);
  EXPECT_EQ(kDirentCharDevice, DT_CHR);
  EXPECT_EQ(kDirentBlockDevice, DT_BLK);
  EXPECT_EQ(kDirentFifo, DT_FIFO);
  EXPECT_EQ(kDirentSocket, DT_SOCK);
  EXPECT_EQ(kOpenCreate, static_cast<uint32_t>(O_CREAT));
  EXPECT_EQ(kOpenExclusive, static_cast<uint32_t>(O_EXCL));
  EXPECT_EQ(kOpenTruncate, static_cast<uint32_t>(O_TRUNC));
  EXPECT_EQ(kOpenAppend, static_cast<uint32_t>(O_APPEND));
  EXPECT_EQ(kOpenNonBlock, static_cast<uint32_t>(O_NONBLOCK));
  EXPECT_EQ(kOpenDirectory, static_cast<uint32_t>(O_DIRECTORY));
  EXPECT_EQ(kOpenNoFollow, static_cast<uint32_t>(O_NOFOLLOW));
  EXPECT_EQ(kPollIn, static_cast<uint32_t>(POLLIN));
  EXPECT_EQ(kPollOut, static_cast<uint32_t>(POLLOUT));
  EXPECT_EQ(kUtimeNow, UTIME_NOW);
  EXPECT_EQ(kUtimeOmit, UTIME_OMIT);
}

TEST(LinuxAbiTest, DeviceNumbersEncodeLikeGlibc) {
  for (uint32_t major : {0u, 1u, 4u, 8u, 255u, 4095u, 4096u, 100000u}) {
    for (uint32_t minor : {0u, 3u, 64u, 255u, 256u, 1u << 19}) {
      uint64_t dev = MakeDev(major, minor);
      EXPECT_EQ(dev, makedev(major, minor));
      EXPECT_EQ(DevMajor(dev), major);
      EXPECT_EQ(DevMinor(dev), minor);
    }
  }
}

TEST(LinuxAbiTest, TypeModeAndDirentConversions) {
  for (VnodeType t : {VnodeType::kRegular, VnodeType::kDirectory, VnodeType::kSymlink,
                      VnodeType::kCharDevice, VnodeType::kBlockDevice, VnodeType::kFifo,
                      VnodeType::kSocket}) {
    auto back = TypeFromMode(ModeTypeBits(t) | 0644);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back.value(), t);
    EXPECT_EQ(DirentType(t) << 12, ModeTypeBits(t));  // IFTODT/DTTOIF
  }
  EXPECT_FALSE(TypeFromMode(0).ok());
  EXPECT_FALSE(TypeFromMode(0170000).ok());
}

TEST(LinuxAbiTest, TimespecConversionFloorsNegativeTimes) {
  LinuxTimespec t = ToTimespec(1500000000123456789);
  EXPECT_EQ(t.tv_sec, 1500000000);
  EXPECT_EQ(t.tv_nsec, 123456789);
  t = ToTimespec(-1);
  EXPECT_EQ(t.tv_sec, -1);
  EXPECT_EQ(t.tv_nsec, 999999999);
  EXPECT_EQ(FromTimespec(12, 34), 12000000034);
}

TEST(LinuxAbiTest, StatxFromAttributes) {
  Attributes a;
  a.dev = MakeDev(0, 17);
  a.ino = 99;
  a.mode = kModeRegular | 0600;
  a.nlink = 3;
  a.size = 12345;
  a.blocks = 32;
  a.rdev = MakeDev(4, 64);
  a.mtime = 7 * 1000000000ll + 5;
  LinuxStatx x;
  FillLinuxStatx(a, 4, &x);
  EXPECT_EQ(x.stx_mask & kStatxBasicStats, kStatxBasicStats);
  EXPECT_EQ(x.stx_ino, 99u);
  EXPECT_EQ(x.stx_mode, kModeRegular | 0600);
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
