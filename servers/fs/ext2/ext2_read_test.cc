// Reads images made by mke2fs -d (1 KiB and 4 KiB blocks) and compares
// everything with the staging tree they were made from: every name, type,
// mode, owner, size, mtime, link count, hard-link identity, file contents
// (holes included), symlink target; readdir cursors; statfs.

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "servers/fs/ext2/ext2.h"
#include "servers/fs/ext2/testing/test_support.h"

namespace servers::fs::ext2 {
namespace {

using testing::CommandResult;
using testing::FixturePath;
using testing::ListDir;
using testing::MountedImage;
using testing::ReadHostFile;
using testing::ReadLinkString;
using testing::ReadWhole;
using testing::Resolve;
using testing::RunCommand;
using testing::ScratchPath;
using testing::ShellQuote;

std::string StagingDir() {
  static std::string dir = [] {
    std::string d = ScratchPath("staging");
    CommandResult r = RunCommand("mkdir -p " + ShellQuote(d) + " && tar -C " + ShellQuote(d) +
                                 " -xpf " + ShellQuote(FixturePath("staging.tar")));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return d;
  }();
  return dir;
}

FileType HostType(mode_t mode) {
  if (S_ISREG(mode)) return FileType::kRegular;
  if (S_ISDIR(mode)) return FileType::kDirectory;
  if (S_ISLNK(mode)) return FileType::kSymlink;
  if (S_ISFIFO(mode)) return FileType::kFifo;
  if (S_ISCHR(mode)) return FileType::kCharDevice;
  if (S_ISBLK(mode)) return FileType::kBlockDevice;
  if (S_ISSOCK(mode)) return FileType::kSocket;
  return FileType::kUnknown;
}

class ReadTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    image_ = FixturePath(GetParam());
    auto r = m_.Mount(image_, /*read_only=*/true);
    ASSERT_TRUE(r.ok()) << m_.log.All();
  }
  void TearDown() override {
    if (m_.fs.mounted()) {
      EXPECT_TRUE(m_.fs.Unmount().ok());
    }
  }

