// Writes through the library on real mke2fs images (1 KiB and 4 KiB blocks),
// then unmounts and lets e2fsprogs judge: `e2fsck -fn` must exit 0 after
// every test, and `debugfs -R 'cat PATH'` must read back exactly the bytes
// written. The image is then mounted again and read back through the library.

#include <string.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "servers/fs/ext2/ext2.h"
#include "servers/fs/ext2/memory_block_device.h"
#include "servers/fs/ext2/testing/test_support.h"

namespace servers::fs::ext2 {
namespace {

using testing::CommandResult;
using testing::Debugfs;
using testing::DebugfsCat;
using testing::E2fsck;
using testing::ListDir;
using testing::MountedImage;
using testing::PatternBytes;
using testing::ReadLinkString;
using testing::ReadWhole;
using testing::Resolve;
using testing::ResolveParent;
using testing::ScratchCopy;
using testing::WriteAll;

#define ASSERT_OK(expr)                                                                            \
  do {                                                                                             \
    auto _r = (expr);                                                                              \
    ASSERT_TRUE(_r.ok()) << #expr << ": " << kstd::ErrorName(_r.error()) << "\n" << m_->log.All(); \
  } while (0)

#define EXPECT_ERR(expr, err)                                                     \
  do {                                                                            \
    auto _r = (expr);                                                             \
    EXPECT_FALSE(_r.ok()) << #expr << " succeeded";                               \
    if (!_r.ok()) {                                                               \
      EXPECT_EQ(_r.error(), err) << #expr << ": " << kstd::ErrorName(_r.error()); \
    }                                                                             \
  } while (0)

class WriteTestBase : public ::testing::Test {
 protected:
  void Setup(const std::string& fixture) {
    image_ = ScratchCopy(fixture);
    Mount();
    auto stats = m_->fs.StatFs();
    ASSERT_TRUE(stats.ok());
    baseline_ = stats.value();
  }

  void Mount(uint32_t cache_blocks = 256) {
    m_ = std::make_unique<MountedImage>();
    auto r = m_->Mount(image_, false, cache_blocks);
    ASSERT_TRUE(r.ok()) << m_->log.All();
    ASSERT_FALSE(m_->report.read_only);
  }

  uint32_t bs() const { return m_->fs.block_size(); }
  uint64_t ptrs() const { return bs() / 4; }

  /// Unmounts, checks the image with e2fsck -fn and debugfs, mounts it again
  /// and checks the expected files through the library.
  void CheckImage() {
    ASSERT_TRUE(m_->fs.Unmount().ok()) << m_->log.All();
    EXPECT_FALSE(m_->fs.errors_detected());
    CommandResult fsck = E2fsck(image_);
    ASSERT_EQ(fsck.exit_code, 0) << "e2fsck -fn found problems:\n" << fsck.output << m_->log.All();
    for (const auto& [path, data] : files_) {
      std::string got;
      ASSERT_TRUE(DebugfsCat(image_, path, &got)) << path;
      ASSERT_EQ(got.size(), data.size()) << "debugfs cat " << path;
      EXPECT_TRUE(got == data) << "debugfs cat " << path << " differs";
    }
    Mount();
    for (const auto& [path, data] : files_) {
      auto attr = Resolve(m_->fs, path);
      ASSERT_TRUE(attr.ok()) << path;
      auto got = ReadWhole(m_->fs, attr.value().ino);
      ASSERT_TRUE(got.ok()) << path;
      EXPECT_TRUE(got.value() == data) << "read back " << path << " differs";
    }
  }

  uint32_t CreateFile(const std::string& path, uint32_t mode = 0644) {
    std::string leaf;
    auto parent = ResolveParent(m_->fs, path, &leaf);
    EXPECT_TRUE(parent.ok()) << path;
    if (!parent.ok()) return 0;
    CreateRequest request;
    request.mode = mode;
    auto attr = m_->fs.Create(parent.value(), Name(leaf.data(), leaf.size()), request);
    EXPECT_TRUE(attr.ok()) << path << ": " << kstd::ErrorName(attr.error()) << m_->log.All();
    if (!attr.ok()) return 0;
    files_[path] = "";
    return attr.value().ino;
  }

  uint32_t MakeDir(const std::string& path) {
    std::string leaf;
    auto parent = ResolveParent(m_->fs, path, &leaf);
    EXPECT_TRUE(parent.ok()) << path;
    if (!parent.ok()) return 0;
    auto attr = m_->fs.Mkdir(parent.value(), Name(leaf.data(), leaf.size()), 0755, 0, 0);
    EXPECT_TRUE(attr.ok()) << path << ": " << kstd::ErrorName(attr.error());
    return attr.ok() ? attr.value().ino : 0;
  }

  /// Writes and records the expected contents.
  void Write(const std::string& path, uint64_t offset, const std::string& data) {
    auto attr = Resolve(m_->fs, path);
    ASSERT_TRUE(attr.ok()) << path;
    ASSERT_OK(WriteAll(m_->fs, attr.value().ino, offset, data));
    std::string& expect = files_[path];
    if (expect.size() < offset + data.size()) expect.resize(offset + data.size(), '\0');
    expect.replace(offset, data.size(), data);
  }

  void Truncate(const std::string& path, uint64_t size) {
    auto attr = Resolve(m_->fs, path);
    ASSERT_TRUE(attr.ok()) << path;
    ASSERT_OK(m_->fs.Truncate(attr.value().ino, size));
    files_[path].resize(size, '\0');
  }

  void ExpectContents(const std::string& path) {
    auto attr = Resolve(m_->fs, path);
    ASSERT_TRUE(attr.ok()) << path;
    auto got = ReadWhole(m_->fs, attr.value().ino);
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(got.value() == files_[path]) << path;
  }

  FsStats Stats() { return m_->fs.StatFs().value(); }

