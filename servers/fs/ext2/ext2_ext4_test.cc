// ext4 images made at test time by the host's `mke2fs -t ext4` (extent,
// 64bit, flex_bg, huge_file, dir_nlink, extra_isize, metadata_csum,
// has_journal, dir_index): files the host wrote read back; our writes
// (small and big files, fragmented files whose extent trees grow deep,
// truncation, many-entry directories, renames) leave an image that
// `e2fsck -fn` finds clean and from which `debugfs` reads the same bytes;
// damaged checksums and extent trees give EIO with a message, never a crash.

#include <string.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "servers/fs/ext2/ext2.h"
#include "servers/fs/ext2/testing/test_support.h"

namespace servers::fs::ext2 {
namespace {

using testing::CommandResult;
using testing::Debugfs;
using testing::DebugfsCat;
using testing::E2fsck;
using testing::FindTool;
using testing::MountedImage;
using testing::PatternBytes;
using testing::ReadWhole;
using testing::Resolve;
using testing::RunCommand;
using testing::ScratchPath;
using testing::ShellQuote;
using testing::WriteAll;
using testing::WriteHostFile;

#define ASSERT_OK(expr)                                                                            \
  do {                                                                                             \
    auto _r = (expr);                                                                              \
    ASSERT_TRUE(_r.ok()) << #expr << ": " << kstd::ErrorName(_r.error()) << "\n" << m_->log.All(); \
  } while (0)

/// Byte offset of inode `ino`'s slot, from debugfs `imap`.
uint64_t InodeOffset(const std::string& image, uint32_t ino) {
  CommandResult r = Debugfs(image, "imap <" + std::to_string(ino) + ">");
  unsigned long long block = 0, offset = 0;
  size_t at = r.output.find("located at block ");
  EXPECT_NE(at, std::string::npos) << r.output;
  if (at == std::string::npos) return 0;
  sscanf(r.output.c_str() + at, "located at block %llu, offset 0x%llx", &block, &offset);
  CommandResult bs =
      RunCommand("dumpe2fs -h " + ShellQuote(image) + " 2>/dev/null | grep '^Block size'");
  unsigned long long block_size = 0;
  sscanf(bs.output.c_str(), "Block size: %llu", &block_size);
  return block * block_size + offset;
}

// The type mount(2) names decides which images mount (Linux's ext4 driver
// under its three names) and what the mount reports; without one, blkid's
// name. Images from the host's mke2fs -t ext2/ext3/ext4.
TEST(FsTypeMount, TheTypeAskedForDecides) {
  ASSERT_FALSE(FindTool("mke2fs").empty()) << "mke2fs (e2fsprogs) is not installed";
  struct Case {
    const char* made;  // mke2fs -t
    FsType as;
    bool mounts;
    FsType reported;
    const char* why;  // in the log when refused
  } kCases[] = {
      {"ext2", FsType::kAny, true, FsType::kExt2, nullptr},
      {"ext2", FsType::kExt3, false, FsType::kAny,
       "not mounting as ext3: the image has no journal"},
      {"ext2", FsType::kExt4, true, FsType::kExt4, nullptr},
      {"ext3", FsType::kAny, true, FsType::kExt3, nullptr},
      {"ext3", FsType::kExt2, true, FsType::kExt2, nullptr},
      {"ext3", FsType::kExt4, true, FsType::kExt4, nullptr},
      {"ext4", FsType::kAny, true, FsType::kExt4, nullptr},
      {"ext4", FsType::kExt2, false, FsType::kAny, "not mounting as ext2: the image has features"},
      {"ext4", FsType::kExt3, false, FsType::kAny, "not mounting as ext3: the image has features"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string("mke2fs -t ") + c.made + ", mounted as " + FsTypeName(c.as));
    std::string image = ScratchPath(std::string("type-") + c.made + ".img");
    CommandResult made =
        RunCommand(FindTool("mke2fs") + " -q -F -t " + c.made + " " + ShellQuote(image) + " 8M");
    ASSERT_EQ(made.exit_code, 0) << made.output;
    MountedImage m;
    auto r = m.Mount(image, /*read_only=*/false, 256, c.as);
    if (!c.mounts) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error(), kstd::Error::kInvalid);
      EXPECT_NE(m.log.All().find(c.why), std::string::npos) << m.log.All();
      continue;
    }
    ASSERT_TRUE(r.ok()) << m.log.All();
    EXPECT_EQ(r.value().type, c.reported);
    EXPECT_EQ(m.fs.fs_type(), c.reported);
    ASSERT_TRUE(m.fs.Unmount().ok()) << m.log.All();
    // Mounting under another name changes nothing on the disk.
    EXPECT_EQ(E2fsck(image).exit_code, 0) << E2fsck(image).output;
  }
}