  // Compares the host directory `host` with the image directory `ino`.
  void CompareTree(const std::string& host, uint32_t ino, const std::string& rel,
                   std::map<ino_t, uint32_t>* hard_links, int* files) {
    auto listed = ListDir(m_.fs, ino);
    ASSERT_TRUE(listed.ok()) << rel << ": " << kstd::ErrorName(listed.error());
    std::map<std::string, DirEntry> in_image;
    for (const DirEntry& e : listed.value()) {
      EXPECT_TRUE(in_image.emplace(e.name, e).second) << rel << ": duplicate " << e.name;
    }
    ASSERT_EQ(in_image.count("."), 1u) << rel;
    ASSERT_EQ(in_image.count(".."), 1u) << rel;
    EXPECT_EQ(in_image["."].ino, ino);
    EXPECT_EQ(in_image["."].type, FileType::kDirectory);

    std::set<std::string> on_host;
    DIR* dir = opendir(host.c_str());
    ASSERT_NE(dir, nullptr) << host;
    while (dirent* d = readdir(dir)) {
      std::string name = d->d_name;
      if (name == "." || name == "..") continue;
      on_host.insert(name);
    }
    closedir(dir);
    for (const std::string& name : on_host) {
      SCOPED_TRACE(rel + "/" + name);
      std::string path = host + "/" + name;
      struct stat st;
      ASSERT_EQ(lstat(path.c_str(), &st), 0);
      ASSERT_EQ(in_image.count(name), 1u) << "missing in the image";
      const DirEntry& entry = in_image[name];
      auto looked = m_.fs.Lookup(ino, Name(name.data(), name.size()));
      ASSERT_TRUE(looked.ok());
      const Attr& a = looked.value();
      EXPECT_EQ(a.ino, entry.ino);
      EXPECT_EQ(a.type, HostType(st.st_mode));
      EXPECT_EQ(entry.type, a.type);
      EXPECT_EQ(a.mode, static_cast<uint32_t>(st.st_mode));
      EXPECT_EQ(a.uid, st.st_uid);
      EXPECT_EQ(a.gid, st.st_gid);
      EXPECT_EQ(a.nlink, S_ISDIR(st.st_mode) ? a.nlink : static_cast<uint32_t>(st.st_nlink));
      EXPECT_EQ(a.mtime, st.st_mtime);
      ++*files;
      if (st.st_nlink > 1 && !S_ISDIR(st.st_mode)) {
        auto [it, inserted] = hard_links->emplace(st.st_ino, a.ino);
        if (!inserted) {
          EXPECT_EQ(it->second, a.ino) << "hard links must share an inode";
        }
      }
      if (S_ISREG(st.st_mode)) {
        EXPECT_EQ(a.size, static_cast<uint64_t>(st.st_size));
        auto data = ReadWhole(m_.fs, a.ino);
        ASSERT_TRUE(data.ok());
        EXPECT_TRUE(data.value() == ReadHostFile(path)) << "contents differ";
        // Holes stay holes: no more blocks than the data needs.
        if (name == "hole_only.bin") {
          EXPECT_EQ(a.blocks, 0u);
        }
        if (name == "far_sparse.bin" || name == "sparse.bin") {
          EXPECT_LT(a.blocks * 512, a.size / 8);
        }
      } else if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlink(path.c_str(), target, sizeof(target));
        ASSERT_GT(n, 0);
        EXPECT_EQ(ReadLinkString(m_.fs, a.ino), std::string(target, static_cast<size_t>(n)));
        EXPECT_EQ(a.size, static_cast<uint64_t>(n));
      } else if (S_ISDIR(st.st_mode)) {
        // A directory's links: its entry, its ".", and each subdirectory's "..".
        int subdirs = 0;
        DIR* sub = opendir(path.c_str());
        while (dirent* d = readdir(sub)) {
          std::string n = d->d_name;
          struct stat cst;
          if (n != "." && n != ".." && lstat((path + "/" + n).c_str(), &cst) == 0 &&
              S_ISDIR(cst.st_mode))
            ++subdirs;
        }
        closedir(sub);
        EXPECT_EQ(a.nlink, static_cast<uint32_t>(2 + subdirs));
        auto dotdot = m_.fs.Lookup(a.ino, Name(".."));
        ASSERT_TRUE(dotdot.ok());
        EXPECT_EQ(dotdot.value().ino, ino);
        CompareTree(path, a.ino, rel + "/" + name, hard_links, files);
      }
    }
    // Nothing extra in the image (the root also has lost+found).
    for (const auto& [name, entry] : in_image) {
      if (name == "." || name == ".." || (rel.empty() && name == "lost+found")) continue;
      EXPECT_EQ(on_host.count(name), 1u) << rel << "/" << name << " is only in the image";
    }
  }

  std::string image_;
  MountedImage m_;
};

TEST_P(ReadTest, MatchesTheStagingTree) {
  std::map<ino_t, uint32_t> hard_links;
  int files = 0;
  CompareTree(StagingDir(), Ext2::kRootIno, "", &hard_links, &files);
  EXPECT_GT(files, 350);
  EXPECT_FALSE(m_.fs.errors_detected()) << m_.log.All();
}

TEST_P(ReadTest, MountReportAndStatfs) {
  EXPECT_TRUE(m_.report.read_only);
  EXPECT_TRUE(m_.report.was_clean);
  EXPECT_FALSE(m_.report.had_errors);
  auto stats = m_.fs.StatFs();
  ASSERT_TRUE(stats.ok());
  // debugfs "stats" gives the superblock's figures.
  CommandResult r = testing::Debugfs(image_, "stats");
  auto field = [&](const std::string& name) -> uint64_t {
    size_t at = r.output.find(name + ":");
    if (at == std::string::npos) return ~0ull;
    return std::stoull(r.output.substr(r.output.find_first_of("0123456789", at + name.size())));
  };
  EXPECT_EQ(stats.value().total_blocks, field("Block count"));
  EXPECT_EQ(stats.value().free_blocks, field("Free blocks"));
  EXPECT_EQ(stats.value().total_inodes, field("Inode count"));
  EXPECT_EQ(stats.value().free_inodes, field("Free inodes"));
  EXPECT_EQ(stats.value().block_size, field("Block size"));
}

