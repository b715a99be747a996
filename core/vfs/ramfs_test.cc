#include "core/vfs/ramfs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "abi/linux/fcntl.h"
#include "abi/linux/poll.h"
#include "abi/linux/stat.h"
#include "abi/linux/statfs.h"
#include "core/vfs/test_support.h"

namespace core::vfs {
namespace {

using testing::DirRequest;
using testing::FileRequest;
using testing::Links;
using testing::ListedEntry;
using testing::ListEntries;
using testing::ListNames;
using testing::MustCreate;
using testing::MustLookup;
using testing::NewRamFs;
using testing::ReadAll;
using testing::ReadLinkString;
using testing::SymlinkRequest;
using testing::WriteString;

/// A block source that counts live blocks and can be told to fail.
class CountingBlocks final : public BlockSource {
 public:
  uint8_t* AllocBlock() override {
    if (fail_after >= 0 && allocated >= fail_after) return nullptr;
    ++allocated;
    ++live;
    return new uint8_t[kBlockSize];
  }
  void FreeBlock(uint8_t* block) override {
    --live;
    delete[] block;
  }
  int allocated = 0;
  int live = 0;
  int fail_after = -1;
};

class RamFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::UseFakeClock(1000 * testing::kSecond);
    fs = NewRamFs();
    root = fs->Root();
  }
  void TearDown() override {
    root.reset();
    fs->Shutdown();
  }
  kstd::RefPtr<Vnode> File(Vnode* dir, const std::string& name, const std::string& content) {
    kstd::RefPtr<Vnode> f = MustCreate(dir, name, FileRequest());
    if (f) {
      EXPECT_OK(WriteString(f.get(), 0, content));
    }
    return f;
  }
  kstd::RefPtr<Vnode> Dir(Vnode* dir, const std::string& name) {
    return MustCreate(dir, name, DirRequest());
  }
  std::vector<std::string> Sorted(Vnode* dir) {
    std::vector<std::string> names = ListNames(dir);
    std::sort(names.begin(), names.end());
    return names;
  }

  kstd::RefPtr<RamFs> fs;
  kstd::RefPtr<Vnode> root;
};

using Names = std::vector<std::string>;

TEST_F(RamFsTest, CreateLookupWriteRead) {
  kstd::RefPtr<Vnode> f = File(root.get(), "hello", "hello, world");
  ASSERT_TRUE(f);
  EXPECT_EQ(MustLookup(root.get(), "hello").get(), f.get());
  EXPECT_EQ(ReadAll(f.get()), "hello, world");
  EXPECT_EQ(f->GetAttr().size, 12u);
  EXPECT_EQ(f->type(), VnodeType::kRegular);
  EXPECT_ERR(root->Lookup("nope"), kNotFound);
  EXPECT_EQ(MustLookup(root.get(), ".").get(), root.get());
  EXPECT_EQ(MustLookup(root.get(), "..").get(), root.get());  // the root is its own parent
}

TEST_F(RamFsTest, CreateRejectsTakenAndBadNames) {
  File(root.get(), "a", "");
  EXPECT_ERR(root->Create("a", FileRequest()), kExists);
  EXPECT_ERR(root->Create("a", DirRequest()), kExists);
  EXPECT_ERR(root->Create(".", DirRequest()), kExists);
  EXPECT_ERR(root->Create("..", FileRequest()), kExists);
  EXPECT_ERR(root->Create("a/b", FileRequest()), kInvalid);
  EXPECT_ERR(root->Create("", FileRequest()), kInvalid);
  std::string n256(256, 'x');
  EXPECT_ERR(root->Create(Name(n256.data(), n256.size()), FileRequest()), kNameTooLong);
  std::string n255(255, 'x');
  EXPECT_OK(root->Create(Name(n255.data(), n255.size()), FileRequest()));
}

TEST_F(RamFsTest, OperationsOnTheWrongTypeGiveLinuxErrors) {
  kstd::RefPtr<Vnode> f = File(root.get(), "f", "x");
  uint8_t buf[4];
  EXPECT_ERR(root->ReadAt(0, kstd::Span<uint8_t>(buf, 4)), kIsDirectory);
  EXPECT_ERR(root->WriteAt(0, kstd::Span<const uint8_t>(buf, 4)), kIsDirectory);
  EXPECT_ERR(root->Truncate(0), kIsDirectory);
  EXPECT_ERR(f->Lookup("x"), kNotDirectory);
  EXPECT_ERR(f->Create("x", FileRequest()), kNotDirectory);
  EXPECT_ERR(f->Unlink("x"), kNotDirectory);
  EXPECT_ERR(f->Rmdir("x"), kNotDirectory);
  testing::CollectingSink sink;
  uint64_t cursor = 0;
  EXPECT_ERR(f->ReadDir(&cursor, sink), kNotDirectory);
  char link[8];
  EXPECT_ERR(f->ReadLink(kstd::Span<char>(link, 8)), kInvalid);
  EXPECT_ERR(root->ReadLink(kstd::Span<char>(link, 8)), kInvalid);
}

TEST_F(RamFsTest, SparseFileHolesReadAsZeros) {
  kstd::RefPtr<Vnode> f = MustCreate(root.get(), "sparse", FileRequest());
  ASSERT_OK(WriteString(f.get(), 3 * 4096 + 100, "tail"));
  Attributes a = f->GetAttr();
  EXPECT_EQ(a.size, 3u * 4096 + 104);
  EXPECT_EQ(a.blocks, 8u);  // one 4 KiB block, in 512-byte units
  std::string all = ReadAll(f.get(), 777);
  ASSERT_EQ(all.size(), 3u * 4096 + 104);
  EXPECT_EQ(all.substr(0, 3 * 4096 + 100), std::string(3 * 4096 + 100, '\0'));
  EXPECT_EQ(all.substr(3 * 4096 + 100), "tail");
  EXPECT_EQ(fs->blocks_used(), 1u);
}

