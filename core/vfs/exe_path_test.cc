// ResolveExePath on a ramfs laid out like the initramfs (busybox and its
// applet links) with a second file system mounted inside.

#include "core/vfs/exe_path.h"

#include <gtest/gtest.h>

#include <string>

#include "core/vfs/test_support.h"

namespace core::vfs {
namespace {

using vfs::testing::Namespace;

class ExePathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ns.Mkdir("/bin");
    ns.Mkdir("/usr");
    ns.Mkdir("/usr/bin");
    ns.Mkdir("/root");
    ns.Mkdir("/mnt");
    ns.WriteFile("/bin/busybox",
                 "\x7f"
                 "ELF");
    ns.Symlink("/bin/sh", "/bin/busybox");            // absolute, as make_rootfs.sh makes them
    ns.Symlink("/usr/bin/env", "../../bin/busybox");  // relative
    ns.Symlink("/usr/bin/ash", "env");                // a chain
    ns.Symlink("/lib", "usr/bin");                    // a directory link
    ns.Symlink("/loop", "/loop");
    ns.Symlink("/dangling", "/nowhere");
    ns.WriteFile("/root/prog", "x");
    // A second file system on /mnt, with a program in it.
    other = vfs::testing::NewRamFs();
    ASSERT_TRUE(ns.mounts.Mount(other, ns.Get("/mnt"), "/mnt").ok());
    ns.WriteFile("/mnt/tool", "x");
  }

  std::string Resolve(const char* path, const char* cwd = "/") {
    kstd::RefPtr<vfs::Vnode> dir = ns.Get(cwd);
    char* p = ResolveExePath(ns.mounts, ns.root.get(), dir.get(), path);
    if (p == nullptr) return "(null)";
    std::string s(p);
    delete[] p;
    return s;
  }

  Namespace ns;
  kstd::RefPtr<vfs::RamFs> other;
};

TEST_F(ExePathTest, PlainFiles) {
  EXPECT_EQ(Resolve("/bin/busybox"), "/bin/busybox");
  EXPECT_EQ(Resolve("/root/prog"), "/root/prog");
  EXPECT_EQ(Resolve("//bin///busybox"), "/bin/busybox");
  EXPECT_EQ(Resolve("/mnt/tool"), "/mnt/tool");
}

TEST_F(ExePathTest, RelativeToTheWorkingDirectory) {
  EXPECT_EQ(Resolve("prog", "/root"), "/root/prog");
  EXPECT_EQ(Resolve("./prog", "/root"), "/root/prog");
  EXPECT_EQ(Resolve("../bin/busybox", "/root"), "/bin/busybox");
  EXPECT_EQ(Resolve("tool", "/mnt"), "/mnt/tool");
}

TEST_F(ExePathTest, LinksAreFollowedToTheFile) {
  EXPECT_EQ(Resolve("/bin/sh"), "/bin/busybox");
  EXPECT_EQ(Resolve("/usr/bin/env"), "/bin/busybox");
  EXPECT_EQ(Resolve("/usr/bin/ash"), "/bin/busybox");
  EXPECT_EQ(Resolve("/lib/env"), "/bin/busybox");
  EXPECT_EQ(Resolve("bin/env", "/usr"), "/bin/busybox");
}

TEST_F(ExePathTest, Failures) {
  EXPECT_EQ(Resolve("/loop"), "(null)");
  EXPECT_EQ(Resolve("/dangling"), "(null)");
  EXPECT_EQ(Resolve("/bin/missing"), "(null)");
  EXPECT_EQ(Resolve("/nodir/x"), "(null)");
  EXPECT_EQ(Resolve(""), "(null)");
  EXPECT_EQ(Resolve("/bin/.."), "(null)");
  EXPECT_EQ(ResolveExePath(ns.mounts, ns.root.get(), ns.root.get(), nullptr), nullptr);
  std::string longest(5000, 'a');
  EXPECT_EQ(Resolve(longest.c_str()), "(null)");
}

}  // namespace
}  // namespace core::vfs