  std::string image_;
  std::unique_ptr<MountedImage> m_;
  std::map<std::string, std::string> files_;
  FsStats baseline_;
};

class WriteTest : public WriteTestBase, public ::testing::WithParamInterface<const char*> {
 protected:
  void SetUp() override { Setup(GetParam()); }
};

TEST_P(WriteTest, CreateWriteAndReadBack) {
  const uint64_t b = bs();
  std::vector<uint64_t> sizes = {0,
                                 1,
                                 b - 1,
                                 b,
                                 b + 1,
                                 12 * b,
                                 12 * b + 1,
                                 (12 + ptrs()) * b,
                                 (12 + ptrs()) * b + 1,
                                 (12 + ptrs() + 5) * b + 17};
  int i = 0;
  for (uint64_t size : sizes) {
    std::string path = "/file" + std::to_string(i);
    ASSERT_NE(CreateFile(path), 0u);
    // Odd-sized chunks, so writes straddle block boundaries.
    std::string data = PatternBytes(size, static_cast<uint32_t>(i));
    for (uint64_t at = 0; at < size; at += 3001) {
      Write(path, at, data.substr(at, 3001));
    }
    ++i;
  }
  for (const auto& [path, data] : files_) ExpectContents(path);
  // i_blocks accounts for data and indirect blocks.
  auto big = Resolve(m_->fs, "/file9").value();
  uint64_t data_blocks = (big.size + b - 1) / b;
  EXPECT_EQ(big.blocks, (data_blocks + 1 + 1 + 1) * (b / 512));  // + ind, dind, one dind child
  CheckImage();
}

TEST_P(WriteTest, AppendAndOverwrite) {
  CreateFile("/log");
  for (int i = 0; i < 200; ++i) {
    Write("/log", files_["/log"].size(), PatternBytes(777, 100 + i));
  }
  auto before = Resolve(m_->fs, "/log").value();
  // Overwrites inside the file allocate nothing.
  Write("/log", 5, "overwritten");
  Write("/log", 12 * bs() - 3, std::string(10, 'z'));
  Write("/log", 100000, PatternBytes(20000, 7));
  auto after = Resolve(m_->fs, "/log").value();
  EXPECT_EQ(after.blocks, before.blocks);
  EXPECT_EQ(after.size, before.size);
  ExpectContents("/log");
  CheckImage();
}

TEST_P(WriteTest, TruncateShrinksGrowsAndFrees) {
  CreateFile("/t");
  uint64_t big = (12 + ptrs() + 3) * bs() + 100;
  Write("/t", 0, PatternBytes(big, 3));
  EXPECT_LT(Stats().free_blocks, baseline_.free_blocks);
  for (uint64_t size :
       {big - 1, (12 + ptrs()) * bs() + 1, (12 + ptrs()) * uint64_t{bs()}, 12 * uint64_t{bs()} + 5,
        12 * uint64_t{bs()}, uint64_t{bs()} + 1, uint64_t{7}}) {
    Truncate("/t", size);
    ExpectContents("/t");
  }
  // Growing leaves a hole; the bytes past the old end read as zero.
  Truncate("/t", 3 * bs() + 10);
  ExpectContents("/t");
  Write("/t", 5 * bs(), "tail");
  ExpectContents("/t");
  auto attr = Resolve(m_->fs, "/t").value();
  EXPECT_EQ(attr.blocks, 2u * (bs() / 512));  // blocks 0 and 5 only
  CheckImage();
  Truncate("/t", 0);
  EXPECT_EQ(Stats().free_blocks, baseline_.free_blocks);
  EXPECT_EQ(Resolve(m_->fs, "/t").value().blocks, 0u);
  CheckImage();
}

TEST_P(WriteTest, SparseWritesAllocateOnlyWhatIsWritten) {
  // The file reaches gigabytes with 4 KiB blocks, so it is checked piece by
  // piece: through the library, and through debugfs's block map against the
  // raw image (debugfs `cat` would copy out the holes too).
  uint32_t ino = CreateFile("/sparse");
  files_.erase("/sparse");
  uint64_t p = ptrs();
  // One block in each range: direct, indirect, double- and triple-indirect.
  std::vector<uint64_t> blocks = {3, 12 + 7, 12 + p + p * 3 + 2, 12 + p + p * p + p * p + p + 1};
  std::map<uint64_t, std::string> pieces;  // file block -> the bytes at offset 11 in it
  int i = 0;
  for (uint64_t fb : blocks) {
    pieces[fb] = PatternBytes(100, 50 + i++);
    ASSERT_OK(WriteAll(m_->fs, ino, fb * bs() + 11, pieces[fb]));
  }
  auto attr = m_->fs.GetAttr(ino).value();
  EXPECT_EQ(attr.size, blocks.back() * bs() + 111);
  // 4 data blocks + ind + (dind + 1) + (tind + 2).
  EXPECT_EQ(attr.blocks, (4u + 1 + 2 + 3) * (bs() / 512));
  auto check = [&]() {
    for (const auto& [fb, data] : pieces) {
      std::string got(bs(), '\0');
      auto n = m_->fs.Read(ino, fb * bs(),
                           kstd::Span<uint8_t>(reinterpret_cast<uint8_t*>(got.data()), got.size()));
      ASSERT_TRUE(n.ok());
      std::string expect(bs(), '\0');
      expect.replace(11, data.size(), data);
      if (fb == blocks.back()) expect.resize(111);
      got.resize(n.value());
      EXPECT_TRUE(got == expect) << "file block " << fb;
      CommandResult bmap = Debugfs(image_, "bmap /sparse " + std::to_string(fb));
      uint64_t physical = std::stoull(bmap.output);
      EXPECT_EQ(testing::ReadFileRange(image_, physical * bs() + 11, data.size()), data)
          << "debugfs bmap " << fb;
    }
    // Holes read as zeros.
    uint8_t buffer[64];
    ASSERT_TRUE(m_->fs.Read(ino, 100 * bs(), kstd::Span<uint8_t>(buffer, 64)).ok());
    for (uint8_t byte : buffer) EXPECT_EQ(byte, 0);
  };
  CheckImage();
  check();
  // Freeing from the middle of the triple-indirect tree.
  ASSERT_OK(m_->fs.Truncate(ino, (12 + p + p * p + 1) * bs()));
  pieces.erase(blocks.back());
  EXPECT_EQ(m_->fs.GetAttr(ino).value().blocks, (3u + 1 + 2) * (bs() / 512));
  CheckImage();
  check();
  ASSERT_OK(m_->fs.Truncate(ino, 0));
  EXPECT_EQ(Stats().free_blocks, baseline_.free_blocks);
  CheckImage();
}

TEST_P(WriteTest, UnlinkFreesBlocksAndInodes) {
  for (int i = 0; i < 40; ++i) {
    std::string path = "/u" + std::to_string(i);
    CreateFile(path);
    Write(path, 0, PatternBytes(static_cast<size_t>(i) * 1531, i));
  }
  ASSERT_NE(MakeDir("/d"), 0u);
  CreateFile("/d/inner");
  Write("/d/inner", 0, PatternBytes(30 * bs(), 9));
  EXPECT_LT(Stats().free_inodes, baseline_.free_inodes);
  CheckImage();
  for (int i = 0; i < 40; ++i) {
    std::string name = "u" + std::to_string(i);
    ASSERT_OK(m_->fs.Unlink(Ext2::kRootIno, Name(name.data(), name.size())));
    files_.erase("/" + name);
  }
  auto d = Resolve(m_->fs, "/d").value();
  ASSERT_OK(m_->fs.Unlink(d.ino, Name("inner")));
  files_.erase("/d/inner");
  ASSERT_OK(m_->fs.Rmdir(Ext2::kRootIno, Name("d")));
  EXPECT_EQ(Stats().free_blocks, baseline_.free_blocks);
  EXPECT_EQ(Stats().free_inodes, baseline_.free_inodes);
  EXPECT_ERR(m_->fs.Unlink(Ext2::kRootIno, Name("u0")), kstd::Error::kNotFound);
  EXPECT_ERR(m_->fs.GetAttr(d.ino), kstd::Error::kNotFound);
  CheckImage();
}

TEST_P(WriteTest, MkdirAndRmdir) {
  uint32_t a = MakeDir("/a");
  uint32_t b = MakeDir("/a/b");
  MakeDir("/a/c");
  CreateFile("/a/b/file");
  EXPECT_EQ(m_->fs.GetAttr(a).value().nlink, 4u);
  EXPECT_EQ(m_->fs.GetAttr(b).value().nlink, 2u);
  EXPECT_EQ(m_->fs.GetAttr(Ext2::kRootIno).value().nlink, 4u);  // ., .., lost+found/.., a/..
  EXPECT_EQ(m_->fs.Lookup(b, Name("..")).value().ino, a);
  EXPECT_ERR(m_->fs.Mkdir(a, Name("b"), 0755, 0, 0), kstd::Error::kExists);
  EXPECT_ERR(m_->fs.Mkdir(a, Name("."), 0755, 0, 0), kstd::Error::kExists);
  EXPECT_ERR(m_->fs.Mkdir(a, Name("x/y"), 0755, 0, 0), kstd::Error::kInvalid);
  EXPECT_ERR(m_->fs.Rmdir(a, Name("b")), kstd::Error::kNotEmpty);
  EXPECT_ERR(m_->fs.Rmdir(a, Name(".")), kstd::Error::kInvalid);
  EXPECT_ERR(m_->fs.Rmdir(a, Name("..")), kstd::Error::kNotEmpty);
  EXPECT_ERR(m_->fs.Rmdir(b, Name("file")), kstd::Error::kNotDirectory);
  EXPECT_ERR(m_->fs.Unlink(a, Name("b")), kstd::Error::kIsDirectory);
  EXPECT_ERR(m_->fs.Rmdir(a, Name("zzz")), kstd::Error::kNotFound);
  auto file = Resolve(m_->fs, "/a/b/file").value();
  EXPECT_ERR(m_->fs.Mkdir(file.ino, Name("x"), 0755, 0, 0), kstd::Error::kNotDirectory);
  CheckImage();
  ASSERT_OK(m_->fs.Rmdir(a, Name("c")));
  EXPECT_EQ(m_->fs.GetAttr(a).value().nlink, 3u);
  CheckImage();
  // Many nested directories, then removed bottom-up.
  std::string path;
  for (int i = 0; i < 30; ++i) {
    path += "/n" + std::to_string(i);
    MakeDir(path);
  }
  CheckImage();
  for (int i = 29; i >= 0; --i) {
    std::string leaf;
    auto parent = ResolveParent(m_->fs, path, &leaf);
    ASSERT_TRUE(parent.ok());
    ASSERT_OK(m_->fs.Rmdir(parent.value(), Name(leaf.data(), leaf.size())));
    path = path.substr(0, path.find_last_of('/'));
  }
  CheckImage();
}

TEST_P(WriteTest, HardLinks) {
  uint32_t ino = CreateFile("/orig");
  Write("/orig", 0, PatternBytes(5 * bs() + 3, 77));
  MakeDir("/other");
  uint32_t other = Resolve(m_->fs, "/other").value().ino;
  ASSERT_OK(m_->fs.Link(ino, other, Name("second")));
  ASSERT_OK(m_->fs.Link(ino, Ext2::kRootIno, Name("third")));
  files_["/other/second"] = files_["/orig"];
  files_["/third"] = files_["/orig"];
  EXPECT_EQ(m_->fs.GetAttr(ino).value().nlink, 3u);
  EXPECT_ERR(m_->fs.Link(ino, other, Name("second")), kstd::Error::kExists);
  EXPECT_ERR(m_->fs.Link(other, Ext2::kRootIno, Name("dirlink")), kstd::Error::kPermission);
  CheckImage();
  ASSERT_OK(m_->fs.Unlink(Ext2::kRootIno, Name("orig")));
  files_.erase("/orig");
  EXPECT_EQ(m_->fs.GetAttr(ino).value().nlink, 2u);
  // Writing through one name shows through the other.
  Write("/third", 1, "shared");
  files_["/other/second"] = files_["/third"];
  CheckImage();
  ASSERT_OK(m_->fs.Unlink(other, Name("second")));
  ASSERT_OK(m_->fs.Unlink(Ext2::kRootIno, Name("third")));
  files_.clear();
  ASSERT_OK(m_->fs.Rmdir(Ext2::kRootIno, Name("other")));
  EXPECT_EQ(Stats().free_blocks, baseline_.free_blocks);
  EXPECT_EQ(Stats().free_inodes, baseline_.free_inodes);
  CheckImage();
}

TEST_P(WriteTest, Symlinks) {
  std::vector<std::string> targets = {"a", std::string(59, 'f'), std::string(60, 's'),
                                      "../some/where/else",
                                      std::string(bs() - 1 < 4095 ? bs() - 1 : 4095, 'L')};
  for (size_t i = 0; i < targets.size(); ++i) {
    std::string name = "link" + std::to_string(i);
    auto attr =
        m_->fs.Symlink(Ext2::kRootIno, Name(name.data(), name.size()),
                       kstd::Span<const char>(targets[i].data(), targets[i].size()), 1000, 100);
    ASSERT_TRUE(attr.ok()) << name << ": " << kstd::ErrorName(attr.error());
    EXPECT_EQ(attr.value().type, FileType::kSymlink);
    EXPECT_EQ(attr.value().size, targets[i].size());
    EXPECT_EQ(attr.value().blocks, targets[i].size() < 60 ? 0u : bs() / 512);
    EXPECT_EQ(ReadLinkString(m_->fs, attr.value().ino), targets[i]);
  }
  std::string too_long(4096, 'x');
  EXPECT_ERR(m_->fs.Symlink(Ext2::kRootIno, Name("bad"),
                            kstd::Span<const char>(too_long.data(), too_long.size()), 0, 0),
             kstd::Error::kNameTooLong);
  EXPECT_ERR(m_->fs.Symlink(Ext2::kRootIno, Name("bad"), {}, 0, 0), kstd::Error::kInvalid);
  EXPECT_ERR(m_->fs.Symlink(Ext2::kRootIno, Name("link0"), kstd::Span<const char>("x", 1), 0, 0),
             kstd::Error::kExists);
  CheckImage();
  for (size_t i = 0; i < targets.size(); ++i) {
    auto attr = Resolve(m_->fs, "/link" + std::to_string(i));
    ASSERT_TRUE(attr.ok());
    EXPECT_EQ(ReadLinkString(m_->fs, attr.value().ino), targets[i]);
    EXPECT_EQ(attr.value().uid, 1000u);
    EXPECT_EQ(attr.value().gid, 100u);
    CommandResult stat = Debugfs(image_, "stat /link" + std::to_string(i));
    if (targets[i].size() < 60) {
      EXPECT_NE(stat.output.find("Fast link dest: \"" + targets[i] + "\""), std::string::npos)
          << stat.output;
    }
  }
  // Removing them frees the slow symlinks' blocks.
  for (size_t i = 0; i < targets.size(); ++i) {
    std::string name = "link" + std::to_string(i);
    ASSERT_OK(m_->fs.Unlink(Ext2::kRootIno, Name(name.data(), name.size())));
  }
  EXPECT_EQ(Stats().free_blocks, baseline_.free_blocks);
  CheckImage();
}

TEST_P(WriteTest, DeviceNodesFifosSockets) {
  struct Node {
    const char* name;
    FileType type;
    uint32_t rdev;
    const char* debugfs_type;
  };
  // rdev in Linux's st_rdev encoding: (minor & 0xff) | major << 8 | (minor & ~0xff) << 12.
  const Node nodes[] = {
      {"null", FileType::kCharDevice, (1u << 8) | 3, "character special"},
      {"sda1", FileType::kBlockDevice, (8u << 8) | 1, "block special"},
      {"big", FileType::kCharDevice, (300u << 8) | (70000u & 0xFF) | ((70000u & ~0xFFu) << 12),
       "character special"},
      {"pipe", FileType::kFifo, 0, "FIFO"},
      {"sock", FileType::kSocket, 0, "socket"},
  };
  for (const Node& n : nodes) {
    CreateRequest request;
    request.type = n.type;
    request.mode = 0620;
    request.rdev = n.rdev;
    auto attr = m_->fs.Create(Ext2::kRootIno, Name(n.name), request);
    ASSERT_TRUE(attr.ok()) << n.name;
    EXPECT_EQ(attr.value().rdev, n.rdev);
  }
  CreateRequest bad;
  bad.type = FileType::kDirectory;
  EXPECT_ERR(m_->fs.Create(Ext2::kRootIno, Name("bad"), bad), kstd::Error::kInvalid);
  CheckImage();
  for (const Node& n : nodes) {
    auto attr = Resolve(m_->fs, std::string("/") + n.name);
    ASSERT_TRUE(attr.ok());
    EXPECT_EQ(attr.value().type, n.type);
    EXPECT_EQ(attr.value().rdev, n.rdev) << n.name;
    EXPECT_EQ(attr.value().mode & 07777, 0620u);
    CommandResult stat = Debugfs(image_, std::string("stat /") + n.name);
    EXPECT_NE(stat.output.find(std::string("Type: ") + n.debugfs_type), std::string::npos)
        << stat.output;
  }
  CommandResult stat = Debugfs(image_, "stat /null");
  EXPECT_NE(stat.output.find("Device major/minor number: 01:03"), std::string::npos) << stat.output;
  stat = Debugfs(image_, "stat /big");
  EXPECT_NE(stat.output.find("Device major/minor number: 300:70000"), std::string::npos)
      << stat.output;
}

TEST_P(WriteTest, RenameFilesPosixRules) {
  CreateFile("/a");
  Write("/a", 0, "content of a");
  CreateFile("/b");
  Write("/b", 0, "content of b");
  MakeDir("/d1");
  MakeDir("/d2");
  MakeDir("/d2/sub");
  uint32_t d1 = Resolve(m_->fs, "/d1").value().ino;
  uint32_t d2 = Resolve(m_->fs, "/d2").value().ino;
  uint32_t a_ino = Resolve(m_->fs, "/a").value().ino;
  uint32_t b_ino = Resolve(m_->fs, "/b").value().ino;
  // Same directory, new name.
  ASSERT_OK(m_->fs.Rename(Ext2::kRootIno, Name("a"), Ext2::kRootIno, Name("a2")));
  files_["/a2"] = files_["/a"];
  files_.erase("/a");
  EXPECT_EQ(Resolve(m_->fs, "/a2").value().ino, a_ino);
  EXPECT_ERR(Resolve(m_->fs, "/a"), kstd::Error::kNotFound);
  // Across directories.
  ASSERT_OK(m_->fs.Rename(Ext2::kRootIno, Name("a2"), d1, Name("moved")));
  files_["/d1/moved"] = files_["/a2"];
  files_.erase("/a2");
  // Replacing a file: the old target goes away (its blocks are freed).
  ASSERT_OK(m_->fs.Rename(d1, Name("moved"), Ext2::kRootIno, Name("b")));
  files_["/b"] = files_["/d1/moved"];
  files_.erase("/d1/moved");
  EXPECT_EQ(Resolve(m_->fs, "/b").value().ino, a_ino);
  EXPECT_ERR(m_->fs.GetAttr(b_ino), kstd::Error::kNotFound);
  // Onto another link of itself: nothing happens.
  ASSERT_OK(m_->fs.Link(a_ino, d2, Name("alias")));
  files_["/d2/alias"] = files_["/b"];
  ASSERT_OK(m_->fs.Rename(Ext2::kRootIno, Name("b"), d2, Name("alias")));
  EXPECT_EQ(m_->fs.GetAttr(a_ino).value().nlink, 2u);
  EXPECT_TRUE(Resolve(m_->fs, "/b").ok());
  // Errors.
  EXPECT_ERR(m_->fs.Rename(Ext2::kRootIno, Name("nope"), d1, Name("x")), kstd::Error::kNotFound);
  EXPECT_ERR(m_->fs.Rename(Ext2::kRootIno, Name("b"), Ext2::kRootIno, Name("d1")),
             kstd::Error::kIsDirectory);
  EXPECT_ERR(m_->fs.Rename(Ext2::kRootIno, Name("d1"), Ext2::kRootIno, Name("b")),
             kstd::Error::kNotDirectory);
  EXPECT_ERR(m_->fs.Rename(Ext2::kRootIno, Name("b"), a_ino, Name("x")),
             kstd::Error::kNotDirectory);
  EXPECT_ERR(m_->fs.Rename(Ext2::kRootIno, Name("."), d1, Name("x")), kstd::Error::kBusy);
  EXPECT_ERR(m_->fs.Rename(Ext2::kRootIno, Name("b"), d1, Name("..")), kstd::Error::kBusy);
  // A name onto itself.
  ASSERT_OK(m_->fs.Rename(Ext2::kRootIno, Name("b"), Ext2::kRootIno, Name("b")));
  CheckImage();
}

TEST_P(WriteTest, RenameDirectories) {
  uint32_t p1 = MakeDir("/p1");
  uint32_t p2 = MakeDir("/p2");
  uint32_t child = MakeDir("/p1/child");
  MakeDir("/p1/child/grandchild");
  CreateFile("/p1/child/f");
  Write("/p1/child/f", 0, "in child");
  EXPECT_EQ(m_->fs.GetAttr(p1).value().nlink, 3u);
  EXPECT_EQ(m_->fs.GetAttr(p2).value().nlink, 2u);
  // Across parents: ".." follows, and the parents' link counts.
  ASSERT_OK(m_->fs.Rename(p1, Name("child"), p2, Name("moved")));
  files_["/p2/moved/f"] = files_["/p1/child/f"];
  files_.erase("/p1/child/f");
  EXPECT_EQ(m_->fs.GetAttr(p1).value().nlink, 2u);
  EXPECT_EQ(m_->fs.GetAttr(p2).value().nlink, 3u);
  EXPECT_EQ(m_->fs.Lookup(child, Name("..")).value().ino, p2);
  CheckImage();
  CommandResult ls = Debugfs(image_, "ls -l /p2/moved");
  EXPECT_NE(ls.output.find(std::to_string(p2)), std::string::npos) << ls.output;
  // Into its own subtree, or onto itself via a child: refused.
  uint32_t grandchild = Resolve(m_->fs, "/p2/moved/grandchild").value().ino;
  EXPECT_ERR(m_->fs.Rename(p2, Name("moved"), grandchild, Name("x")), kstd::Error::kInvalid);
  EXPECT_ERR(m_->fs.Rename(p2, Name("moved"), child, Name("x")), kstd::Error::kInvalid);
  // Replacing an empty directory; not a non-empty one.
  MakeDir("/empty");
  MakeDir("/full");
  CreateFile("/full/x");
  EXPECT_ERR(m_->fs.Rename(p2, Name("moved"), Ext2::kRootIno, Name("full")),
             kstd::Error::kNotEmpty);
  uint32_t root_links = m_->fs.GetAttr(Ext2::kRootIno).value().nlink;
  ASSERT_OK(m_->fs.Rename(p2, Name("moved"), Ext2::kRootIno, Name("empty")));
  files_["/empty/f"] = files_["/p2/moved/f"];
  files_.erase("/p2/moved/f");
  EXPECT_EQ(m_->fs.GetAttr(Ext2::kRootIno).value().nlink, root_links);  // -1 replaced, +1 moved
  EXPECT_EQ(m_->fs.GetAttr(p2).value().nlink, 2u);
  EXPECT_EQ(m_->fs.Lookup(child, Name("..")).value().ino, Ext2::kRootIno);
  // An ancestor of the source as the target: it is not empty.
  EXPECT_ERR(m_->fs.Rename(child, Name("grandchild"), Ext2::kRootIno, Name("empty")),
             kstd::Error::kNotEmpty);
  // Same parent, directory onto an empty directory.
  MakeDir("/empty2");
  MakeDir("/mover");
  root_links = m_->fs.GetAttr(Ext2::kRootIno).value().nlink;
  ASSERT_OK(m_->fs.Rename(Ext2::kRootIno, Name("mover"), Ext2::kRootIno, Name("empty2")));
  EXPECT_EQ(m_->fs.GetAttr(Ext2::kRootIno).value().nlink, root_links - 1);
  // Deep move up and down the tree.
  MakeDir("/p1/x");
  MakeDir("/p1/x/y");
  ASSERT_OK(
      m_->fs.Rename(Resolve(m_->fs, "/p1/x").value().ino, Name("y"), Ext2::kRootIno, Name("y")));
  ASSERT_OK(
      m_->fs.Rename(Ext2::kRootIno, Name("p1"), Resolve(m_->fs, "/y").value().ino, Name("p1")));
  CheckImage();
}

TEST_P(WriteTest, LargeDirectoryInsertAndDelete) {
  uint32_t dir = MakeDir("/big");
  std::map<std::string, uint32_t> names;
  for (int i = 0; i < 600; ++i) {
    std::string name = "entry_" + std::to_string(i) + std::string(static_cast<size_t>(i % 40), 'x');
    CreateRequest request;
    auto attr = m_->fs.Create(dir, Name(name.data(), name.size()), request);
    ASSERT_TRUE(attr.ok()) << name;
    names[name] = attr.value().ino;
  }
  EXPECT_GT(m_->fs.GetAttr(dir).value().size, 4u * bs());
  CheckImage();
  // Delete every other entry, then add longer names into the gaps.
  int k = 0;
  for (auto it = names.begin(); it != names.end();) {
    if (k++ % 2 == 0) {
      ASSERT_OK(m_->fs.Unlink(dir, Name(it->first.data(), it->first.size())));
      it = names.erase(it);
    } else {
      ++it;
    }
  }
  for (int i = 0; i < 200; ++i) {
    std::string name = "again_" + std::to_string(i) + std::string(static_cast<size_t>(i % 90), 'y');
    auto attr = m_->fs.Create(dir, Name(name.data(), name.size()), {});
    ASSERT_TRUE(attr.ok()) << name;
    names[name] = attr.value().ino;
  }
  auto listed = ListDir(m_->fs, dir, 7);
  ASSERT_TRUE(listed.ok());
  std::map<std::string, uint32_t> seen;
  for (const DirEntry& e : listed.value()) {
    if (strcmp(e.name, ".") != 0 && strcmp(e.name, "..") != 0) seen[e.name] = e.ino;
  }
  EXPECT_EQ(seen, names);
  CheckImage();
  for (const auto& [name, ino] : names) {
    auto attr = m_->fs.Lookup(Resolve(m_->fs, "/big").value().ino, Name(name.data(), name.size()));
    ASSERT_TRUE(attr.ok()) << name;
    EXPECT_EQ(attr.value().ino, ino);
  }
}

TEST_P(WriteTest, AttributesAndTimestamps) {
  m_->clock.now = 1600000000;
  uint32_t ino = CreateFile("/f", 0640);
  Attr a = m_->fs.GetAttr(ino).value();
  EXPECT_EQ(a.mode, 0100640u);
  EXPECT_EQ(a.mtime, 1600000000);
  EXPECT_EQ(a.ctime, 1600000000);
  EXPECT_EQ(a.atime, 1600000000);
  EXPECT_EQ(a.crtime, 1600000000);
  EXPECT_EQ(m_->fs.GetAttr(Ext2::kRootIno).value().mtime, 1600000000);
  m_->clock.now = 1600000100;
  Write("/f", 0, "data");
  a = m_->fs.GetAttr(ino).value();
  EXPECT_EQ(a.mtime, 1600000100);
  EXPECT_EQ(a.ctime, 1600000100);
  m_->clock.now = 1600000200;
  SetAttrRequest request;
  request.mask = SetAttrRequest::kMode | SetAttrRequest::kUid | SetAttrRequest::kGid |
                 SetAttrRequest::kAtime | SetAttrRequest::kMtime;
  request.mode = 04751;
  request.uid = 70000;  // needs the high 16 bits
  request.gid = 1234;
  request.atime = 1000000000;
  request.mtime = 1111111111;
  ASSERT_OK(m_->fs.SetAttr(ino, request));
  a = m_->fs.GetAttr(ino).value();
  EXPECT_EQ(a.mode, 0104751u);
  EXPECT_EQ(a.uid, 70000u);
  EXPECT_EQ(a.gid, 1234u);
  EXPECT_EQ(a.atime, 1000000000);
  EXPECT_EQ(a.mtime, 1111111111);
  EXPECT_EQ(a.ctime, 1600000200);
  // chown alone drops setuid.
  SetAttrRequest chown;
  chown.mask = SetAttrRequest::kUid;
  chown.uid = 5;
  ASSERT_OK(m_->fs.SetAttr(ino, chown));
  EXPECT_EQ(m_->fs.GetAttr(ino).value().mode, 0100751u);
  SetAttrRequest bad;
  bad.mask = 1u << 20;
  EXPECT_ERR(m_->fs.SetAttr(ino, bad), kstd::Error::kInvalid);
  // relatime: a read after a write updates atime.
  m_->clock.now = 1600000300;
  SetAttrRequest touch;
  touch.mask = SetAttrRequest::kAtime;
  touch.atime = 1000;
  ASSERT_OK(m_->fs.SetAttr(ino, touch));
  uint8_t buffer[4];
  ASSERT_TRUE(m_->fs.Read(ino, 0, kstd::Span<uint8_t>(buffer, 4)).ok());
  EXPECT_EQ(m_->fs.GetAttr(ino).value().atime, 1600000300);
  CheckImage();
  a = Resolve(m_->fs, "/f").value();
  EXPECT_EQ(a.mode, 0100751u);
  EXPECT_EQ(a.uid, 5u);
  EXPECT_EQ(a.gid, 1234u);
  EXPECT_EQ(a.mtime, 1111111111);
  CommandResult stat = Debugfs(image_, "stat /f");
  EXPECT_NE(stat.output.find("User:     5   Group:  1234"), std::string::npos) << stat.output;
  EXPECT_NE(stat.output.find("Mode:  0751"), std::string::npos) << stat.output;
}

TEST_P(WriteTest, FillingTheDiskGivesShortWritesThenNoSpace) {
  CreateFile("/filler");
  std::string chunk = PatternBytes(64 * 1024, 5);
  uint64_t offset = 0;
  kstd::Error last = kstd::Error::kInvalid;
  for (int i = 0; i < 100000; ++i) {
    auto n = m_->fs.Write(
        Resolve(m_->fs, "/filler").value().ino, offset,
        kstd::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size()));
    if (!n.ok()) {
      last = n.error();
      break;
    }
    files_["/filler"].append(chunk.substr(0, n.value()));
    offset += n.value();
    if (n.value() < chunk.size()) continue;  // short: the next one fails
  }
  EXPECT_EQ(last, kstd::Error::kNoSpace);
  EXPECT_EQ(Stats().free_blocks, 0u);
  EXPECT_ERR(m_->fs.Mkdir(Ext2::kRootIno, Name("nospace"), 0755, 0, 0), kstd::Error::kNoSpace);
  ExpectContents("/filler");
  CheckImage();
  ASSERT_OK(m_->fs.Unlink(Ext2::kRootIno, Name("filler")));
  files_.clear();
  EXPECT_EQ(Stats().free_blocks, baseline_.free_blocks);
  CheckImage();
}

TEST_P(WriteTest, RunningOutOfInodes) {
  uint64_t free_inodes = Stats().free_inodes;
  uint32_t dir = MakeDir("/many");
  for (uint64_t i = 0; i + 1 < free_inodes; ++i) {
    std::string name = std::to_string(i);
    ASSERT_OK(m_->fs.Create(dir, Name(name.data(), name.size()), {}));
  }
  EXPECT_EQ(Stats().free_inodes, 0u);
  EXPECT_ERR(m_->fs.Create(dir, Name("onemore"), {}), kstd::Error::kNoSpace);
  CheckImage();
}

TEST_P(WriteTest, UnlinkedFileLivesUntilClosed) {
  uint32_t ino = CreateFile("/open");
  Write("/open", 0, PatternBytes(20 * bs(), 1));
  ASSERT_OK(m_->fs.OpenInode(ino));
  ASSERT_OK(m_->fs.Unlink(Ext2::kRootIno, Name("open")));
  std::string data = files_["/open"];
  files_.erase("/open");
  EXPECT_EQ(m_->fs.GetAttr(ino).value().nlink, 0u);
  EXPECT_EQ(ReadWhole(m_->fs, ino).value(), data);
  ASSERT_OK(WriteAll(m_->fs, ino, 0, "still writable"));
  EXPECT_LT(Stats().free_blocks, baseline_.free_blocks);
  ASSERT_OK(m_->fs.CloseInode(ino));
  EXPECT_ERR(m_->fs.GetAttr(ino), kstd::Error::kNotFound);
  EXPECT_EQ(Stats().free_blocks, baseline_.free_blocks);
  EXPECT_EQ(Stats().free_inodes, baseline_.free_inodes);
  // An open, removed directory and an open file at unmount.
  uint32_t dir = MakeDir("/gone");
  ASSERT_OK(m_->fs.OpenInode(dir));
  ASSERT_OK(m_->fs.Rmdir(Ext2::kRootIno, Name("gone")));
  EXPECT_ERR(m_->fs.Create(dir, Name("x"), {}), kstd::Error::kNotFound);
  uint32_t f = CreateFile("/f2");
  ASSERT_OK(m_->fs.OpenInode(f));
  ASSERT_OK(m_->fs.Unlink(Ext2::kRootIno, Name("f2")));
  files_.clear();
  CheckImage();  // Unmount frees both
  EXPECT_EQ(Stats().free_inodes, baseline_.free_inodes);
}

TEST_P(WriteTest, CleanAndUncleanUnmount) {
  auto state = [&]() {
    CommandResult r = Debugfs(image_, "stats");
    size_t at = r.output.find("Filesystem state:");
    return r.output.substr(at, r.output.find('\n', at) - at);
  };
  EXPECT_TRUE(m_->report.was_clean);
  // While mounted read-write, the image says "not clean".
  EXPECT_EQ(state(), "Filesystem state:         not clean");
  CreateFile("/x");
  Write("/x", 0, "synced data");
  ASSERT_OK(m_->fs.Sync());
  // A crash: the object goes away without Unmount.
  m_.reset();
  CommandResult fsck = E2fsck(image_);
  EXPECT_EQ(fsck.exit_code, 0) << fsck.output;  // synced, so consistent
  Mount();
  EXPECT_FALSE(m_->report.was_clean);
  EXPECT_TRUE(m_->log.Contains("not cleanly unmounted")) << m_->log.All();
  EXPECT_EQ(m_->report.mount_count, 2u);
  ExpectContents("/x");
  // As Linux does, a file system that came in unclean stays marked for
  // e2fsck after a clean unmount.
  ASSERT_OK(m_->fs.Unmount());
  EXPECT_EQ(state(), "Filesystem state:         not clean");
  // Once e2fsck has marked it clean, a clean unmount keeps it clean.
  // (Exit status 1, "errors corrected", is for the state flag alone.)
  CommandResult repair = testing::RunCommand(testing::ShellQuote(testing::FindTool("e2fsck")) +
                                             " -fy " + testing::ShellQuote(image_));
  ASSERT_TRUE(repair.exit_code == 0 || repair.exit_code == 1) << repair.output;
  EXPECT_EQ(repair.output.find("Fix?"), std::string::npos) << repair.output;
  Mount();
  EXPECT_TRUE(m_->report.was_clean);
  ASSERT_OK(m_->fs.Unmount());
  EXPECT_EQ(state(), "Filesystem state:         clean");
  Mount();
  CheckImage();
}

TEST_P(WriteTest, TinyCacheStillCorrect) {
  ASSERT_TRUE(m_->fs.Unmount().ok());
  Mount(/*cache_blocks=*/16);
  MakeDir("/d");
  for (int i = 0; i < 30; ++i) {
    std::string path = "/d/f" + std::to_string(i);
    CreateFile(path);
    Write(path, 0, PatternBytes(static_cast<size_t>(i) * 2 * bs() + 5, i));
  }
  CreateFile("/big");
  Write("/big", 0, PatternBytes((12 + ptrs() + 40) * bs(), 99));
  for (int i = 0; i < 30; i += 3) {
    std::string name = "f" + std::to_string(i);
    ASSERT_OK(m_->fs.Unlink(Resolve(m_->fs, "/d").value().ino, Name(name.data(), name.size())));
    files_.erase("/d/" + name);
  }
  for (const auto& [path, data] : files_) ExpectContents(path);
  EXPECT_GT(m_->fs.cache()->stats().evictions, 0u);
  CheckImage();
}

INSTANTIATE_TEST_SUITE_P(
    Images, WriteTest,
    ::testing::Values("empty_1k.img", "empty_2k.img", "empty_4k.img", "multi_1k.img"),
    [](const auto& info) {
      return std::string(info.param).substr(0, std::string(info.param).find('.'));
    });

// ---- Directories indexed by an htree (dir_index): lookups through the
// index; removals and inserts that fit the leaf their hash leads to keep it,
// a full leaf gives it up (the flag goes); e2fsck agrees either way.

class HtreeTest : public WriteTestBase {
 protected:
  void SetUp() override { Setup("tree_1k_htree.img"); }
};

TEST_F(HtreeTest, ChangingAnIndexedDirectory) {
  EXPECT_NE(Debugfs(image_, "stat /many").output.find("Flags: 0x1000"), std::string::npos);
  uint32_t many = Resolve(m_->fs, "/many").value().ino;
  for (int i = 0; i < 300; i += 2) {
    std::string name = "entry_with_a_longish_name_" + std::to_string(i);
    ASSERT_OK(m_->fs.Unlink(many, Name(name.data(), name.size())));
  }
  for (int i = 0; i < 100; ++i) {
    std::string name = "added_" + std::to_string(i);
    ASSERT_OK(m_->fs.Create(many, Name(name.data(), name.size()), {}));
  }
  CheckImage();
  // Half the entries went: the new ones fit their leaves, the index stays.
  EXPECT_NE(Debugfs(image_, "stat /many").output.find("Flags: 0x1000"), std::string::npos);
  many = Resolve(m_->fs, "/many").value().ino;
  for (int i = 1; i < 300; i += 2) {
    std::string name = "entry_with_a_longish_name_" + std::to_string(i);
    auto attr = m_->fs.Lookup(many, Name(name.data(), name.size()));
    ASSERT_TRUE(attr.ok()) << name;
    EXPECT_EQ(testing::ReadWhole(m_->fs, attr.value().ino).value(), std::to_string(i) + "\n");
  }
  auto listed = ListDir(m_->fs, many);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed.value().size(), 2u + 150 + 100);
  // Many more: a full leaf; the index goes, the entries stay.
  for (int i = 0; i < 400; ++i) {
    std::string name = "more_" + std::to_string(i);
    ASSERT_OK(m_->fs.Create(many, Name(name.data(), name.size()), {}));
  }
  CheckImage();
  EXPECT_NE(Debugfs(image_, "stat /many").output.find("Flags: 0x0"), std::string::npos);
  listed = ListDir(m_->fs, Resolve(m_->fs, "/many").value().ino);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed.value().size(), 2u + 150 + 100 + 400);
}

