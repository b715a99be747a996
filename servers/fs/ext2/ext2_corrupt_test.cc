// Damaged and hostile images: each gives a refused mount, or EIO for the
// damaged file, plus a message; never a crash, a hang, or a write through
// the damage. The damage is made with debugfs (set_super_value, set_bg,
// set_inode_field) or by patching bytes that debugfs located. A fuzzing pass
// flips random bytes in the metadata of real images and walks and writes the
// result (run it under AddressSanitizer, `--config=asan`, for the full effect).

#include <stdlib.h>
#include <string.h>

#include <memory>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "servers/fs/ext2/ext2.h"
#include "servers/fs/ext2/memory_block_device.h"
#include "servers/fs/ext2/testing/test_support.h"

namespace servers::fs::ext2 {
namespace {

using testing::CommandResult;
using testing::Debugfs;
using testing::E2fsck;
using testing::MountedImage;
using testing::PatchFile;
using testing::ReadFileRange;
using testing::ReadWhole;
using testing::Resolve;
using testing::ScratchCopy;
using testing::WriteAll;

class CorruptTest : public ::testing::Test {
 protected:
  void Use(const std::string& fixture) { image_ = ScratchCopy(fixture); }
  void SetUp() override { Use("tree_1k.img"); }

  void Damage(const std::string& request) {
    CommandResult r = Debugfs(image_, request, /*write=*/true);
    ASSERT_EQ(r.exit_code, 0) << request << ": " << r.output;
  }

  /// A number from debugfs output after `key` (e.g. "(IND):").
  uint64_t DebugfsNumber(const std::string& request, const std::string& key) {
    CommandResult r = Debugfs(image_, request);
    size_t at = r.output.find(key);
    EXPECT_NE(at, std::string::npos) << request << ": " << r.output;
    if (at == std::string::npos) return 0;
    return std::stoull(r.output.substr(at + key.size()));
  }
  uint64_t BlockOf(const std::string& path, uint64_t file_block = 0) {
    return DebugfsNumber("bmap " + path + " " + std::to_string(file_block), "");
  }
  uint32_t InodeOf(const std::string& path) {
    CommandResult r = Debugfs(image_, "stat " + path);
    return static_cast<uint32_t>(std::stoul(r.output.substr(r.output.find("Inode: ") + 7)));
  }
  uint32_t bs() const { return block_size_; }

  kstd::Result<MountReport> Mount(bool read_only = false) {
    m_ = std::make_unique<MountedImage>();
    auto r = m_->Mount(image_, read_only);
    if (r.ok()) block_size_ = r.value().block_size;
    return r;
  }

  void PatchU32(uint64_t offset, uint32_t value) { PatchFile(image_, offset, &value, 4); }
  void PatchU16(uint64_t offset, uint16_t value) { PatchFile(image_, offset, &value, 2); }