class Ext4Test : public ::testing::Test {
 protected:
  /// mke2fs -t ext4 with `options` (and the size) into a fresh image.
  void Make(const std::string& options, const std::string& size) {
    ASSERT_FALSE(FindTool("mke2fs").empty()) << "mke2fs (e2fsprogs) is not installed";
    image_ = ScratchPath("ext4.img");
    CommandResult r = RunCommand(FindTool("mke2fs") + " -q -F -t ext4 " + options + " " +
                                 ShellQuote(image_) + " " + size);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  void Mount(bool read_only = false) {
    m_ = std::make_unique<MountedImage>();
    auto r = m_->Mount(image_, read_only, 256);
    ASSERT_TRUE(r.ok()) << m_->log.All();
    ASSERT_EQ(m_->report.read_only, read_only) << m_->log.All();
  }

  uint32_t Ino(const std::string& path) {
    auto a = Resolve(m_->fs, path);
    EXPECT_TRUE(a.ok()) << path << "\n" << m_->log.All();
    return a.ok() ? a.value().ino : 0;
  }

  /// Files `names` in the root with `bytes` of data each, held open.
  std::vector<uint32_t> CreateOpenFiles(std::initializer_list<const char*> names, size_t bytes) {
    std::vector<uint32_t> inos;
    for (const char* name : names) {
      uint32_t ino = CreateFile(Ext2::kRootIno, name);
      EXPECT_TRUE(WriteAll(m_->fs, ino, 0, PatternBytes(bytes, ino)).ok()) << name;
      EXPECT_TRUE(m_->fs.OpenInode(ino).ok()) << name;
      inos.push_back(ino);
    }
    return inos;
  }

  /// Syncs, then drops the mount without writing more (a crash).
  void SyncAndCrash() {
    ASSERT_TRUE(m_->fs.Sync().ok()) << m_->log.All();
    m_.reset();
  }

  /// Whether dumpe2fs shows an orphan list whose head is `head` (0: any).
  bool OrphanListShown(uint32_t head = 0) {
    CommandResult dump = RunCommand("dumpe2fs -h " + ShellQuote(image_) + " 2>/dev/null");
    size_t at = dump.output.find("First orphan inode:");
    if (at == std::string::npos || head == 0) return at != std::string::npos;
    return std::stoul(dump.output.substr(at + 19)) == head;
  }

  uint32_t CreateFile(uint32_t dir, const std::string& name) {
    auto a = m_->fs.Create(dir, Name(name.data(), name.size()), CreateRequest{});
    EXPECT_TRUE(a.ok()) << name << "\n" << m_->log.All();
    return a.ok() ? a.value().ino : 0;
  }

  /// Unmounts; e2fsck -fn must be clean and debugfs must read every file
  /// in files_ as written; then mounts again and reads them through us.
  void Check() {
    ASSERT_TRUE(m_->fs.Unmount().ok()) << m_->log.All();
    EXPECT_FALSE(m_->fs.errors_detected()) << m_->log.All();
    CommandResult fsck = E2fsck(image_);
    ASSERT_EQ(fsck.exit_code, 0) << "e2fsck -fn:\n" << fsck.output << m_->log.All();
    for (const auto& [path, data] : files_) {
      std::string got;
      ASSERT_TRUE(DebugfsCat(image_, path, &got)) << path;
      ASSERT_TRUE(got == data) << "debugfs cat " << path << " differs (" << got.size() << " vs "
                               << data.size() << " bytes)";
    }
    Mount();
    for (const auto& [path, data] : files_) {
      auto got = ReadWhole(m_->fs, Ino(path));
      ASSERT_TRUE(got.ok()) << path << m_->log.All();
      ASSERT_TRUE(got.value() == data) << "read back " << path;
    }
  }

  std::string image_;
  std::unique_ptr<MountedImage> m_;
  std::map<std::string, std::string> files_;
};

TEST_F(Ext4Test, DefaultImageMountsReadWriteWithItsFeatures) {
  Make("", "32M");
  Mount();
  EXPECT_TRUE(m_->report.journaled);
  EXPECT_FALSE(m_->log.Contains("unsupported")) << m_->log.All();
  Check();
  // As Linux does on a metadata_csum file system, the journal's commits
  // now carry checksums.
  CommandResult dump = RunCommand("dumpe2fs -h " + ShellQuote(image_) + " 2>/dev/null");
  EXPECT_NE(dump.output.find("journal_checksum_v3"), std::string::npos) << dump.output;
}

// Files the host made (mke2fs -d): small, multi-block, sparse, a big file
// with many extents, fast and slow symlinks, a directory of many entries.
TEST_F(Ext4Test, ReadsWhatTheHostWrote) {
  std::string staging = ScratchPath("staging");
  RunCommand("rm -rf " + ShellQuote(staging) + " && mkdir -p " + ShellQuote(staging + "/d/many"));
  files_["/small"] = "hello ext4\n";
  files_["/d/medium"] = PatternBytes(70000, 1);
  files_["/big"] = PatternBytes(3 << 20, 2);
  for (const auto& [path, data] : files_) WriteHostFile(staging + path, data);
  for (int i = 0; i < 300; ++i) {
    std::string name = "/d/many/entry_with_a_long_name_" + std::to_string(i);
    files_[name] = std::to_string(i);
    WriteHostFile(staging + name, files_[name]);
  }
  // Names the hash must get right: longer than its 32-byte chunks, and
  // bytes above 0x7F (signed chars on x86).
  for (const std::string& name :
       {std::string(255, 'z'), std::string("caf\xc3\xa9_\xff\x80"),
        std::string("a_name_of_more_than_thirty_two_bytes_") + std::string(40, 'q')}) {
    files_["/d/many/" + name] = name.substr(0, 10);
    WriteHostFile(staging + "/d/many/" + name, files_["/d/many/" + name]);
  }
  RunCommand("truncate -s 5000000 " + ShellQuote(staging + "/sparse") + " && printf tail >> " +
             ShellQuote(staging + "/sparse"));
  files_["/sparse"] = std::string(5000000, '\0') + "tail";
  RunCommand("ln -s small " + ShellQuote(staging + "/fast") + " && ln -s " + std::string(100, 'x') +
             " " + ShellQuote(staging + "/slow"));
  Make("-d " + ShellQuote(staging), "64M");
  // e2fsck -D indexes the big directory (htree), as Linux would have.
  RunCommand(FindTool("e2fsck") + " -fyD " + ShellQuote(image_) + " >/dev/null 2>&1");
  ASSERT_EQ(E2fsck(image_).exit_code, 0);
  ASSERT_NE(Debugfs(image_, "htree_dump /d/many").output.find("Root node dump"), std::string::npos)
      << "the directory is not indexed";
  Mount(/*read_only=*/true);
  for (const auto& [path, data] : files_) {
    auto got = ReadWhole(m_->fs, Ino(path));
    ASSERT_TRUE(got.ok()) << path << m_->log.All();
    ASSERT_TRUE(got.value() == data) << path;
  }
  EXPECT_EQ(testing::ReadLinkString(m_->fs, Ino("/fast")), "small");
  EXPECT_EQ(testing::ReadLinkString(m_->fs, Ino("/slow")), std::string(100, 'x'));
  auto list = testing::ListDir(m_->fs, Ino("/d/many"), 16);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list.value().size(), 305u);
  // Absent names are absent (the index says where they would be).
  EXPECT_EQ(m_->fs.Lookup(Ino("/d/many"), "entry_with_a_long_name_300").error(),
            kstd::Error::kNotFound);
  // Then changed: the indexed directory gives its index up, stays valid.
  ASSERT_TRUE(m_->fs.Unmount().ok());
  Mount();
  uint32_t many = Ino("/d/many");
  for (int i = 0; i < 300; i += 3) {
    std::string name = "entry_with_a_long_name_" + std::to_string(i);
    ASSERT_OK(m_->fs.Unlink(many, Name(name.data(), name.size())));
    files_.erase("/d/many/" + name);
  }
  for (int i = 0; i < 50; ++i) {
    std::string name = "new_" + std::to_string(i);
    uint32_t ino = CreateFile(many, name);
    files_["/d/many/" + name] = PatternBytes(100 + i, 3 + i);
    ASSERT_OK(WriteAll(m_->fs, ino, 0, files_["/d/many/" + name]));
  }
  ASSERT_OK(WriteAll(m_->fs, Ino("/big"), 3 << 20, "appended"));
  files_["/big"] += "appended";
  Check();
  // Removals and inserts that fit their leaves kept the index.
  ASSERT_NE(Debugfs(image_, "htree_dump /d/many").output.find("Root node dump"), std::string::npos)
      << "the index was dropped";
  // Many more: a full leaf gives the index up; still valid.
  many = Ino("/d/many");
  for (int i = 0; i < 600; ++i) {
    std::string name = "more_" + std::to_string(i);
    CreateFile(many, name);
    files_["/d/many/" + name] = "";
  }
  Check();
  EXPECT_EQ(Debugfs(image_, "htree_dump /d/many").output.find("Root node dump"), std::string::npos);
}