TEST_F(RamFsTest, WritesAndReadsAcrossBlockBoundariesInAnyChunking) {
  kstd::RefPtr<Vnode> f = MustCreate(root.get(), "big", FileRequest());
  std::string pattern;
  for (int i = 0; i < 50000; ++i) pattern.push_back(static_cast<char>((i * 31 + i / 7) & 0xff));
  size_t offset = 0;
  size_t chunk = 1;
  while (offset < pattern.size()) {
    size_t n = std::min(chunk, pattern.size() - offset);
    ASSERT_OK(WriteString(f.get(), offset, pattern.substr(offset, n)));
    offset += n;
    chunk = chunk * 3 + 1;  // 1, 4, 13, 40, ... crosses every boundary shape
  }
  EXPECT_EQ(ReadAll(f.get(), 4096), pattern);
  EXPECT_EQ(ReadAll(f.get(), 4095), pattern);
  EXPECT_EQ(ReadAll(f.get(), 10007), pattern);
  EXPECT_EQ(f->GetAttr().blocks, 13u * 8);  // ceil(50000 / 4096) = 13 blocks
}

TEST_F(RamFsTest, OverwriteInTheMiddleKeepsTheRest) {
  kstd::RefPtr<Vnode> f = File(root.get(), "f", "0123456789");
  ASSERT_OK(WriteString(f.get(), 3, "abc"));
  EXPECT_EQ(ReadAll(f.get()), "012abc6789");
  EXPECT_EQ(f->GetAttr().size, 10u);
}

TEST_F(RamFsTest, AppendWritesAtTheEndAtomically) {
  kstd::RefPtr<Vnode> f = File(root.get(), "log", "start\n");
  auto open = f->Open(linux_abi::kOWrOnly | linux_abi::kOAppend);
  ASSERT_OK(open);
  kstd::RefPtr<OpenFile> file = open.release_value();
  constexpr int kThreads = 4;
  constexpr int kLines = 500;
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      std::string line = "writer " + std::to_string(t) + " was here\n";
      for (int i = 0; i < kLines; ++i) {
        uint64_t end = 0;
        auto r = file->Append(
            kstd::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(line.data()), line.size()),
            &end);
        ASSERT_OK(r);
        ASSERT_EQ(r.value(), line.size());
        ASSERT_GE(end, line.size());
      }
    });
  }
  for (auto& w : writers) w.join();
  std::string all = ReadAll(f.get());
  EXPECT_EQ(all.size(), 6 + kThreads * kLines * std::string("writer 0 was here\n").size());
  // Every line is whole: no two appends interleaved or overwrote each other.
  size_t pos = 6;
  int counts[kThreads] = {};
  while (pos < all.size()) {
    size_t nl = all.find('\n', pos);
    ASSERT_NE(nl, std::string::npos);
    std::string line = all.substr(pos, nl - pos);
    ASSERT_EQ(line.substr(0, 7), "writer ") << line;
    ++counts[line[7] - '0'];
    pos = nl + 1;
  }
  for (int c : counts) EXPECT_EQ(c, kLines);
  uint64_t end = 0;
  ASSERT_OK(f->Append(kstd::Span<const uint8_t>(reinterpret_cast<const uint8_t*>("x"), 1), &end));
  EXPECT_EQ(end, all.size() + 1);
}

TEST_F(RamFsTest, ReadAtOrPastTheEndReturnsZero) {
  kstd::RefPtr<Vnode> f = File(root.get(), "f", "abc");
  uint8_t buf[8];
  auto r = f->ReadAt(3, kstd::Span<uint8_t>(buf, 8));
  ASSERT_OK(r);
  EXPECT_EQ(r.value(), 0u);
  r = f->ReadAt(1ull << 50, kstd::Span<uint8_t>(buf, 8));
  ASSERT_OK(r);
  EXPECT_EQ(r.value(), 0u);
  r = f->ReadAt(1, kstd::Span<uint8_t>(buf, 8));
  ASSERT_OK(r);
  EXPECT_EQ(r.value(), 2u);
}

TEST_F(RamFsTest, TruncateShrinkThenGrowReadsZerosAndFreesBlocks) {
  kstd::RefPtr<Vnode> f = File(root.get(), "f", std::string(3 * 4096, 'a'));
  EXPECT_EQ(fs->blocks_used(), 3u);
  ASSERT_OK(f->Truncate(5000));
  EXPECT_EQ(f->GetAttr().size, 5000u);
  EXPECT_EQ(fs->blocks_used(), 2u);
  ASSERT_OK(f->Truncate(3 * 4096));
  std::string all = ReadAll(f.get());
  EXPECT_EQ(all.substr(0, 5000), std::string(5000, 'a'));
  EXPECT_EQ(all.substr(5000), std::string(3 * 4096 - 5000, '\0'));
  ASSERT_OK(f->Truncate(0));
  EXPECT_EQ(fs->blocks_used(), 0u);
  EXPECT_EQ(f->GetAttr().blocks, 0u);
  EXPECT_EQ(ReadAll(f.get()), "");
}

TEST_F(RamFsTest, FileSizeLimitGivesEFBIG) {
  kstd::RefPtr<Vnode> f = MustCreate(root.get(), "f", FileRequest());
  EXPECT_ERR(f->Truncate(RamFs::kMaxFileSize + 1), kFileTooBig);
  EXPECT_ERR(WriteString(f.get(), RamFs::kMaxFileSize, "x"), kFileTooBig);
  EXPECT_OK(f->Truncate(RamFs::kMaxFileSize));  // a hole: no memory needed
  EXPECT_EQ(f->GetAttr().size, RamFs::kMaxFileSize);
  EXPECT_EQ(fs->blocks_used(), 0u);
}

