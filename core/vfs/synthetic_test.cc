#include "core/vfs/synthetic.h"

#include <gtest/gtest.h>

#include <string>

#include "abi/linux/fcntl.h"
#include "abi/linux/statfs.h"
#include "core/vfs/test_support.h"

namespace core::vfs {
namespace {

using testing::ListNames;

// A procfs-like "uptime" file: its text changes on every render.
class CounterFile final : public SyntheticFile {
 public:
  CounterFile(kstd::RefPtr<FileSystem> fs, uint64_t ino)
      : SyntheticFile(kstd::Move(fs), ino, 0444) {}
  kstd::Result<void> Render(TextBuffer& out) override {
    ++renders;
    out.Printf("%d.%02d 0.00\n", renders, 7);
    return kstd::Ok();
  }
  int renders = 0;
};

// A writable control file (like /proc/sys/...): remembers the last write.
class ControlFile final : public SyntheticFile {
 public:
  ControlFile(kstd::RefPtr<FileSystem> fs, uint64_t ino)
      : SyntheticFile(kstd::Move(fs), ino, 0644) {}
  kstd::Result<void> Render(TextBuffer& out) override {
    out.Append(value.data(), value.size());
    return kstd::Ok();
  }
  kstd::Result<size_t> HandleWrite(uint64_t, kstd::Span<const uint8_t> in) override {
    value.assign(reinterpret_cast<const char*>(in.data()), in.size());
    return in.size();
  }
  bool writable() const override { return true; }
  std::string value = "0\n";
};

class SelfLink final : public SyntheticSymlink {
 public:
  SelfLink(kstd::RefPtr<FileSystem> fs, uint64_t ino) : SyntheticSymlink(kstd::Move(fs), ino) {}
  kstd::Result<size_t> Target(kstd::Span<char> out) override {
    std::string t = std::to_string(pid);
    size_t n = std::min(out.size(), t.size());
    t.copy(out.data(), n);
    return t.size();
  }
  int pid = 42;
};

class SyntheticTest : public ::testing::Test {
 protected:
  void SetUp() override {
    proc = kstd::AdoptRef(new SyntheticFs("proc", linux_abi::kProcMagic));
    auto* root = new StaticDir(proc, proc->NextIno(), 0555);
    kstd::RefPtr<Vnode> root_ref = kstd::AdoptRef<Vnode>(root);
    uptime = new CounterFile(proc, proc->NextIno());
    control = new ControlFile(proc, proc->NextIno());
    self = new SelfLink(proc, proc->NextIno());
    auto* sub = new StaticDir(proc, proc->NextIno(), 0555);
    sub->set_parent(root);
    ASSERT_OK(root->Add("uptime", kstd::AdoptRef<Vnode>(uptime)));
    ASSERT_OK(root->Add("ctl", kstd::AdoptRef<Vnode>(control)));
    ASSERT_OK(root->Add("self", kstd::AdoptRef<Vnode>(self)));
    ASSERT_OK(root->Add("42", kstd::AdoptRef<Vnode>(sub)));
    proc->set_root(root_ref);
    kstd::RefPtr<Vnode> mnt = ns.Mkdir("/proc");
    ASSERT_OK(ns.mounts.Mount(proc, mnt, "/proc"));
  }

  std::string ReadOpen(OpenFile* f, size_t chunk) {
    std::string out;
    uint64_t off = 0;
    char buf[64];
    while (true) {
      auto r = f->Read(off, kstd::Span<uint8_t>(reinterpret_cast<uint8_t*>(buf), chunk));
      EXPECT_TRUE(r.ok());
      if (!r.ok() || r.value() == 0) break;
      out.append(buf, r.value());
      off += r.value();
    }
    return out;
  }

