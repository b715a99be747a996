// abi/linux/stat.h, statfs.h and dirent.h against the host's headers.

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/stat.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include "abi/linux/abi_test_util.h"
#include "abi/linux/dirent.h"
#include "abi/linux/stat.h"
#include "abi/linux/statfs.h"

namespace linux_abi {
namespace {

// glibc's x86-64 struct stat is the kernel's (arch/x86/include/uapi/asm/stat.h).
TEST(StatAbiTest, StructStatMatchesTheHost) {
  EXPECT_EQ(sizeof(Stat), sizeof(struct stat));
  EXPECT_SAME_OFFSET(Stat, st_dev, struct stat, st_dev);
  EXPECT_SAME_OFFSET(Stat, st_ino, struct stat, st_ino);
  EXPECT_SAME_OFFSET(Stat, st_nlink, struct stat, st_nlink);
  EXPECT_SAME_OFFSET(Stat, st_mode, struct stat, st_mode);
  EXPECT_SAME_OFFSET(Stat, st_uid, struct stat, st_uid);
  EXPECT_SAME_OFFSET(Stat, st_gid, struct stat, st_gid);
  EXPECT_SAME_OFFSET(Stat, st_rdev, struct stat, st_rdev);
  EXPECT_SAME_OFFSET(Stat, st_size, struct stat, st_size);
  EXPECT_SAME_OFFSET(Stat, st_blksize, struct stat, st_blksize);
  EXPECT_SAME_OFFSET(Stat, st_blocks, struct stat, st_blocks);
  EXPECT_SAME_OFFSET(Stat, st_atim, struct stat, st_atim);
  EXPECT_SAME_OFFSET(Stat, st_mtim, struct stat, st_mtim);
  EXPECT_SAME_OFFSET(Stat, st_ctim, struct stat, st_ctim);
}

TEST(StatAbiTest, StructStatxMatchesTheKernelHeader) {
  EXPECT_EQ(sizeof(Statx), sizeof(struct statx));
  EXPECT_SAME_OFFSET(Statx, stx_mask, struct statx, stx_mask);
  EXPECT_SAME_OFFSET(Statx, stx_blksize, struct statx, stx_blksize);
  EXPECT_SAME_OFFSET(Statx, stx_attributes, struct statx, stx_attributes);
  EXPECT_SAME_OFFSET(Statx, stx_nlink, struct statx, stx_nlink);
  EXPECT_SAME_OFFSET(Statx, stx_uid, struct statx, stx_uid);
  EXPECT_SAME_OFFSET(Statx, stx_gid, struct statx, stx_gid);
  EXPECT_SAME_OFFSET(Statx, stx_mode, struct statx, stx_mode);
  EXPECT_SAME_OFFSET(Statx, stx_ino, struct statx, stx_ino);
  EXPECT_SAME_OFFSET(Statx, stx_size, struct statx, stx_size);
  EXPECT_SAME_OFFSET(Statx, stx_blocks, struct statx, stx_blocks);
  EXPECT_SAME_OFFSET(Statx, stx_attributes_mask, struct statx, stx_attributes_mask);
  EXPECT_SAME_OFFSET(Statx, stx_atime, struct statx, stx_atime);
  EXPECT_SAME_OFFSET(Statx, stx_btime, struct statx, stx_btime);
  EXPECT_SAME_OFFSET(Statx, stx_ctime, struct statx, stx_ctime);
  EXPECT_SAME_OFFSET(Statx, stx_mtime, struct statx, stx_mtime);
  EXPECT_SAME_OFFSET(Statx, stx_rdev_major, struct statx, stx_rdev_major);
  EXPECT_SAME_OFFSET(Statx, stx_rdev_minor, struct statx, stx_rdev_minor);
  EXPECT_SAME_OFFSET(Statx, stx_dev_major, struct statx, stx_dev_major);
  EXPECT_SAME_OFFSET(Statx, stx_dev_minor, struct statx, stx_dev_minor);
  EXPECT_EQ(sizeof(StatxTimestamp), sizeof(struct statx_timestamp));
  EXPECT_SAME_VALUE(kStatxType, STATX_TYPE);
  EXPECT_SAME_VALUE(kStatxMode, STATX_MODE);
  EXPECT_SAME_VALUE(kStatxNlink, STATX_NLINK);
  EXPECT_SAME_VALUE(kStatxUid, STATX_UID);
  EXPECT_SAME_VALUE(kStatxGid, STATX_GID);
  EXPECT_SAME_VALUE(kStatxAtime, STATX_ATIME);
  EXPECT_SAME_VALUE(kStatxMtime, STATX_MTIME);
  EXPECT_SAME_VALUE(kStatxCtime, STATX_CTIME);
  EXPECT_SAME_VALUE(kStatxIno, STATX_INO);
  EXPECT_SAME_VALUE(kStatxSize, STATX_SIZE);
  EXPECT_SAME_VALUE(kStatxBlocks, STATX_BLOCKS);
  EXPECT_SAME_VALUE(kStatxBasicStats, STATX_BASIC_STATS);
  EXPECT_SAME_VALUE(kStatxBtime, STATX_BTIME);
  EXPECT_SAME_VALUE(kStatxMntId, STATX_MNT_ID);
}

TEST(StatAbiTest, ModeBits) {
  EXPECT_SAME_VALUE(kModeTypeMask, S_IFMT);
  EXPECT_SAME_VALUE(kModeSocket, S_IFSOCK);
  EXPECT_SAME_VALUE(kModeSymlink, S_IFLNK);
  EXPECT_SAME_VALUE(kModeRegular, S_IFREG);
  EXPECT_SAME_VALUE(kModeBlockDevice, S_IFBLK);
  EXPECT_SAME_VALUE(kModeDirectory, S_IFDIR);
  EXPECT_SAME_VALUE(kModeCharDevice, S_IFCHR);
  EXPECT_SAME_VALUE(kModeFifo, S_IFIFO);
  EXPECT_SAME_VALUE(kModeSetUid, S_ISUID);
  EXPECT_SAME_VALUE(kModeSetGid, S_ISGID);
  EXPECT_SAME_VALUE(kModeSticky, S_ISVTX);
  EXPECT_SAME_VALUE(kModePermissionMask, S_ISUID | S_ISGID | S_ISVTX | S_IRWXU | S_IRWXG | S_IRWXO);
  EXPECT_SAME_VALUE(kUtimeNow, UTIME_NOW);
  EXPECT_SAME_VALUE(kUtimeOmit, UTIME_OMIT);
}

TEST(StatAbiTest, DeviceNumbersEncodeLikeTheLibc) {
  for (uint32_t major : {0u, 1u, 4u, 8u, 255u, 4095u, 4096u, 100000u}) {
    for (uint32_t minor : {0u, 3u, 64u, 255u, 256u, 1u << 19}) {
      uint64_t dev = MakeDev(major, minor);
      EXPECT_EQ(dev, makedev(major, minor));
      EXPECT_EQ(DevMajor(dev), major);
      EXPECT_EQ(DevMinor(dev), minor);
    }
  }
}

TEST(StatfsAbiTest, StructStatfsMatchesTheHost) {
  EXPECT_EQ(sizeof(Statfs), sizeof(struct statfs));
  EXPECT_SAME_OFFSET(Statfs, f_type, struct statfs, f_type);
  EXPECT_SAME_OFFSET(Statfs, f_bsize, struct statfs, f_bsize);
  EXPECT_SAME_OFFSET(Statfs, f_blocks, struct statfs, f_blocks);
  EXPECT_SAME_OFFSET(Statfs, f_bfree, struct statfs, f_bfree);
  EXPECT_SAME_OFFSET(Statfs, f_bavail, struct statfs, f_bavail);
  EXPECT_SAME_OFFSET(Statfs, f_files, struct statfs, f_files);
  EXPECT_SAME_OFFSET(Statfs, f_ffree, struct statfs, f_ffree);
  EXPECT_SAME_OFFSET(Statfs, f_fsid, struct statfs, f_fsid);
  EXPECT_SAME_OFFSET(Statfs, f_namelen, struct statfs, f_namelen);
  EXPECT_SAME_OFFSET(Statfs, f_frsize, struct statfs, f_frsize);
  EXPECT_SAME_OFFSET(Statfs, f_flags, struct statfs, f_flags);
}

TEST(StatfsAbiTest, FlagsAndMagics) {
  EXPECT_SAME_VALUE(kStReadOnly, ST_RDONLY);
  EXPECT_SAME_VALUE(kStNoSuid, ST_NOSUID);
  EXPECT_SAME_VALUE(kStNoDev, ST_NODEV);
  EXPECT_SAME_VALUE(kStNoExec, ST_NOEXEC);
  EXPECT_SAME_VALUE(kStSynchronous, ST_SYNCHRONOUS);
  EXPECT_SAME_VALUE(kStNoAtime, ST_NOATIME);
  EXPECT_SAME_VALUE(kStNoDirAtime, ST_NODIRATIME);
  EXPECT_SAME_VALUE(kStRelatime, ST_RELATIME);
  EXPECT_SAME_VALUE(kRamfsMagic, RAMFS_MAGIC);
  EXPECT_SAME_VALUE(kTmpfsMagic, TMPFS_MAGIC);
  EXPECT_SAME_VALUE(kProcMagic, PROC_SUPER_MAGIC);
}

TEST(DirentAbiTest, Dirent64Layout) {
  EXPECT_SAME_OFFSET(Dirent64, d_ino, struct dirent64, d_ino);
  EXPECT_SAME_OFFSET(Dirent64, d_off, struct dirent64, d_off);
  EXPECT_SAME_OFFSET(Dirent64, d_reclen, struct dirent64, d_reclen);
  EXPECT_SAME_OFFSET(Dirent64, d_type, struct dirent64, d_type);
  EXPECT_EQ(kDirent64HeaderSize, offsetof(struct dirent64, d_name));
}

TEST(DirentAbiTest, Types) {
  EXPECT_SAME_VALUE(kDirentUnknown, DT_UNKNOWN);
  EXPECT_SAME_VALUE(kDirentFifo, DT_FIFO);
  EXPECT_SAME_VALUE(kDirentCharDevice, DT_CHR);
  EXPECT_SAME_VALUE(kDirentDirectory, DT_DIR);
  EXPECT_SAME_VALUE(kDirentBlockDevice, DT_BLK);
  EXPECT_SAME_VALUE(kDirentRegular, DT_REG);
  EXPECT_SAME_VALUE(kDirentSymlink, DT_LNK);
  EXPECT_SAME_VALUE(kDirentSocket, DT_SOCK);
}

}  // namespace
}  // namespace linux_abi