TEST_F(RamFsTest, LinkCountsFollowPosix) {
  kstd::RefPtr<Vnode> f = File(root.get(), "f", "data");
  EXPECT_EQ(Links(root.get()), 2u);
  EXPECT_EQ(Links(f.get()), 1u);
  ASSERT_OK(root->Link("g", f.get()));
  EXPECT_EQ(Links(f.get()), 2u);
  kstd::RefPtr<Vnode> d = Dir(root.get(), "d");
  EXPECT_EQ(Links(d.get()), 2u);
  EXPECT_EQ(Links(root.get()), 3u);  // d's ".."
  kstd::RefPtr<Vnode> e = Dir(d.get(), "e");
  EXPECT_EQ(Links(d.get()), 3u);
  ASSERT_OK(d->Link("h", f.get()));
  EXPECT_EQ(Links(f.get()), 3u);
  EXPECT_EQ(Links(d.get()), 3u);  // files do not count
  ASSERT_OK(d->Rmdir("e"));
  EXPECT_EQ(Links(d.get()), 2u);
  EXPECT_EQ(Links(e.get()), 0u);
  ASSERT_OK(root->Unlink("f"));
  ASSERT_OK(root->Unlink("g"));
  EXPECT_EQ(Links(f.get()), 1u);
  EXPECT_EQ(ReadAll(MustLookup(d.get(), "h").get()), "data");
}

TEST_F(RamFsTest, LinkErrors) {
  kstd::RefPtr<Vnode> f = File(root.get(), "f", "x");
  kstd::RefPtr<Vnode> d = Dir(root.get(), "d");
  EXPECT_ERR(root->Link("d2", d.get()), kPermission);
  EXPECT_ERR(root->Link("f", f.get()), kExists);
  EXPECT_ERR(root->Link(".", f.get()), kExists);
  kstd::RefPtr<RamFs> other = NewRamFs();
  kstd::RefPtr<Vnode> other_root = other->Root();
  EXPECT_ERR(other_root->Link("f", f.get()), kCrossDevice);
  ASSERT_OK(root->Unlink("f"));
  EXPECT_ERR(root->Link("again", f.get()), kNotFound);  // no links left
  other_root.reset();
  other->Shutdown();
}

TEST_F(RamFsTest, UnlinkWhileOpenKeepsDataUntilTheLastReference) {
  CountingBlocks blocks;
  kstd::RefPtr<RamFs> counted = NewRamFs({.blocks = &blocks});
  kstd::RefPtr<Vnode> croot = counted->Root();
  kstd::RefPtr<Vnode> f = File(croot.get(), "f", std::string(10000, 'z'));
  auto open = f->Open(linux_abi::kORdWr);
  ASSERT_OK(open);
  kstd::RefPtr<OpenFile> file = open.release_value();
  f.reset();
  ASSERT_OK(croot->Unlink("f"));
  EXPECT_ERR(croot->Lookup("f"), kNotFound);
  EXPECT_EQ(blocks.live, 3);
  EXPECT_EQ(Links(file->vnode()), 0u);
  uint8_t buf[10000];
  auto r = file->Read(0, kstd::Span<uint8_t>(buf, sizeof(buf)));
  ASSERT_OK(r);
  EXPECT_EQ(r.value(), 10000u);
  EXPECT_EQ(buf[9999], 'z');
  EXPECT_OK(file->Write(10000, kstd::Span<const uint8_t>(buf, 10)));  // still writable
  EXPECT_EQ(ListNames(croot.get()), (Names{".", ".."}));
  file.reset();
  EXPECT_EQ(blocks.live, 0);
  EXPECT_EQ(counted->inodes_used(), 1u);  // just the root
  croot.reset();
  counted->Shutdown();
}

TEST_F(RamFsTest, UnlinkAndRmdirRules) {
  kstd::RefPtr<Vnode> d = Dir(root.get(), "d");
  File(d.get(), "f", "x");
  File(root.get(), "file", "x");
  EXPECT_ERR(root->Unlink("d"), kIsDirectory);
  EXPECT_ERR(root->Unlink("."), kIsDirectory);
  EXPECT_ERR(root->Unlink("nope"), kNotFound);
  EXPECT_ERR(root->Rmdir("file"), kNotDirectory);
  EXPECT_ERR(root->Rmdir("d"), kNotEmpty);
  EXPECT_ERR(root->Rmdir("."), kInvalid);
  EXPECT_ERR(root->Rmdir(".."), kNotEmpty);
  EXPECT_ERR(root->Rmdir("nope"), kNotFound);
  ASSERT_OK(d->Unlink("f"));
  ASSERT_OK(root->Rmdir("d"));
  EXPECT_ERR(root->Lookup("d"), kNotFound);
}

TEST_F(RamFsTest, RemovedDirectoryIsDead) {
  kstd::RefPtr<Vnode> d = Dir(root.get(), "d");
  ASSERT_OK(root->Rmdir("d"));
  EXPECT_ERR(d->Create("x", FileRequest()), kNotFound);
  EXPECT_ERR(d->Lookup(".."), kNotFound);
  EXPECT_ERR(d->Lookup("."), kNotFound);
  EXPECT_EQ(ListNames(d.get()), Names{});
  EXPECT_EQ(Links(d.get()), 0u);
}

TEST_F(RamFsTest, RenameFileWithinAndAcrossDirectories) {
  kstd::RefPtr<Vnode> f = File(root.get(), "a", "content");
  kstd::RefPtr<Vnode> d = Dir(root.get(), "d");
  ASSERT_OK(root->Rename("a", root.get(), "b"));
  EXPECT_ERR(root->Lookup("a"), kNotFound);
  EXPECT_EQ(MustLookup(root.get(), "b").get(), f.get());
  ASSERT_OK(root->Rename("b", d.get(), "c"));
  EXPECT_EQ(MustLookup(d.get(), "c").get(), f.get());
  EXPECT_EQ(Links(f.get()), 1u);
  EXPECT_EQ(Links(root.get()), 3u);
  EXPECT_ERR(root->Rename("b", d.get(), "x"), kNotFound);
}

