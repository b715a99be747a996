#include "core/vfs/ops.h"

#include <gtest/gtest.h>

#include <string>

#include "abi/linux/fcntl.h"
#include "abi/linux/stat.h"
#include "core/vfs/test_support.h"

namespace core::vfs {
namespace {

using testing::Namespace;
using testing::NewRamFs;
using testing::ReadAll;

class OpsTest : public ::testing::Test {
 protected:
  PathContext Ctx(Vnode* cwd = nullptr) {
    return PathContext{&ns.mounts, ns.root.get(), cwd != nullptr ? cwd : ns.root.get()};
  }
  kstd::Result<kstd::RefPtr<OpenFile>> Open(const std::string& p, uint32_t flags,
                                            uint32_t mode = 0644) {
    return OpenPath(Ctx(), Name(p.data(), p.size()), flags, mode);
  }
  std::string PathOfString(Vnode* dir, Vnode* root, size_t size = 4096) {
    std::string buf(size, 'x');
    auto r = PathOf(ns.mounts, dir, root, kstd::Span<char>(buf.data(), buf.size()));
    if (!r.ok()) return kstd::ErrorName(r.error());
    EXPECT_EQ(buf[r.value()], '\0');
    return buf.substr(0, r.value());
  }
  Namespace ns;
};

TEST_F(OpsTest, OpenCreateExclusiveAndTruncate) {
  auto f = Open("/new", linux_abi::kOCreat | linux_abi::kOWrOnly, 0640);
  ASSERT_OK(f);
  EXPECT_EQ(f.value()->vnode()->GetAttr().mode, linux_abi::kModeRegular | 0640);
  ASSERT_OK(testing::WriteString(f.value()->vnode(), 0, "content"));
  EXPECT_ERR(Open("/new", linux_abi::kOCreat | linux_abi::kOExcl | linux_abi::kOWrOnly), kExists);
  auto again = Open("/new", linux_abi::kOCreat | linux_abi::kOWrOnly);  // no O_EXCL: opens it
  ASSERT_OK(again);
  EXPECT_EQ(again.value()->vnode(), f.value()->vnode());
  EXPECT_EQ(ReadAll(f.value()->vnode()), "content");
  ASSERT_OK(Open("/new", linux_abi::kOWrOnly | linux_abi::kOTrunc));
  EXPECT_EQ(ReadAll(f.value()->vnode()), "");
  EXPECT_ERR(Open("/missing", linux_abi::kORdOnly), kNotFound);
  EXPECT_ERR(Open("/nodir/x", linux_abi::kOCreat | linux_abi::kOWrOnly), kNotFound);
}

TEST_F(OpsTest, OpenCreateOnDirectoriesAndTrailingSlashes) {
  ns.Mkdir("/d");
  ns.WriteFile("/f", "x");
  EXPECT_ERR(Open("/d", linux_abi::kOCreat | linux_abi::kORdOnly), kIsDirectory);
  EXPECT_ERR(Open("/d/", linux_abi::kOCreat | linux_abi::kOExcl | linux_abi::kOWrOnly),
             kIsDirectory);
  EXPECT_ERR(Open("/f/", linux_abi::kOCreat | linux_abi::kOWrOnly), kIsDirectory);
  EXPECT_ERR(Open("/missing/", linux_abi::kOCreat | linux_abi::kOWrOnly), kIsDirectory);
  EXPECT_ERR(Open("/", linux_abi::kOCreat | linux_abi::kORdOnly), kIsDirectory);
  EXPECT_ERR(Open("/d/.", linux_abi::kOCreat | linux_abi::kOExcl | linux_abi::kORdOnly), kExists);
  EXPECT_ERR(Open("/d", linux_abi::kOWrOnly), kIsDirectory);
  EXPECT_ERR(Open("/f/", linux_abi::kORdOnly), kNotDirectory);
  EXPECT_ERR(Open("/f", linux_abi::kORdOnly | linux_abi::kODirectory), kNotDirectory);
  EXPECT_OK(Open("/d", linux_abi::kORdOnly | linux_abi::kODirectory));
}

TEST_F(OpsTest, OpenAndSymlinks) {
  kstd::RefPtr<Vnode> f = ns.WriteFile("/f", "target data");
  ns.Symlink("/link", "f");
  ns.Symlink("/dangling", "created-through-link");
  auto r = Open("/link", linux_abi::kORdOnly);
  ASSERT_OK(r);
  EXPECT_EQ(r.value()->vnode(), f.get());
  EXPECT_ERR(Open("/link", linux_abi::kORdOnly | linux_abi::kONoFollow), kLoop);
  EXPECT_ERR(Open("/link", linux_abi::kORdOnly | linux_abi::kONoFollow | linux_abi::kODirectory),
             kNotDirectory);
  // O_CREAT without O_EXCL creates the target of a dangling link...
  ASSERT_OK(Open("/dangling", linux_abi::kOCreat | linux_abi::kOWrOnly));
  EXPECT_TRUE(ns.Get("/created-through-link"));
  // ...but O_EXCL never follows: the link itself exists.
  ns.Symlink("/dangling2", "never-created");
  EXPECT_ERR(Open("/dangling2", linux_abi::kOCreat | linux_abi::kOExcl | linux_abi::kOWrOnly),
             kExists);
  EXPECT_FALSE(ns.Get("/never-created"));
  EXPECT_ERR(Open("/dangling2", linux_abi::kOCreat | linux_abi::kONoFollow | linux_abi::kOWrOnly),
             kLoop);
}

TEST_F(OpsTest, MkdirMknodSymlink) {
  EXPECT_OK(MakeDirectory(Ctx(), "/d", 0750));
  EXPECT_EQ(ns.Get("/d")->GetAttr().mode, linux_abi::kModeDirectory | 0750);
  EXPECT_OK(MakeDirectory(Ctx(), "/e/", 0755));  // a trailing slash is fine for mkdir
  EXPECT_ERR(MakeDirectory(Ctx(), "/d", 0755), kExists);
  EXPECT_ERR(MakeDirectory(Ctx(), "/", 0755), kExists);
  EXPECT_ERR(MakeDirectory(Ctx(), "/d/..", 0755), kExists);
  EXPECT_OK(MakeNode(Ctx(), "/fifo", VnodeType::kFifo, 0600, 0));
  EXPECT_EQ(ns.Get("/fifo")->type(), VnodeType::kFifo);
  EXPECT_OK(MakeNode(Ctx(), "/tty", VnodeType::kCharDevice, 0620, linux_abi::MakeDev(5, 0)));
  EXPECT_EQ(ns.Get("/tty")->GetAttr().rdev, linux_abi::MakeDev(5, 0));
  EXPECT_ERR(MakeNode(Ctx(), "/x", VnodeType::kDirectory, 0600, 0), kInvalid);
  EXPECT_ERR(MakeNode(Ctx(), "/fifo2/", VnodeType::kFifo, 0600, 0), kNotFound);
  EXPECT_ERR(MakeNode(Ctx(), "/fifo/", VnodeType::kFifo, 0600, 0), kExists);
  EXPECT_OK(MakeSymlink(Ctx(), "d", "/sl"));
  EXPECT_ERR(MakeSymlink(Ctx(), "", "/empty"), kNotFound);
  EXPECT_ERR(MakeSymlink(Ctx(), "x", "/sl"), kExists);
  EXPECT_ERR(MakeSymlink(Ctx(), "x", "/new/"), kNotFound);
  char buf[16];
  auto n = ReadLinkPath(Ctx(), "/sl", kstd::Span<char>(buf, 16));
  ASSERT_OK(n);
  EXPECT_EQ(std::string(buf, n.value()), "d");
  EXPECT_ERR(ReadLinkPath(Ctx(), "/d", kstd::Span<char>(buf, 16)), kInvalid);
  EXPECT_ERR(ReadLinkPath(Ctx(), "/sl/", kstd::Span<char>(buf, 16)), kInvalid);  // followed
}

TEST_F(OpsTest, UnlinkAndRmdirSpecialNames) {
  ns.Mkdir("/d");
  ns.WriteFile("/f", "x");
  ns.Symlink("/dl", "d");
  EXPECT_ERR(UnlinkPath(Ctx(), "/"), kIsDirectory);
  EXPECT_ERR(UnlinkPath(Ctx(), "/d/."), kIsDirectory);
  EXPECT_ERR(UnlinkPath(Ctx(), "/d"), kIsDirectory);
  EXPECT_ERR(UnlinkPath(Ctx(), "/d/"), kIsDirectory);
  EXPECT_ERR(UnlinkPath(Ctx(), "/f/"), kNotDirectory);
  EXPECT_ERR(UnlinkPath(Ctx(), "/dl/"), kNotDirectory);
  EXPECT_ERR(UnlinkPath(Ctx(), "/missing"), kNotFound);
  EXPECT_ERR(RemoveDirectory(Ctx(), "/"), kBusy);
  EXPECT_ERR(RemoveDirectory(Ctx(), "/d/."), kInvalid);
  EXPECT_ERR(RemoveDirectory(Ctx(), "/d/.."), kNotEmpty);
  EXPECT_ERR(RemoveDirectory(Ctx(), "/f"), kNotDirectory);
  EXPECT_ERR(RemoveDirectory(Ctx(), "/dl/"), kNotDirectory);
  EXPECT_OK(UnlinkPath(Ctx(), "/dl"));  // the link, not the directory
  EXPECT_TRUE(ns.Get("/d"));
  EXPECT_OK(RemoveDirectory(Ctx(), "/d/"));
  EXPECT_OK(UnlinkPath(Ctx(), "/f"));
}

TEST_F(OpsTest, MountPointsAreBusyAndMountsAreSeparateFileSystems) {
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(ns.mounts.Mount(tmp, mnt, "/mnt"));
  ns.WriteFile("/f", "x");
  EXPECT_ERR(RemoveDirectory(Ctx(), "/mnt"), kBusy);
  EXPECT_ERR(RenamePath(Ctx(), "/mnt", Ctx(), "/mnt2"), kBusy);
  EXPECT_ERR(RenamePath(Ctx(), "/f", Ctx(), "/mnt/f"), kCrossDevice);
  EXPECT_ERR(LinkPath(Ctx(), "/f", Ctx(), "/mnt/f"), kCrossDevice);
  EXPECT_ERR(RenamePath(Ctx(), "/f", Ctx(), "/."), kBusy);
  EXPECT_ERR(RenamePath(Ctx(), "/f/", Ctx(), "/g"), kNotDirectory);
  EXPECT_ERR(RenamePath(Ctx(), "/f", Ctx(), "/g/"), kNotDirectory);
  EXPECT_OK(RenamePath(Ctx(), "/f", Ctx(), "/g"));
}

TEST_F(OpsTest, ReadOnlyMountRefusesChangesInLinuxOrder) {
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(ns.mounts.Mount(tmp, mnt, "/mnt"));
  ns.Mkdir("/mnt/d");
  ns.WriteFile("/mnt/f", "data");
  ns.WriteFile("/g", "x");
  ASSERT_OK(tmp->SetMountFlags(kMountReadOnly));
  // Reading is fine.
  auto reader = Open("/mnt/f", linux_abi::kORdOnly);
  ASSERT_OK(reader);
  EXPECT_EQ(ReadAll(reader.value()->vnode()), "data");
  EXPECT_OK(Open("/mnt/f", linux_abi::kORdOnly | linux_abi::kOCreat));  // exists: nothing to create
  // Anything that writes is EROFS, after the errors Linux checks first.
  EXPECT_ERR(Open("/mnt/f", linux_abi::kOWrOnly), kReadOnlyFs);
  EXPECT_ERR(Open("/mnt/f", linux_abi::kORdWr), kReadOnlyFs);
  EXPECT_ERR(Open("/mnt/f", linux_abi::kORdOnly | linux_abi::kOTrunc), kReadOnlyFs);
  EXPECT_ERR(Open("/mnt/new", linux_abi::kORdOnly | linux_abi::kOCreat), kReadOnlyFs);
  EXPECT_ERR(Open("/mnt/f", linux_abi::kORdOnly | linux_abi::kOCreat | linux_abi::kOExcl), kExists);
  EXPECT_ERR(Open("/mnt/d", linux_abi::kORdWr), kIsDirectory);
  EXPECT_EQ(tmp->writers(), 0u);
  EXPECT_ERR(MakeDirectory(Ctx(), "/mnt/d", 0755), kExists);  // EEXIST before EROFS
  EXPECT_ERR(MakeDirectory(Ctx(), "/mnt/e", 0755), kReadOnlyFs);
  EXPECT_ERR(MakeNode(Ctx(), "/mnt/fifo/", VnodeType::kFifo, 0600, 0), kNotFound);
  EXPECT_ERR(MakeNode(Ctx(), "/mnt/fifo", VnodeType::kFifo, 0600, 0), kReadOnlyFs);
  EXPECT_ERR(MakeSymlink(Ctx(), "f", "/mnt/sl"), kReadOnlyFs);
  EXPECT_ERR(UnlinkPath(Ctx(), "/mnt/."), kIsDirectory);
  EXPECT_ERR(UnlinkPath(Ctx(), "/mnt/missing"), kReadOnlyFs);  // EROFS before ENOENT
  EXPECT_ERR(UnlinkPath(Ctx(), "/mnt/f"), kReadOnlyFs);
  EXPECT_ERR(RemoveDirectory(Ctx(), "/mnt/d/."), kInvalid);
  EXPECT_ERR(RemoveDirectory(Ctx(), "/mnt/d"), kReadOnlyFs);
  EXPECT_ERR(RenamePath(Ctx(), "/g", Ctx(), "/mnt/g"), kCrossDevice);  // EXDEV first
  EXPECT_ERR(RenamePath(Ctx(), "/mnt/f", Ctx(), "/mnt/h"), kReadOnlyFs);
  EXPECT_ERR(LinkPath(Ctx(), "/mnt/f", Ctx(), "/mnt/f"), kExists);
  EXPECT_ERR(LinkPath(Ctx(), "/mnt/f", Ctx(), "/mnt/h"), kReadOnlyFs);
  EXPECT_ERR(LinkPath(Ctx(), "/g", Ctx(), "/mnt/h"), kReadOnlyFs);  // EROFS before EXDEV
  EXPECT_ERR(CheckWritable(*ns.Get("/mnt/f")), kReadOnlyFs);
  EXPECT_OK(CheckWritable(*ns.Get("/g")));
  // Read-write again: everything works.
  ASSERT_OK(tmp->SetMountFlags(0));
  EXPECT_OK(Open("/mnt/f", linux_abi::kOWrOnly | linux_abi::kOTrunc));
  EXPECT_OK(MakeDirectory(Ctx(), "/mnt/e", 0755));
}

TEST_F(OpsTest, NoDevMountRefusesDeviceNodes) {
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(ns.mounts.Mount(tmp, mnt, "/mnt", {.flags = kMountNoDev}));
  ASSERT_OK(MakeNode(Ctx(), "/mnt/null", VnodeType::kCharDevice, 0666, linux_abi::MakeDev(1, 3)));
  ASSERT_OK(MakeNode(Ctx(), "/null", VnodeType::kCharDevice, 0666, linux_abi::MakeDev(1, 3)));
  EXPECT_ERR(Open("/mnt/null", linux_abi::kORdOnly), kAccess);
  EXPECT_ERR(Open("/null", linux_abi::kORdOnly), kNoDeviceOrAddress);  // no driver in this test
  ns.WriteFile("/mnt/f", "x");
  EXPECT_OK(Open("/mnt/f", linux_abi::kORdWr));  // other files are fine
}

TEST_F(OpsTest, AtimeFollowsTheMountFlags) {
  testing::UseFakeClock(1000 * testing::kSecond);
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(ns.mounts.Mount(tmp, mnt, "/mnt"));
  kstd::RefPtr<Vnode> f = ns.WriteFile("/mnt/f", "data");
  auto read_at = [&](Timestamp when) {
    testing::g_fake_now = when;
    ReadAll(f.get());
    return f->GetAttr().atime;
  };
  // relatime (the default): the first read after a write updates atime,
  // the next one within a day does not.
  EXPECT_EQ(read_at(2000 * testing::kSecond), 2000 * testing::kSecond);
  EXPECT_EQ(read_at(3000 * testing::kSecond), 2000 * testing::kSecond);
  ASSERT_OK(tmp->SetMountFlags(kMountStrictAtime));
  EXPECT_EQ(read_at(4000 * testing::kSecond), 4000 * testing::kSecond);
  ASSERT_OK(tmp->SetMountFlags(kMountNoAtime));
  ASSERT_OK(testing::WriteString(f.get(), 0, "new"));  // mtime now: relatime would update
  EXPECT_EQ(read_at(5000 * testing::kSecond), 4000 * testing::kSecond);
  ASSERT_OK(tmp->SetMountFlags(kMountReadOnly));  // read-only: never
  EXPECT_EQ(read_at(6000 * testing::kSecond), 4000 * testing::kSecond);
  ASSERT_OK(tmp->SetMountFlags(0));
  EXPECT_EQ(read_at(7000 * testing::kSecond), 7000 * testing::kSecond);
}

TEST_F(OpsTest, RenameAndLinkBetweenDifferentStartingDirectories) {
  kstd::RefPtr<Vnode> a = ns.Mkdir("/a");
  kstd::RefPtr<Vnode> b = ns.Mkdir("/b");
  ns.WriteFile("/a/f", "x");
  ASSERT_OK(RenamePath(Ctx(a.get()), "f", Ctx(b.get()), "g"));  // renameat(dirfd a, dirfd b)
  EXPECT_TRUE(ns.Get("/b/g"));
  ASSERT_OK(LinkPath(Ctx(b.get()), "g", Ctx(a.get()), "h"));
  EXPECT_EQ(ns.Get("/a/h").get(), ns.Get("/b/g").get());
  ns.Symlink("/b/sl", "g");
  ASSERT_OK(LinkPath(Ctx(), "/b/sl", Ctx(), "/a/to-link"));                   // the link itself
  ASSERT_OK(LinkPath(Ctx(), "/b/sl", Ctx(), "/a/to-file", /*follow=*/true));  // AT_SYMLINK_FOLLOW
  EXPECT_EQ(ns.Get("/a/to-file").get(), ns.Get("/b/g").get());
  ResolveFlags nofollow;
  nofollow.follow_final_symlink = false;
  EXPECT_EQ(ns.Resolve("/a/to-link", nofollow).value().vnode->type(), VnodeType::kSymlink);
  EXPECT_ERR(LinkPath(Ctx(), "/a", Ctx(), "/a2"), kPermission);
  EXPECT_ERR(LinkPath(Ctx(), "/b/g", Ctx(), "/a/h"), kExists);
}

TEST_F(OpsTest, PathOfNamesDirectoriesAcrossMountsAndChroots) {
  kstd::RefPtr<Vnode> deep = ns.Mkdir("/a");
  ns.Mkdir("/a/b");
  deep = ns.Mkdir("/a/b/c");
  EXPECT_EQ(PathOfString(ns.root.get(), ns.root.get()), "/");
  EXPECT_EQ(PathOfString(deep.get(), ns.root.get()), "/a/b/c");
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/a/mnt");
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(ns.mounts.Mount(tmp, mnt, "/a/mnt"));
  kstd::RefPtr<Vnode> inner = ns.Mkdir("/a/mnt/inner");
  EXPECT_EQ(PathOfString(inner.get(), ns.root.get()), "/a/mnt/inner");
  EXPECT_EQ(PathOfString(tmp->Root().get(), ns.root.get()), "/a/mnt");
  // Seen from a chroot at /a.
  EXPECT_EQ(PathOfString(inner.get(), ns.Get("/a").get()), "/mnt/inner");
  // Outside the chroot: not reachable.
  EXPECT_EQ(PathOfString(ns.Get("/a/b").get(), ns.Get("/a/mnt").get()), "ENOENT");
  // Too small a buffer; removed directories.
  EXPECT_EQ(PathOfString(deep.get(), ns.root.get(), 6), "ERANGE");
  EXPECT_EQ(PathOfString(deep.get(), ns.root.get(), 7), "/a/b/c");  // 6 + NUL
  ASSERT_OK(RemoveDirectory(Ctx(), "/a/b/c"));
  EXPECT_EQ(PathOfString(deep.get(), ns.root.get()), "ENOENT");
  kstd::RefPtr<Vnode> file = ns.WriteFile("/file", "");
  EXPECT_EQ(PathOfString(file.get(), ns.root.get()), "ENOTDIR");
}

TEST_F(OpsTest, PathOfInALargeDirectory) {
  kstd::RefPtr<Vnode> target;
  for (int i = 0; i < 300; ++i) {
    kstd::RefPtr<Vnode> d = ns.Mkdir("/d" + std::to_string(i));
    if (i == 277) target = d;
  }
  EXPECT_EQ(PathOfString(target.get(), ns.root.get()), "/d277");
}

}  // namespace
}  // namespace core::vfs

