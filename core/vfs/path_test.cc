#include "core/vfs/path.h"

#include <gtest/gtest.h>

#include <string>

#include "core/vfs/test_support.h"

namespace core::vfs {
namespace {

using testing::Namespace;
using testing::NewRamFs;

class PathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ns.Mkdir("/a");
    ns.Mkdir("/a/b");
    file = ns.WriteFile("/a/b/c", "data");
    ASSERT_TRUE(file);
  }
  Vnode* Get(const std::string& path) {
    held = ns.Get(path);
    return held.get();
  }
  std::string Err(const std::string& path, ResolveFlags flags = {}, Vnode* cwd = nullptr) {
    return testing::Status(ns.Resolve(path, flags, cwd));
  }

  Namespace ns;
  kstd::RefPtr<Vnode> file;
  kstd::RefPtr<Vnode> held;
};

TEST_F(PathTest, AbsoluteAndRelativePaths) {
  EXPECT_EQ(Get("/a/b/c"), file.get());
  EXPECT_EQ(Get("a/b/c"), file.get());  // relative to cwd = root
  kstd::RefPtr<Vnode> a = ns.Get("/a");
  auto r = ns.Resolve("b/c", {}, a.get());
  ASSERT_OK(r);
  EXPECT_EQ(r.value().vnode.get(), file.get());
  EXPECT_EQ(Get("/"), ns.root.get());
}

TEST_F(PathTest, DotsAndRepeatedSlashes) {
  EXPECT_EQ(Get("//a///b/./c"), file.get());
  EXPECT_EQ(Get("/a/./b/../b/c"), file.get());
  EXPECT_EQ(Get("/a/b/../../a/b/c"), file.get());
  EXPECT_EQ(Get("."), ns.root.get());
  EXPECT_EQ(Get("///"), ns.root.get());
  EXPECT_EQ(Get("/a/b/."), Get("/a/b"));
}

TEST_F(PathTest, DotDotAtRootStaysAtRoot) {
  EXPECT_EQ(Get("/.."), ns.root.get());
  EXPECT_EQ(Get("/../../.."), ns.root.get());
  EXPECT_EQ(Get("../../a/b/c"), file.get());
  EXPECT_EQ(Get("/../a/../../a/b/c"), file.get());
}

TEST_F(PathTest, DotDotStaysInsideAChroot) {
  kstd::RefPtr<Vnode> jail = ns.Mkdir("/jail");
  kstd::RefPtr<Vnode> inside = ns.WriteFile("/jail/x", "x");
  auto r = Resolve(ns.mounts, "/../../x", jail.get(), jail.get());
  ASSERT_OK(r);
  EXPECT_EQ(r.value().vnode.get(), inside.get());
  r = Resolve(ns.mounts, "../..", jail.get(), jail.get());
  ASSERT_OK(r);
  EXPECT_EQ(r.value().vnode.get(), jail.get());
  // An absolute symlink inside the jail restarts at the jail's root.
  ns.Symlink("/jail/abs", "/x");
  r = Resolve(ns.mounts, "abs", jail.get(), jail.get());
  ASSERT_OK(r);
  EXPECT_EQ(r.value().vnode.get(), inside.get());
}

TEST_F(PathTest, MountPointIsReplacedByTheMountedRoot) {
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(ns.mounts.Mount(tmp, mnt, "/mnt"));
  EXPECT_EQ(Get("/mnt"), tmp->Root().get());
  EXPECT_EQ(Get("/mnt/"), tmp->Root().get());
  kstd::RefPtr<Vnode> f = ns.WriteFile("/mnt/f", "in tmpfs");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->fs(), tmp.get());
  EXPECT_ERR(mnt->Lookup("f"), kNotFound);  // the covered directory did not change
}

TEST_F(PathTest, DotDotCrossesBackOverAMount) {
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/a/mnt");
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(ns.mounts.Mount(tmp, mnt, "/a/mnt"));
  ns.Mkdir("/a/mnt/sub");
  EXPECT_EQ(Get("/a/mnt/.."), Get("/a"));
  EXPECT_EQ(Get("/a/mnt/sub/../.."), Get("/a"));
  EXPECT_EQ(Get("/a/mnt/sub/../../b/c"), file.get());
  // From a cwd that is the mounted root.
  kstd::RefPtr<Vnode> tmp_root = tmp->Root();
  auto r = ns.Resolve("../b/c", {}, tmp_root.get());
  ASSERT_OK(r);
  EXPECT_EQ(r.value().vnode.get(), file.get());
}