  testing::Namespace ns;
  kstd::RefPtr<SyntheticFs> proc;
  CounterFile* uptime;
  ControlFile* control;
  SelfLink* self;
};

TEST_F(SyntheticTest, OpenRendersOneSnapshot) {
  auto f = ns.Get("/proc/uptime")->Open(linux_abi::kORdOnly);
  ASSERT_OK(f);
  EXPECT_EQ(uptime->renders, 1);
  EXPECT_EQ(ReadOpen(f.value().get(), 1), "1.07 0.00\n");  // byte by byte: no re-render
  EXPECT_EQ(ReadOpen(f.value().get(), 64), "1.07 0.00\n");
  EXPECT_EQ(uptime->renders, 1);
  auto g = ns.Get("/proc/uptime")->Open(linux_abi::kORdOnly);
  ASSERT_OK(g);
  EXPECT_EQ(ReadOpen(g.value().get(), 64), "2.07 0.00\n");
  EXPECT_EQ(ns.Get("/proc/uptime")->GetAttr().size, 0u);  // like procfs
}

TEST_F(SyntheticTest, ReadOnlyFilesRefuseWriteOpens) {
  EXPECT_ERR(ns.Get("/proc/uptime")->Open(linux_abi::kOWrOnly), kAccess);
  EXPECT_ERR(ns.Get("/proc/uptime")->Truncate(0), kAccess);
}

TEST_F(SyntheticTest, WritableControlFile) {
  auto f = ns.Get("/proc/ctl")->Open(linux_abi::kORdWr);
  ASSERT_OK(f);
  const char text[] = "1\n";
  ASSERT_OK(
      f.value()->Write(0, kstd::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(text), 2)));
  EXPECT_EQ(control->value, "1\n");
  EXPECT_OK(ns.Get("/proc/ctl")->Truncate(0));
  EXPECT_EQ(testing::ReadAll(ns.Get("/proc/ctl").get()), "1\n");
}

TEST_F(SyntheticTest, ComputedSymlinkResolves) {
  ResolveFlags nofollow;
  nofollow.follow_final_symlink = false;
  auto link = ns.Resolve("/proc/self", nofollow);
  ASSERT_OK(link);
  EXPECT_EQ(testing::ReadLinkString(link.value().vnode.get()), "42");
  EXPECT_EQ(ns.Get("/proc/self").get(), ns.Get("/proc/42").get());
  self->pid = 7;
  EXPECT_FALSE(ns.Get("/proc/self"));  // no /proc/7
}

TEST_F(SyntheticTest, StaticDirListsAndNavigates) {
  EXPECT_EQ(ListNames(ns.Get("/proc").get(), 2),
            (std::vector<std::string>{".", "..", "uptime", "ctl", "self", "42"}));
  EXPECT_EQ(ns.Get("/proc/42/..").get(), ns.Get("/proc").get());
  EXPECT_EQ(ns.Get("/proc/..").get(), ns.root.get());
  EXPECT_ERR(ns.Get("/proc")->Create("x", testing::FileRequest()), kNotSupported);
  EXPECT_ERR(ns.Get("/proc")->Unlink("uptime"), kNotSupported);
  EXPECT_ERR(ns.Get("/proc")->Lookup("nope"), kNotFound);
  EXPECT_EQ(ns.Get("/proc")->GetAttr().nlink, 3u);  // 2 + one subdirectory
  FsStats stats = proc->StatFs();
  EXPECT_EQ(stats.magic, linux_abi::kProcMagic);
}

TEST_F(SyntheticTest, StaticDirRejectsBadChildren) {
  auto* dir = new StaticDir(proc, proc->NextIno(), 0555);
  kstd::RefPtr<Vnode> ref = kstd::AdoptRef<Vnode>(dir);
  kstd::RefPtr<Vnode> child = ns.root;
  EXPECT_ERR(dir->Add("a/b", child), kInvalid);
  EXPECT_ERR(dir->Add("..", child), kInvalid);
  ASSERT_OK(dir->Add("a", child));
  EXPECT_ERR(dir->Add("a", child), kExists);
  for (size_t i = 1; i < StaticDir::kMaxChildren; ++i) {
    std::string n = "c" + std::to_string(i);
    ASSERT_OK(dir->Add(Name(n.data(), n.size()), child));
  }
  EXPECT_ERR(dir->Add("full", child), kNoSpace);
}

TEST(TextBufferTest, AppendsAndFormatsLongText) {
  TextBuffer t;
  for (int i = 0; i < 1000; ++i) t.Printf("line %d of %s\n", i, "many");
  std::string s(t.data(), t.size());
  EXPECT_EQ(s.substr(0, 18), "line 0 of many\nlin");
  EXPECT_NE(s.find("line 999 of many\n"), std::string::npos);
  std::string big(500, 'b');
  t.Printf("%s", big.c_str());  // longer than the small on-stack buffer
  EXPECT_EQ(std::string(t.data() + t.size() - 500, 500), big);
  EXPECT_FALSE(t.failed());
  size_t size;
  char* data = t.Release(&size);
  EXPECT_GT(size, 10000u);
  EXPECT_EQ(t.size(), 0u);
  delete[] data;
}

}  // namespace
}  // namespace core::vfs