TEST_F(Ext4Test, WriteWorkloadStaysConsistent) {
  for (const char* blocks : {"1024", "4096"}) {
    SCOPED_TRACE(blocks);
    files_.clear();
    Make(std::string("-b ") + blocks, "64M");
    Mount();
    uint32_t root = Ext2::kRootIno;
    auto d = m_->fs.Mkdir(root, "dir", 0755, 0, 0);
    ASSERT_OK(d);
    uint32_t dir = d.value().ino;
    uint32_t a = CreateFile(dir, "a");
    files_["/dir/a"] = PatternBytes(5000, 1);
    ASSERT_OK(WriteAll(m_->fs, a, 0, files_["/dir/a"]));
    // Extend with a hole, overwrite in the middle.
    std::string tail = PatternBytes(3000, 2);
    ASSERT_OK(WriteAll(m_->fs, a, 200000, tail));
    files_["/dir/a"].resize(200000, '\0');
    files_["/dir/a"] += tail;
    ASSERT_OK(WriteAll(m_->fs, a, 100, "middle"));
    files_["/dir/a"].replace(100, 6, "middle");
    // A big file, then truncated into its middle.
    uint32_t big = CreateFile(root, "big");
    files_["/big"] = PatternBytes(6 << 20, 3);
    ASSERT_OK(WriteAll(m_->fs, big, 0, files_["/big"]));
    ASSERT_OK(m_->fs.Truncate(big, 2500001));
    files_["/big"].resize(2500001);
    // Unlink, rename, more directories.
    uint32_t gone = CreateFile(root, "gone");
    ASSERT_OK(WriteAll(m_->fs, gone, 0, PatternBytes(100000, 4)));
    ASSERT_OK(m_->fs.Unlink(root, "gone"));
    ASSERT_OK(m_->fs.Rename(dir, "a", root, "renamed"));
    files_["/renamed"] = files_["/dir/a"];
    files_.erase("/dir/a");
    for (int i = 0; i < 20; ++i) {
      std::string name = "sub" + std::to_string(i);
      ASSERT_OK(m_->fs.Mkdir(dir, Name(name.data(), name.size()), 0755, 0, 0));
    }
    ASSERT_OK(m_->fs.Rmdir(dir, "sub7"));
    auto link = m_->fs.Symlink(root, "slow",
                               kstd::Span<const char>(std::string(200, 'y').data(), 200), 0, 0);
    ASSERT_OK(link);
    Check();
    EXPECT_EQ(testing::ReadLinkString(m_->fs, Ino("/slow")), std::string(200, 'y'));
    // Everything freed again: the free counts come back.
    auto before = m_->fs.StatFs();
    ASSERT_OK(m_->fs.Truncate(Ino("/big"), 0));
    ASSERT_OK(m_->fs.Unlink(root, "big"));
    files_.erase("/big");
    auto after = m_->fs.StatFs();
    EXPECT_GT(after.value().free_blocks, before.value().free_blocks + 600);
    Check();
    ASSERT_TRUE(m_->fs.Unmount().ok());
  }
}