TEST_F(PathTest, StackedMountsShowTheTopOneAndUnwindOnDotDot) {
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
  kstd::RefPtr<RamFs> lower = NewRamFs({.name = "tmpfs"});
  kstd::RefPtr<RamFs> upper = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(ns.mounts.Mount(lower, mnt, "/mnt"));
  kstd::RefPtr<Vnode> lower_root = ns.Get("/mnt");
  EXPECT_ERR(ns.mounts.Mount(upper, mnt, "/mnt"), kBusy);  // mnt itself is covered
  ASSERT_OK(ns.mounts.Mount(upper, lower_root, "/mnt"));
  EXPECT_EQ(Get("/mnt"), upper->Root().get());
  EXPECT_EQ(Get("/mnt/.."), ns.root.get());
}

TEST_F(PathTest, RelativeAndAbsoluteSymlinks) {
  ns.Symlink("/a/rel", "b/c");
  ns.Symlink("/a/abs", "/a/b/c");
  ns.Symlink("/a/up", "../a/b");
  ns.Symlink("/chain1", "/chain2");
  ns.Symlink("/chain2", "a/rel");
  EXPECT_EQ(Get("/a/rel"), file.get());
  EXPECT_EQ(Get("/a/abs"), file.get());
  EXPECT_EQ(Get("/a/up/c"), file.get());
  EXPECT_EQ(Get("/chain1"), file.get());
}

TEST_F(PathTest, SymlinkInTheMiddleIsAlwaysFollowed) {
  ns.Symlink("/dirlink", "a/b");
  ResolveFlags nofollow;
  nofollow.follow_final_symlink = false;
  auto r = ns.Resolve("/dirlink/c", nofollow);
  ASSERT_OK(r);
  EXPECT_EQ(r.value().vnode.get(), file.get());
}

TEST_F(PathTest, FinalSymlinkFollowedOnlyWhenAsked) {
  kstd::RefPtr<Vnode> link = ns.Symlink("/l", "a/b/c");
  ResolveFlags nofollow;
  nofollow.follow_final_symlink = false;
  auto r = ns.Resolve("/l", nofollow);
  ASSERT_OK(r);
  EXPECT_EQ(r.value().vnode.get(), link.get());
  EXPECT_EQ(Get("/l"), file.get());
}

TEST_F(PathTest, SymlinkLoopsGiveELOOP) {
  ns.Symlink("/self", "self");
  ns.Symlink("/ping", "pong");
  ns.Symlink("/pong", "/ping");
  ns.Symlink("/a/loopdir", "../a/loopdir/x");
  EXPECT_EQ(Err("/self"), "ELOOP");
  EXPECT_EQ(Err("/ping"), "ELOOP");
  EXPECT_EQ(Err("/ping/x"), "ELOOP");
  EXPECT_EQ(Err("/a/loopdir"), "ELOOP");
  ResolveFlags nofollow;
  nofollow.follow_final_symlink = false;
  EXPECT_EQ(Err("/self", nofollow), "ok");  // lstat of a looping link works
}

TEST_F(PathTest, FortySymlinkExpansionsAreAllowedFortyOneAreNot) {
  // l0 -> l1 -> ... -> l39 -> /a/b/c: 40 expansions.
  for (int i = 0; i < 40; ++i) {
    std::string target = i == 39 ? "/a/b/c" : "l" + std::to_string(i + 1);
    ns.Symlink("/l" + std::to_string(i), target);
  }
  EXPECT_EQ(Get("/l0"), file.get());
  ns.Symlink("/extra", "l0");  // 41
  EXPECT_EQ(Err("/extra"), "ELOOP");
  // Expansions count over the whole path, not per component.
  ns.Symlink("/d1", "/a");
  EXPECT_EQ(Err("/d1/../l1"), "ok");     // 1 + 39
  EXPECT_EQ(Err("/d1/../l0"), "ELOOP");  // 1 + 40
}