TEST_P(ReadTest, LookupEdgeCases) {
  auto root = m_.fs.GetAttr(Ext2::kRootIno);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root.value().type, FileType::kDirectory);
  // The root's ".." is itself.
  auto dotdot = m_.fs.Lookup(Ext2::kRootIno, Name(".."));
  ASSERT_TRUE(dotdot.ok());
  EXPECT_EQ(dotdot.value().ino, Ext2::kRootIno);
  EXPECT_EQ(m_.fs.Lookup(Ext2::kRootIno, Name("nope")).error(), kstd::Error::kNotFound);
  std::string long_name(256, 'x');
  EXPECT_EQ(m_.fs.Lookup(Ext2::kRootIno, Name(long_name.data(), long_name.size())).error(),
            kstd::Error::kNameTooLong);
  std::string max_name(255, 'n');
  EXPECT_TRUE(m_.fs.Lookup(Ext2::kRootIno, Name(max_name.data(), max_name.size())).ok());
  auto file = Resolve(m_.fs, "/hello.txt");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(m_.fs.Lookup(file.value().ino, Name("x")).error(), kstd::Error::kNotDirectory);
  EXPECT_EQ(m_.fs.ReadDir(file.value().ino, nullptr, {}).error(), kstd::Error::kNotDirectory);
  // Reserved and out-of-range inode numbers.
  EXPECT_EQ(m_.fs.GetAttr(0).error(), kstd::Error::kInvalid);
  EXPECT_EQ(m_.fs.GetAttr(1).error(), kstd::Error::kInvalid);
  EXPECT_EQ(m_.fs.GetAttr(7).error(), kstd::Error::kInvalid);
  EXPECT_EQ(m_.fs.GetAttr(0xFFFFFFFF).error(), kstd::Error::kInvalid);
  // A free inode.
  EXPECT_EQ(m_.fs.GetAttr(1000).error(), kstd::Error::kNotFound);
  // Deep paths.
  std::string deep = "/deep";
  for (int i = 0; i < 40; ++i) deep += "/level" + std::to_string(i);
  auto bottom = Resolve(m_.fs, deep + "/bottom.txt");
  ASSERT_TRUE(bottom.ok());
  EXPECT_EQ(ReadWhole(m_.fs, bottom.value().ino).value(), "bottom\n");
}

TEST_P(ReadTest, ReadsAtOffsetsAndPastTheEnd) {
  auto file = Resolve(m_.fs, "/medium.bin");
  ASSERT_TRUE(file.ok());
  std::string host = ReadHostFile(StagingDir() + "/medium.bin");
  uint8_t buffer[5000];
  for (uint64_t offset :
       {0ull, 1ull, 1023ull, 4095ull, 12287ull, 274431ull, 300000ull, 307199ull}) {
    auto n = m_.fs.Read(file.value().ino, offset, kstd::Span<uint8_t>(buffer, sizeof(buffer)));
    ASSERT_TRUE(n.ok());
    size_t expect = std::min<size_t>(sizeof(buffer), host.size() - offset);
    ASSERT_EQ(n.value(), expect) << offset;
    EXPECT_EQ(std::string(reinterpret_cast<char*>(buffer), expect), host.substr(offset, expect))
        << offset;
  }
  EXPECT_EQ(m_.fs.Read(file.value().ino, 307200, kstd::Span<uint8_t>(buffer, 10)).value(), 0u);
  EXPECT_EQ(m_.fs.Read(file.value().ino, ~0ull, kstd::Span<uint8_t>(buffer, 10)).value(), 0u);
  auto dir = Resolve(m_.fs, "/dir");
  EXPECT_EQ(m_.fs.Read(dir.value().ino, 0, kstd::Span<uint8_t>(buffer, 10)).error(),
            kstd::Error::kIsDirectory);
  auto fifo = Resolve(m_.fs, "/fifo");
  EXPECT_EQ(m_.fs.Read(fifo.value().ino, 0, kstd::Span<uint8_t>(buffer, 10)).error(),
            kstd::Error::kInvalid);
  auto link = Resolve(m_.fs, "/link_fast");
  char small[4];
  auto n = m_.fs.ReadLink(link.value().ino, kstd::Span<char>(small, sizeof(small)));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value(), 9u);  // the full length; the copy is truncated
  EXPECT_EQ(std::string(small, 4), "hell");
  EXPECT_EQ(m_.fs.ReadLink(file.value().ino, kstd::Span<char>(small, 4)).error(),
            kstd::Error::kInvalid);
}