TEST_F(RamFsTest, RenameFileOverFileReplacesIt) {
  kstd::RefPtr<Vnode> a = File(root.get(), "a", "new");
  kstd::RefPtr<Vnode> b = File(root.get(), "b", "old");
  ASSERT_OK(root->Rename("a", root.get(), "b"));
  EXPECT_EQ(MustLookup(root.get(), "b").get(), a.get());
  EXPECT_EQ(Links(b.get()), 0u);
  EXPECT_EQ(ReadAll(b.get()), "old");  // the victim lives while referenced
  EXPECT_EQ(Sorted(root.get()), (Names{".", "..", "b"}));
}

TEST_F(RamFsTest, RenameDirectoryOverEmptyDirectoryIsAllowed) {
  kstd::RefPtr<Vnode> src = Dir(root.get(), "src");
  File(src.get(), "inside", "x");
  kstd::RefPtr<Vnode> dst = Dir(root.get(), "dst");
  EXPECT_EQ(Links(root.get()), 4u);
  ASSERT_OK(root->Rename("src", root.get(), "dst"));
  EXPECT_EQ(MustLookup(root.get(), "dst").get(), src.get());
  EXPECT_EQ(Links(root.get()), 3u);
  EXPECT_EQ(Links(dst.get()), 0u);
  EXPECT_ERR(dst->Create("x", FileRequest()), kNotFound);  // the victim is dead
}

TEST_F(RamFsTest, RenameTypeConflicts) {
  kstd::RefPtr<Vnode> d = Dir(root.get(), "d");
  kstd::RefPtr<Vnode> full = Dir(root.get(), "full");
  File(full.get(), "x", "x");
  File(root.get(), "f", "f");
  EXPECT_ERR(root->Rename("d", root.get(), "f"), kNotDirectory);  // dir over non-dir
  EXPECT_ERR(root->Rename("f", root.get(), "d"), kIsDirectory);   // non-dir over dir
  EXPECT_ERR(root->Rename("d", root.get(), "full"), kNotEmpty);
  EXPECT_ERR(root->Rename("d", root.get(), "."), kBusy);
  EXPECT_ERR(root->Rename("..", root.get(), "x"), kBusy);
  EXPECT_ERR(root->Rename("f", full.get(), "x/y"), kInvalid);
  EXPECT_ERR(root->Rename("f", MustLookup(full.get(), "x").get(), "y"), kNotDirectory);
  // Nothing moved.
  EXPECT_EQ(Sorted(root.get()), (Names{".", "..", "d", "f", "full"}));
}

TEST_F(RamFsTest, RenameDirectoryIntoItsOwnSubtreeIsEINVAL) {
  kstd::RefPtr<Vnode> a = Dir(root.get(), "a");
  kstd::RefPtr<Vnode> b = Dir(a.get(), "b");
  kstd::RefPtr<Vnode> c = Dir(b.get(), "c");
  EXPECT_ERR(root->Rename("a", c.get(), "a2"), kInvalid);
  EXPECT_ERR(root->Rename("a", a.get(), "self"), kInvalid);
  EXPECT_ERR(a->Rename("b", c.get(), "x"), kInvalid);
  // Upwards is fine: c moves to the root, and its ".." follows.
  ASSERT_OK(b->Rename("c", root.get(), "c"));
  EXPECT_EQ(MustLookup(c.get(), "..").get(), root.get());
  EXPECT_EQ(Links(b.get()), 2u);
  EXPECT_EQ(Links(root.get()), 4u);
}

TEST_F(RamFsTest, RenameOntoItselfOrAnotherLinkOfItselfDoesNothing) {
  kstd::RefPtr<Vnode> f = File(root.get(), "f", "x");
  ASSERT_OK(root->Link("g", f.get()));
  ASSERT_OK(root->Rename("f", root.get(), "f"));
  ASSERT_OK(root->Rename("f", root.get(), "g"));
  EXPECT_EQ(Sorted(root.get()), (Names{".", "..", "f", "g"}));  // both names stay (POSIX)
  EXPECT_EQ(Links(f.get()), 2u);
}

TEST_F(RamFsTest, RenameAcrossFileSystemsIsEXDEV) {
  File(root.get(), "f", "x");
  kstd::RefPtr<RamFs> other = NewRamFs();
  kstd::RefPtr<Vnode> other_root = other->Root();
  EXPECT_ERR(root->Rename("f", other_root.get(), "f"), kCrossDevice);
  other_root.reset();
  other->Shutdown();
}

TEST_F(RamFsTest, MountPointsCannotBeRemovedOrRenamed) {
  MountTable mounts;
  ASSERT_OK(mounts.MountRoot(fs));
  kstd::RefPtr<Vnode> mnt = Dir(root.get(), "mnt");
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs"});
  ASSERT_OK(mounts.Mount(tmp, mnt, "/mnt"));
  EXPECT_ERR(root->Rmdir("mnt"), kBusy);
  EXPECT_ERR(root->Rename("mnt", root.get(), "other"), kBusy);
  Dir(root.get(), "empty");
  EXPECT_ERR(root->Rename("empty", root.get(), "mnt"), kBusy);
  ASSERT_OK(mounts.Umount(tmp->Root().get()));
  EXPECT_OK(root->Rmdir("mnt"));
}

TEST_F(RamFsTest, ReadDirListsEverythingWithTypesAndInodes) {
  kstd::RefPtr<Vnode> f = File(root.get(), "file", "");
  kstd::RefPtr<Vnode> d = Dir(root.get(), "dir");
  MustCreate(root.get(), "link", SymlinkRequest("file"));
  CreateRequest dev;
  dev.type = VnodeType::kCharDevice;
  dev.rdev = linux_abi::MakeDev(1, 3);
  MustCreate(root.get(), "null", dev);
  testing::CollectingSink sink;
  uint64_t cursor = 0;
  ASSERT_OK(root->ReadDir(&cursor, sink));
  ASSERT_EQ(sink.entries.size(), 6u);
  EXPECT_EQ(sink.entries[0].name, ".");
  EXPECT_EQ(sink.entries[1].name, "..");
  EXPECT_EQ(sink.entries[2].name, "file");
  EXPECT_EQ(sink.entries[2].ino, f->ino());
  EXPECT_EQ(sink.entries[2].type, VnodeType::kRegular);
  EXPECT_EQ(sink.entries[3].type, VnodeType::kDirectory);
  EXPECT_EQ(sink.entries[4].type, VnodeType::kSymlink);
  EXPECT_EQ(sink.entries[5].type, VnodeType::kCharDevice);
  EXPECT_EQ(cursor, sink.entries[5].next_cursor);
  // At the end: a further call consumes nothing.
  size_t before = sink.entries.size();
  ASSERT_OK(root->ReadDir(&cursor, sink));
  EXPECT_EQ(sink.entries.size(), before);
  // ".." of a subdirectory names the parent.
  testing::CollectingSink sub;
  uint64_t c2 = 0;
  ASSERT_OK(d->ReadDir(&c2, sub));
  ASSERT_EQ(sub.entries.size(), 2u);
  EXPECT_EQ(sub.entries[1].ino, root->ino());
}