TEST_F(PathTest, TrailingSlashRequiresADirectory) {
  EXPECT_EQ(Err("/a/b/c/"), "ENOTDIR");
  EXPECT_EQ(Err("/a/b/c//"), "ENOTDIR");
  EXPECT_EQ(Err("/a/b/"), "ok");
  EXPECT_EQ(Err("/a/b//"), "ok");
  ns.Symlink("/dl", "a/b");
  ns.Symlink("/fl", "a/b/c");
  ResolveFlags nofollow;
  nofollow.follow_final_symlink = false;
  // A trailing slash forces the final symlink to be followed (like Linux).
  auto r = ns.Resolve("/dl/", nofollow);
  ASSERT_OK(r);
  EXPECT_EQ(r.value().vnode.get(), Get("/a/b"));
  EXPECT_TRUE(r.value().trailing_slash);
  EXPECT_EQ(Err("/fl/"), "ENOTDIR");
  EXPECT_EQ(Err("/fl/", nofollow), "ENOTDIR");
  EXPECT_EQ(Err("/missing/"), "ENOENT");
  // Parent mode reports the trailing slash and leaves the rule to the caller.
  ResolveFlags parent;
  parent.want_parent = true;
  parent.follow_final_symlink = false;
  auto p = ns.Resolve("/a/b/c/", parent);
  ASSERT_OK(p);
  EXPECT_EQ(p.value().vnode.get(), file.get());
  EXPECT_TRUE(p.value().trailing_slash);
  p = ns.Resolve("/fl/", parent);
  ASSERT_OK(p);
  EXPECT_EQ(p.value().vnode->type(), VnodeType::kSymlink);
}

TEST_F(PathTest, NonDirectoryInTheMiddleGivesENOTDIR) {
  EXPECT_EQ(Err("/a/b/c/d"), "ENOTDIR");
  EXPECT_EQ(Err("/a/b/c/.."), "ENOTDIR");
  ns.Symlink("/fl", "a/b/c");
  EXPECT_EQ(Err("/fl/x"), "ENOTDIR");
}

TEST_F(PathTest, MissingComponentsGiveENOENT) {
  EXPECT_EQ(Err("/nope"), "ENOENT");
  EXPECT_EQ(Err("/nope/c"), "ENOENT");
  EXPECT_EQ(Err("/a/nope/c"), "ENOENT");
  ns.Symlink("/dangling", "/nowhere");
  EXPECT_EQ(Err("/dangling"), "ENOENT");
  EXPECT_EQ(Err("/dangling/x"), "ENOENT");
}

TEST_F(PathTest, EmptyPathGivesENOENT) { EXPECT_EQ(Err(""), "ENOENT"); }

TEST_F(PathTest, OverlongComponentsGiveENAMETOOLONG) {
  std::string name255(255, 'n');
  std::string name256(256, 'n');
  EXPECT_EQ(Err("/" + name255), "ENOENT");  // legal name, just missing
  EXPECT_EQ(Err("/" + name256), "ENAMETOOLONG");
  EXPECT_EQ(Err("/a/" + name256 + "/c"), "ENAMETOOLONG");
  kstd::RefPtr<Vnode> long_file = ns.WriteFile("/a/" + name255, "x");
  ASSERT_TRUE(long_file);
  EXPECT_EQ(Get("/a/" + name255), long_file.get());
  // A component only reachable through a symlink is checked too.
  ns.Symlink("/longlink", name256);
  EXPECT_EQ(Err("/longlink"), "ENAMETOOLONG");
}

TEST_F(PathTest, OverlongPathsGiveENAMETOOLONG) {
  // 4095 bytes is the longest path: "/a/b/c" padded with "/." pairs.
  std::string path = "/a/b/c";
  while (path.size() + 2 <= kMaxPathLength) path.insert(2, "/.");
  if (path.size() < kMaxPathLength) path.insert(0, "/");
  ASSERT_EQ(path.size(), kMaxPathLength);
  EXPECT_EQ(Get(path), file.get());
  EXPECT_EQ(Err("/" + path), "ENAMETOOLONG");  // 4096
  EXPECT_EQ(Err(std::string(10000, '/')), "ENAMETOOLONG");
}