TEST_P(ReadTest, ReadOnlyMountRefusesChanges) {
  auto file = Resolve(m_.fs, "/hello.txt");
  ASSERT_TRUE(file.ok());
  uint8_t byte = 'x';
  EXPECT_EQ(m_.fs.Write(file.value().ino, 0, kstd::Span<const uint8_t>(&byte, 1)).error(),
            kstd::Error::kReadOnlyFs);
  EXPECT_EQ(m_.fs.Truncate(file.value().ino, 0).error(), kstd::Error::kReadOnlyFs);
  EXPECT_EQ(m_.fs.Create(Ext2::kRootIno, Name("new"), {}).error(), kstd::Error::kReadOnlyFs);
  EXPECT_EQ(m_.fs.Unlink(Ext2::kRootIno, Name("hello.txt")).error(), kstd::Error::kReadOnlyFs);
  EXPECT_EQ(m_.fs.Rename(Ext2::kRootIno, Name("hello.txt"), Ext2::kRootIno, Name("x")).error(),
            kstd::Error::kReadOnlyFs);
  SetAttrRequest chmod;
  chmod.mask = SetAttrRequest::kMode;
  EXPECT_EQ(m_.fs.SetAttr(file.value().ino, chmod).error(), kstd::Error::kReadOnlyFs);
  ASSERT_TRUE(m_.fs.Unmount().ok());
  EXPECT_EQ(m_.device.write_count(), 0u);
}

TEST_P(ReadTest, CursorsResumeExactly) {
  auto many = Resolve(m_.fs, "/many");
  ASSERT_TRUE(many.ok());
  auto one_by_one = ListDir(m_.fs, many.value().ino, 1);
  auto in_bulk = ListDir(m_.fs, many.value().ino, 1000);
  ASSERT_TRUE(one_by_one.ok());
  ASSERT_TRUE(in_bulk.ok());
  ASSERT_EQ(one_by_one.value().size(), 302u);
  ASSERT_EQ(in_bulk.value().size(), 302u);
  for (size_t i = 0; i < in_bulk.value().size(); ++i) {
    EXPECT_STREQ(one_by_one.value()[i].name, in_bulk.value()[i].name);
    EXPECT_EQ(one_by_one.value()[i].next_cursor, in_bulk.value()[i].next_cursor);
  }
  // Resuming from any entry's next_cursor gives the rest.
  uint64_t cursor = in_bulk.value()[150].next_cursor;
  DirEntry e;
  auto n = m_.fs.ReadDir(many.value().ino, &cursor, kstd::Span<DirEntry>(&e, 1));
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(n.value(), 1u);
  EXPECT_STREQ(e.name, in_bulk.value()[151].name);
  // A cursor in the middle of an entry resumes at the next one.
  cursor = in_bulk.value()[150].next_cursor - 4;
  n = m_.fs.ReadDir(many.value().ino, &cursor, kstd::Span<DirEntry>(&e, 1));
  ASSERT_EQ(n.value(), 1u);
  EXPECT_STREQ(e.name, in_bulk.value()[151].name);
  // Past the end: nothing.
  cursor = ~0ull;
  EXPECT_EQ(m_.fs.ReadDir(many.value().ino, &cursor, kstd::Span<DirEntry>(&e, 1)).value(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Images, ReadTest,
                         ::testing::Values("tree_1k.img", "tree_4k.img", "tree_1k_htree.img",
                                           "tree_64k.img"),
                         [](const auto& info) {
                           std::string name = info.param;
                           return name.substr(0, name.find('.'));
                         });

// A 4096-byte-sector device under a 4 KiB-block file system works; under a
// 1 KiB-block one the mount is refused with a message.
TEST(ReadGeometryTest, SectorSizes) {
  {
    FileBlockDevice device;
    ASSERT_TRUE(device.Open(FixturePath("tree_4k.img").c_str(), true, 4096).ok());
    Ext2 fs;
    testing::CapturingLog log;
    MountOptions options;
    options.log = &log;
    ASSERT_TRUE(fs.Mount(&device, options).ok()) << log.All();
    EXPECT_TRUE(fs.read_only());  // the fixture file is read-only
    auto file = Resolve(fs, "/numbers.txt");
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(ReadWhole(fs, file.value().ino).value().substr(0, 8), "1\n2\n3\n4\n");
    EXPECT_TRUE(fs.Unmount().ok());
  }
  {
    FileBlockDevice device;
    ASSERT_TRUE(device.Open(FixturePath("tree_1k.img").c_str(), true, 4096).ok());
    Ext2 fs;
    testing::CapturingLog log;
    MountOptions options;
    options.log = &log;
    EXPECT_EQ(fs.Mount(&device, options).error(), kstd::Error::kInvalid);
    EXPECT_TRUE(log.Contains("smaller than the device's sector")) << log.All();
  }
}

}  // namespace
}  // namespace servers::fs::ext2
