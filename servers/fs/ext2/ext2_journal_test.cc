// The JBD2 journal on real `mke2fs -t ext3` images, with e2fsprogs as the
// oracle:
// - replay of journals written by debugfs (journal_open/write/close: a log
//   "left by Linux"), revoke records, torn transactions, CSUM_V3
//   checksums, malformed journals refused;
// - our commits: ordered writes through the journal, needs_recovery while
//   mounted, our log replayed by e2fsck itself;
// - the crash test: every prefix of the writes of a workload, mounted
//   (replayed), must give an e2fsck-clean image with every synced file
//   intact.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "servers/fs/ext2/crc32c.h"
#include "servers/fs/ext2/ext2.h"
#include "servers/fs/ext2/journal_format.h"
#include "servers/fs/ext2/testing/recording_block_device.h"
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
using testing::ReadFileRange;
using testing::ReadHostFile;
using testing::ReadLinkString;
using testing::ReadWhole;
using testing::RecordingBlockDevice;
using testing::Resolve;
using testing::RunCommand;
using testing::ScratchCopy;
using testing::ScratchPath;
using testing::ShellQuote;
using testing::WriteAll;
using testing::WriteHostFile;

#define ASSERT_OK(expr)                                                                      \
  do {                                                                                       \
    auto _r = (expr);                                                                        \
    ASSERT_TRUE(_r.ok()) << #expr << ": " << kstd::ErrorName(_r.error()) << "\n" << LogOf(); \
  } while (0)

// ---- Helpers on images (through e2fsprogs).

/// The file-system block of file block `index` of `path` (debugfs bmap).
uint64_t Bmap(const std::string& image, const std::string& path, uint64_t index) {
  CommandResult r = Debugfs(image, "bmap " + path + " " + std::to_string(index));
  return strtoull(r.output.c_str(), nullptr, 10);
}

/// Runs debugfs -w with a command file.
CommandResult DebugfsScript(const std::string& image, const std::string& script) {
  std::string file = ScratchPath("debugfs_script");
  WriteHostFile(file, script);
  return RunCommand(ShellQuote(FindTool("debugfs")) + " -w -f " + ShellQuote(file) + " " +
                    ShellQuote(image));
}

std::string Dumpe2fs(const std::string& image) {
  return RunCommand(ShellQuote(FindTool("dumpe2fs")) + " -h " + ShellQuote(image) + " 2>/dev/null")
      .output;
}

bool NeedsRecovery(const std::string& image) {
  uint32_t incompat = 0;
  std::string bytes = ReadFileRange(image, 1024 + 0x60, 4);
  memcpy(&incompat, bytes.data(), 4);
  return (incompat & kIncompatRecover) != 0;
}

/// The journal blocks (journal-relative) of every block of `type` that
/// debugfs logdump lists, in log order.
std::vector<uint64_t> LogBlocksOfType(const std::string& image, int type) {
  std::vector<uint64_t> out;
  CommandResult r = Debugfs(image, "logdump");
  std::string needle = "type " + std::to_string(type) + " ";
  size_t at = 0;
  while ((at = r.output.find(needle, at)) != std::string::npos) {
    size_t block = r.output.find(" at block ", at);
    if (block == std::string::npos) break;
    out.push_back(strtoull(r.output.c_str() + block + 10, nullptr, 10));
    at = block;
  }
  return out;
}

/// A journal block's offset in the image.
uint64_t JournalBlockOffset(const std::string& image, uint64_t journal_block, uint32_t bs) {
  return Bmap(image, "<8>", journal_block) * bs;
}

void Patch(const std::string& image, uint64_t offset, const std::string& bytes) {
  testing::PatchFile(image, offset, bytes.data(), bytes.size());
}

std::string Be32(uint32_t v) {
  std::string s(4, '\0');
  jbd2::Store32(reinterpret_cast<uint8_t*>(s.data()), v);
  return s;
}

/// Rewrites the journal superblock's checksum (CSUM_V2/V3 journals).
void FixJournalSuperblockChecksum(const std::string& image, uint32_t bs) {
  uint64_t off = JournalBlockOffset(image, 0, bs);
  std::string sb = ReadFileRange(image, off, jbd2::kSbSize);
  jbd2::Store32(reinterpret_cast<uint8_t*>(sb.data()) + jbd2::kSbChecksum, 0);
  uint32_t c = Crc32cUpdate(~0u, sb.data(), sb.size());
  Patch(image, off + jbd2::kSbChecksum, Be32(c));
}

class JournalTest : public ::testing::Test {
 protected:
  std::string LogOf() const { return m_ ? m_->log.All() : std::string(); }

  void Use(const std::string& fixture) {
    image_ = ScratchCopy(fixture);
    bs_ = fixture.find("4k") != std::string::npos ? 4096 : 1024;
  }
  kstd::Result<MountReport> Mount(bool read_only = false) {
    m_ = std::make_unique<MountedImage>();
    return m_->Mount(image_, read_only);
  }
  void Unmount() {
    ASSERT_TRUE(m_->fs.Unmount().ok()) << LogOf();
    m_.reset();
  }
  void ExpectClean() {
    CommandResult r = E2fsck(image_);
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }
  /// Creates /f with `data` through our code (mount, write, unmount).
  void CreateFile(const std::string& name, const std::string& data) {
    ASSERT_TRUE(Mount().ok()) << LogOf();
    auto created = m_->fs.Create(Ext2::kRootIno, Name(name.c_str()),
                                 CreateRequest{FileType::kRegular, 0644, 0, 0, 0});
    ASSERT_TRUE(created.ok()) << LogOf();
    ASSERT_OK(WriteAll(m_->fs, created.value().ino, 0, data));
    Unmount();
  }
  /// Creates /f of `blocks` pattern blocks through our code; returns its
  /// bytes and puts its block numbers in blocks_.
  std::string PrepareFile(uint32_t blocks, uint32_t seed) {
    std::string data = PatternBytes(blocks * bs_, seed);
    CreateFile("f", data);
    blocks_.clear();
    for (uint32_t i = 0; i < blocks; ++i) blocks_.push_back(Bmap(image_, "/f", i));
    return data;
  }
  /// A debugfs `jw` line writing `data` (whole blocks) to `blocks`.
  std::string Jw(const std::vector<uint64_t>& blocks, const std::string& data) {
    std::string src = ScratchPath("blocks");
    WriteHostFile(src, data);
    std::string list;
    for (uint64_t b : blocks) list += (list.empty() ? "" : ",") + std::to_string(b);
    return "jw -b " + list + " " + src + "\n";
  }
  std::string Cat(const std::string& path) {
    std::string out;
    EXPECT_TRUE(DebugfsCat(image_, path, &out)) << path;
    return out;
  }