TEST_F(RamFsTest, ReadDirAfterModifications) {
  for (int i = 0; i < 10; ++i) File(root.get(), "f" + std::to_string(i), "");
  ASSERT_OK(root->Unlink("f3"));
  ASSERT_OK(root->Unlink("f7"));
  File(root.get(), "late", "");
  ASSERT_OK(root->Rename("f0", root.get(), "renamed"));
  EXPECT_EQ(Sorted(root.get()),
            (Names{".", "..", "f1", "f2", "f4", "f5", "f6", "f8", "f9", "late", "renamed"}));
}

TEST_F(RamFsTest, ReadDirCursorSurvivesConcurrentUnlinks) {
  for (int i = 0; i < 20; ++i) File(root.get(), "e" + std::to_string(i), "");
  testing::CollectingSink sink(5);
  uint64_t cursor = 0;
  ASSERT_OK(root->ReadDir(&cursor, sink));  // ".", "..", e0, e1, e2
  ASSERT_EQ(sink.entries.back().name, "e2");
  // Unlink the entry the cursor points after, one already read, and one ahead.
  ASSERT_OK(root->Unlink("e2"));
  ASSERT_OK(root->Unlink("e0"));
  ASSERT_OK(root->Unlink("e10"));
  std::vector<std::string> rest;
  while (true) {
    sink.entries.clear();
    sink.ResetBatch();
    ASSERT_OK(root->ReadDir(&cursor, sink));
    if (sink.entries.empty()) break;
    for (auto& e : sink.entries) rest.push_back(e.name);
  }
  std::vector<std::string> expected;
  for (int i = 3; i < 20; ++i) {
    if (i != 10) expected.push_back("e" + std::to_string(i));
  }
  EXPECT_EQ(rest, expected);  // nothing skipped, nothing repeated
}

TEST_F(RamFsTest, ReadDirResumesAtTheEntryThatDidNotFit) {
  for (int i = 0; i < 7; ++i) File(root.get(), "n" + std::to_string(i), "");
  for (size_t batch = 1; batch <= 10; ++batch) {
    std::vector<std::string> names = ListNames(root.get(), batch);
    ASSERT_EQ(names.size(), 9u) << "batch " << batch;
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 9u);
  }
}

TEST_F(RamFsTest, SymlinksStoreTheirTarget) {
  kstd::RefPtr<Vnode> l = MustCreate(root.get(), "l", SymlinkRequest("../some/where"));
  EXPECT_EQ(ReadLinkString(l.get()), "../some/where");
  Attributes a = l->GetAttr();
  EXPECT_EQ(a.size, 13u);
  EXPECT_EQ(a.mode, linux_abi::kModeSymlink | 0777);
  char small[4];
  auto r = l->ReadLink(kstd::Span<char>(small, 4));
  ASSERT_OK(r);
  EXPECT_EQ(r.value(), 4u);  // truncated like readlink(2)
  EXPECT_EQ(std::string(small, 4), "../s");
  EXPECT_ERR(root->Create("empty", SymlinkRequest("")), kNotFound);
  EXPECT_ERR(root->Create("long", SymlinkRequest(std::string(4096, 'x'))), kNameTooLong);
  EXPECT_OK(root->Create("longest", SymlinkRequest(std::string(4095, 'x'))));
  EXPECT_ERR(l->Open(linux_abi::kORdOnly), kLoop);
}

TEST_F(RamFsTest, DeviceNodesKeepTheirNumbers) {
  CreateRequest dev;
  dev.type = VnodeType::kBlockDevice;
  dev.rdev = linux_abi::MakeDev(8, 1);
  dev.mode = 0660;
  kstd::RefPtr<Vnode> sda1 = MustCreate(root.get(), "sda1", dev);
  Attributes a = sda1->GetAttr();
  EXPECT_EQ(a.mode, linux_abi::kModeBlockDevice | 0660);
  EXPECT_EQ(linux_abi::DevMajor(a.rdev), 8u);
  EXPECT_EQ(linux_abi::DevMinor(a.rdev), 1u);
  EXPECT_ERR(sda1->Open(linux_abi::kORdOnly), kNoDeviceOrAddress);
  CreateRequest fifo;
  fifo.type = VnodeType::kFifo;
  kstd::RefPtr<Vnode> p = MustCreate(root.get(), "p", fifo);
  EXPECT_ERR(p->Open(linux_abi::kORdOnly), kNotSupported);  // no pipe owner installed
}