// Two files written a block at a time in turn: every block is its own
// extent, so the trees outgrow the inode (depth 1) and then a level of index
// blocks (depth 2); written backwards too, so extents go in front.
TEST_F(Ext4Test, FragmentedFilesGrowDeepExtentTrees) {
  Make("-b 1024", "64M");
  Mount();
  uint32_t bs = m_->fs.block_size();
  uint32_t f1 = CreateFile(Ext2::kRootIno, "f1");
  uint32_t f2 = CreateFile(Ext2::kRootIno, "f2");
  uint32_t f3 = CreateFile(Ext2::kRootIno, "f3");
  const uint32_t n = 1200;  // > 4 * 84 extents: depth 2 at 1 KiB blocks
  std::string d1, d2, d3(n * bs / 4, '\0');
  for (uint32_t i = 0; i < n; ++i) {
    std::string b1 = PatternBytes(bs, 10 + i), b2 = PatternBytes(bs, 20000 + i);
    ASSERT_OK(WriteAll(m_->fs, f1, uint64_t{i} * bs, b1));
    ASSERT_OK(WriteAll(m_->fs, f2, uint64_t{i} * bs, b2));
    d1 += b1;
    d2 += b2;
    if (i < n / 4) {
      // f3 backwards, every other block: holes between, new first extents.
      uint32_t j = n / 4 - 1 - i;
      if (j % 2 == 0) {
        std::string b3 = PatternBytes(bs, 40000 + j);
        ASSERT_OK(WriteAll(m_->fs, f3, uint64_t{j} * bs, b3));
        d3.replace(uint64_t{j} * bs, bs, b3);
      }
    }
  }
  files_["/f1"] = d1;
  files_["/f2"] = d2;
  files_["/f3"] = d3.substr(0, (n / 4 - 1) * bs);  // the last block (odd) is a hole past the end
  d3.resize((n / 4 - 1) * bs);
  Check();
  CommandResult stat = Debugfs(image_, "ex /f1");
  EXPECT_NE(stat.output.find(" 2/ 2 "), std::string::npos) << stat.output.substr(0, 600);
  // Truncation inside the tree, then to nothing.
  ASSERT_OK(m_->fs.Truncate(Ino("/f1"), uint64_t{700} * bs + 5));
  files_["/f1"].resize(uint64_t{700} * bs + 5);
  ASSERT_OK(m_->fs.Truncate(Ino("/f2"), 0));
  files_["/f2"].clear();
  ASSERT_OK(m_->fs.Truncate(Ino("/f3"), 3 * bs));
  files_["/f3"].resize(3 * bs);
  Check();
  ASSERT_TRUE(m_->fs.Unmount().ok());
}

TEST_F(Ext4Test, ManyEntryDirectory) {
  Make("-b 1024", "32M");
  Mount();
  auto d = m_->fs.Mkdir(Ext2::kRootIno, "many", 0755, 0, 0);
  ASSERT_OK(d);
  for (int i = 0; i < 1500; ++i) {
    std::string name = "file_number_" + std::to_string(i);
    CreateFile(d.value().ino, name);
  }
  for (int i = 0; i < 1500; i += 2) {
    std::string name = "file_number_" + std::to_string(i);
    ASSERT_OK(m_->fs.Unlink(d.value().ino, Name(name.data(), name.size())));
  }
  Check();
  auto list = testing::ListDir(m_->fs, Ino("/many"), 64);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list.value().size(), 752u);
}

// Preallocated (unwritten) extents read as zeros; written, they hold data.
TEST_F(Ext4Test, UnwrittenExtentsReadAsZeros) {
  Make("-b 4096", "32M");
  CommandResult r = Debugfs(image_, "write /dev/null pre", /*write=*/true);
  r = Debugfs(image_, "fallocate /pre 0 63", /*write=*/true);
  r = Debugfs(image_, "sif /pre size 262144", /*write=*/true);
  ASSERT_EQ(E2fsck(image_).exit_code, 0) << E2fsck(image_).output;
  ASSERT_NE(Debugfs(image_, "ex /pre").output.find("Uninit"), std::string::npos)
      << Debugfs(image_, "ex /pre").output;
  Mount();
  uint32_t ino = Ino("/pre");
  auto got = ReadWhole(m_->fs, ino);
  ASSERT_OK(got);
  EXPECT_EQ(got.value(), std::string(262144, '\0'));
  std::string data = PatternBytes(5000, 7);
  ASSERT_OK(WriteAll(m_->fs, ino, 40000, data));
  files_["/pre"] = std::string(262144, '\0');
  files_["/pre"].replace(40000, data.size(), data);
  Check();
}

// Blocks preallocated past the end (fallocate's KEEP_SIZE) are valid, and
// truncation frees them.
TEST_F(Ext4Test, PreallocatedBlocksPastTheEnd) {
  Make("-b 4096", "32M");
  std::string host = ScratchPath("hello");
  WriteHostFile(host, "hello");
  Debugfs(image_, "write " + host + " keep", /*write=*/true);
  Debugfs(image_, "fallocate /keep 0 15", /*write=*/true);
  ASSERT_EQ(E2fsck(image_).exit_code, 0) << E2fsck(image_).output;
  Mount();
  uint32_t ino = Ino("/keep");
  auto attr = m_->fs.GetAttr(ino);
  ASSERT_OK(attr);
  EXPECT_EQ(attr.value().size, 5u);
  EXPECT_EQ(attr.value().blocks, 16u * 8);
  EXPECT_EQ(ReadWhole(m_->fs, ino).value(), "hello");
  ASSERT_OK(m_->fs.Truncate(ino, 3));
  EXPECT_EQ(m_->fs.GetAttr(ino).value().blocks, 8u);
  files_["/keep"] = "hel";
  Check();
}