  std::string image_;
  std::unique_ptr<MountedImage> m_;
  uint32_t block_size_ = 1024;
};

// ---- Refused mounts.

TEST_F(CorruptTest, BadMagic) {
  PatchU16(1024 + offsetof(Superblock, s_magic), 0x1234);  // (debugfs cannot set it)
  EXPECT_EQ(Mount().error(), kstd::Error::kInvalid);
  EXPECT_TRUE(m_->log.Contains("magic")) << m_->log.All();
}

TEST_F(CorruptTest, NotAFileSystemAtAll) {
  std::string zeros(4 << 20, '\0');
  testing::WriteHostFile(image_, zeros);
  EXPECT_EQ(Mount().error(), kstd::Error::kInvalid);
  testing::WriteHostFile(image_, testing::PatternBytes(4 << 20, 9));
  EXPECT_EQ(Mount().error(), kstd::Error::kInvalid);
  testing::WriteHostFile(image_, "tiny");
  EXPECT_EQ(Mount().error(), kstd::Error::kInvalid);
  EXPECT_TRUE(m_->log.Contains("too small")) << m_->log.All();
}

TEST_F(CorruptTest, BlockCountPastTheDevice) {
  Damage("ssv blocks_count 100000");
  EXPECT_EQ(Mount().error(), kstd::Error::kInvalid);
  EXPECT_TRUE(m_->log.Contains("device holds")) << m_->log.All();
  // A truncated image says the same.
  Use("tree_1k.img");
  ASSERT_EQ(truncate(image_.c_str(), 2 << 20), 0);
  EXPECT_EQ(Mount().error(), kstd::Error::kInvalid);
  EXPECT_TRUE(m_->log.Contains("device holds")) << m_->log.All();
}

TEST_F(CorruptTest, BadGeometryFields) {
  struct Case {
    const char* request;
    const char* message;
  };
  const Case cases[] = {
      {"ssv log_block_size 9", "block size"},
      {"ssv inodes_count 5", "inode count"},
      {"ssv blocks_per_group 0", "blocks per group"},
      {"ssv inodes_per_group 100000", "inodes per group"},
      {"ssv first_data_block 0", "first data block"},
      {"ssv inode_size 100", "inode size"},
      {"ssv first_ino 2", "first inode"},
      {"ssv rev_level 7", "revision"},
      {"ssv log_cluster_size 3", "fragment size"},
      {"ssv reserved_gdt_blocks 60000", "group descriptors do not fit"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.request);
    Use("tree_1k.img");
    Damage(c.request);
    EXPECT_EQ(Mount().error(), kstd::Error::kInvalid);
    EXPECT_TRUE(m_->log.Contains(c.message)) << m_->log.All();
  }
}

TEST_F(CorruptTest, BadGroupDescriptors) {
  struct Case {
    const char* request;
    const char* message;
  };
  const Case cases[] = {
      {"set_bg 0 inode_table 99999999", "inode table outside its group"},
      {"set_bg 0 inode_table 1", "inode table outside its group"},
      {"set_bg 0 block_bitmap 4000000", "block bitmap outside its group"},
      {"set_bg 0 inode_bitmap 2", "inode bitmap outside its group"},
      {"set_bg 0 free_blocks_count 60000", "free block count larger"},
      {"set_bg 0 free_inodes_count 5000", "free inode count larger"},
      {"set_bg 0 used_dirs_count 1020", "more directories than used inodes"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.request);
    Use("tree_1k.img");
    Damage(c.request);
    EXPECT_EQ(Mount().error(), kstd::Error::kInvalid);
    EXPECT_TRUE(m_->log.Contains(c.message)) << m_->log.All();
  }
  // A bitmap placed inside the inode table.
  Use("tree_1k.img");
  uint64_t table = DebugfsNumber("imap <2>", "located at block ");
  Damage("set_bg 0 block_bitmap " + std::to_string(table + 3));
  EXPECT_EQ(Mount().error(), kstd::Error::kInvalid);
  EXPECT_TRUE(m_->log.Contains("inside the inode table")) << m_->log.All();
}

TEST_F(CorruptTest, IncompatibleFeaturesRefuseTheMount) {
  struct Case {
    uint32_t bit;
    const char* name;
  };
  const Case cases[] = {
      {kIncompatMetaBg, "meta_bg"},
      {kIncompatRecover, "needs_recovery"},
      {kIncompatMmp, "mmp"},
      {kIncompatEaInode, "ea_inode"},
      {kIncompatEncrypt, "encrypt"},
      {kIncompatCasefold, "casefold"},
      {kIncompatInlineData, "inline_data"},
      {kIncompatCompression, "compression"},
      {kIncompatJournalDev, "journal_dev"},
      {0x40000000, "0x40000000"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Use("tree_1k.img");
    uint32_t incompat;
    std::string raw = ReadFileRange(image_, 1024 + offsetof(Superblock, s_feature_incompat), 4);
    memcpy(&incompat, raw.data(), 4);
    PatchU32(1024 + offsetof(Superblock, s_feature_incompat), incompat | c.bit);
    EXPECT_EQ(Mount().error(), kstd::Error::kNotSupported);
    EXPECT_TRUE(m_->log.Contains("unsupported incompatible features")) << m_->log.All();
    EXPECT_TRUE(m_->log.Contains(c.name)) << m_->log.All();
    EXPECT_EQ(Mount(/*read_only=*/true).error(), kstd::Error::kNotSupported);
  }
}

TEST_F(CorruptTest, JournalledImageMountsWithItsJournal) {
  Use("ext3_1k.img");
  auto rw = Mount();
  ASSERT_TRUE(rw.ok()) << m_->log.All();
  EXPECT_TRUE(rw.value().journaled);
  EXPECT_FALSE(rw.value().read_only);
  EXPECT_TRUE(m_->fs.Unmount().ok());
  auto r = Mount(/*read_only=*/true);
  ASSERT_TRUE(r.ok()) << m_->log.All();
  EXPECT_TRUE(r.value().read_only);
  EXPECT_FALSE(r.value().journaled);
  EXPECT_TRUE(Resolve(m_->fs, "/lost+found").ok());
  EXPECT_TRUE(m_->fs.Unmount().ok());
}

TEST_F(CorruptTest, UnknownReadOnlyFeaturesMountReadOnly) {
  for (uint32_t bit : {0x80000000u, kRoCompatGdtCsum, kRoCompatBigalloc}) {
    Use("tree_1k.img");
    uint32_t ro;
    std::string raw = ReadFileRange(image_, 1024 + offsetof(Superblock, s_feature_ro_compat), 4);
    memcpy(&ro, raw.data(), 4);
    PatchU32(1024 + offsetof(Superblock, s_feature_ro_compat), ro | bit);
    std::string before = testing::ReadHostFile(image_);
    auto r = Mount();
    ASSERT_TRUE(r.ok()) << m_->log.All();
    EXPECT_TRUE(r.value().read_only);
    EXPECT_TRUE(m_->log.Contains("mounting read-only: unsupported read-only-compatible features"))
        << m_->log.All();
    EXPECT_EQ(m_->fs.Create(Ext2::kRootIno, Name("x"), {}).error(), kstd::Error::kReadOnlyFs);
    EXPECT_EQ(ReadWhole(m_->fs, Resolve(m_->fs, "/hello.txt").value().ino).value(),
              "Hello, Tessera!\n");
    EXPECT_TRUE(m_->fs.Unmount().ok());
    EXPECT_TRUE(testing::ReadHostFile(image_) == before) << "a read-only mount wrote";
  }
}

TEST_F(CorruptTest, RootInodeNotADirectory) {
  Damage("sif <2> mode 0100644");
  EXPECT_EQ(Mount().error(), kstd::Error::kInvalid);
  EXPECT_TRUE(m_->log.Contains("root")) << m_->log.All();
}

// ---- Damaged files and directories: EIO for them, the rest works.

TEST_F(CorruptTest, BlockNumberPastTheEnd) {
  Damage("sif /hello.txt block[0] 99999999");
  ASSERT_TRUE(Mount().ok());
  auto file = Resolve(m_->fs, "/hello.txt");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(ReadWhole(m_->fs, file.value().ino).error(), kstd::Error::kIo);
  EXPECT_TRUE(m_->log.Contains("outside the data area")) << m_->log.All();
  // Writing into the damaged file is refused too; freeing it frees nothing bad.
  EXPECT_EQ(WriteAll(m_->fs, file.value().ino, 0, "x").error(), kstd::Error::kIo);
  EXPECT_EQ(m_->fs.Truncate(file.value().ino, 0).error(), kstd::Error::kIo);
  // Everything else is fine.
  EXPECT_EQ(ReadWhole(m_->fs, Resolve(m_->fs, "/dir/sub/inner.txt").value().ino).value(),
            "inner\n");
  auto fresh = m_->fs.Create(Ext2::kRootIno, Name("fresh"), {});
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(WriteAll(m_->fs, fresh.value().ino, 0, "still works").ok());
  EXPECT_TRUE(m_->fs.errors_detected());
  ASSERT_TRUE(m_->fs.Unmount().ok());
  // The superblock now records errors.
  EXPECT_NE(Debugfs(image_, "stats").output.find("with errors"), std::string::npos);
  auto again = Mount();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.value().had_errors);
  EXPECT_TRUE(m_->log.Contains("errors recorded")) << m_->log.All();
}

TEST_F(CorruptTest, ErrorsBehaviourRemountReadOnly) {
  Damage("ssv errors 2");  // EXT2_ERRORS_RO
  Damage("sif /hello.txt block[0] 99999999");
  ASSERT_TRUE(Mount().ok());
  auto file = m_->fs.Create(Ext2::kRootIno, Name("before"), {});
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(WriteAll(m_->fs, file.value().ino, 0, "accepted before the error").ok());
  EXPECT_EQ(ReadWhole(m_->fs, Resolve(m_->fs, "/hello.txt").value().ino).error(), kstd::Error::kIo);
  EXPECT_TRUE(m_->fs.read_only());
  EXPECT_TRUE(m_->log.Contains("now read-only")) << m_->log.All();
  EXPECT_EQ(m_->fs.Create(Ext2::kRootIno, Name("after"), {}).error(), kstd::Error::kReadOnlyFs);
  ASSERT_TRUE(m_->fs.Unmount().ok());
  std::string got;
  ASSERT_TRUE(testing::DebugfsCat(image_, "/before", &got));
  EXPECT_EQ(got, "accepted before the error");
  EXPECT_NE(Debugfs(image_, "stats").output.find("with errors"), std::string::npos);
}

TEST_F(CorruptTest, IndirectPointerIntoMetadataIsNeverWritten) {
  // A block of the inode table that holds only unused inodes.
  uint64_t table = DebugfsNumber("imap <2>", "located at block ") + 200;
  Damage("sif /twelve_k_plus.bin block[IND] " + std::to_string(table));
  std::string before = ReadFileRange(image_, table * 1024, 1024);
  ASSERT_TRUE(Mount().ok());
  auto file = Resolve(m_->fs, "/twelve_k_plus.bin");
  ASSERT_TRUE(file.ok());
  // A read stops where the damage starts; the next one reports it.
  std::string out(20000, '\0');
  auto n = m_->fs.Read(file.value().ino, 0,
                       kstd::Span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size()));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value(), 12u * 1024);
  EXPECT_EQ(m_->fs
                .Read(file.value().ino, 12 * 1024,
                      kstd::Span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), 100))
                .error(),
            kstd::Error::kIo);
  EXPECT_EQ(WriteAll(m_->fs, file.value().ino, 12 * 1024 + 100, "poison").error(),
            kstd::Error::kIo);
  EXPECT_EQ(m_->fs.Unlink(Ext2::kRootIno, Name("twelve_k_plus.bin")).error(), kstd::Error::kIo);
  ASSERT_TRUE(m_->fs.Unmount().ok());
  EXPECT_TRUE(ReadFileRange(image_, table * 1024, 1024) == before)
      << "the inode table was written through the bad pointer";
}