TEST_F(RamFsTest, StatFillsEveryField) {
  testing::UseFakeClock(1234 * testing::kSecond + 567);
  CreateRequest r = FileRequest(0640);
  r.uid = 1000;
  r.gid = 100;
  kstd::RefPtr<Vnode> f = MustCreate(root.get(), "f", r);
  ASSERT_OK(WriteString(f.get(), 0, std::string(5000, 'q')));
  linux_abi::Stat st;
  f->Stat(&st);
  EXPECT_EQ(st.st_dev, fs->device());
  EXPECT_EQ(st.st_ino, f->ino());
  EXPECT_EQ(st.st_nlink, 1u);
  EXPECT_EQ(st.st_mode, linux_abi::kModeRegular | 0640);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 100u);
  EXPECT_EQ(st.st_rdev, 0u);
  EXPECT_EQ(st.st_size, 5000);
  EXPECT_EQ(st.st_blksize, 4096);
  EXPECT_EQ(st.st_blocks, 16);
  EXPECT_EQ(st.st_mtim.tv_sec, 1234);
  EXPECT_EQ(st.st_mtim.tv_nsec, 567);
  EXPECT_EQ(st.st_ctim.tv_sec, 1234);
  EXPECT_NE(root->ino(), f->ino());
  linux_abi::Stat dir;
  root->Stat(&dir);
  EXPECT_EQ(dir.st_mode, linux_abi::kModeDirectory | 0755);
  EXPECT_EQ(dir.st_nlink, 2u);
}

TEST_F(RamFsTest, TimestampsFollowWritesChangesAndRelatime) {
  kstd::RefPtr<Vnode> f = MustCreate(root.get(), "f", FileRequest());
  Attributes created = f->GetAttr();
  EXPECT_EQ(created.mtime, 1000 * testing::kSecond);
  EXPECT_EQ(root->GetAttr().mtime, 1000 * testing::kSecond);  // the directory changed

  testing::AdvanceClock(10 * testing::kSecond);
  ASSERT_OK(WriteString(f.get(), 0, "x"));
  Attributes written = f->GetAttr();
  EXPECT_EQ(written.mtime, 1010 * testing::kSecond);
  EXPECT_EQ(written.ctime, 1010 * testing::kSecond);
  EXPECT_EQ(written.atime, 1000 * testing::kSecond);

  testing::AdvanceClock(10 * testing::kSecond);
  ReadAll(f.get());  // atime <= mtime: relatime updates it
  EXPECT_EQ(f->GetAttr().atime, 1020 * testing::kSecond);
  testing::AdvanceClock(10 * testing::kSecond);
  ReadAll(f.get());  // atime > mtime and fresh: no update
  EXPECT_EQ(f->GetAttr().atime, 1020 * testing::kSecond);
  testing::AdvanceClock(25 * 3600 * testing::kSecond);
  ReadAll(f.get());  // a day old: updated
  EXPECT_GT(f->GetAttr().atime, 1020 * testing::kSecond);

  testing::AdvanceClock(testing::kSecond);
  Timestamp before_chmod = f->GetAttr().mtime;
  SetAttrRequest chmod;
  chmod.mask = SetAttrRequest::kMode;
  chmod.mode = 0600;
  ASSERT_OK(f->SetAttr(chmod));
  EXPECT_EQ(f->GetAttr().mtime, before_chmod);
  EXPECT_EQ(f->GetAttr().ctime, testing::g_fake_now);
}

TEST_F(RamFsTest, SetAttrChmodChownUtimens) {
  kstd::RefPtr<Vnode> f = MustCreate(root.get(), "f", FileRequest(06775));
  EXPECT_EQ(f->GetAttr().mode, linux_abi::kModeRegular | 06775);
  SetAttrRequest chown;
  chown.mask = SetAttrRequest::kUid | SetAttrRequest::kGid;
  chown.uid = 5;
  chown.gid = 6;
  ASSERT_OK(f->SetAttr(chown));
  Attributes a = f->GetAttr();
  EXPECT_EQ(a.uid, 5u);
  EXPECT_EQ(a.gid, 6u);
  EXPECT_EQ(a.mode, linux_abi::kModeRegular | 0775);  // setuid and (group-exec) setgid dropped
  SetAttrRequest chmod;
  chmod.mask = SetAttrRequest::kMode;
  chmod.mode = linux_abi::kModeDirectory | 01644;  // type bits in the request are ignored
  ASSERT_OK(f->SetAttr(chmod));
  EXPECT_EQ(f->GetAttr().mode, linux_abi::kModeRegular | 01644);
  SetAttrRequest times;
  times.mask = SetAttrRequest::kAtime | SetAttrRequest::kMtimeNow;
  times.atime = 42;
  ASSERT_OK(f->SetAttr(times));
  EXPECT_EQ(f->GetAttr().atime, 42);
  EXPECT_EQ(f->GetAttr().mtime, testing::g_fake_now);
  SetAttrRequest bad;
  bad.mask = 1u << 20;
  EXPECT_ERR(f->SetAttr(bad), kInvalid);
}

TEST_F(RamFsTest, SizeCapGivesENOSPCAndFreesOnUnlink) {
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs", .max_bytes = 3 * 4096});
  kstd::RefPtr<Vnode> troot = tmp->Root();
  kstd::RefPtr<Vnode> f = MustCreate(troot.get(), "f", FileRequest());
  auto r = WriteString(f.get(), 0, std::string(5 * 4096, 'x'));
  ASSERT_OK(r);
  EXPECT_EQ(r.value(), 3u * 4096);  // short write: what fit
  EXPECT_ERR(WriteString(f.get(), 3 * 4096, "more"), kNoSpace);
  kstd::RefPtr<Vnode> g = MustCreate(troot.get(), "g", FileRequest());
  EXPECT_ERR(WriteString(g.get(), 0, "y"), kNoSpace);
  EXPECT_OK(WriteString(f.get(), 100, "overwrite in place needs no block"));
  FsStats stats = tmp->StatFs();
  EXPECT_EQ(stats.magic, linux_abi::kTmpfsMagic);
  EXPECT_EQ(stats.total_blocks, 3u);
  EXPECT_EQ(stats.free_blocks, 0u);
  f.reset();
  ASSERT_OK(troot->Unlink("f"));
  EXPECT_OK(WriteString(g.get(), 0, "y"));
  EXPECT_EQ(tmp->StatFs().free_blocks, 2u);
  g.reset();
  troot.reset();
  tmp->Shutdown();
}