TEST_F(HtreeTest, LinkCountLimits) {
  // EXT2_LINK_MAX (32000): set the counts close to it with debugfs.
  ASSERT_TRUE(m_->fs.Unmount().ok());
  ASSERT_EQ(Debugfs(image_, "sif /hello.txt links_count 31999", true).exit_code, 0);
  ASSERT_EQ(Debugfs(image_, "sif /emptydir links_count 32000", true).exit_code, 0);
  Mount();
  uint32_t hello = Resolve(m_->fs, "/hello.txt").value().ino;
  uint32_t emptydir = Resolve(m_->fs, "/emptydir").value().ino;
  ASSERT_OK(m_->fs.Link(hello, Ext2::kRootIno, Name("one_more")));
  EXPECT_ERR(m_->fs.Link(hello, Ext2::kRootIno, Name("too_many")), kstd::Error::kTooManyLinks);
  EXPECT_ERR(m_->fs.Mkdir(emptydir, Name("sub"), 0755, 0, 0), kstd::Error::kTooManyLinks);
  EXPECT_ERR(m_->fs.Rename(Ext2::kRootIno, Name("dir"), emptydir, Name("dir")),
             kstd::Error::kTooManyLinks);
  ASSERT_TRUE(m_->fs.Unmount().ok());
}