  std::string image_;
  uint32_t bs_ = 1024;
  std::unique_ptr<MountedImage> m_;
  std::vector<uint64_t> blocks_;  // PrepareFile's blocks
};

// ---- Replay of journals written by e2fsprogs.

class ReplayTest : public JournalTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(ReplayTest, ReplaysCommittedTransactionsFromDebugfs) {
  Use(GetParam());
  std::string old_data = PrepareFile(3, 1);
  ExpectClean();
  ASSERT_NE(blocks_[0], 0u);
  std::string fresh = PatternBytes(2 * bs_, 2);
  CommandResult w = DebugfsScript(image_, "jo\n" + Jw({blocks_[0], blocks_[1]}, fresh) + "jc\n");
  ASSERT_TRUE(NeedsRecovery(image_)) << w.output;
  ASSERT_EQ(LogBlocksOfType(image_, 2).size(), 1u) << "one commit block in the log";

  auto report = Mount();
  ASSERT_TRUE(report.ok()) << LogOf();
  EXPECT_EQ(report.value().replayed_transactions, 1u);
  EXPECT_FALSE(report.value().replay_dropped_torn);
  EXPECT_TRUE(report.value().journaled);
  EXPECT_TRUE(m_->log.Contains("journal replayed")) << LogOf();
  auto attr = Resolve(m_->fs, "/f");
  ASSERT_TRUE(attr.ok());
  auto read = ReadWhole(m_->fs, attr.value().ino);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read.value(), fresh + old_data.substr(2 * bs_));
  Unmount();
  EXPECT_FALSE(NeedsRecovery(image_));
  ExpectClean();
  EXPECT_EQ(Cat("/f"), fresh + old_data.substr(2 * bs_));
  EXPECT_NE(Dumpe2fs(image_).find("Journal start:            0"), std::string::npos)
      << Dumpe2fs(image_);
}

TEST_P(ReplayTest, RevokeInALaterTransactionHidesTheBlock) {
  Use(GetParam());
  std::string old_data = PrepareFile(2, 3);
  std::string fresh = PatternBytes(bs_, 4);
  DebugfsScript(image_, "jo\n" + Jw({blocks_[0]}, fresh) + Jw({blocks_[1]}, fresh) + "jw -r " +
                            std::to_string(blocks_[0]) + "\njc\n");
  ASSERT_EQ(LogBlocksOfType(image_, 5).size(), 1u) << "a revoke block in the log";
  auto report = Mount();
  ASSERT_TRUE(report.ok()) << LogOf();
  EXPECT_EQ(report.value().replayed_transactions, 3u);
  EXPECT_TRUE(m_->log.Contains("1 revoked")) << LogOf();
  Unmount();
  ExpectClean();
  EXPECT_EQ(Cat("/f"), old_data.substr(0, bs_) + fresh);
}

TEST_P(ReplayTest, TornTransactionIsNotReplayed) {
  Use(GetParam());
  std::string old_data = PrepareFile(2, 5);
  std::string fresh = PatternBytes(bs_, 6);
  DebugfsScript(image_, "jo\n" + Jw({blocks_[0]}, fresh) + Jw({blocks_[1]}, fresh) + "jc\n");
  std::vector<uint64_t> commits = LogBlocksOfType(image_, 2);
  ASSERT_EQ(commits.size(), 2u);
  // The second transaction's commit block is lost (torn write): zeroed.
  Patch(image_, JournalBlockOffset(image_, commits[1], bs_), std::string(bs_, '\0'));
  auto report = Mount();
  ASSERT_TRUE(report.ok()) << LogOf();
  EXPECT_EQ(report.value().replayed_transactions, 1u);
  EXPECT_TRUE(report.value().replay_dropped_torn);
  Unmount();
  ExpectClean();
  EXPECT_EQ(Cat("/f"), fresh + old_data.substr(bs_));
}

TEST_P(ReplayTest, CorruptCommitBlockEndsTheLog) {
  Use(GetParam());
  std::string old_data = PrepareFile(1, 7);
  DebugfsScript(image_, "jo\n" + Jw({blocks_[0]}, PatternBytes(bs_, 8)) + "jc\n");
  std::vector<uint64_t> commits = LogBlocksOfType(image_, 2);
  ASSERT_EQ(commits.size(), 1u);
  // A commit block of the wrong sequence: not this transaction's commit.
  Patch(image_, JournalBlockOffset(image_, commits[0], bs_) + 8, Be32(0x7777));
  auto report = Mount();
  ASSERT_TRUE(report.ok()) << LogOf();
  EXPECT_EQ(report.value().replayed_transactions, 0u);
  Unmount();
  ExpectClean();
  EXPECT_EQ(Cat("/f"), old_data);
}