// The orphan list a crash leaves (an inode unlinked while open, on
// s_last_orphan): a read-write mount frees it, and e2fsck -fn then finds
// nothing (before, it found the inode and its blocks in use by nobody).
TEST_F(Ext4Test, OrphanListIsProcessedAtMount) {
  Make("", "32M");
  std::string host = ScratchPath("big");
  WriteHostFile(host, std::string(300000, 'o'));
  Debugfs(image_, "write " + host + " gone", /*write=*/true);
  Debugfs(image_, "write " + host + " kept", /*write=*/true);
  std::string ino = Debugfs(image_, "stat /gone").output;
  size_t at = ino.find("Inode: ");
  ASSERT_NE(at, std::string::npos) << ino;
  uint32_t orphan = static_cast<uint32_t>(std::stoul(ino.substr(at + 7)));
  Debugfs(image_, "unlink /gone", /*write=*/true);
  Debugfs(image_, "sif <" + std::to_string(orphan) + "> links_count 0", /*write=*/true);
  Debugfs(image_, "ssv last_orphan " + std::to_string(orphan), /*write=*/true);
  ASSERT_NE(E2fsck(image_).exit_code, 0) << "the orphan should show before the mount";
  Mount();
  EXPECT_TRUE(m_->log.Contains("orphan list: 1 inode(s) freed, 0 truncated")) << m_->log.All();
  files_["/kept"] = std::string(300000, 'o');
  Check();
  CommandResult dump = RunCommand("dumpe2fs -h " + ShellQuote(image_) + " 2>/dev/null");
  EXPECT_EQ(dump.output.find("First orphan inode"), std::string::npos) << dump.output;
}

// Our own orphan list (journaled): an inode unlinked (or a directory
// removed, or a file renamed over) while open goes on s_last_orphan in the
// unlink's transaction, so a crash before its last close leaves it for the
// next mount to free; e2fsck -fn is clean after that mount.
TEST_F(Ext4Test, UnlinkedWhileOpenIsFreedByTheMountAfterACrash) {
  Make("", "32M");
  Mount();
  const uint32_t root = Ext2::kRootIno;
  std::vector<uint32_t> open = CreateOpenFiles({"x", "y", "over"}, 200000);
  uint32_t z = CreateFile(root, "z");
  uint32_t keep = CreateFile(root, "keep");
  ASSERT_OK(WriteAll(m_->fs, keep, 0, PatternBytes(200000, keep)));
  files_["/keep"] = PatternBytes(200000, keep);
  ASSERT_OK(m_->fs.Mkdir(root, "d", 0755, 0, 0));
  ASSERT_OK(m_->fs.OpenInode(Ino("/d")));
  ASSERT_OK(m_->fs.Unlink(root, "x"));
  ASSERT_OK(m_->fs.Unlink(root, "y"));
  ASSERT_OK(m_->fs.Unlink(root, "z"));  // not open: freed at once
  ASSERT_OK(m_->fs.Rmdir(root, "d"));
  ASSERT_OK(m_->fs.Rename(root, "keep", root, "over"));
  files_["/over"] = files_["/keep"];
  files_.erase("/keep");
  EXPECT_NE(z, 0u);
  // Still readable while open.
  EXPECT_EQ(ReadWhole(m_->fs, open[0]).value(), PatternBytes(200000, open[0]));
  SyncAndCrash();
  EXPECT_TRUE(OrphanListShown());
  Mount();
  EXPECT_TRUE(m_->log.Contains("orphan list: 4 inode(s) freed, 0 truncated")) << m_->log.All();
  Check();
}

// The last close takes an inode off the list wherever it is on it (head,
// middle); only those still open at the crash are freed by the next mount.
TEST_F(Ext4Test, LastCloseTakesAnInodeOffTheOrphanList) {
  Make("", "32M");
  Mount();
  const uint32_t root = Ext2::kRootIno;
  std::vector<uint32_t> abc = CreateOpenFiles({"a", "b", "c"}, 50000);
  for (const char* name : {"a", "b", "c"}) ASSERT_OK(m_->fs.Unlink(root, Name(name, 1)));
  ASSERT_OK(m_->fs.CloseInode(abc[1]));  // the middle of c -> b -> a
  ASSERT_OK(m_->fs.CloseInode(abc[2]));  // the head
  SyncAndCrash();
  EXPECT_TRUE(OrphanListShown(abc[0]));
  Mount();
  EXPECT_TRUE(m_->log.Contains("orphan list: 1 inode(s) freed, 0 truncated")) << m_->log.All();
  Check();
  // Without a crash the list is empty again after the last close.
  std::vector<uint32_t> e = CreateOpenFiles({"e"}, 10);
  ASSERT_OK(m_->fs.Unlink(root, "e"));
  ASSERT_OK(m_->fs.CloseInode(e[0]));
  Check();
  EXPECT_FALSE(OrphanListShown());
}

