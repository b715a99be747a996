#include "core/vfs/mount_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "abi/linux/fcntl.h"
#include "core/vfs/test_support.h"

namespace core::vfs {
namespace {

using testing::Namespace;
using testing::NewRamFs;

struct Row {
  std::string path;
  std::string fs;
  bool operator==(const Row& o) const { return path == o.path && fs == o.fs; }
};

std::vector<Row> Rows(const MountTable& mounts) {
  std::vector<Row> rows;
  mounts.ForEach([&](const MountView& v) { rows.push_back(Row{v.path, v.fs->name()}); });
  return rows;
}

std::ostream& operator<<(std::ostream& os, const Row& r) { return os << r.path << ":" << r.fs; }

TEST(MountTableTest, RootIsMountedOnce) {
  MountTable mounts;
  EXPECT_FALSE(mounts.Root());
  kstd::RefPtr<RamFs> a = NewRamFs();
  kstd::RefPtr<RamFs> b = NewRamFs();
  kstd::RefPtr<Vnode> dir = b->Root();
  EXPECT_ERR(mounts.Mount(b, dir, "/x"), kInvalid);  // nothing to mount on yet
  ASSERT_OK(mounts.MountRoot(a));
  EXPECT_EQ(mounts.Root().get(), a->Root().get());
  EXPECT_ERR(mounts.MountRoot(b), kBusy);
  EXPECT_EQ(mounts.MountIdOf(a.get()), 1u);
  EXPECT_EQ(mounts.MountIdOf(b.get()), 0u);
  dir.reset();
  b->Shutdown();
}

TEST(MountTableTest, MountChecksItsArguments) {
  Namespace ns;
  kstd::RefPtr<Vnode> file = ns.WriteFile("/file", "x");
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
  kstd::RefPtr<Vnode> mnt2 = ns.Mkdir("/mnt2");
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  EXPECT_ERR(ns.mounts.Mount(tmp, file, "/file"), kNotDirectory);
  ASSERT_OK(ns.mounts.Mount(tmp, mnt, "/mnt"));
  EXPECT_ERR(ns.mounts.Mount(tmp, mnt2, "/mnt2"), kBusy);  // already mounted
  kstd::RefPtr<RamFs> other = NewRamFs();
  EXPECT_ERR(ns.mounts.Mount(other, mnt, "/mnt"), kBusy);  // covered already
  EXPECT_EQ(Rows(ns.mounts), (std::vector<Row>{{"/", "ramfs"}, {"/mnt", "tmpfs"}}));
  EXPECT_TRUE(mnt->is_mount_point());
  EXPECT_FALSE(mnt2->is_mount_point());
  other->Shutdown();
}

TEST(MountTableTest, UmountRestoresTheCoveredDirectoryAndShutsDown) {
  Namespace ns;
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
  ns.WriteFile("/mnt/under", "hidden while mounted");
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(ns.mounts.Mount(tmp, mnt, "/mnt"));
  EXPECT_FALSE(ns.Get("/mnt/under"));
  ns.WriteFile("/mnt/over", "in tmpfs");
  kstd::RefPtr<Vnode> tmp_root = ns.Get("/mnt");
  EXPECT_ERR(ns.mounts.Umount(mnt.get()), kInvalid);   // the covered dir is not a mount root
  EXPECT_ERR(ns.mounts.Umount(ns.root.get()), kBusy);  // the root mount
  ASSERT_OK(ns.mounts.Umount(tmp_root.get()));
  EXPECT_TRUE(ns.Get("/mnt/under"));
  EXPECT_FALSE(ns.Get("/mnt/over"));
  EXPECT_FALSE(mnt->is_mount_point());
  EXPECT_FALSE(tmp->Root());  // shut down
  EXPECT_ERR(tmp_root->Lookup("over"), kNotFound);
  EXPECT_ERR(ns.mounts.Umount(tmp_root.get()), kInvalid);  // not mounted any more
}

TEST(MountTableTest, UmountIsRefusedWhileBusy) {
  Namespace ns;
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(ns.mounts.Mount(tmp, mnt, "/mnt"));
  kstd::RefPtr<Vnode> tmp_root = ns.Get("/mnt");
  kstd::RefPtr<Vnode> f = ns.WriteFile("/mnt/f", "x");
  {
    auto open = f->Open(linux_abi::kORdOnly);  // an open file
    ASSERT_OK(open);
    EXPECT_ERR(ns.mounts.Umount(tmp_root.get()), kBusy);
  }
  {
    PinnedVnode cwd(ns.Get("/mnt"));  // a process's cwd
    EXPECT_ERR(ns.mounts.Umount(tmp_root.get()), kBusy);
    PinnedVnode copy = cwd;
    PinnedVnode moved = kstd::Move(copy);
    EXPECT_EQ(tmp->pins(), 2u);
  }
  EXPECT_EQ(tmp->pins(), 0u);
  kstd::RefPtr<Vnode> sub = ns.Mkdir("/mnt/sub");
  kstd::RefPtr<RamFs> inner = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(ns.mounts.Mount(inner, sub, "/mnt/sub"));
  EXPECT_ERR(ns.mounts.Umount(tmp_root.get()), kBusy);  // something mounted inside
  ASSERT_OK(ns.mounts.Umount(inner->Root().get()));
  EXPECT_OK(ns.mounts.Umount(tmp_root.get()));
}

TEST(MountTableTest, MoveMount) {
  Namespace ns;
  kstd::RefPtr<Vnode> a = ns.Mkdir("/a");
  kstd::RefPtr<Vnode> b = ns.Mkdir("/b");
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(ns.mounts.Mount(tmp, a, "/a"));
  kstd::RefPtr<Vnode> tmp_root = tmp->Root();
  kstd::RefPtr<Vnode> inside = ns.Mkdir("/a/inside");
  EXPECT_ERR(ns.mounts.MoveMount(tmp_root.get(), inside, "/a/inside"), kLoop);  // into itself
  EXPECT_ERR(ns.mounts.MoveMount(tmp_root.get(), tmp_root, "/a"), kLoop);
  EXPECT_ERR(ns.mounts.MoveMount(ns.root.get(), b, "/b"), kInvalid);  // the root mount
  EXPECT_ERR(ns.mounts.MoveMount(a.get(), b, "/b"), kInvalid);        // not a mount root
  ASSERT_OK(ns.mounts.MoveMount(tmp_root.get(), b, "/b"));
  EXPECT_EQ(ns.Get("/b").get(), tmp_root.get());
  EXPECT_EQ(ns.Get("/a").get(), a.get());
  EXPECT_FALSE(a->is_mount_point());
  EXPECT_EQ(Rows(ns.mounts), (std::vector<Row>{{"/", "ramfs"}, {"/b", "tmpfs"}}));
  EXPECT_EQ(ns.Get("/b/inside/..").get(), tmp_root.get());
  EXPECT_EQ(ns.Get("/b/..").get(), ns.root.get());
}

TEST(MountTableTest, ReplaceRootLikeSwitchRoot) {
  Namespace ns;  // the initramfs
  kstd::RefPtr<RamFs> old_root = ns.root_fs;
  kstd::RefPtr<Vnode> dev = ns.Mkdir("/dev");
  kstd::RefPtr<Vnode> newroot = ns.Mkdir("/newroot");
  kstd::RefPtr<RamFs> devfs = NewRamFs({.name = "devtmpfs"});
  ASSERT_OK(ns.mounts.Mount(devfs, dev, "/dev"));
  kstd::RefPtr<RamFs> disk = NewRamFs({.name = "ext2-stand-in"});
  ASSERT_OK(ns.mounts.Mount(disk, newroot, "/newroot"));
  kstd::RefPtr<Vnode> disk_dev = ns.Mkdir("/newroot/dev");
  ns.WriteFile("/newroot/etc-on-disk", "disk");

  EXPECT_ERR(ns.mounts.ReplaceRoot(disk), kBusy);  // /dev still sits in the old root
  ASSERT_OK(ns.mounts.MoveMount(devfs->Root().get(), disk_dev, "/dev"));
  auto old = ns.mounts.ReplaceRoot(disk);
  ASSERT_OK(old);
  EXPECT_EQ(old.value().get(), old_root.get());
  kstd::RefPtr<Vnode> root = ns.mounts.Root();
  EXPECT_EQ(root.get(), disk->Root().get());
  auto r = Resolve(ns.mounts, "/etc-on-disk", root.get(), root.get());
  ASSERT_OK(r);
  r = Resolve(ns.mounts, "/dev/..", root.get(), root.get());
  ASSERT_OK(r);
  EXPECT_EQ(r.value().vnode.get(), root.get());
  r = Resolve(ns.mounts, "/dev", root.get(), root.get());
  ASSERT_OK(r);
  EXPECT_EQ(r.value().vnode.get(), devfs->Root().get());
  EXPECT_FALSE(newroot->is_mount_point());
  EXPECT_EQ(Rows(ns.mounts), (std::vector<Row>{{"/", "ext2-stand-in"}, {"/dev", "devtmpfs"}}));
  EXPECT_ERR(ns.mounts.ReplaceRoot(disk), kInvalid);  // already the root
  // The old root still works for whoever holds it, and is the caller's now.
  EXPECT_TRUE(ns.root->Lookup("newroot").ok());
  old.value()->Shutdown();
}

TEST(MountTableTest, SourcesAndFlagsAreRecorded) {
  MountTable mounts;
  kstd::RefPtr<RamFs> root = NewRamFs();
  ASSERT_OK(mounts.MountRoot(root, {.source = "rootfs", .flags = 0}));
  kstd::RefPtr<Vnode> mnt = root->Root()->Create("mnt", testing::DirRequest()).release_value();
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(mounts.Mount(tmp, mnt, "/mnt", {.source = "none", .flags = kMountNoExec}));
  EXPECT_EQ(tmp->mount_flags(), kMountNoExec);
  std::vector<std::string> seen;
  mounts.ForEach([&](const MountView& v) {
    seen.push_back(std::string(v.source) + " " + v.path + " " + std::to_string(v.flags));
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"rootfs / 0", "none /mnt 8"}));
  // A source longer than PATH_MAX - 1 bytes is refused.
  std::string long_source(4096, 's');
  kstd::RefPtr<RamFs> other = NewRamFs();
  kstd::RefPtr<Vnode> tmp_root = tmp->Root();
  EXPECT_ERR(mounts.Mount(other, tmp_root, "/mnt", {.source = Name(long_source.c_str())}),
             kNameTooLong);
  // A failed mount leaves the flags of a mounted file system alone.
  kstd::RefPtr<Vnode> mnt2 = root->Root()->Create("mnt2", testing::DirRequest()).release_value();
  EXPECT_ERR(mounts.Mount(tmp, mnt2, "/mnt2", {.flags = kMountReadOnly}), kBusy);
  EXPECT_EQ(tmp->mount_flags(), kMountNoExec);
  other->Shutdown();
}

TEST(MountTableTest, RemountReadOnlyWaitsForWriters) {
  Namespace ns;
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(ns.mounts.Mount(tmp, mnt, "/mnt"));
  kstd::RefPtr<Vnode> tmp_root = tmp->Root();
  kstd::RefPtr<Vnode> f = ns.WriteFile("/mnt/f", "x");
  EXPECT_ERR(ns.mounts.Remount(mnt.get(), kMountReadOnly), kInvalid);  // not a mount root
  {
    auto reader = f->Open(linux_abi::kORdOnly);
    auto writer = f->Open(linux_abi::kORdWr);
    ASSERT_OK(writer);
    EXPECT_EQ(tmp->writers(), 1u);
    EXPECT_ERR(ns.mounts.Remount(tmp_root.get(), kMountReadOnly | kMountNoExec), kBusy);
    EXPECT_EQ(tmp->mount_flags(), 0u);                           // unchanged
    EXPECT_OK(ns.mounts.Remount(tmp_root.get(), kMountNoExec));  // not read-only: fine
  }
  EXPECT_EQ(tmp->writers(), 0u);
  ASSERT_OK(ns.mounts.Remount(tmp_root.get(), kMountReadOnly));
  EXPECT_TRUE(tmp->read_only());
  ASSERT_OK(ns.mounts.Remount(ns.root.get(), kMountNoAtime));  // the root mount too
  EXPECT_EQ(ns.root_fs->mount_flags(), kMountNoAtime);
}

TEST(MountTableTest, ARetainedFileSystemSurvivesUmount) {
  Namespace ns;
  kstd::RefPtr<Vnode> dev = ns.Mkdir("/dev");
  kstd::RefPtr<RamFs> devfs = NewRamFs({.name = "devtmpfs"});
  devfs->set_retained(true);
  ASSERT_OK(ns.mounts.Mount(devfs, dev, "/dev", {.flags = kMountNoExec}));
  ns.WriteFile("/dev/kept", "x");
  ASSERT_OK(ns.mounts.Umount(devfs->Root().get()));
  EXPECT_EQ(devfs->mount_flags(), 0u);
  kstd::RefPtr<Vnode> elsewhere = ns.Mkdir("/elsewhere");
  ASSERT_OK(ns.mounts.Mount(devfs, elsewhere, "/elsewhere"));
  EXPECT_TRUE(ns.Get("/elsewhere/kept"));
  ASSERT_OK(ns.mounts.Umount(devfs->Root().get()));
  devfs->Shutdown();
}

TEST(MountTableTest, ReplaceRootTakesTheNewSource) {
  Namespace ns;
  kstd::RefPtr<RamFs> old_root = ns.root_fs;
  kstd::RefPtr<RamFs> disk = NewRamFs({.name = "ext2-stand-in"});
  auto old = ns.mounts.ReplaceRoot(disk, {.source = "fs_server", .flags = kMountNoSuid});
  ASSERT_OK(old);
  std::vector<std::string> seen;
  ns.mounts.ForEach(
      [&](const MountView& v) { seen.push_back(std::string(v.source) + " " + v.path); });
  EXPECT_EQ(seen, (std::vector<std::string>{"fs_server /"}));
  EXPECT_EQ(disk->mount_flags(), kMountNoSuid);
  old.value()->Shutdown();
}

TEST(MountTableTest, DestructorUnmountsEverything) {
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  {
    Namespace ns;
    kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
    ASSERT_OK(ns.mounts.Mount(tmp, mnt, "/mnt"));
  }
  EXPECT_FALSE(tmp->Root());
}

}  // namespace
}  // namespace core::vfs