// A log that wraps from the journal's end to its start (as Linux's does):
// debugfs's transaction moved to the last two blocks and the first two.
TEST_P(ReplayTest, WrappedLogReplays) {
  Use(GetParam());
  std::string old_data = PrepareFile(3, 17);
  std::string fresh = PatternBytes(2 * bs_, 18);
  DebugfsScript(image_, "jo\n" + Jw({blocks_[0], blocks_[2]}, fresh) + "jc\n");
  std::vector<uint64_t> descriptors = LogBlocksOfType(image_, 1);
  std::vector<uint64_t> commits = LogBlocksOfType(image_, 2);
  ASSERT_EQ(descriptors.size(), 1u);
  ASSERT_EQ(commits.size(), 1u);
  ASSERT_EQ(commits[0], descriptors[0] + 3);
  uint64_t sb = JournalBlockOffset(image_, 0, bs_);
  uint32_t maxlen = jbd2::Load32(
      reinterpret_cast<const uint8_t*>(ReadFileRange(image_, sb + jbd2::kSbMaxLen, 4).data()));
  uint32_t first = jbd2::Load32(
      reinterpret_cast<const uint8_t*>(ReadFileRange(image_, sb + jbd2::kSbFirst, 4).data()));
  std::vector<std::string> log;
  for (uint64_t j = descriptors[0]; j <= commits[0]; ++j) {
    log.push_back(ReadFileRange(image_, JournalBlockOffset(image_, j, bs_), bs_));
    Patch(image_, JournalBlockOffset(image_, j, bs_), std::string(bs_, '\0'));
  }
  // Descriptor and first copy at the end, the second copy and the commit
  // block at the start.
  const uint64_t where[] = {maxlen - 2, maxlen - 1, first, first + 1};
  for (size_t i = 0; i < 4; ++i) Patch(image_, JournalBlockOffset(image_, where[i], bs_), log[i]);
  Patch(image_, sb + jbd2::kSbStart, Be32(maxlen - 2));
  FixJournalSuperblockChecksum(image_, bs_);  // ext4: our mounts turned CSUM_V3 on
  std::string wrapped = ReadHostFile(image_);

  auto report = Mount();
  ASSERT_TRUE(report.ok()) << LogOf();
  EXPECT_EQ(report.value().replayed_transactions, 1u);
  Unmount();
  ExpectClean();
  std::string expected = fresh.substr(0, bs_) + old_data.substr(bs_, bs_) + fresh.substr(bs_);
  EXPECT_EQ(Cat("/f"), expected);
  // e2fsprogs reads the same wrapped log the same way.
  WriteHostFile(image_, wrapped);
  CommandResult fix = RunCommand(ShellQuote(FindTool("e2fsck")) + " -fy " + ShellQuote(image_));
  EXPECT_LE(fix.exit_code, 1) << fix.output;
  EXPECT_EQ(Cat("/f"), expected);
}

INSTANTIATE_TEST_SUITE_P(Images, ReplayTest,
                         ::testing::Values("ext3_1k.img", "ext3_4k.img", "ext4_1k.img",
                                           "ext4_4k.img"));

// A CSUM_V3 journal (debugfs `jo -c` on a metadata_csum image): checksums
// verified; a copy whose tag checksum does not match is not written home.
TEST_F(JournalTest, ChecksumV3JournalReplays) {
  Use("ext3_csum_1k.img");
  std::string old_data = PatternBytes(2 * bs_, 9);
  std::string host = ScratchPath("host");
  WriteHostFile(host, old_data);
  Debugfs(image_, "write " + host + " f", /*write=*/true);
  ASSERT_EQ(Cat("/f"), old_data);
  uint64_t b0 = Bmap(image_, "/f", 0);
  uint64_t b1 = Bmap(image_, "/f", 1);
  std::string fresh = PatternBytes(bs_, 10);
  std::string src = ScratchPath("block");
  WriteHostFile(src, fresh);
  DebugfsScript(image_, "jo -c\njw -b " + std::to_string(b0) + " " + src + "\njw -b " +
                            std::to_string(b1) + " " + src + "\njc\n");
  ASSERT_NE(Dumpe2fs(image_).find("journal_checksum_v3"), std::string::npos) << Dumpe2fs(image_);
  // Damage the second transaction's copy (the block after its descriptor).
  std::vector<uint64_t> descriptors = LogBlocksOfType(image_, 1);
  ASSERT_EQ(descriptors.size(), 2u);
  Patch(image_, JournalBlockOffset(image_, descriptors[1] + 1, bs_) + 100, "XYZ");
  // A read-only mount; the replay still happens (as Linux does when the
  // device is writable).
  m_ = std::make_unique<MountedImage>();
  ASSERT_TRUE(m_->device.Open(image_.c_str(), /*read_only=*/false).ok());
  MountOptions options;
  options.read_only = true;
  options.log = &m_->log;
  auto report = m_->fs.Mount(&m_->device, options);
  ASSERT_TRUE(report.ok()) << LogOf();
  EXPECT_TRUE(report.value().read_only);
  EXPECT_EQ(report.value().replayed_transactions, 2u);
  EXPECT_TRUE(m_->log.Contains("1 with bad checksums")) << LogOf();
  Unmount();
  EXPECT_FALSE(NeedsRecovery(image_));
  ExpectClean();
  EXPECT_EQ(Cat("/f"), fresh + old_data.substr(bs_));
}

// ---- Malformed journals: refused with a message, never followed.