TEST_F(CorruptTest, IndirectBlockPointingAtItself) {
  uint64_t ind = DebugfsNumber("stat /twelve_k_plus.bin", "(IND):");
  ASSERT_GT(ind, 0u);
  PatchU32(ind * 1024, static_cast<uint32_t>(ind));
  ASSERT_TRUE(Mount().ok());
  auto file = Resolve(m_->fs, "/twelve_k_plus.bin");
  uint8_t buffer[100];
  // The direct part still reads; the looped part gives EIO.
  EXPECT_TRUE(m_->fs.Read(file.value().ino, 0, kstd::Span<uint8_t>(buffer, 100)).ok());
  EXPECT_EQ(m_->fs.Read(file.value().ino, 12 * 1024, kstd::Span<uint8_t>(buffer, 1)).error(),
            kstd::Error::kIo);
  EXPECT_TRUE(m_->log.Contains("points back to itself")) << m_->log.All();
  EXPECT_EQ(m_->fs.Truncate(file.value().ino, 0).error(), kstd::Error::kIo);
  // Double-indirect loops too.
  uint64_t dind = DebugfsNumber("stat /medium.bin", "(DIND):");
  ASSERT_TRUE(m_->fs.Unmount().ok());
  PatchU32(dind * 1024, static_cast<uint32_t>(dind));
  ASSERT_TRUE(Mount().ok());
  auto medium = Resolve(m_->fs, "/medium.bin");
  EXPECT_EQ(
      m_->fs.Read(medium.value().ino, (12 + 256) * 1024, kstd::Span<uint8_t>(buffer, 1)).error(),
      kstd::Error::kIo);
  EXPECT_EQ(m_->fs.Unlink(Ext2::kRootIno, Name("medium.bin")).error(), kstd::Error::kIo);
  EXPECT_TRUE(m_->fs.Unmount().ok());
}