// A server that takes over from a crashed one (keep_orphans) leaves the
// list alone: the kernel's open inodes are adopted and go at their last
// close; one nobody adopts stays listed for the next mount.
TEST_F(Ext4Test, TakingOverKeepsTheOrphanListForAdoption) {
  Make("", "32M");
  Mount();
  const uint32_t root = Ext2::kRootIno;
  std::vector<uint32_t> inos = CreateOpenFiles({"held", "lost"}, 70000);
  const uint32_t held = inos[0], lost = inos[1];
  ASSERT_OK(m_->fs.Unlink(root, "held"));
  ASSERT_OK(m_->fs.Unlink(root, "lost"));
  SyncAndCrash();
  m_ = std::make_unique<MountedImage>();
  m_->keep_orphans = true;
  ASSERT_TRUE(m_->Mount(image_, false, 256).ok()) << m_->log.All();
  EXPECT_TRUE(m_->log.Contains("kept for the inodes still open")) << m_->log.All();
  ASSERT_OK(m_->fs.AdoptInode(held));
  EXPECT_EQ(ReadWhole(m_->fs, held).value(), PatternBytes(70000, held));
  ASSERT_OK(m_->fs.CloseInode(held));
  ASSERT_TRUE(m_->fs.Unmount().ok()) << m_->log.All();
  EXPECT_TRUE(OrphanListShown(lost));
  Mount();
  EXPECT_TRUE(m_->log.Contains("orphan list: 1 inode(s) freed, 0 truncated")) << m_->log.All();
  Check();
}

// Linux's nanoseconds (i_mtime_extra) go when we set a time in seconds.
TEST_F(Ext4Test, SettingATimeClearsItsNanoseconds) {
  Make("-b 1024", "16M");
  std::string host = ScratchPath("hello");
  WriteHostFile(host, "hello");
  Debugfs(image_, "write " + host + " f", /*write=*/true);
  Debugfs(image_, "sif /f mtime_extra 400", /*write=*/true);
  ASSERT_NE(Debugfs(image_, "stat /f").output.find(":00000190"), std::string::npos);
  Mount();
  SetAttrRequest request;
  request.mask = SetAttrRequest::kMtime;
  request.mtime = 1700000000;
  ASSERT_OK(m_->fs.SetAttr(Ino("/f"), request));
  files_["/f"] = "hello";
  Check();
  std::string stat = Debugfs(image_, "stat /f").output;
  EXPECT_NE(stat.find("mtime: 0x6553f100:00000000"), std::string::npos) << stat;
}

// An ext3 image turned ext4 (tune2fs -O extent): old files keep their
// block maps, new ones get extent trees, both written.
TEST_F(Ext4Test, BlockMappedFilesKeepWorking) {
  ASSERT_FALSE(FindTool("mke2fs").empty());
  image_ = ScratchPath("ext3.img");
  std::string host = ScratchPath("old");
  WriteHostFile(host, PatternBytes(30000, 5));
  ASSERT_EQ(RunCommand(FindTool("mke2fs") + " -q -F -t ext3 -b 1024 " + ShellQuote(image_) + " 16M")
                .exit_code,
            0);
  Debugfs(image_, "write " + host + " old", /*write=*/true);
  ASSERT_EQ(RunCommand(FindTool("tune2fs") + " -O extent " + ShellQuote(image_)).exit_code, 0);
  Mount();
  files_["/old"] = PatternBytes(30000, 5) + PatternBytes(20000, 6);
  ASSERT_OK(WriteAll(m_->fs, Ino("/old"), 30000, PatternBytes(20000, 6)));
  uint32_t fresh = CreateFile(Ext2::kRootIno, "new");
  files_["/new"] = PatternBytes(40000, 8);
  ASSERT_OK(WriteAll(m_->fs, fresh, 0, files_["/new"]));
  Check();
  EXPECT_EQ(Debugfs(image_, "stat /old").output.find("EXTENTS"), std::string::npos);
  EXPECT_NE(Debugfs(image_, "stat /new").output.find("EXTENTS"), std::string::npos);
}

TEST_F(Ext4Test, DirNlinkCountsPastTheLimitAsOne) {
  Make("-b 1024", "16M");
  Mount();
  ASSERT_OK(m_->fs.Mkdir(Ext2::kRootIno, "d", 0755, 0, 0));
  ASSERT_TRUE(m_->fs.Unmount().ok());
  Debugfs(image_, "sif /d links_count 64999", /*write=*/true);
  Mount();
  uint32_t d = Ino("/d");
  ASSERT_OK(m_->fs.Mkdir(d, "x", 0755, 0, 0));
  EXPECT_EQ(m_->fs.GetAttr(d).value().nlink, 1u);
  ASSERT_OK(m_->fs.Mkdir(d, "y", 0755, 0, 0));
  ASSERT_OK(m_->fs.Rmdir(d, "x"));
  EXPECT_EQ(m_->fs.GetAttr(d).value().nlink, 1u);
  // Files: 65000 links at most (EXT4_LINK_MAX).
  uint32_t f = CreateFile(Ext2::kRootIno, "f");
  ASSERT_TRUE(m_->fs.Unmount().ok());
  Debugfs(image_, "sif /f links_count 64999", /*write=*/true);
  Mount();
  ASSERT_OK(m_->fs.Link(f, Ext2::kRootIno, "g"));
  EXPECT_EQ(m_->fs.GetAttr(f).value().nlink, 65000u);
  auto third = m_->fs.Link(f, Ext2::kRootIno, "h");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error(), kstd::Error::kTooManyLinks);
  ASSERT_TRUE(m_->fs.Unmount().ok());
}

TEST_F(Ext4Test, SparseSuper2) {
  Make("-b 1024 -O sparse_super2", "32M");
  Mount();
  uint32_t f = CreateFile(Ext2::kRootIno, "f");
  files_["/f"] = PatternBytes(3 << 20, 9);
  ASSERT_OK(WriteAll(m_->fs, f, 0, files_["/f"]));
  Check();
}