TEST_F(JournalTest, MalformedJournalsAreRefused) {
  struct Case {
    const char* what;
    uint32_t offset;  // in the journal superblock
    uint32_t value;
    const char* message;
    kstd::Error error;
  };
  const Case cases[] = {
      {"magic", 0, 0x12345678, "no journal superblock", kstd::Error::kInvalid},
      {"block size", jbd2::kSbBlockSize, 2048, "block size", kstd::Error::kInvalid},
      {"s_first 0", jbd2::kSbFirst, 0, "geometry", kstd::Error::kInvalid},
      {"s_maxlen past the inode", jbd2::kSbMaxLen, 1u << 30, "geometry", kstd::Error::kInvalid},
      {"s_start past the log", jbd2::kSbStart, 5000, "outside the log", kstd::Error::kInvalid},
      {"unknown incompat", jbd2::kSbFeatureIncompat, 0x80, "unsupported incompatible journal",
       kstd::Error::kNotSupported},
      {"fast commit", jbd2::kSbFeatureIncompat, jbd2::kIncompatFastCommit, "fast_commit",
       kstd::Error::kNotSupported},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Use("ext3_1k.img");
    Patch(image_, JournalBlockOffset(image_, 0, bs_) + c.offset, Be32(c.value));
    auto r = Mount();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), c.error);
    EXPECT_TRUE(m_->log.Contains(c.message)) << LogOf();
  }
}

TEST_F(JournalTest, DescriptorNamingABlockPastTheEndIsRefused) {
  Use("ext3_1k.img");
  PrepareFile(1, 11);
  DebugfsScript(image_, "jo\n" + Jw({blocks_[0]}, PatternBytes(bs_, 12)) + "jc\n");
  std::vector<uint64_t> descriptors = LogBlocksOfType(image_, 1);
  ASSERT_EQ(descriptors.size(), 1u);
  std::string before = ReadHostFile(image_);
  // The first tag's block number.
  Patch(image_, JournalBlockOffset(image_, descriptors[0], bs_) + jbd2::kHeaderSize,
        Be32(0x7FFFFFF0));
  auto r = Mount();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), kstd::Error::kInvalid);
  EXPECT_TRUE(m_->log.Contains("past the file system's end")) << LogOf();
}

// Random damage to the journal's first blocks after a debugfs transaction:
// every mount either works (and leaves an image e2fsck accepts when it
// replays nothing it should not) or is refused with a message; no crash.
TEST_F(JournalTest, RandomJournalDamageNeverCrashes) {
  Use("ext3_1k.img");
  PrepareFile(4, 13);
  DebugfsScript(image_, "jo\n" + Jw({blocks_[0], blocks_[1]}, PatternBytes(2 * bs_, 14)) +
                            "jw -r " + std::to_string(blocks_[2]) + "\njc\n");
  std::string pristine = ReadHostFile(image_);
  uint64_t journal0 = JournalBlockOffset(image_, 0, bs_);
  int mounted = 0;
  int refused = 0;
  for (uint32_t seed = 1; seed <= 60; ++seed) {
    WriteHostFile(image_, pristine);
    std::string noise = PatternBytes(16, seed);
    for (int k = 0; k < 4; ++k) {
      uint64_t at = journal0 + (static_cast<uint8_t>(noise[k]) % 6) * bs_ +
                    (static_cast<uint8_t>(noise[4 + k]) * 7u) % 256;
      Patch(image_, at, std::string(1, noise[8 + k]));
    }
    auto r = Mount();
    if (r.ok()) {
      ++mounted;
      Unmount();
    } else {
      ++refused;
      EXPECT_FALSE(m_->log.messages.empty());
    }
  }
  printf("journal damage: %d mounted, %d refused\n", mounted, refused);
  EXPECT_EQ(mounted + refused, 60);
}

// ---- Our writes.

TEST_F(JournalTest, MountedReadWriteKeepsNeedsRecoveryUntilUnmount) {
  Use("ext3_1k.img");
  auto report = Mount();
  ASSERT_TRUE(report.ok()) << LogOf();
  EXPECT_TRUE(report.value().journaled);
  EXPECT_TRUE(NeedsRecovery(image_));
  auto created = m_->fs.Mkdir(Ext2::kRootIno, Name("dir"), 0755, 0, 0);
  ASSERT_TRUE(created.ok());
  ASSERT_OK(m_->fs.Sync());
  EXPECT_TRUE(NeedsRecovery(image_));
  // After the sync the log is checkpointed: the image is consistent (e2fsck
  // -n skips recovery of an empty log).
  Unmount();
  EXPECT_FALSE(NeedsRecovery(image_));
  ExpectClean();
  EXPECT_NE(Debugfs(image_, "ls -l /").output.find("dir"), std::string::npos);
}

TEST_F(JournalTest, ReadOnlyMountOfAJournalNeedingRecoveryOnAReadOnlyDeviceIsRefused) {
  Use("ext3_1k.img");
  PrepareFile(1, 15);
  DebugfsScript(image_, "jo\n" + Jw({blocks_[0]}, PatternBytes(bs_, 16)) + "jc\n");
  m_ = std::make_unique<MountedImage>();
  ASSERT_TRUE(m_->device.Open(image_.c_str(), /*read_only=*/true).ok());
  MountOptions options;
  options.read_only = true;
  options.log = &m_->log;
  auto r = m_->fs.Mount(&m_->device, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), kstd::Error::kReadOnlyFs);
  EXPECT_TRUE(m_->log.Contains("needs recovery")) << LogOf();
}