// ---- Dense files into the triple-indirect range (1 KiB blocks).

class LargeFileTest : public WriteTestBase {
 protected:
  void SetUp() override { Setup("large_1k.img"); }
};

TEST_F(LargeFileTest, DenseFileIntoTripleIndirect) {
  ASSERT_EQ(bs(), 1024u);
  // 12 + 256 + 65536 blocks end the double-indirect range: go 300 past it.
  const uint64_t blocks = 12 + 256 + 65536 + 300;
  CreateFile("/huge");
  std::string chunk = PatternBytes(1 << 20, 42);
  for (uint64_t offset = 0; offset < blocks * 1024; offset += chunk.size()) {
    uint64_t n = std::min<uint64_t>(chunk.size(), blocks * 1024 - offset);
    // Vary the data per chunk so misplaced blocks are caught.
    std::string data = chunk.substr(0, n);
    memcpy(data.data(), &offset, sizeof(offset));
    Write("/huge", offset, data);
  }
  auto attr = Resolve(m_->fs, "/huge").value();
  EXPECT_EQ(attr.size, blocks * 1024);
  // Data + ind + dind (1 + 256) + tind (1 + 1 + 2).
  EXPECT_EQ(attr.blocks, (blocks + 1 + 257 + 4) * 2);
  CommandResult stat = Debugfs(image_, "stat /huge");  // read-only while mounted is fine
  CheckImage();
  stat = Debugfs(image_, "stat /huge");
  EXPECT_NE(stat.output.find("(TIND)"), std::string::npos);
  // Shrink into the double-indirect range, then to nothing.
  Truncate("/huge", (12 + 256 + 1000) * 1024 + 3);
  CheckImage();
  Truncate("/huge", 0);
  EXPECT_EQ(Stats().free_blocks, baseline_.free_blocks);
  CheckImage();
}