TEST_F(CorruptTest, DirectoryEntryLengths) {
  struct Case {
    const char* what;
    uint32_t offset;  // in the directory's first block
    uint32_t size;    // 2 or 1 bytes
    uint32_t value;
    const char* message;
  };
  // /dir's first block: "." at 0 (rec_len 12), ".." at 12.
  const Case cases[] = {
      {"rec_len past the block", 4, 2, 2000, "past the block end"},
      {"rec_len not a multiple of 4", 16, 2, 14, "bad rec_len"},
      {"rec_len below the minimum", 4, 2, 8, "bad rec_len"},
      {"rec_len zero", 16, 2, 0, "bad rec_len"},
      {"name longer than rec_len", 18, 1, 200, "does not fit"},
      {"inode out of range", 12, 4, 999999, "out of range"},
      {"reserved inode", 12, 4, 5, "reserved"},
      {"first entry not '.'", 8, 1, 'x', "is not '.'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Use("tree_1k.img");
    uint64_t block = BlockOf("/dir");
    std::string before = ReadFileRange(image_, block * 1024, 1024);
    if (c.size == 4) PatchU32(block * 1024 + c.offset, c.value);
    if (c.size == 2) PatchU16(block * 1024 + c.offset, static_cast<uint16_t>(c.value));
    if (c.size == 1) {
      uint8_t v = static_cast<uint8_t>(c.value);
      PatchFile(image_, block * 1024 + c.offset, &v, 1);
    }
    std::string damaged = ReadFileRange(image_, block * 1024, 1024);
    ASSERT_TRUE(Mount().ok());
    auto dir_attr = Resolve(m_->fs, "/dir");
    ASSERT_TRUE(dir_attr.ok());
    uint32_t dir = dir_attr.value().ino;
    EXPECT_EQ(m_->fs.Lookup(dir, Name("hard_c")).error(), kstd::Error::kIo);
    uint64_t cursor = 0;
    DirEntry entries[8];
    EXPECT_EQ(m_->fs.ReadDir(dir, &cursor, kstd::Span<DirEntry>(entries, 8)).error(),
              kstd::Error::kIo);
    EXPECT_EQ(m_->fs.Create(dir, Name("new"), {}).error(), kstd::Error::kIo);
    EXPECT_EQ(m_->fs.Rmdir(Ext2::kRootIno, Name("dir")).error(), kstd::Error::kIo);
    EXPECT_TRUE(m_->log.Contains(c.message)) << m_->log.All();
    ASSERT_TRUE(m_->fs.Unmount().ok());
    EXPECT_TRUE(ReadFileRange(image_, block * 1024, 1024) == damaged)
        << "the damaged block was rewritten";
  }
}

TEST_F(CorruptTest, EntryNamingAFreeInode) {
  // "hard_c" in /dir: point it at a free inode.
  uint64_t block = BlockOf("/dir");
  std::string data = ReadFileRange(image_, block * 1024, 1024);
  size_t at = data.find("hard_c");
  ASSERT_NE(at, std::string::npos);
  PatchU32(block * 1024 + at - 8, 1000);
  ASSERT_TRUE(Mount().ok());
  uint32_t dir = Resolve(m_->fs, "/dir").value().ino;
  EXPECT_EQ(m_->fs.Lookup(dir, Name("hard_c")).error(), kstd::Error::kIo);
  EXPECT_TRUE(m_->log.Contains("not in use")) << m_->log.All();
  EXPECT_EQ(m_->fs.Unlink(dir, Name("hard_c")).error(), kstd::Error::kIo);
  EXPECT_TRUE(m_->fs.Lookup(dir, Name("sub")).ok());
  EXPECT_TRUE(m_->fs.Unmount().ok());
}

// A damaged htree index (counts past the limit, an entry pointing past the
// directory's end) gives EIO on lookups, never a read outside the node.
TEST_F(CorruptTest, DamagedHtreeIndex) {
  for (int c = 0; c < 2; ++c) {
    SCOPED_TRACE(c);
    Use("tree_1k_htree.img");
    uint64_t root = BlockOf("/many");
    if (c == 0) {
      uint16_t count = 0xFFFF;  // dx_root's count, after its limit at 32
      PatchFile(image_, root * 1024 + 34, &count, 2);
    } else {
      // Entry 2's block: the name below hashes to 0x364245a8, in its range.
      PatchU32(root * 1024 + 36 + 2 * 8, 100000);
    }
    ASSERT_TRUE(Mount().ok());
    uint32_t many = Resolve(m_->fs, "/many").value().ino;
    EXPECT_EQ(m_->fs.Lookup(many, Name("entry_with_a_longish_name_7")).error(), kstd::Error::kIo);
    EXPECT_TRUE(m_->log.Contains("htree")) << m_->log.All();
    EXPECT_TRUE(m_->fs.Unmount().ok());
  }
}

TEST_F(CorruptTest, DirectoryLoops) {
  // A hard link to a directory from inside it: lookups stay finite, and a
  // directory cannot be moved under itself through the loop.
  Damage("link /dir /dir/sub/loop");
  ASSERT_TRUE(Mount().ok());
  auto deep = Resolve(m_->fs, "/dir/sub/loop/sub/loop/sub/loop/sub/inner.txt");
  ASSERT_TRUE(deep.ok());
  uint32_t sub = Resolve(m_->fs, "/dir/sub").value().ino;
  EXPECT_EQ(m_->fs.Rename(Ext2::kRootIno, Name("dir"), sub, Name("x")).error(),
            kstd::Error::kInvalid);
  EXPECT_EQ(m_->fs.Rmdir(sub, Name("loop")).error(), kstd::Error::kNotEmpty);
  ASSERT_TRUE(m_->fs.Unmount().ok());

  // ".." chains that never reach the root: a directory that is its own
  // parent, and two that are each other's.
  Use("tree_1k.img");
  uint32_t sub_ino = InodeOf("/dir/sub");
  uint64_t sub_block = BlockOf("/dir/sub");
  PatchU32(sub_block * 1024 + 12, sub_ino);  // sub/.. = sub
  ASSERT_TRUE(Mount().ok());
  uint32_t sub2 = Resolve(m_->fs, "/dir/sub").value().ino;
  EXPECT_EQ(m_->fs.Rename(Ext2::kRootIno, Name("emptydir"), sub2, Name("x")).error(),
            kstd::Error::kIo);
  EXPECT_TRUE(m_->log.Contains("its own parent")) << m_->log.All();
  ASSERT_TRUE(m_->fs.Unmount().ok());

  Use("tree_1k.img");
  uint32_t level1 = InodeOf("/deep/level0/level1");
  uint64_t level0_block = BlockOf("/deep/level0");
  PatchU32(level0_block * 1024 + 12, level1);  // level0/.. = level1, level1/.. = level0
  ASSERT_TRUE(Mount().ok());
  uint32_t l1 = Resolve(m_->fs, "/deep/level0/level1").value().ino;
  EXPECT_EQ(m_->fs.Rename(Ext2::kRootIno, Name("emptydir"), l1, Name("x")).error(),
            kstd::Error::kIo);
  EXPECT_TRUE(m_->log.Contains("a loop in the directory tree")) << m_->log.All();
  // Nothing moved.
  EXPECT_TRUE(Resolve(m_->fs, "/emptydir").ok());
  ASSERT_TRUE(m_->fs.Unmount().ok());
}

TEST_F(CorruptTest, BitmapCountMismatchStopsAllocation) {
  // One group: its block bitmap no longer matches its free count.
  uint64_t bitmap = DebugfsNumber("stats", "block bitmap at ");
  Damage("set_bg 0 free_blocks_count 100");
  std::string before = ReadFileRange(image_, bitmap * 1024, 1024);
  ASSERT_TRUE(Mount().ok());
  auto file = m_->fs.Create(Ext2::kRootIno, Name("new"), {});
  ASSERT_TRUE(file.ok());  // inodes are fine
  EXPECT_EQ(WriteAll(m_->fs, file.value().ino, 0, "data").error(), kstd::Error::kIo);
  EXPECT_TRUE(m_->log.Contains("free bits disagree with the free block count")) << m_->log.All();
  // Freeing into the damaged group is refused as well (the blocks stay used).
  EXPECT_TRUE(m_->fs.Unlink(Ext2::kRootIno, Name("small.bin")).ok());
  EXPECT_TRUE(m_->log.Contains("left allocated")) << m_->log.All();
  ASSERT_TRUE(m_->fs.Unmount().ok());
  EXPECT_TRUE(ReadFileRange(image_, bitmap * 1024, 1024) == before)
      << "the damaged bitmap was written";

  // Inode bitmap.
  Use("tree_1k.img");
  uint64_t inode_bitmap = DebugfsNumber("stats", "inode bitmap at ");
  Damage("set_bg 0 free_inodes_count 3");
  before = ReadFileRange(image_, inode_bitmap * 1024, 1024);
  ASSERT_TRUE(Mount().ok());
  EXPECT_EQ(m_->fs.Create(Ext2::kRootIno, Name("new"), {}).error(), kstd::Error::kIo);
  EXPECT_TRUE(m_->log.Contains("free bits disagree with the free inode count")) << m_->log.All();
  ASSERT_TRUE(m_->fs.Unmount().ok());
  EXPECT_TRUE(ReadFileRange(image_, inode_bitmap * 1024, 1024) == before);
}

TEST_F(CorruptTest, DamagedGroupIsAvoidedInAMultiGroupFileSystem) {
  Use("multi_1k.img");
  uint64_t bitmap = DebugfsNumber("stats", "block bitmap at ");
  Damage("set_bg 0 free_blocks_count 17");
  std::string before = ReadFileRange(image_, bitmap * 1024, 1024);
  ASSERT_TRUE(Mount().ok());
  auto file = m_->fs.Create(Ext2::kRootIno, Name("new"), {});
  ASSERT_TRUE(file.ok());
  std::string data = testing::PatternBytes(100000, 3);
  ASSERT_TRUE(WriteAll(m_->fs, file.value().ino, 0, data).ok());  // other groups
  ASSERT_TRUE(m_->fs.Unmount().ok());
  EXPECT_TRUE(ReadFileRange(image_, bitmap * 1024, 1024) == before);
  // e2fsck finds the original damage only.
  CommandResult fsck = E2fsck(image_);
  EXPECT_EQ(fsck.exit_code, 4);
  EXPECT_NE(fsck.output.find("Free blocks count wrong for group #0"), std::string::npos)
      << fsck.output;
  EXPECT_EQ(fsck.output.find("Inode"), std::string::npos) << fsck.output;
  std::string got;
  ASSERT_TRUE(testing::DebugfsCat(image_, "/new", &got));
  EXPECT_TRUE(got == data);
}

TEST_F(CorruptTest, BadInodeFields) {
  struct Case {
    const char* request;
    const char* path;
    const char* message;
  };
  const Case cases[] = {
      {"sif /hello.txt blocks 999999", "/hello.txt", "i_blocks"},
      {"sif /hello.txt mode 0170644", "/hello.txt", "unknown file type"},
      {"sif /hello.txt flags 0x80000", "/hello.txt", "extent tree on a file system without"},
      {"sif /hello.txt file_acl 99999999", "/hello.txt", "extended attribute block"},
      {"sif /dir size 1000", "/dir", "whole number of blocks"},
      {"sif /dir size_hi 1", "/dir", "whole number of blocks"},
      {"sif /link_fast size 0", "/link_fast", "symlink length"},
      {"sif /link_fast size 5000", "/link_fast", "symlink length"},
      {"sif /link_fast size 70", "/link_fast", "does not fit in the inode"},
      {"sif /link_slow block[0] 1", "/link_slow", "symlink block"},
      {"sif /medium.bin size_hi 0xffffffff", "/medium.bin", "exceeds the largest possible file"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.request);
    Use("tree_1k.img");
    Damage(c.request);
    ASSERT_TRUE(Mount().ok());
    EXPECT_EQ(Resolve(m_->fs, c.path).error(), kstd::Error::kIo);
    EXPECT_TRUE(m_->log.Contains(c.message)) << m_->log.All();
    EXPECT_TRUE(Resolve(m_->fs, "/numbers.txt").ok());
    ASSERT_TRUE(m_->fs.Unmount().ok());
  }
}

// ---- Fuzzing: random damage to the metadata of real images. The walk and
// the writes must terminate without crashing; errors are expected.

void Walk(Ext2& fs, uint32_t dir, int depth, std::set<uint32_t>* seen, int* budget) {
  if (depth > 64 || --*budget < 0 || !seen->insert(dir).second) return;
  uint64_t cursor = 0;
  DirEntry entries[16];
  for (int rounds = 0; rounds < 10000; ++rounds) {
    auto n = fs.ReadDir(dir, &cursor, kstd::Span<DirEntry>(entries, 16));
    if (!n.ok() || n.value() == 0) return;
    for (size_t i = 0; i < n.value(); ++i) {
      Name name(entries[i].name, entries[i].name_len);
      auto attr = fs.Lookup(dir, name);
      if (!attr.ok() || name.IsDot() || name.IsDotDot()) continue;
      uint8_t buffer[8192];
      char target[4096];
      switch (attr.value().type) {
        case FileType::kDirectory: Walk(fs, attr.value().ino, depth + 1, seen, budget); break;
        case FileType::kRegular:
          for (uint64_t off = 0; off < attr.value().size && off < (1u << 20);
               off += sizeof(buffer)) {
            if (!fs.Read(attr.value().ino, off, kstd::Span<uint8_t>(buffer, sizeof(buffer))).ok())
              break;
          }
          break;
        case FileType::kSymlink:
          (void)fs.ReadLink(attr.value().ino, kstd::Span<char>(target, sizeof(target)));
          break;
        default: break;
      }
    }
  }
}

class FuzzTest : public ::testing::TestWithParam<const char*> {};

TEST_P(FuzzTest, RandomMetadataDamageNeverCrashes) {
  std::string pristine = testing::ReadHostFile(testing::FixturePath(GetParam()));
  ASSERT_FALSE(pristine.empty());
  uint32_t block_size = std::string(GetParam()).find("4k") != std::string::npos ? 4096 : 1024;
  // The metadata lives in the first blocks (superblock, descriptors,
  // bitmaps, inode table) and the directories right after them.
  size_t region = std::min<size_t>(pristine.size(), block_size == 1024 ? 700 * 1024 : 200 * 4096);
  int mounted = 0;
  // EXT2_FUZZ_SEEDS (environment) runs more.
  const char* seeds_env = getenv("EXT2_FUZZ_SEEDS");
  uint32_t seeds = seeds_env ? static_cast<uint32_t>(atoi(seeds_env)) : 150;
  for (uint32_t seed = 1; seed <= seeds; ++seed) {
    SCOPED_TRACE(seed);
    MemoryBlockDevice device(pristine.size() / 512);
    memcpy(device.data(), pristine.data(), pristine.size());
    uint64_t x = seed * 0x9E3779B97F4A7C15ull;
    auto next = [&x]() {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      return x;
    };
    int flips = 1 + static_cast<int>(next() % 40);
    for (int i = 0; i < flips; ++i) {
      // Skip the superblock most of the time, or nothing would mount.
      size_t at = 2048 + next() % (region - 2048);
      if (next() % 8 == 0) at = 1024 + next() % 1024;
      device.data()[at] ^= static_cast<uint8_t>(1u << (next() % 8));
      if (next() % 4 == 0) device.data()[at] = static_cast<uint8_t>(next());
    }
    testing::CapturingLog log;
    MountOptions options;
    options.log = &log;
    options.cache_blocks = 32;
    Ext2 fs;
    if (!fs.Mount(&device, options).ok()) continue;
    ++mounted;
    std::set<uint32_t> seen;
    int budget = 2000;
    Walk(fs, Ext2::kRootIno, 0, &seen, &budget);
    // Writes on the damaged image.
    for (int i = 0; i < 5; ++i) {
      std::string name = "fuzz" + std::to_string(i);
      auto file = fs.Create(Ext2::kRootIno, Name(name.data(), name.size()), {});
      if (file.ok())
        (void)WriteAll(fs, file.value().ino, static_cast<uint64_t>(i) * 70000,
                       testing::PatternBytes(30000, seed));
      (void)fs.Mkdir(Ext2::kRootIno, Name(("d" + name).data(), name.size() + 1), 0755, 0, 0);
    }
    (void)fs.Unlink(Ext2::kRootIno, Name("medium.bin"));
    (void)fs.Unlink(Ext2::kRootIno, Name("hard_a"));
    (void)fs.Rename(Ext2::kRootIno, Name("dir"), Ext2::kRootIno, Name("emptydir"));
    (void)fs.Rename(Ext2::kRootIno, Name("emptydir"), Ext2::kRootIno, Name("deep"));
    (void)fs.Rmdir(Ext2::kRootIno, Name("emptydir"));
    auto sparse = Resolve(fs, "/sparse.bin");
    if (sparse.ok()) (void)fs.Truncate(sparse.value().ino, 5000);
    (void)fs.Unmount();
  }
  // With metadata_csum any change to the superblock or a descriptor
  // refuses the mount: fewer damaged images get that far.
  bool csum = std::string(GetParam()) == "tree_e4_1k.img";
  EXPECT_GT(mounted, static_cast<int>(seeds / (csum ? 10 : 3)));
}

INSTANTIATE_TEST_SUITE_P(Images, FuzzTest,
                         ::testing::Values("tree_1k.img", "tree_4k.img", "tree_1k_htree.img",
                                           "tree_e4_1k.img", "tree_e4n_1k.img"),
                         [](const auto& info) {
                           std::string name = info.param;
                           return name.substr(0, name.find('.'));
                         });

}  // namespace
}  // namespace servers::fs::ext2