TEST_F(RamFsTest, InodeCapGivesENOSPC) {
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs", .max_inodes = 3});
  kstd::RefPtr<Vnode> troot = tmp->Root();
  MustCreate(troot.get(), "a", FileRequest());
  MustCreate(troot.get(), "b", DirRequest());
  EXPECT_ERR(troot->Create("c", FileRequest()), kNoSpace);
  ASSERT_OK(troot->Unlink("a"));
  EXPECT_OK(troot->Create("c", FileRequest()));
  EXPECT_EQ(tmp->inodes_used(), 3u);
  troot.reset();
  tmp->Shutdown();
}

std::string Options(const FileSystem& fs) {
  char buf[128];
  fs.FormatOptions(kstd::Span<char>(buf, sizeof buf));
  return buf;
}

TEST_F(RamFsTest, OptionsAreShownAsLinuxShowsThem) {
  EXPECT_EQ(Options(*fs), "");  // ramfs, mode 755
  kstd::RefPtr<RamFs> r = NewRamFs({.name = "ramfs", .root_mode = 0700});
  EXPECT_EQ(Options(*r), ",mode=700");
  kstd::RefPtr<RamFs> t = NewRamFs({.name = "tmpfs",
                                    .max_bytes = 64 * 1024,
                                    .max_inodes = 100,
                                    .root_mode = 0700,
                                    .root_uid = 1000,
                                    .root_gid = 100});
  EXPECT_EQ(Options(*t), ",size=64k,nr_inodes=100,mode=700,uid=1000,gid=100");
  // The defaults are not shown; a non-default unlimited size is "size=0k".
  kstd::RefPtr<RamFs> d = NewRamFs({.name = "tmpfs",
                                    .max_bytes = 1 << 20,
                                    .max_inodes = 128,
                                    .root_mode = 01777,
                                    .default_max_bytes = 1 << 20,
                                    .default_max_inodes = 128});
  EXPECT_EQ(Options(*d), "");
  kstd::RefPtr<RamFs> u = NewRamFs({.name = "tmpfs", .default_max_bytes = 1 << 20});
  EXPECT_EQ(Options(*u), ",size=0k,mode=755");
  kstd::RefPtr<RamFs> dev = NewRamFs({.name = "devtmpfs", .root_mode = 0755});
  EXPECT_EQ(Options(*dev), ",mode=755");
  char tiny[8];
  t->FormatOptions(kstd::Span<char>(tiny, sizeof tiny));
  EXPECT_STREQ(tiny, ",size=6");  // cut short, still terminated
  for (auto* f : {r.get(), t.get(), d.get(), u.get(), dev.get()}) f->Shutdown();
}

TEST_F(RamFsTest, ReconfigureChangesLimitsAsShmemDoes) {
  kstd::RefPtr<RamFs> tmp = NewRamFs({.name = "tmpfs", .max_bytes = 4 * 4096, .max_inodes = 4});
  kstd::RefPtr<Vnode> troot = tmp->Root();
  kstd::RefPtr<Vnode> f = MustCreate(troot.get(), "f", FileRequest());
  MustCreate(troot.get(), "g", FileRequest());
  ASSERT_OK(WriteString(f.get(), 0, std::string(3 * 4096, 'x')));
  TmpfsOptions o;
  o.size_set = true;
  o.max_bytes = 2 * 4096;  // below what is in use
  EXPECT_ERR(tmp->Reconfigure(o), kInvalid);
  o.max_bytes = 8 * 4096;
  o.inodes_set = true;
  o.max_inodes = 2;  // 3 in use (root, f, g)
  EXPECT_ERR(tmp->Reconfigure(o), kInvalid);
  EXPECT_EQ(tmp->StatFs().total_blocks, 4u);  // nothing changed
  o.max_inodes = 10;
  o.mode_set = true;
  o.mode = 0700;  // ignored, as by Linux
  ASSERT_OK(tmp->Reconfigure(o));
  EXPECT_EQ(tmp->StatFs().total_blocks, 8u);
  EXPECT_EQ(tmp->StatFs().total_files, 10u);
  EXPECT_EQ(troot->GetAttr().mode & 07777, 0755u);
  ASSERT_OK(WriteString(f.get(), 3 * 4096, std::string(5 * 4096, 'y')));
  o = TmpfsOptions{};
  o.size_set = true;
  o.max_bytes = 0;  // lifting the limit is allowed
  ASSERT_OK(tmp->Reconfigure(o));
  EXPECT_EQ(tmp->StatFs().total_blocks, 0u);
  o.max_bytes = 100 * 4096;  // but a file system without one cannot get one back
  EXPECT_ERR(tmp->Reconfigure(o), kInvalid);
  f.reset();
  troot.reset();
  tmp->Shutdown();
}

TEST_F(RamFsTest, RemountParsesTheOptionsOfItsType) {
  kstd::RefPtr<RamFs> tmp =
      NewRamFs({.name = "tmpfs", .max_bytes = 4 * 4096, .ram_bytes = 100 * 4096});
  uint32_t flags = kMountNoExec;
  ASSERT_OK(tmp->Remount("rw,size=64k,mode=700,ro", &flags));
  EXPECT_EQ(flags, kMountNoExec | kMountReadOnly);
  EXPECT_EQ(tmp->StatFs().total_blocks, 16u);
  ASSERT_OK(tmp->Remount("size=50%", &flags));
  EXPECT_EQ(tmp->StatFs().total_blocks, 50u);
  EXPECT_ERR(tmp->Remount("bogus", &flags), kInvalid);
  EXPECT_ERR(tmp->Remount("size=1k,bogus", &flags), kInvalid);
  EXPECT_EQ(tmp->StatFs().total_blocks, 50u);  // parsed first: nothing applied
  flags = 0;
  ASSERT_OK(fs->Remount("mode=700,size=1m,anything,ro", &flags));  // ramfs ignores the rest
  EXPECT_EQ(flags, kMountReadOnly);
  EXPECT_ERR(fs->Remount("mode=9", &flags), kInvalid);
  tmp->Shutdown();
}