// ---- Device errors: reported as EIO, and no acknowledged data is lost.

class IoErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    image_ = ScratchCopy("empty_1k.img");
    std::string bytes = testing::ReadHostFile(image_);
    device_ = std::make_unique<MemoryBlockDevice>(bytes.size() / 512);
    memcpy(device_->data(), bytes.data(), bytes.size());
    options_.log = &log_;
    options_.cache_blocks = 64;
  }
  void SaveImage() {
    testing::WriteHostFile(image_,
                           std::string(reinterpret_cast<char*>(device_->data()), device_->bytes()));
  }

  std::string image_;
  std::unique_ptr<MemoryBlockDevice> device_;
  testing::CapturingLog log_;
  MountOptions options_;
};

TEST_F(IoErrorTest, WriteFailuresKeepDataUntilTheyClear) {
  Ext2 fs;
  ASSERT_TRUE(fs.Mount(device_.get(), options_).ok());
  std::string data = PatternBytes(200 * 1024, 3);
  auto file = fs.Create(Ext2::kRootIno, Name("precious"), {});
  ASSERT_TRUE(file.ok());
  device_->fail_from = 0;
  device_->fail_to = ~0ull;
  device_->fail_writes = true;
  // Writes beyond the cache's size need write-back: they fail with EIO...
  auto n = fs.Write(
      file.value().ino, 0,
      kstd::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
  ASSERT_TRUE(n.ok());  // the part that fit in the cache was accepted
  EXPECT_LT(n.value(), data.size());
  size_t accepted = n.value();
  EXPECT_EQ(fs.Sync().error(), kstd::Error::kIo);
  EXPECT_EQ(fs.Unmount().error(), kstd::Error::kIo);
  EXPECT_TRUE(fs.mounted());
  EXPECT_TRUE(log_.Contains("still mounted")) << log_.All();
  // ...and once the device recovers, everything accepted reaches it.
  device_->fail_writes = false;
  ASSERT_TRUE(fs.Unmount().ok()) << log_.All();
  SaveImage();
  CommandResult fsck = E2fsck(image_);
  EXPECT_EQ(fsck.exit_code, 0) << fsck.output;
  std::string got;
  ASSERT_TRUE(DebugfsCat(image_, "/precious", &got));
  EXPECT_TRUE(got == data.substr(0, accepted));
}

TEST_F(IoErrorTest, ReadFailuresGiveEio) {
  Ext2 fs;
  ASSERT_TRUE(fs.Mount(device_.get(), options_).ok());
  auto file = fs.Create(Ext2::kRootIno, Name("f"), {});
  ASSERT_TRUE(file.ok());
  std::string data = PatternBytes(300 * 1024, 4);
  ASSERT_TRUE(WriteAll(fs, file.value().ino, 0, data).ok());
  ASSERT_TRUE(fs.Unmount().ok());
  ASSERT_TRUE(fs.Mount(device_.get(), options_).ok());
  device_->fail_from = 0;
  device_->fail_to = ~0ull;
  device_->fail_reads = true;
  std::string out(data.size(), '\0');
  auto n = fs.Read(file.value().ino, 0,
                   kstd::Span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size()));
  EXPECT_FALSE(n.ok());
  if (!n.ok()) {
    EXPECT_EQ(n.error(), kstd::Error::kIo);
  }
  device_->fail_reads = false;
  n = fs.Read(file.value().ino, 0,
              kstd::Span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size()));
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(out == data);
  EXPECT_TRUE(fs.Unmount().ok());
}

TEST_F(IoErrorTest, MountFailsCleanlyWhenTheSuperblockCannotBeMarked) {
  device_->writes_left = 0;
  Ext2 fs;
  EXPECT_EQ(fs.Mount(device_.get(), options_).error(), kstd::Error::kIo);
  EXPECT_FALSE(fs.mounted());
  device_->writes_left = -1;
  options_.read_only = true;
  EXPECT_TRUE(fs.Mount(device_.get(), options_).ok());  // reading still works
  EXPECT_TRUE(fs.Unmount().ok());
}

TEST_F(IoErrorTest, ReadOnlyDeviceMountsReadOnly) {
  device_->read_only_flag = true;
  Ext2 fs;
  auto report = fs.Mount(device_.get(), options_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report.value().read_only);
  EXPECT_EQ(fs.Mkdir(Ext2::kRootIno, Name("d"), 0755, 0, 0).error(), kstd::Error::kReadOnlyFs);
  EXPECT_TRUE(fs.Unmount().ok());
  EXPECT_EQ(device_->writes, 0u);
}

}  // namespace
}  // namespace servers::fs::ext2