// metadata_csum_seed: checksums start from s_checksum_seed, so a new UUID
// (tune2fs -U, which then rewrites nothing) leaves them valid.
TEST_F(Ext4Test, ChecksumSeedSurvivesANewUuid) {
  Make("-b 1024 -O metadata_csum_seed", "32M");
  std::string host = ScratchPath("old");
  WriteHostFile(host, PatternBytes(20000, 3));
  Debugfs(image_, "write " + host + " old", /*write=*/true);
  ASSERT_EQ(RunCommand(FindTool("tune2fs") + " -U 01234567-89ab-cdef-0123-456789abcdef " +
                       ShellQuote(image_))
                .exit_code,
            0);
  ASSERT_EQ(E2fsck(image_).exit_code, 0) << E2fsck(image_).output;
  Mount();
  files_["/old"] = PatternBytes(20000, 3);
  EXPECT_EQ(ReadWhole(m_->fs, Ino("/old")).value(), files_["/old"]);
  auto d = m_->fs.Mkdir(Ext2::kRootIno, "d", 0755, 0, 0);
  ASSERT_OK(d);
  uint32_t f = CreateFile(d.value().ino, "new");
  files_["/d/new"] = PatternBytes(50000, 4);
  ASSERT_OK(WriteAll(m_->fs, f, 0, files_["/d/new"]));
  Check();
}

// Many groups: flex_bg puts 16 groups' bitmaps and inode tables together.
TEST_F(Ext4Test, ManyGroupsWithFlexBg) {
  Make("-b 1024", "300M");
  Mount();
  EXPECT_GT(m_->report.groups, 32u);
  for (int i = 0; i < 40; ++i) {
    std::string name = "dir" + std::to_string(i);
    auto d = m_->fs.Mkdir(Ext2::kRootIno, Name(name.data(), name.size()), 0755, 0, 0);
    ASSERT_OK(d);
    uint32_t f = CreateFile(d.value().ino, "f");
    files_["/" + name + "/f"] = PatternBytes(30000 + 1000 * i, 100 + i);
    ASSERT_OK(WriteAll(m_->fs, f, 0, files_["/" + name + "/f"]));
  }
  Check();
}

// EXT4_HUGE_FILE_FL (i_blocks in file-system blocks) is valid but not
// implemented: refused without calling the file system damaged.
TEST_F(Ext4Test, HugeFileFlagIsRefusedNotDamage) {
  Make("-b 1024", "16M");
  std::string host = ScratchPath("f");
  WriteHostFile(host, "data");
  Debugfs(image_, "write " + host + " f", /*write=*/true);
  Debugfs(image_, "sif /f flags 0xC0000", /*write=*/true);
  Mount();
  auto r = m_->fs.Lookup(Ext2::kRootIno, "f");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), kstd::Error::kNotSupported);
  EXPECT_FALSE(m_->fs.errors_detected());
  EXPECT_TRUE(m_->log.Contains("EXT4_HUGE_FILE_FL")) << m_->log.All();
  ASSERT_TRUE(m_->fs.Unmount().ok());
}

// ---- Damage.

TEST_F(Ext4Test, BadSuperblockChecksumRefusesTheMount) {
  Make("", "16M");
  testing::PatchFile(image_, 1024 + offsetof(Superblock, s_max_mnt_count), "\x07", 1);
  m_ = std::make_unique<MountedImage>();
  EXPECT_FALSE(m_->Mount(image_).ok());
  EXPECT_TRUE(m_->log.Contains("superblock checksum mismatch")) << m_->log.All();
}

TEST_F(Ext4Test, BadGroupDescriptorChecksumRefusesTheMount) {
  Make("-b 1024", "16M");
  // Group 0's free inode count, in the descriptor block after the superblock.
  testing::PatchFile(image_, 2048 + 14, "\x01", 1);
  m_ = std::make_unique<MountedImage>();
  EXPECT_FALSE(m_->Mount(image_).ok());
  EXPECT_TRUE(m_->log.Contains("group descriptor 0 checksum mismatch")) << m_->log.All();
}

TEST_F(Ext4Test, BadInodeChecksumIsEio) {
  Make("-b 1024", "16M");
  std::string host = ScratchPath("f");
  WriteHostFile(host, "data");
  Debugfs(image_, "write " + host + " f", /*write=*/true);
  uint32_t ino = static_cast<uint32_t>(
      std::stoul(Debugfs(image_, "stat /f")
                     .output.substr(Debugfs(image_, "stat /f").output.find("Inode: ") + 7)));
  uint64_t at = InodeOffset(image_, ino) + offsetof(DiskInode, i_mtime);
  char flipped = static_cast<char>(~testing::ReadFileRange(image_, at, 1)[0]);
  testing::PatchFile(image_, at, &flipped, 1);
  Mount();
  auto r = m_->fs.Lookup(Ext2::kRootIno, "f");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), kstd::Error::kIo);
  EXPECT_TRUE(m_->log.Contains("checksum mismatch")) << m_->log.All();
}

TEST_F(Ext4Test, BadDirectoryBlockChecksumIsEio) {
  Make("-b 1024", "16M");
  Mount();
  auto d = m_->fs.Mkdir(Ext2::kRootIno, "d", 0755, 0, 0);
  ASSERT_OK(d);
  CreateFile(d.value().ino, "p");
  ASSERT_TRUE(m_->fs.Unmount().ok());
  ASSERT_EQ(E2fsck(image_).exit_code, 0);
  CommandResult blocks = Debugfs(image_, "blocks /d");
  uint64_t block = std::stoull(blocks.output);
  // "." and ".." take 24 bytes; "p"'s name is at 32, its padding after.
  testing::PatchFile(image_, block * 1024 + 33, "Q", 1);
  Mount();
  auto r = m_->fs.Lookup(Ino("/d"), "p");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), kstd::Error::kIo);
  EXPECT_TRUE(m_->log.Contains("checksum mismatch")) << m_->log.All();
}