TEST_F(RamFsTest, OutOfMemoryIsReportedAndLeaksNothing) {
  CountingBlocks blocks;
  blocks.fail_after = 2;
  kstd::RefPtr<RamFs> tmp = NewRamFs({.blocks = &blocks});
  kstd::RefPtr<Vnode> troot = tmp->Root();
  kstd::RefPtr<Vnode> f = MustCreate(troot.get(), "f", FileRequest());
  auto r = WriteString(f.get(), 0, std::string(4 * 4096, 'm'));
  ASSERT_OK(r);
  EXPECT_EQ(r.value(), 2u * 4096);
  EXPECT_ERR(WriteString(f.get(), 2 * 4096, "x"), kNoMemory);
  f.reset();
  troot.reset();
  tmp->Shutdown();
  EXPECT_EQ(blocks.live, 0);
}

TEST_F(RamFsTest, OpenPinsTheFileSystemAndDirectoriesRefuseWriteOpens) {
  kstd::RefPtr<Vnode> f = File(root.get(), "f", "abc");
  EXPECT_EQ(fs->pins(), 0u);
  auto open = f->Open(linux_abi::kORdOnly);
  ASSERT_OK(open);
  EXPECT_EQ(fs->pins(), 1u);
  EXPECT_TRUE(open.value()->seekable());
  uint8_t buf[3];
  auto r = open.value()->Read(0, kstd::Span<uint8_t>(buf, 3));
  ASSERT_OK(r);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), 3), "abc");
  EXPECT_EQ(open.value()->Poll() & (linux_abi::kPollIn | linux_abi::kPollOut),
            linux_abi::kPollIn | linux_abi::kPollOut);
  EXPECT_ERR(open.value()->Ioctl(0x5401, 0), kNotTty);
  open = kstd::Error::kInvalid;  // drops the OpenFile
  EXPECT_EQ(fs->pins(), 0u);
  EXPECT_ERR(root->Open(linux_abi::kOWrOnly), kIsDirectory);
  EXPECT_ERR(root->Open(linux_abi::kORdWr), kIsDirectory);
  auto dir = root->Open(linux_abi::kORdOnly | linux_abi::kODirectory);
  ASSERT_OK(dir);
  EXPECT_ERR(dir.value()->Read(0, kstd::Span<uint8_t>(buf, 3)), kIsDirectory);
}

TEST_F(RamFsTest, ShutdownTearsDownADeepTreeWithoutRecursion) {
  CountingBlocks blocks;
  kstd::RefPtr<RamFs> tmp = NewRamFs({.blocks = &blocks});
  kstd::RefPtr<Vnode> dir = tmp->Root();
  for (int i = 0; i < 20000; ++i) {
    kstd::RefPtr<Vnode> f = MustCreate(dir.get(), "f", FileRequest());
    ASSERT_OK(WriteString(f.get(), 0, "x"));
    dir = MustCreate(dir.get(), "d", DirRequest());
  }
  kstd::RefPtr<Vnode> deep = dir;  // held across the shutdown
  dir.reset();
  EXPECT_EQ(tmp->inodes_used(), 40001u);
  tmp->Shutdown();
  EXPECT_ERR(deep->Lookup(".."), kNotFound);
  EXPECT_EQ(blocks.live, 0);
  EXPECT_EQ(tmp->inodes_used(), 1u);  // only `deep` is left
  EXPECT_FALSE(tmp->Root());
  deep.reset();
  EXPECT_EQ(tmp->inodes_used(), 0u);
}

TEST_F(RamFsTest, StatFsOfRamfs) {
  FsStats stats = fs->StatFs();
  EXPECT_EQ(stats.magic, linux_abi::kRamfsMagic);
  EXPECT_EQ(stats.max_name_length, 255u);
  linux_abi::Statfs out;
  FillLinuxStatfs(stats, fs->device(), 0, &out);
  EXPECT_EQ(out.f_type, linux_abi::kRamfsMagic);
  EXPECT_EQ(out.f_flags, 0x1020);  // ST_VALID | ST_RELATIME, as Linux for "rw,relatime"
  FillLinuxStatfs(stats, fs->device(), kMountReadOnly | kMountNoExec | kMountNoAtime, &out);
  EXPECT_EQ(out.f_flags, 0x0429);  // ST_RDONLY | ST_NOEXEC | ST_VALID | ST_NOATIME
  EXPECT_EQ(out.f_bsize, 4096);
  EXPECT_EQ(out.f_namelen, 255);
  EXPECT_EQ(linux_abi::DevMajor(fs->device()), 0u);  // anonymous device
}

TEST_F(RamFsTest, ConcurrentCreatesUnlinksAndListingsStayConsistent) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 300;
  std::atomic<bool> stop{false};
  // A listing never shows one entry twice and moves forward. (A name may
  // show twice: unlinked and created again during the listing, it is a new
  // entry with a later cursor, as on Linux's tmpfs, where POSIX leaves it
  // unspecified whether readdir returns files added meanwhile.)
  std::thread lister([&] {
    while (!stop.load()) {
      std::vector<ListedEntry> entries = ListEntries(root.get(), 4);
      std::set<uint64_t> inodes;
      uint64_t last_cursor = 0;
      for (const ListedEntry& e : entries) {
        ASSERT_GT(e.next_cursor, last_cursor) << e.name;
        last_cursor = e.next_cursor;
        if (e.name == "." || e.name == "..") continue;
        ASSERT_TRUE(inodes.insert(e.ino).second) << e.name << " listed twice";
      }
    }
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        std::string name = "t" + std::to_string(t) + "_" + std::to_string(i % 10);
        auto made = root->Create(Name(name.data(), name.size()), FileRequest());
        if (made.ok()) {
          EXPECT_OK(WriteString(made.value().get(), 0, name));
        }
        if (i % 3 == 0) (void)root->Unlink(Name(name.data(), name.size()));
      }
    });
  }
  for (auto& w : workers) w.join();
  stop = true;
  lister.join();
  for (const std::string& name : ListNames(root.get())) {
    if (name == "." || name == "..") continue;
    EXPECT_EQ(ReadAll(MustLookup(root.get(), name).get()), name);
  }
}

}  // namespace
}  // namespace core::vfs