TEST_F(PathTest, SymlinkExpansionPastPathMaxGivesENAMETOOLONG) {
  // A 3000-byte target plus a 2000-byte rest exceeds 4095.
  std::string target = "/a";
  while (target.size() < 3000) target += "/.";
  ns.Symlink("/big", target);
  std::string rest;
  while (rest.size() < 2000) rest += "/.";
  EXPECT_EQ(Err("/big" + rest), "ENAMETOOLONG");
  EXPECT_EQ(Err("/big/b/c"), "ok");
}

TEST_F(PathTest, ParentModeReturnsParentAndName) {
  ResolveFlags flags;
  flags.want_parent = true;
  flags.follow_final_symlink = false;
  auto r = ns.Resolve("/a/b/new", flags);
  ASSERT_OK(r);
  EXPECT_EQ(r.value().parent.get(), Get("/a/b"));
  EXPECT_STREQ(r.value().name, "new");
  EXPECT_FALSE(r.value().vnode);
  EXPECT_FALSE(r.value().trailing_slash);

  r = ns.Resolve("/a/b/c", flags);
  ASSERT_OK(r);
  EXPECT_EQ(r.value().vnode.get(), file.get());
  EXPECT_STREQ(r.value().name, "c");

  r = ns.Resolve("/a/b/newdir/", flags);
  ASSERT_OK(r);
  EXPECT_TRUE(r.value().trailing_slash);
  EXPECT_STREQ(r.value().name, "newdir");

  r = ns.Resolve("/", flags);
  ASSERT_OK(r);
  EXPECT_STREQ(r.value().name, "");
  EXPECT_EQ(r.value().vnode.get(), ns.root.get());

  r = ns.Resolve("/a/b/..", flags);
  ASSERT_OK(r);
  EXPECT_STREQ(r.value().name, "..");
  EXPECT_EQ(r.value().parent.get(), Get("/a/b"));
  EXPECT_EQ(r.value().vnode.get(), Get("/a"));

  EXPECT_EQ(Err("/nope/new", flags), "ENOENT");  // only the last may be missing
  EXPECT_EQ(Err("/a/b/c/new", flags), "ENOTDIR");
}

TEST_F(PathTest, ParentModeFollowsADanglingFinalSymlinkWhenAsked) {
  ns.Symlink("/a/dangle", "b/target");
  ResolveFlags flags;
  flags.want_parent = true;
  flags.follow_final_symlink = true;  // open(O_CREAT) creates the target
  auto r = ns.Resolve("/a/dangle", flags);
  ASSERT_OK(r);
  EXPECT_EQ(r.value().parent.get(), Get("/a/b"));
  EXPECT_STREQ(r.value().name, "target");
  EXPECT_FALSE(r.value().vnode);

  flags.follow_final_symlink = false;  // unlink/rename see the link itself
  r = ns.Resolve("/a/dangle", flags);
  ASSERT_OK(r);
  EXPECT_EQ(r.value().parent.get(), Get("/a"));
  EXPECT_STREQ(r.value().name, "dangle");
  ASSERT_TRUE(r.value().vnode);
  EXPECT_EQ(r.value().vnode->type(), VnodeType::kSymlink);
}

TEST_F(PathTest, RemovedCwdResolvesNothing) {
  kstd::RefPtr<Vnode> gone = ns.Mkdir("/gone");
  ASSERT_OK(ns.root->Rmdir("gone"));
  EXPECT_EQ(Err("x", {}, gone.get()), "ENOENT");
  EXPECT_EQ(Err("..", {}, gone.get()), "ENOENT");
  EXPECT_EQ(Err(".", {}, gone.get()), "ok");  // "." needs no lookup
  EXPECT_EQ(Err("/a/b/c", {}, gone.get()), "ok");
}

TEST_F(PathTest, SymlinkAcrossAMount) {
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(ns.mounts.Mount(tmp, mnt, "/mnt"));
  kstd::RefPtr<Vnode> inner = ns.WriteFile("/mnt/inner", "i");
  ns.Symlink("/mnt/back", "../a/b/c");  // relative, crosses the mount upwards
  ns.Symlink("/a/into", "../mnt/inner");
  EXPECT_EQ(Get("/mnt/back"), file.get());
  EXPECT_EQ(Get("/a/into"), inner.get());
}

}  // namespace
}  // namespace core::vfs