namespace core::vfs {
namespace {

// The permission rules of ops.h with a caller's credentials (the same rules
// run against the host kernel in testing/posix/cred_cases.cc).
class OpsPermissionTest : public OpsTest {
 protected:
  void SetUp() override {
    ns.Mkdir("/pub", 0755);
    ns.WriteFile("/pub/file", "x");
    Chmod("/pub/file", 0644);
    ns.Mkdir("/closed", 0700);
    ns.WriteFile("/closed/inner", "y");
    ns.Mkdir("/tmp", 0777);
    Chmod("/tmp", 01777);
    ns.WriteFile("/tmp/theirs", "z");
    Chown("/tmp/theirs", 2000, 2000);
    ns.Mkdir("/shared", 0775);
    Chown("/shared", 0, 50);
    Chmod("/shared", 02775);
  }
  void Chmod(const std::string& path, uint32_t mode) {
    SetAttrRequest r;
    r.mask = SetAttrRequest::kMode;
    r.mode = mode;
    ASSERT_OK(ns.Get(path)->SetAttr(r));
  }
  void Chown(const std::string& path, uint32_t uid, uint32_t gid) {
    SetAttrRequest r;
    r.mask = SetAttrRequest::kUid | SetAttrRequest::kGid;
    r.uid = uid;
    r.gid = gid;
    ASSERT_OK(ns.Get(path)->SetAttr(r));
  }
  PathContext As(const posix::Credentials& c) {
    PathContext ctx = Ctx();
    ctx.cred = &c;
    return ctx;
  }
  static Name N(const char* s) { return Name(s, __builtin_strlen(s)); }
  posix::Credentials user = posix::Credentials::User(1000, 1000);
  posix::Credentials root = posix::Credentials::Root();
};

TEST_F(OpsPermissionTest, SearchPermissionOnEveryDirectory) {
  EXPECT_ERR(LookupPath(As(user), N("/closed/inner")), kAccess);
  EXPECT_ERR(LookupPath(As(user), N("/closed/missing")), kAccess);  // before ENOENT
  EXPECT_ERR(LookupPath(As(user), N("/closed/../pub")), kAccess);
  ASSERT_OK(LookupPath(As(user), N("/pub/file")));
  ASSERT_OK(LookupPath(As(root), N("/closed/inner")));
  ASSERT_OK(LookupPath(Ctx(), N("/closed/inner")));  // the kernel's own walk
}

TEST_F(OpsPermissionTest, OpenChecksTheAccessMode) {
  ASSERT_OK(OpenPath(As(user), N("/pub/file"), linux_abi::kORdOnly, 0));
  EXPECT_ERR(OpenPath(As(user), N("/pub/file"), linux_abi::kOWrOnly, 0), kAccess);
  EXPECT_ERR(OpenPath(As(user), N("/pub/file"), linux_abi::kORdOnly | linux_abi::kOTrunc, 0),
             kAccess);
  EXPECT_ERR(OpenPath(As(user), N("/pub"), linux_abi::kORdWr, 0), kIsDirectory);
  ASSERT_OK(OpenPath(As(root), N("/pub/file"), linux_abi::kORdWr, 0));
}

TEST_F(OpsPermissionTest, CreatingNeedsWriteOnTheParentAndIsOwnedByTheCaller) {
  EXPECT_ERR(OpenPath(As(user), N("/pub/new"), linux_abi::kOCreat | linux_abi::kOWrOnly, 0644),
             kAccess);
  EXPECT_ERR(MakeDirectory(As(user), N("/pub/d"), 0755), kAccess);
  auto made = OpenPath(As(user), N("/tmp/mine"), linux_abi::kOCreat | linux_abi::kOWrOnly, 0600);
  ASSERT_OK(made);
  Attributes a = made.value()->vnode()->GetAttr();
  EXPECT_EQ(a.uid, 1000u);
  EXPECT_EQ(a.gid, 1000u);
  // Created just now: a mode that denies the creator still opens (Linux).
  ASSERT_OK(OpenPath(As(user), N("/tmp/ro"), linux_abi::kOCreat | linux_abi::kORdWr, 0));
}

TEST_F(OpsPermissionTest, SetgidDirectoryGivesItsGroupAndTheBit) {
  ASSERT_OK(MakeDirectory(As(root), N("/shared/sub"), 0755));
  Attributes sub = ns.Get("/shared/sub")->GetAttr();
  EXPECT_EQ(sub.gid, 50u);
  EXPECT_TRUE(sub.mode & linux_abi::kModeSetGid);
  ASSERT_OK(OpenPath(As(root), N("/shared/f"), linux_abi::kOCreat | linux_abi::kOWrOnly, 0644));
  EXPECT_EQ(ns.Get("/shared/f")->GetAttr().gid, 50u);
  // In a set-group-ID directory, a group-executable set-group-ID file made
  // by a user outside the directory's group loses the bit (Linux's
  // mode_strip_sgid); elsewhere it keeps it.
  Chmod("/shared", 02777);
  ASSERT_OK(OpenPath(As(user), N("/shared/sg"), linux_abi::kOCreat | linux_abi::kOWrOnly, 02755));
  EXPECT_FALSE(ns.Get("/shared/sg")->GetAttr().mode & linux_abi::kModeSetGid);
  EXPECT_EQ(ns.Get("/shared/sg")->GetAttr().gid, 50u);
  ASSERT_OK(OpenPath(As(user), N("/tmp/sg"), linux_abi::kOCreat | linux_abi::kOWrOnly, 02755));
  EXPECT_TRUE(ns.Get("/tmp/sg")->GetAttr().mode & linux_abi::kModeSetGid);
}

TEST_F(OpsPermissionTest, StickyDirectoryAndDeletion) {
  EXPECT_ERR(UnlinkPath(As(user), N("/tmp/theirs")), kPermission);
  EXPECT_ERR(RenamePath(As(user), N("/tmp/theirs"), As(user), N("/tmp/other")), kPermission);
  EXPECT_ERR(UnlinkPath(As(user), N("/pub/file")), kAccess);
  EXPECT_ERR(UnlinkPath(As(user), N("/pub/missing")), kNotFound);  // lookup first, as Linux
  ASSERT_OK(UnlinkPath(As(root), N("/tmp/theirs")));
}

TEST_F(OpsPermissionTest, DevicesNeedCapMknodAndLinksProtectOthersFiles) {
  EXPECT_ERR(MakeNode(As(user), N("/tmp/null"), VnodeType::kCharDevice, 0666, 0x103), kPermission);
  ASSERT_OK(MakeNode(As(user), N("/tmp/fifo"), VnodeType::kFifo, 0666, 0));
  ASSERT_OK(MakeNode(As(root), N("/tmp/null"), VnodeType::kCharDevice, 0666, 0x103));
  // protected_hardlinks: another user's file the caller cannot write.
  EXPECT_ERR(LinkPath(As(user), N("/pub/file"), As(user), N("/tmp/l"), false), kPermission);
  ASSERT_OK(LinkPath(As(root), N("/pub/file"), As(root), N("/tmp/l"), false));
}

}  // namespace
}  // namespace core::vfs