TEST_F(JournalTest, NeedsRecoveryWithAnEmptyLogMountsFromAReadOnlyDevice) {
  Use("ext3_1k.img");
  Debugfs(image_, "feature needs_recovery", /*write=*/true);
  ASSERT_TRUE(NeedsRecovery(image_));
  m_ = std::make_unique<MountedImage>();
  ASSERT_TRUE(m_->device.Open(image_.c_str(), /*read_only=*/true).ok());
  MountOptions options;
  options.read_only = true;
  options.log = &m_->log;
  auto r = m_->fs.Mount(&m_->device, options);
  ASSERT_TRUE(r.ok()) << LogOf();
  EXPECT_TRUE(m_->log.Contains("journal is empty")) << LogOf();
  EXPECT_TRUE(Resolve(m_->fs, "/lost+found").ok());
  Unmount();
  // From a writable device the flag is cleared.
  ASSERT_TRUE(Mount().ok()) << LogOf();
  Unmount();
  EXPECT_FALSE(NeedsRecovery(image_));
}

// ---- Crash consistency.

struct Snapshot {
  size_t writes = 0;  // writes issued when the sync returned
  std::map<std::string, std::string> files;
  std::map<std::string, int> ids;  // which file (renames keep it)
};

/// A change to a file's bytes after some syncs: a rewrite in place (write
/// or growing truncate, not atomic with the journal in ordered mode) or a
/// shrinking truncate to `size`.
struct Change {
  size_t after_syncs;
  int id;
  bool rewrite;
  size_t size;
};

/// A workload on `device` (mount, phases of changes each ended by Sync,
/// unmount) recording, after each Sync, what must survive from then on.
class Workload {
 public:
  Workload(RecordingBlockDevice* device, uint32_t cache_blocks) : device_(device) {
    options_.cache_blocks = cache_blocks;
    options_.log = &log_;
    // A real time: with a journal, e2fsck reads a small i_dtime of a live
    // inode as an orphan-list link.
    options_.clock = &clock_;
  }

  void Run() {
    auto m = fs_.Mount(device_, options_);
    ASSERT_TRUE(m.ok()) << log_.All();
    ASSERT_TRUE(m.value().journaled);
    // Phase 0: a directory, small and indirect-block files.
    Mkdir("/d1");
    Write("/d1/a", PatternBytes(5000, 20));
    Write("/b", "x");
    Write("/c", PatternBytes(300 * 1024, 21));
    Sync();
    // Phase 1: a slow symlink whose block starts with the JBD2 magic (its
    // journal copy is escaped), a file removed, a file truncated.
    std::string target = std::string("\xC0\x3B\x39\x98", 4) + std::string(96, 'q');
    auto dir = Resolve(fs_, "/d1");
    ASSERT_TRUE(dir.ok());
    ASSERT_TRUE(fs_.Symlink(dir.value().ino, Name("s"),
                            kstd::Span<const char>(target.data(), target.size()), 0, 0)
                    .ok());
    symlink_target_ = target;
    Write("/d1/e", PatternBytes(20 * 1024, 22));
    Unlink("/b");
    Truncate("/c", 10000);
    Sync();
    // Phase 2: a rename, a directory that grows, a file rewritten.
    ASSERT_TRUE(fs_.Rename(dir.value().ino, Name("a"), Ext2::kRootIno, Name("a2")).ok());
    Rename("/d1/a", "/a2");
    Mkdir("/d2");
    for (int i = 0; i < 40; ++i) {
      Write("/d2/file-with-a-long-name-" + std::to_string(i), PatternBytes(100 + i * 37, 30 + i));
    }
    Overwrite("/d1/e", 4096, PatternBytes(3000, 23));
    Sync();
    // Phase 3: frees and allocations in one transaction, a big file.
    Unlink("/c");
    Write("/big", PatternBytes(600 * 1024, 24));
    for (int i = 0; i < 40; i += 3) Unlink("/d2/file-with-a-long-name-" + std::to_string(i));
    Sync();
    // Phase 4: changes left for the unmount's commit.
    Write("/late", PatternBytes(7000, 25));
    Truncate("/big", 100 * 1024);
    ASSERT_TRUE(fs_.Unmount().ok()) << log_.All();
    Snapshot last;
    last.writes = device_->writes().size();
    last.files = model_;
    last.ids = ids_;
    snapshots_.push_back(last);
  }

  /// A random workload: `ops` operations (create, mkdir, overwrite,
  /// truncate, unlink, rename, sync) from `seed`, then unmount.
  void RunRandom(uint32_t seed, int ops) {
    auto m = fs_.Mount(device_, options_);
    ASSERT_TRUE(m.ok()) << log_.All();
    std::mt19937 rng(seed);
    std::vector<std::string> dirs = {""};
    int next = 0;
    for (int i = 0; i < ops && !::testing::Test::HasFatalFailure(); ++i) {
      if (getenv("JOURNAL_DEBUG")) printf("op %d at write %zu\n", i, device_->writes().size());
      std::vector<std::string> files;
      for (const auto& [path, data] : model_) files.push_back(path);
      uint32_t pick = rng() % 100;
      const std::string& dir = dirs[rng() % dirs.size()];
      if (pick < 30 || files.empty()) {
        size_t size = rng() % 4 == 0 ? rng() % 300000 : rng() % 5000;
        Write(dir + "/f" + std::to_string(next++), PatternBytes(size, seed * 1000 + i));
        continue;
      }
      const std::string& file = files[rng() % files.size()];
      if (pick < 38) {
        dirs.push_back(dir + "/d" + std::to_string(next++));
        Mkdir(dirs.back());
      } else if (pick < 52) {
        size_t offset = rng() % (model_[file].size() + 1);
        Overwrite(file, offset, PatternBytes(rng() % 20000 + 1, seed * 1000 + i));
      } else if (pick < 62) {
        size_t size = model_[file].size();
        Truncate(file, rng() % 3 == 0 ? size + rng() % 10000 : rng() % (size + 1));
      } else if (pick < 76) {
        Unlink(file);
      } else if (pick < 86) {
        std::string to = dir + "/r" + std::to_string(next++);
        std::string from_leaf;
        std::string to_leaf;
        uint32_t from_parent = Parent(file, &from_leaf);
        uint32_t to_parent = Parent(to, &to_leaf);
        ASSERT_TRUE(
            fs_.Rename(from_parent, Name(from_leaf.c_str()), to_parent, Name(to_leaf.c_str())).ok())
            << file << " -> " << to;
        Rename(file, to);
      } else {
        Sync();
      }
    }
    ASSERT_TRUE(fs_.Unmount().ok()) << log_.All();
    Snapshot last;
    last.writes = device_->writes().size();
    last.files = model_;
    last.ids = ids_;
    snapshots_.push_back(last);
  }

