#include "core/vfs/mount_namespace.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "abi/linux/fcntl.h"
#include "core/vfs/test_support.h"

namespace core::vfs {
namespace {

using testing::Namespace;
using testing::NewRamFs;

std::vector<std::string> Paths(const MountTable& mounts) {
  std::vector<std::string> paths;
  mounts.ForEach([&](const MountView& v) { paths.push_back(v.path); });
  return paths;
}

// The vnode `path` names in `mounts`, whose root is `root`, or null.
kstd::RefPtr<Vnode> GetIn(MountTable& mounts, const std::string& path) {
  kstd::RefPtr<Vnode> root = mounts.Root();
  auto r = Resolve(mounts, Name(path.data(), path.size()), root.get(), root.get(), {});
  return r.ok() ? r.value().vnode : nullptr;
}

// The unmounted hook, counting.
int g_unmounted = 0;  // calls of the unmounted hook
void CountUnmounted(FileSystem*) { ++g_unmounted; }

TEST(MountNamespaceTest, ACopyHasEveryMountAndSharesTheFileSystems) {
  Namespace ns;
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(ns.mounts.Mount(tmp, mnt, "/mnt", {.source = "src"}));
  MountTable copy;
  ASSERT_OK(copy.CopyFrom(ns.mounts));
  EXPECT_ERR(copy.CopyFrom(ns.mounts), kInvalid);  // not empty
  EXPECT_EQ(Paths(copy), (std::vector<std::string>{"/", "/mnt"}));
  EXPECT_EQ(copy.Root().get(), ns.root.get());
  EXPECT_EQ(copy.MountIdOf(tmp.get()), ns.mounts.MountIdOf(tmp.get()));
  EXPECT_EQ(tmp->mount_count(), 2u);
  EXPECT_EQ(ns.root_fs->mount_count(), 2u);
  // A file written through one is seen through the other: one file system.
  ns.WriteFile("/mnt/f", "x");
  EXPECT_TRUE(GetIn(copy, "/mnt/f"));
  std::string source;
  copy.ForEach([&](const MountView& v) {
    if (v.fs == tmp.get()) source = v.source;
  });
  EXPECT_EQ(source, "src");
}

TEST(MountNamespaceTest, MountsAfterTheCopyAreNotSeenInTheOther) {
  Namespace ns;
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
  kstd::RefPtr<Vnode> other_dir = ns.Mkdir("/other");
  MountTable copy;
  ASSERT_OK(copy.CopyFrom(ns.mounts));
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(copy.Mount(tmp, mnt, "/mnt"));
  kstd::RefPtr<Vnode> in_copy = GetIn(copy, "/mnt");
  ASSERT_TRUE(in_copy);
  EXPECT_EQ(in_copy->fs(), tmp.get());
  EXPECT_EQ(GetIn(ns.mounts, "/mnt")->fs(), ns.root_fs.get());  // not covered here
  EXPECT_EQ(Paths(ns.mounts), (std::vector<std::string>{"/"}));
  // The same directory can take another mount in the first table.
  kstd::RefPtr<RamFs> second = NewRamFs({.name = "second"});
  ASSERT_OK(ns.mounts.Mount(second, mnt, "/mnt"));
  EXPECT_EQ(GetIn(ns.mounts, "/mnt")->fs(), second.get());
  EXPECT_EQ(GetIn(copy, "/mnt")->fs(), tmp.get());
  // --move in one leaves the other where it was.
  ASSERT_OK(copy.MoveMount(in_copy.get(), other_dir, "/other"));
  EXPECT_EQ(GetIn(copy, "/other")->fs(), tmp.get());
  EXPECT_EQ(GetIn(ns.mounts, "/other")->fs(), ns.root_fs.get());
  EXPECT_EQ(GetIn(ns.mounts, "/mnt")->fs(), second.get());
  in_copy.reset();
}

TEST(MountNamespaceTest, OnlyTheLastUmountShutsDown) {
  Namespace ns;
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(ns.mounts.Mount(tmp, mnt, "/mnt"));
  ns.WriteFile("/mnt/f", "x");
  MountTable copy;
  ASSERT_OK(copy.CopyFrom(ns.mounts));
  kstd::RefPtr<Vnode> tmp_root = tmp->Root();
  auto first = copy.Umount(tmp_root.get());
  ASSERT_OK(first);
  EXPECT_FALSE(first.value());  // still mounted in ns
  EXPECT_TRUE(tmp->Root());     // not shut down
  EXPECT_TRUE(ns.Get("/mnt/f"));
  EXPECT_EQ(GetIn(copy, "/mnt")->fs(), ns.root_fs.get());
  EXPECT_ERR(copy.Umount(tmp_root.get()), kInvalid);  // gone from the copy
  auto last = ns.mounts.Umount(tmp_root.get());
  ASSERT_OK(last);
  EXPECT_TRUE(last.value());
  EXPECT_FALSE(tmp->Root());  // shut down
  EXPECT_EQ(tmp->mount_count(), 0u);
}

TEST(MountNamespaceTest, PinsKeepOnlyTheLastMountBusy) {
  Namespace ns;
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(ns.mounts.Mount(tmp, mnt, "/mnt"));
  MountTable copy;
  ASSERT_OK(copy.CopyFrom(ns.mounts));
  kstd::RefPtr<Vnode> tmp_root = tmp->Root();
  PinnedVnode cwd(tmp_root);  // a process's cwd in it
  ASSERT_OK(copy.Umount(tmp_root.get()));
  EXPECT_ERR(ns.mounts.Umount(tmp_root.get()), kBusy);  // the last mount
  EXPECT_EQ(tmp->mount_count(), 1u);
  cwd = PinnedVnode();
  ASSERT_OK(ns.mounts.Umount(tmp_root.get()));
  EXPECT_FALSE(tmp->Root());
}

TEST(MountNamespaceTest, NestedMountsStayBusyWithinATable) {
  Namespace ns;
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(ns.mounts.Mount(tmp, mnt, "/mnt"));
  kstd::RefPtr<Vnode> inner_dir = ns.Mkdir("/mnt/inner");
  MountTable copy;
  ASSERT_OK(copy.CopyFrom(ns.mounts));
  kstd::RefPtr<RamFs> inner = NewRamFs({.name = "inner"});
  ASSERT_OK(copy.Mount(inner, inner_dir, "/mnt/inner"));
  kstd::RefPtr<Vnode> tmp_root = tmp->Root();
  EXPECT_ERR(copy.Umount(tmp_root.get()), kBusy);  // inner sits in it, in the copy
  ASSERT_OK(ns.mounts.Umount(tmp_root.get()));     // not in ns
  EXPECT_TRUE(tmp->Root());
  kstd::RefPtr<Vnode> inner_root = inner->Root();
  ASSERT_OK(copy.Umount(inner_root.get()));
  ASSERT_OK(copy.Umount(tmp_root.get()));
  EXPECT_FALSE(tmp->Root());
}

TEST(MountNamespaceTest, ADyingTableShutsDownWhatOnlyItHad) {
  g_unmounted = 0;
  MountTable::SetUnmountedHook(CountUnmounted);
  Namespace ns;
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
  kstd::RefPtr<Vnode> own_dir = ns.Mkdir("/own");
  kstd::RefPtr<RamFs> shared = NewRamFs({.name = "shared"});
  ASSERT_OK(ns.mounts.Mount(shared, mnt, "/mnt"));
  kstd::RefPtr<RamFs> own = NewRamFs({.name = "own"});
  {
    auto copy = MountNamespace::CopyOf(*MountNamespace::Initial());
    ASSERT_OK(copy);  // (the initial table is empty here: a copy of nothing)
    MountTable table;
    ASSERT_OK(table.CopyFrom(ns.mounts));
    ASSERT_OK(table.Mount(own, own_dir, "/own"));
    EXPECT_EQ(own->mount_count(), 1u);
  }
  EXPECT_FALSE(own->Root());    // its only table died
  EXPECT_TRUE(shared->Root());  // ns still has it
  EXPECT_TRUE(ns.root_fs->Root());
  EXPECT_EQ(shared->mount_count(), 1u);
  EXPECT_EQ(ns.root_fs->mount_count(), 1u);
  EXPECT_EQ(g_unmounted, 1);
  MountTable::SetUnmountedHook(nullptr);
}

TEST(MountNamespaceTest, IdsAreDistinct) {
  EXPECT_EQ(MountNamespace::Initial()->id(), MountNamespace::kInitialId);
  auto a = MountNamespace::CopyOf(*MountNamespace::Initial());
  auto b = MountNamespace::CopyOf(*MountNamespace::Initial());
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_NE(a.value()->id(), b.value()->id());
  EXPECT_GE(a.value()->id(), MountNamespace::kFirstDynamicId);
  EXPECT_NE(a.value()->id(), MountNamespace::kInitialId);
}

}  // namespace
}  // namespace core::vfs
