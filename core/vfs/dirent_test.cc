#include "core/vfs/dirent.h"

#include <dirent.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/vfs/test_support.h"

namespace core::vfs {
namespace {

struct Parsed {
  std::string name;
  uint64_t ino;
  int64_t off;
  uint8_t type;
};

// Parses the buffer with the host C library's own struct dirent64.
std::vector<Parsed> Parse(const uint8_t* buf, size_t size) {
  std::vector<Parsed> out;
  size_t pos = 0;
  while (pos < size) {
    const auto* d = reinterpret_cast<const struct dirent64*>(buf + pos);
    EXPECT_EQ(d->d_reclen % 8, 0u);
    EXPECT_GT(d->d_reclen, 0u);
    out.push_back(Parsed{d->d_name, d->d_ino, d->d_off, d->d_type});
    pos += d->d_reclen;
  }
  EXPECT_EQ(pos, size);
  return out;
}

class DirentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file = ns.WriteFile("/f", "");
    dir = ns.Mkdir("/sub");
    ns.Symlink("/a-rather-longer-symlink-name", "f");
  }
  testing::Namespace ns;
  kstd::RefPtr<Vnode> file, dir;
};

TEST_F(DirentTest, RecordsParseWithTheHostLayout) {
  alignas(8) uint8_t buf[1024];
  Dirent64Writer w(kstd::Span<uint8_t>(buf, sizeof(buf)));
  uint64_t cursor = 0;
  ASSERT_OK(ns.root->ReadDir(&cursor, w));
  EXPECT_FALSE(w.overflowed());
  std::vector<Parsed> p = Parse(buf, w.bytes());
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0].name, ".");
  EXPECT_EQ(p[0].type, DT_DIR);
  EXPECT_EQ(p[1].name, "..");
  EXPECT_EQ(p[2].name, "f");
  EXPECT_EQ(p[2].ino, file->ino());
  EXPECT_EQ(p[2].type, DT_REG);
  EXPECT_EQ(p[3].type, DT_DIR);
  EXPECT_EQ(p[4].name, "a-rather-longer-symlink-name");
  EXPECT_EQ(p[4].type, DT_LNK);
  EXPECT_EQ(static_cast<uint64_t>(p[4].off), cursor);
  EXPECT_EQ(Dirent64Writer::RecordSize(1), 24u);
  EXPECT_EQ(Dirent64Writer::RecordSize(4), 24u);
  EXPECT_EQ(Dirent64Writer::RecordSize(5), 32u);
}

TEST_F(DirentTest, SmallBuffersResumeAtDOff) {
  std::vector<std::string> names;
  uint64_t cursor = 0;
  while (true) {
    alignas(8) uint8_t buf[48];  // two short records, or one long one
    Dirent64Writer w(kstd::Span<uint8_t>(buf, sizeof(buf)));
    ASSERT_OK(ns.root->ReadDir(&cursor, w));
    if (w.bytes() == 0) {
      EXPECT_FALSE(w.overflowed());
      break;
    }
    for (auto& p : Parse(buf, w.bytes())) names.push_back(p.name);
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{".", "..", "f", "sub", "a-rather-longer-symlink-name"}));
  // lseek to a d_off restarts right after that entry.
  alignas(8) uint8_t buf[1024];
  Dirent64Writer all(kstd::Span<uint8_t>(buf, sizeof(buf)));
  uint64_t c0 = 0;
  ASSERT_OK(ns.root->ReadDir(&c0, all));
  std::vector<Parsed> p = Parse(buf, all.bytes());
  uint64_t resume = static_cast<uint64_t>(p[2].off);
  Dirent64Writer rest(kstd::Span<uint8_t>(buf, sizeof(buf)));
  ASSERT_OK(ns.root->ReadDir(&resume, rest));
  std::vector<Parsed> q = Parse(buf, rest.bytes());
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].name, "sub");
}

TEST_F(DirentTest, TooSmallForOneRecordOverflows) {
  alignas(8) uint8_t buf[16];
  Dirent64Writer w(kstd::Span<uint8_t>(buf, sizeof(buf)));
  uint64_t cursor = 0;
  ASSERT_OK(ns.root->ReadDir(&cursor, w));
  EXPECT_EQ(w.bytes(), 0u);
  EXPECT_TRUE(w.overflowed());  // getdents64 answers EINVAL
  EXPECT_EQ(cursor, 0u);
}

TEST_F(DirentTest, PaddingIsZeroed) {
  alignas(8) uint8_t buf[256];
  std::memset(buf, 0xee, sizeof(buf));
  Dirent64Writer w(kstd::Span<uint8_t>(buf, sizeof(buf)));
  uint64_t cursor = 0;
  ASSERT_OK(ns.root->ReadDir(&cursor, w));
  for (size_t i = 0; i < w.bytes(); ++i) ASSERT_NE(buf[i], 0xee) << i;
}

}  // namespace
}  // namespace core::vfs