  const std::vector<Snapshot>& snapshots() const { return snapshots_; }
  const std::vector<Change>& changes() const { return changes_; }
  const std::string& symlink_target() const { return symlink_target_; }
  std::string log() const { return log_.All(); }

 private:
  uint32_t Parent(const std::string& path, std::string* leaf) {
    auto p = testing::ResolveParent(fs_, path, leaf);
    EXPECT_TRUE(p.ok()) << path;
    return p.ok() ? p.value() : Ext2::kRootIno;
  }
  void Mkdir(const std::string& path) {
    std::string leaf;
    uint32_t parent = Parent(path, &leaf);
    EXPECT_TRUE(fs_.Mkdir(parent, Name(leaf.c_str()), 0755, 0, 0).ok()) << path << log_.All();
  }
  void Write(const std::string& path, const std::string& data) {
    if (getenv("JOURNAL_DEBUG")) printf("  %s %s\n", __func__, path.c_str());
    std::string leaf;
    uint32_t parent = Parent(path, &leaf);
    auto c =
        fs_.Create(parent, Name(leaf.c_str()), CreateRequest{FileType::kRegular, 0644, 0, 0, 0});
    ASSERT_TRUE(c.ok()) << path << log_.All();
    ASSERT_TRUE(WriteAll(fs_, c.value().ino, 0, data).ok()) << path;
    model_[path] = data;
    ids_[path] = next_id_++;
  }
  void Overwrite(const std::string& path, uint64_t offset, const std::string& data) {
    if (getenv("JOURNAL_DEBUG"))
      printf("  overwrite %s at %llu\n", path.c_str(), (unsigned long long)offset);
    auto a = Resolve(fs_, path);
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(WriteAll(fs_, a.value().ino, offset, data).ok());
    std::string& m = model_[path];
    if (m.size() < offset + data.size()) m.resize(offset + data.size());
    m.replace(offset, data.size(), data);
    changes_.push_back(Change{snapshots_.size(), ids_[path], true, 0});
  }
  void Unlink(const std::string& path) {
    if (getenv("JOURNAL_DEBUG")) printf("  %s %s\n", __func__, path.c_str());
    std::string leaf;
    uint32_t parent = Parent(path, &leaf);
    EXPECT_TRUE(fs_.Unlink(parent, Name(leaf.c_str())).ok()) << path;
    model_.erase(path);
    ids_.erase(path);
  }
  void Truncate(const std::string& path, uint64_t size) {
    if (getenv("JOURNAL_DEBUG")) printf("  %s %s\n", __func__, path.c_str());
    auto a = Resolve(fs_, path);
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(fs_.Truncate(a.value().ino, size).ok());
    changes_.push_back(Change{snapshots_.size(), ids_[path], size > model_[path].size(), size});
    model_[path].resize(size);
  }
  void Rename(const std::string& from, const std::string& to) {
    model_[to] = model_[from];
    model_.erase(from);
    ids_[to] = ids_[from];
    ids_.erase(from);
  }
  void Sync() {
    if (getenv("JOURNAL_DEBUG")) printf("  sync\n");
    ASSERT_TRUE(fs_.Sync().ok()) << log_.All();
    Snapshot s;
    s.writes = device_->writes().size();
    s.files = model_;
    s.ids = ids_;
    snapshots_.push_back(s);
  }

  RecordingBlockDevice* device_;
  testing::CapturingLog log_;
  testing::FakeClock clock_;
  MountOptions options_;
  Ext2 fs_;
  std::map<std::string, std::string> model_;
  std::map<std::string, int> ids_;
  int next_id_ = 1;
  std::vector<Change> changes_;
  std::vector<Snapshot> snapshots_;
  std::string symlink_target_;
};

/// Cuts the recorded writes after every prefix, mounts each (replay),
/// checks every file a completed Sync vouched for that no later phase
/// touched, unmounts and runs e2fsck -fn. Returns the number of cut points.
/// How a power cut leaves the recorded writes.
enum class CutMode {
  kPrefix,     // the first k writes landed
  kLostWrite,  // every write up to the next flush landed except write k
  kTornWrite,  // the first k writes and the first half of write k landed
};

