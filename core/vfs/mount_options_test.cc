#include "core/vfs/mount_options.h"

#include <gtest/gtest.h>

#include "abi/linux/mount.h"
#include "core/vfs/test_support.h"

namespace core::vfs {
namespace {

constexpr uint64_t kRam = 512ull << 20;

MountRequest Decode(uint64_t flags) {
  auto r = DecodeMountFlags(flags);
  EXPECT_TRUE(r.ok()) << std::hex << flags;
  return r.ok() ? r.value() : MountRequest{};
}

TEST(MountOptionsTest, NewMountFlagsAsPathMountReadsThem) {
  // busybox passes MS_SILENT with every mount.
  MountRequest r = Decode(linux_abi::kMsSilent);
  EXPECT_EQ(r.operation, MountOperation::kNew);
  EXPECT_EQ(r.flags, 0u);  // rw, relatime
  EXPECT_FALSE(r.atime_given);
  r = Decode(linux_abi::kMsReadOnly | linux_abi::kMsNoSuid | linux_abi::kMsNoDev |
             linux_abi::kMsNoExec | linux_abi::kMsSynchronous | linux_abi::kMsDirSync |
             linux_abi::kMsLazyTime | linux_abi::kMsNoDirAtime);
  EXPECT_EQ(r.flags, kMountReadOnly | kMountNoSuid | kMountNoDev | kMountNoExec | kMountSync |
                         kMountDirSync | kMountLazyTime | kMountNoDirAtime);
  EXPECT_TRUE(r.atime_given);
  EXPECT_EQ(Decode(linux_abi::kMsNoAtime).flags, kMountNoAtime);
  EXPECT_EQ(Decode(linux_abi::kMsNoAtime | linux_abi::kMsRelatime).flags,
            kMountNoAtime);  // noatime wins
  EXPECT_EQ(Decode(linux_abi::kMsNoAtime | linux_abi::kMsStrictAtime).flags,
            kMountStrictAtime);  // strictatime clears it
  EXPECT_EQ(Decode(linux_abi::kMsRelatime).flags, 0u);
  EXPECT_TRUE(Decode(linux_abi::kMsRelatime).atime_given);
  // The old magic number is dropped; MS_MANDLOCK is ignored, as by Linux 6.
  EXPECT_EQ(Decode(linux_abi::kMsMagicValue | linux_abi::kMsReadOnly).flags, kMountReadOnly);
  EXPECT_EQ(Decode(linux_abi::kMsMandLock).flags, 0u);
  EXPECT_EQ(Decode(linux_abi::kMsRec).operation, MountOperation::kNew);
}

TEST(MountOptionsTest, OperationsInLinuxPrecedence) {
  EXPECT_EQ(Decode(linux_abi::kMsRemount | linux_abi::kMsReadOnly).operation,
            MountOperation::kRemount);
  EXPECT_EQ(Decode(linux_abi::kMsRemount | linux_abi::kMsBind | linux_abi::kMsReadOnly).operation,
            MountOperation::kRemountBind);
  EXPECT_EQ(Decode(linux_abi::kMsRemount | linux_abi::kMsMove).operation, MountOperation::kRemount);
  EXPECT_EQ(Decode(linux_abi::kMsMove).operation, MountOperation::kMove);
  EXPECT_EQ(Decode(linux_abi::kMsPrivate).operation, MountOperation::kPrivate);
  EXPECT_EQ(Decode(linux_abi::kMsPrivate | linux_abi::kMsRec | linux_abi::kMsSilent).operation,
            MountOperation::kPrivate);
  EXPECT_ERR(DecodeMountFlags(linux_abi::kMsPrivate | linux_abi::kMsMove),
             kInvalid);  // checked before move, alone
  EXPECT_EQ(Decode(linux_abi::kMsPrivate | linux_abi::kMsNoSuid).operation,
            MountOperation::kPrivate);  // dropped first
}

TEST(MountOptionsTest, WhatTesseraCannotDoIsEinval) {
  EXPECT_ERR(DecodeMountFlags(linux_abi::kMsBind), kInvalid);  // no bind mounts
  EXPECT_ERR(DecodeMountFlags(linux_abi::kMsBind | linux_abi::kMsRec), kInvalid);
  EXPECT_ERR(DecodeMountFlags(linux_abi::kMsBind | linux_abi::kMsMove),
             kInvalid);                                          // bind before move
  EXPECT_ERR(DecodeMountFlags(linux_abi::kMsShared), kInvalid);  // no propagation
  EXPECT_ERR(DecodeMountFlags(linux_abi::kMsSlave | linux_abi::kMsRec), kInvalid);
  EXPECT_ERR(DecodeMountFlags(linux_abi::kMsUnbindable), kInvalid);
  EXPECT_ERR(DecodeMountFlags(linux_abi::kMsPrivate | linux_abi::kMsShared),
             kInvalid);  // two types
  EXPECT_ERR(DecodeMountFlags(linux_abi::kMsPrivate | linux_abi::kMsReadOnly),
             kInvalid);  // Linux: not a pure change
  EXPECT_ERR(DecodeMountFlags(linux_abi::kMsNoSymFollow), kInvalid);
  EXPECT_ERR(DecodeMountFlags(linux_abi::kMsPosixAcl), kInvalid);
  EXPECT_ERR(DecodeMountFlags(linux_abi::kMsIVersion), kInvalid);
  EXPECT_ERR(DecodeMountFlags(linux_abi::kMsNoUser), kInvalid);
  EXPECT_ERR(DecodeMountFlags(1 << 22), kInvalid);  // MS_KERNMOUNT: the kernel's own
  EXPECT_ERR(DecodeMountFlags(uint64_t{1} << 40), kInvalid);
  EXPECT_ERR(DecodeMountFlags(linux_abi::kMsMagicValue | (uint64_t{1} << 40)), kInvalid);
  // What was refused, for /proc/tessera/unsupported.
  uint64_t refused = 1;
  EXPECT_ERR(
      DecodeMountFlags(linux_abi::kMsBind | linux_abi::kMsRec | linux_abi::kMsSilent, &refused),
      kInvalid);
  EXPECT_EQ(refused, linux_abi::kMsBind);
  EXPECT_ERR(DecodeMountFlags(linux_abi::kMsSlave | linux_abi::kMsRec, &refused), kInvalid);
  EXPECT_EQ(refused, linux_abi::kMsSlave);
  EXPECT_ERR(
      DecodeMountFlags(linux_abi::kMsNoSymFollow | linux_abi::kMsReadOnly | (uint64_t{1} << 40),
                       &refused),
      kInvalid);
  EXPECT_EQ(refused, linux_abi::kMsNoSymFollow | (uint64_t{1} << 40));
  ASSERT_OK(DecodeMountFlags(linux_abi::kMsReadOnly, &refused));
  EXPECT_EQ(refused, 0u);
}

TEST(MountOptionsTest, RemountKeepsTheAtimeModeUnlessNamed) {
  MountRequest ro = Decode(linux_abi::kMsRemount | linux_abi::kMsReadOnly);
  EXPECT_EQ(RemountFlags(ro, kMountNoAtime | kMountNoExec), kMountReadOnly | kMountNoAtime);
  MountRequest strict = Decode(linux_abi::kMsRemount | linux_abi::kMsStrictAtime);
  EXPECT_EQ(RemountFlags(strict, kMountNoAtime | kMountReadOnly), kMountStrictAtime);
  MountRequest relatime = Decode(linux_abi::kMsRemount | linux_abi::kMsRelatime);
  EXPECT_EQ(RemountFlags(relatime, kMountNoAtime | kMountNoDirAtime), 0u);
}

TmpfsOptions Tmpfs(const char* data, uint32_t* flags = nullptr) {
  uint32_t scratch = 0;
  auto r = ParseTmpfsOptions(Name(data), kRam, flags != nullptr ? flags : &scratch);
  EXPECT_TRUE(r.ok()) << data;
  return r.ok() ? r.value() : TmpfsOptions{};
}

TEST(MountOptionsTest, TmpfsSizes) {
  TmpfsOptions o = Tmpfs("");
  EXPECT_FALSE(o.size_set);
  EXPECT_FALSE(o.inodes_set);
  EXPECT_EQ(o.mode, 01777u);
  o = Tmpfs("size=64k");
  EXPECT_TRUE(o.size_set);
  EXPECT_EQ(o.max_bytes, 65536u);
  EXPECT_EQ(Tmpfs("size=100000").max_bytes, 25u * 4096);  // whole pages, rounded up
  EXPECT_EQ(Tmpfs("size=1M").max_bytes, 1u << 20);
  EXPECT_EQ(Tmpfs("size=2g").max_bytes, 2ull << 30);
  EXPECT_EQ(Tmpfs("size=0x1000").max_bytes, 4096u);
  EXPECT_EQ(Tmpfs("size=010").max_bytes, 4096u);  // octal 8 bytes: one page
  EXPECT_EQ(Tmpfs("size=0").max_bytes, 0u);       // no limit
  EXPECT_TRUE(Tmpfs("size=0").size_set);
  EXPECT_EQ(Tmpfs("size=50%").max_bytes, kRam / 2);
  EXPECT_EQ(Tmpfs("size=1%").max_bytes, (kRam / 100 + 4095) / 4096 * 4096);
  EXPECT_EQ(Tmpfs("nr_blocks=16").max_bytes, 16u * 4096);
  EXPECT_EQ(Tmpfs("nr_blocks=1k").max_bytes, 1024u * 4096);
  o = Tmpfs("nr_inodes=3");
  EXPECT_TRUE(o.inodes_set);
  EXPECT_EQ(o.max_inodes, 3u);
  EXPECT_EQ(Tmpfs("nr_inodes=2k").max_inodes, 2048u);
  EXPECT_EQ(Tmpfs("size=1m,size=2m").max_bytes, 2u << 20);  // the last one counts
  EXPECT_EQ(TmpfsDefaultMaxBytes(kRam), kRam / 2);
  EXPECT_EQ(TmpfsDefaultMaxInodes(kRam), kRam / 4096 / 2);
}

TEST(MountOptionsTest, TmpfsModeOwnerAndAcceptedWords) {
  TmpfsOptions o = Tmpfs("mode=700,uid=1000,gid=100");
  EXPECT_TRUE(o.mode_set);
  EXPECT_EQ(o.mode, 0700u);
  EXPECT_EQ(o.uid, 1000u);
  EXPECT_EQ(o.gid, 100u);
  EXPECT_EQ(Tmpfs("mode=41777").mode, 01777u);     // only the permission bits
  EXPECT_EQ(Tmpfs(",,mode=1755,,").mode, 01755u);  // empty options are skipped
  EXPECT_FALSE(Tmpfs("huge=never,inode64,noswap").size_set);
  uint32_t flags = kMountNoExec;
  Tmpfs("ro,sync,dirsync,lazytime,mand", &flags);
  EXPECT_EQ(flags, kMountNoExec | kMountReadOnly | kMountSync | kMountDirSync | kMountLazyTime);
  Tmpfs("rw,async,nolazytime,nomand", &flags);
  EXPECT_EQ(flags, kMountNoExec | kMountDirSync);
}

TEST(MountOptionsTest, TmpfsGarbageIsEinval) {
  uint32_t flags = 0;
  for (const char* bad : {"bogus",          "bogus=1",
                          "size",           "size=",
                          "size=abc",       "size=1x",
                          "size=1kB",       "size=-1",
                          "size=%",         "size=99999999999999999999",
                          "size=16777216T", "nr_blocks=1%",
                          "nr_inodes=",     "nr_inodes=1%",
                          "mode=8",         "mode=",
                          "mode=0x7",       "mode=777777777777",
                          "uid=x",          "uid=-1",
                          "uid=4294967295", "gid=",
                          "huge=always",    "huge",
                          "inode32",        "mpol=default",
                          "ro=1",           "size=1m,bogus"}) {
    EXPECT_ERR(ParseTmpfsOptions(Name(bad), kRam, &flags), kInvalid) << bad;
  }
}

TEST(MountOptionsTest, RamfsIgnoresWhatItDoesNotKnow) {
  uint32_t mode = 0755, flags = 0;
  EXPECT_OK(ParseRamfsOptions("size=1m,bogus,mode=700,ro", &mode, &flags));
  EXPECT_EQ(mode, 0700u);
  EXPECT_EQ(flags, kMountReadOnly);
  EXPECT_ERR(ParseRamfsOptions("mode=9", &mode, &flags), kInvalid);
}

TEST(MountOptionsTest, ProcAndGenericOptions) {
  uint32_t flags = 0;
  EXPECT_OK(ParseProcOptions("", &flags));
  EXPECT_OK(ParseProcOptions("hidepid=0,hidepid=off,rw", &flags));
  EXPECT_ERR(ParseProcOptions("hidepid=2", &flags), kInvalid);
  EXPECT_ERR(ParseProcOptions("gid=10", &flags), kInvalid);
  EXPECT_ERR(ParseProcOptions("subset=pid", &flags), kInvalid);
  EXPECT_OK(ParseGenericOptions("ro", &flags));
  EXPECT_EQ(flags, kMountReadOnly);
  EXPECT_ERR(ParseGenericOptions("size=1m", &flags), kInvalid);
}

}  // namespace
}  // namespace core::vfs