TEST_F(Ext4Test, BadBitmapChecksumKeepsTheGroupOut) {
  Make("-b 1024", "16M");
  // Group 0's block bitmap: the block its descriptor names.
  std::string gd = testing::ReadFileRange(image_, 2048, 4);
  uint32_t bitmap;
  memcpy(&bitmap, gd.data(), 4);
  testing::PatchFile(image_, uint64_t{bitmap} * 1024 + 1000, "\x0f", 1);
  Mount();
  uint32_t f = CreateFile(Ext2::kRootIno, "f");
  ASSERT_NE(f, 0u);
  // The data goes to another group; the damaged one is left alone.
  ASSERT_OK(WriteAll(m_->fs, f, 0, PatternBytes(5000, 1)));
  EXPECT_TRUE(m_->log.Contains("group 0 block bitmap")) << m_->log.All();
  EXPECT_TRUE(m_->log.Contains("checksum mismatch")) << m_->log.All();
  EXPECT_TRUE(m_->fs.errors_detected());
  ASSERT_TRUE(m_->fs.Unmount().ok());
}

/// A file with an extent block (depth 1) on an image without
/// metadata_csum, so that the damage below is what the checks meet.
class ExtentDamageTest : public Ext4Test {
 protected:
  void SetUp() override {
    Make("-b 1024 -O ^metadata_csum", "16M");
    Mount();
    uint32_t a = CreateFile(Ext2::kRootIno, "a");
    uint32_t b = CreateFile(Ext2::kRootIno, "b");
    for (uint32_t i = 0; i < 20; ++i) {
      ASSERT_OK(WriteAll(m_->fs, a, uint64_t{i} * 1024, PatternBytes(1024, i)));
      ASSERT_OK(WriteAll(m_->fs, b, uint64_t{i} * 1024, PatternBytes(1024, i)));
    }
    ino_ = a;
    ASSERT_TRUE(m_->fs.Unmount().ok());
    ASSERT_EQ(E2fsck(image_).exit_code, 0) << E2fsck(image_).output;
    inode_at_ = InodeOffset(image_, ino_);
    // The inode's root: one index entry; its child block holds the extents.
    std::string root = testing::ReadFileRange(image_, inode_at_ + 40, 24);
    ExtentHeader h;
    memcpy(&h, root.data(), sizeof(h));
    ASSERT_EQ(h.eh_depth, 1u);
    ExtentIndex idx;
    memcpy(&idx, root.data() + 12, sizeof(idx));
    leaf_at_ = uint64_t{idx.ei_leaf_lo} * 1024;
  }

  void ExpectEio() {
    Mount();
    auto r = m_->fs.Read(ino_, 0, kstd::Span<uint8_t>(buf_, sizeof(buf_)));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), kstd::Error::kIo);
    EXPECT_TRUE(m_->fs.errors_detected());
    EXPECT_TRUE(m_->fs.Truncate(ino_, 0).is_error());
  }

  uint32_t ino_ = 0;
  uint64_t inode_at_ = 0;
  uint64_t leaf_at_ = 0;
  uint8_t buf_[4096];
};

TEST_F(ExtentDamageTest, DepthTooDeep) {
  uint16_t depth = 9;
  testing::PatchFile(image_, inode_at_ + 40 + 6, &depth, 2);
  ExpectEio();
  EXPECT_TRUE(m_->log.Contains("extent")) << m_->log.All();
}

TEST_F(ExtentDamageTest, ChildDepthDisagrees) {
  uint16_t depth = 1;
  testing::PatchFile(image_, leaf_at_ + 6, &depth, 2);
  ExpectEio();
  EXPECT_TRUE(m_->log.Contains("depth")) << m_->log.All();
}

TEST_F(ExtentDamageTest, ExtentOutsideTheFileSystem) {
  uint32_t start = 900000;
  testing::PatchFile(image_, leaf_at_ + 12 + 8, &start, 4);
  ExpectEio();
  EXPECT_TRUE(m_->log.Contains("outside the data area")) << m_->log.All();
}

TEST_F(ExtentDamageTest, ExtentOverInodeTable) {
  std::string gd = testing::ReadFileRange(image_, 2048 + 8, 4);  // group 0's inode table
  uint32_t table;
  memcpy(&table, gd.data(), 4);
  testing::PatchFile(image_, leaf_at_ + 12 + 8, &table, 4);
  ExpectEio();
  EXPECT_TRUE(m_->log.Contains("outside the data area")) << m_->log.All();
}

TEST_F(ExtentDamageTest, OverlappingExtents) {
  // The second extent starts inside the first.
  std::string first = testing::ReadFileRange(image_, leaf_at_ + 12, 12);
  ExtentLeaf e;
  memcpy(&e, first.data(), sizeof(e));
  uint32_t key = e.ee_block;
  testing::PatchFile(image_, leaf_at_ + 24, &key, 4);
  ExpectEio();
  EXPECT_TRUE(m_->log.Contains("overlapping")) << m_->log.All();
}

TEST_F(ExtentDamageTest, BadMagic) {
  testing::PatchFile(image_, leaf_at_, "\0\0", 2);
  ExpectEio();
  EXPECT_TRUE(m_->log.Contains("bad extent node")) << m_->log.All();
}

}  // namespace
}  // namespace servers::fs::ext2