void CheckEveryCut(const std::string& fixture, uint32_t cache_blocks, size_t* cuts_checked,
                   CutMode mode = CutMode::kPrefix, uint32_t random_seed = 0) {
  std::string base = ReadHostFile(testing::FixturePath(fixture));
  ASSERT_FALSE(base.empty());
  RecordingBlockDevice device(base);
  Workload workload(&device, cache_blocks);
  if (random_seed != 0) {
    workload.RunRandom(random_seed, 120);
  } else {
    workload.Run();
  }
  if (::testing::Test::HasFatalFailure()) return;
  const std::vector<Snapshot>& snaps = workload.snapshots();
  size_t total = device.writes().size();
  std::string image = ScratchPath("cut.img");
  size_t checked = 0;
  size_t shrunk_checked = 0;
  for (size_t cut = 0; cut <= total; ++cut) {
    SCOPED_TRACE("cut after " + std::to_string(cut) + " of " + std::to_string(total) + " writes");
    if (mode == CutMode::kPrefix) {
      WriteHostFile(image, device.ImageAfter(cut));
    } else if (cut == total) {
      continue;
    } else if (mode == CutMode::kLostWrite) {
      // The writes up to the next flush may land in any order: all but `cut`.
      size_t epoch_end = total;
      for (size_t f : device.flushes()) {
        if (f > cut) {
          epoch_end = f;
          break;
        }
      }
      WriteHostFile(image, device.ImageWith(epoch_end, cut, 0));
    } else {
      size_t sectors = device.writes()[cut].bytes.size() / 512;
      if (sectors < 2) continue;
      WriteHostFile(image, device.ImageWith(cut, RecordingBlockDevice::kNone, sectors / 2));
    }
    MountedImage m;
    auto r = m.Mount(image);
    ASSERT_TRUE(r.ok()) << m.log.All();
    // The last snapshot whose writes are all on the disk.
    const Snapshot* done = nullptr;
    size_t done_index = 0;
    for (size_t i = 0; i < snaps.size(); ++i) {
      if (snaps[i].writes <= cut) {
        done = &snaps[i];
        done_index = i;
      }
    }
    if (done != nullptr) {
      for (const auto& [path, data] : done->files) {
        // Touched after that sync? Then it may be old or new. Unless its
        // bytes were rewritten in place since, what is left must still be
        // (a prefix of) the synced bytes: blocks freed by an uncommitted
        // transaction must not have been reused for other data. (A
        // truncation zeroes the rest of its last block in place, as file
        // data, before it commits: past the smallest later size, bytes may
        // be zero.)
        bool stable = true;
        for (size_t j = done_index + 1; j < snaps.size(); ++j) {
          auto it = snaps[j].files.find(path);
          if (it == snaps[j].files.end() || it->second != data) stable = false;
        }
        if (!stable) {
          int id = done->ids.at(path);
          bool rewritten = false;
          size_t keep = data.size();
          for (const Change& c : workload.changes()) {
            if (c.id != id || c.after_syncs <= done_index) continue;
            if (c.rewrite) rewritten = true;
            if (!c.rewrite && c.size < keep) keep = c.size;
          }
          auto a = Resolve(m.fs, path);
          if (rewritten || !a.ok()) continue;
          auto content = ReadWhole(m.fs, a.value().ino);
          ASSERT_TRUE(content.ok()) << path;
          const std::string& got = content.value();
          ASSERT_LE(got.size(), data.size()) << path;
          for (size_t i = 0; i < got.size(); ++i) {
            if (got[i] == data[i] || (i >= keep && got[i] == 0)) continue;
            FAIL() << path << ": byte " << i << " of " << got.size()
                   << " changed: freed blocks reused before the free committed";
          }
          ++shrunk_checked;
          continue;
        }
        auto a = Resolve(m.fs, path);
        ASSERT_TRUE(a.ok()) << path << " lost\n" << m.log.All();
        auto content = ReadWhole(m.fs, a.value().ino);
        ASSERT_TRUE(content.ok()) << path;
        ASSERT_EQ(content.value(), data) << path << " damaged";
      }
      if (done_index >= 1 && !workload.symlink_target().empty()) {
        auto link = Resolve(m.fs, "/d1/s");
        ASSERT_TRUE(link.ok());
        EXPECT_EQ(ReadLinkString(m.fs, link.value().ino), workload.symlink_target());
      }
    }
    ASSERT_TRUE(m.fs.Unmount().ok()) << m.log.All();
    CommandResult fsck = E2fsck(image);
    if (fsck.exit_code != 0 && getenv("JOURNAL_KEEP_FAILED") != nullptr) {
      WriteHostFile(getenv("JOURNAL_KEEP_FAILED"), device.ImageAfter(cut));
      WriteHostFile(std::string(getenv("JOURNAL_KEEP_FAILED")) + ".after", ReadHostFile(image));
    }
    ASSERT_EQ(fsck.exit_code, 0) << fsck.output << "\nmount log:\n" << m.log.All();
    ++checked;
  }
  *cuts_checked = checked;
  if (random_seed == 0) {
    EXPECT_GT(shrunk_checked, 0u) << "no cut point checked a removed or truncated file";
  }
}

TEST(JournalCrashTest, EveryWritePrefixReplaysToACleanImage) {
  size_t cuts = 0;
  CheckEveryCut("ext3_1k.img", 256, &cuts);
  printf("crash test (1 KiB blocks, 256-block cache): %zu cut points checked\n", cuts);
  EXPECT_GT(cuts, 50u);
}

TEST(JournalCrashTest, SmallCacheSplitsTransactionsAndStaysConsistent) {
  size_t cuts = 0;
  CheckEveryCut("ext3_1k.img", 24, &cuts);
  printf("crash test (1 KiB blocks, 24-block cache): %zu cut points checked\n", cuts);
  EXPECT_GT(cuts, 50u);
}

// Random workloads (fixed seeds; EXT2_JOURNAL_SEEDS=N for more than one),
// every prefix and every lost write.
TEST(JournalCrashTest, RandomWorkloadsReplayToCleanImages) {
  const char* env = getenv("EXT2_JOURNAL_SEEDS");
  uint32_t seeds = env != nullptr ? static_cast<uint32_t>(atoi(env)) : 1;
  size_t total = 0;
  for (uint32_t seed = 1; seed <= seeds; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    for (CutMode mode : {CutMode::kPrefix, CutMode::kLostWrite}) {
      size_t cuts = 0;
      CheckEveryCut("ext3_1k.img", 32, &cuts, mode, seed);
      if (::testing::Test::HasFatalFailure()) return;
      total += cuts;
    }
  }
  printf("crash test (%u random workloads): %zu cut points checked\n", seeds, total);
  EXPECT_GT(total, 100u);
}

// Disks reorder writes between flushes: a cut just before a flush may
// have lost any one of the writes since the previous flush.
TEST(JournalCrashTest, AnyLostWriteBeforeAFlushReplaysToACleanImage) {
  size_t cuts = 0;
  CheckEveryCut("ext3_1k.img", 24, &cuts, CutMode::kLostWrite);
  printf("crash test (a lost write before each flush): %zu cut points checked\n", cuts);
  EXPECT_GT(cuts, 50u);
}

// A multi-block write cut in the middle (sector-atomic only).
TEST(JournalCrashTest, TornWritesReplayToACleanImage) {
  size_t cuts = 0;
  CheckEveryCut("ext3_4k.img", 256, &cuts, CutMode::kTornWrite);
  printf("crash test (torn writes): %zu cut points checked\n", cuts);
  EXPECT_GT(cuts, 30u);
}

TEST(JournalCrashTest, EveryWritePrefixReplaysToACleanImage4k) {
  size_t cuts = 0;
  CheckEveryCut("ext3_4k.img", 256, &cuts);
  printf("crash test (4 KiB blocks): %zu cut points checked\n", cuts);
  EXPECT_GT(cuts, 30u);
}

// e2fsprogs replays the logs we write: at every flush of the workload the
// image, recovered by `e2fsck -fy` (its own JBD2 recovery), is clean.
void CheckE2fsckReplaysOurLog(const std::string& fixture, bool csum_v3) {
  std::string base_path = ScratchCopy(fixture);
  if (csum_v3) {
    // A journal with CSUM_V3 on an image without metadata_csum (as Linux's
    // journal_checksum mount option makes).
    uint64_t off = JournalBlockOffset(base_path, 0, 1024);
    std::string sb = ReadFileRange(base_path, off, 1024);
    uint32_t incompat =
        jbd2::Load32(reinterpret_cast<const uint8_t*>(sb.data()) + jbd2::kSbFeatureIncompat);
    Patch(base_path, off + jbd2::kSbFeatureIncompat, Be32(incompat | jbd2::kIncompatCsumV3));
    Patch(base_path, off + jbd2::kSbChecksumType, std::string(1, '\x04'));
    FixJournalSuperblockChecksum(base_path, 1024);
    ASSERT_NE(Dumpe2fs(base_path).find("journal_checksum_v3"), std::string::npos);
  }
  RecordingBlockDevice device(ReadHostFile(base_path));
  Workload workload(&device, 256);
  workload.Run();
  if (::testing::Test::HasFatalFailure()) return;
  std::string image = ScratchPath("flush.img");
  size_t replayed_by_e2fsck = 0;
  for (size_t cut : device.flushes()) {
    SCOPED_TRACE("cut at the flush after " + std::to_string(cut) + " writes");
    WriteHostFile(image, device.ImageAfter(cut));
    bool had_log = Dumpe2fs(image).find("Journal start:            0") == std::string::npos;
    CommandResult fix =
        RunCommand(ShellQuote(FindTool("e2fsck")) + " -fy " + ShellQuote(image) + " 2>&1");
    // 0: clean; 1: the journal was replayed (file system modified).
    EXPECT_LE(fix.exit_code, 1) << fix.output;
    if (had_log) {
      ++replayed_by_e2fsck;
      EXPECT_NE(fix.output.find("recovering journal"), std::string::npos) << fix.output;
    }
    CommandResult check = E2fsck(image);
    ASSERT_EQ(check.exit_code, 0) << check.output << "\nafter e2fsck -fy:\n" << fix.output;
  }
  printf("e2fsck replayed our log at %zu of %zu flush points\n", replayed_by_e2fsck,
         device.flushes().size());
  EXPECT_GT(replayed_by_e2fsck, 3u);
}

TEST(JournalCrashTest, E2fsckReplaysOurLog) { CheckE2fsckReplaysOurLog("ext3_1k.img", false); }

TEST(JournalCrashTest, E2fsckReplaysOurChecksummedLog) {
  CheckE2fsckReplaysOurLog("ext3_1k.img", true);
}

// The same on ext4 images (extent trees, metadata_csum: every checksum
// consistent after each replay).
TEST(JournalCrashTest, Ext4EveryWritePrefixReplaysToACleanImage) {
  size_t cuts = 0;
  CheckEveryCut("ext4_1k.img", 256, &cuts);
  printf("ext4 crash test (1 KiB blocks): %zu cut points checked\n", cuts);
  EXPECT_GT(cuts, 50u);
}

TEST(JournalCrashTest, Ext4AnyLostWriteBeforeAFlushReplaysToACleanImage) {
  size_t cuts = 0;
  CheckEveryCut("ext4_1k.img", 24, &cuts, CutMode::kLostWrite);
  printf("ext4 crash test (a lost write before each flush): %zu cut points checked\n", cuts);
  EXPECT_GT(cuts, 50u);
}

TEST(JournalCrashTest, Ext4TornWritesReplayToACleanImage) {
  size_t cuts = 0;
  CheckEveryCut("ext4_4k.img", 256, &cuts, CutMode::kTornWrite);
  printf("ext4 crash test (torn writes): %zu cut points checked\n", cuts);
  EXPECT_GT(cuts, 30u);
}

TEST(JournalCrashTest, E2fsckReplaysOurLogOnExt4) {
  CheckE2fsckReplaysOurLog("ext4_1k.img", false);
}

}  // namespace
}  // namespace servers::fs::ext2
