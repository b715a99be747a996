// Host tests of the fs server's protocol layer (servers/fs/server.h): encoded
// fsproto requests go into Server::Handle over a real mke2fs image (through
// FileBlockDevice), replies are decoded and checked, malformed requests get
// errno replies; then the image is unmounted and judged by e2fsck -fn, and
// debugfs reads the files back byte for byte.

#include "servers/fs/server.h"

#include <string.h>

#include <memory>
#include <string>
#include <vector>

#include "abi/linux/errno.h"
#include "abi/linux/stat.h"
#include "gtest/gtest.h"
#include "servers/fs/ext2/testing/test_support.h"

namespace servers::fs {
namespace {

using ext2::testing::DebugfsCat;
using ext2::testing::E2fsck;
using ext2::testing::MountedImage;
using ext2::testing::PatternBytes;
using ext2::testing::ScratchCopy;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(ScratchCopy("empty_1k.img")); }

  void Open(const std::string& image) {
    image_ = image;
    mounted_ = std::make_unique<MountedImage>();
    ASSERT_TRUE(mounted_->Mount(image_).ok()) << mounted_->log.All();
    buffer_.assign(fsproto::kDataBufferSize, 0);
    server_ = std::make_unique<Server>(&mounted_->fs, nullptr);
    fsproto::Reply root;
    ASSERT_TRUE(server_->MakeRootReply(&root).ok());
    EXPECT_EQ(root.op, fsproto::kHello);
    EXPECT_EQ(root.node, 2u);
    EXPECT_EQ(root.attr.mode & linux_abi::kModeTypeMask, linux_abi::kModeDirectory);
    EXPECT_EQ(root.info.magic, 0xEF53u);
    server_->set_buffer(buffer_.data());
  }

  static fsproto::Request Q(uint32_t op, uint64_t node) {
    fsproto::Request q{};
    q.magic = fsproto::kMagic;
    q.op = op;
    q.node = node;
    return q;
  }

  // Encodes a request with its names and handles it.
  fsproto::Reply Call(fsproto::Request q, const std::string& name = "",
                      const std::string& name2 = "", Server::Action* action = nullptr) {
    q.name_length = static_cast<uint32_t>(name.size());
    q.name2_length = static_cast<uint32_t>(name2.size());
    std::string message(reinterpret_cast<const char*>(&q), sizeof q);
    message += name + name2;
    fsproto::Reply r;
    Server::Action a =
        server_->Handle(reinterpret_cast<const uint8_t*>(message.data()), message.size(), &r);
    if (action != nullptr) *action = a;
    EXPECT_EQ(r.op, q.op);
    return r;
  }

  fsproto::Reply Lookup(uint64_t dir, const std::string& name) {
    return Call(Q(fsproto::kLookup, dir), name);
  }

  uint64_t Create(uint64_t dir, const std::string& name, uint32_t mode,
                  const std::string& target = "") {
    fsproto::Request q = Q(fsproto::kCreate, dir);
    q.mode = mode;
    fsproto::Reply r = Call(q, name, target);
    EXPECT_EQ(r.error, 0) << name;
    EXPECT_EQ(r.attr.node, r.node);
    EXPECT_EQ(r.attr.mode, mode);
    return r.node;
  }

  fsproto::Reply Write(uint64_t node, uint64_t offset, const std::string& data,
                       bool append = false) {
    memcpy(buffer_.data(), data.data(), data.size());
    fsproto::Request q = Q(append ? fsproto::kAppend : fsproto::kWrite, node);
    q.offset = offset;
    q.length = static_cast<uint32_t>(data.size());
    return Call(q);
  }

  std::string ReadAll(uint64_t node) {
    std::string out;
    for (;;) {
      fsproto::Request q = Q(fsproto::kRead, node);
      q.offset = out.size();
      q.length = 10000;  // not a block multiple
      fsproto::Reply r = Call(q);
      EXPECT_EQ(r.error, 0);
      if (r.error != 0 || r.length == 0) return out;
      out.append(reinterpret_cast<const char*>(buffer_.data()), r.length);
    }
  }

  // Every (name, node, type) of a directory, through buffers of `bytes`.
  std::vector<std::pair<std::string, uint8_t>> List(uint64_t dir, uint32_t bytes = 100) {
    std::vector<std::pair<std::string, uint8_t>> out;
    uint64_t cursor = 0;
    for (int rounds = 0; rounds < 10000; ++rounds) {
      fsproto::Request q = Q(fsproto::kReadDir, dir);
      q.offset = cursor;
      q.length = bytes;
      fsproto::Reply r = Call(q);
      EXPECT_EQ(r.error, 0);
      if (r.error != 0) break;
      EXPECT_LE(r.length, bytes);
      uint32_t at = 0;
      for (uint64_t i = 0; i < r.value; ++i) {
        fsproto::DirRecord rec;
        memcpy(&rec, buffer_.data() + at, sizeof rec);
        out.emplace_back(
            std::string(reinterpret_cast<const char*>(buffer_.data()) + at + sizeof rec,
                        rec.name_length),
            rec.type);
        at += fsproto::DirRecordSize(rec.name_length);
        cursor = rec.next_cursor;
      }
      EXPECT_EQ(at, r.length);
      if (r.flags & fsproto::kReplyEndOfDirectory) break;
      EXPECT_GT(r.value, 0u);
    }
    return out;
  }

  void UnmountAndCheck() {
    Server::Action action;
    fsproto::Reply r = Call(Q(fsproto::kUnmount, 0), "", "", &action);
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(action, Server::Action::kUnmounted);
    EXPECT_FALSE(mounted_->fs.mounted());
    auto fsck = E2fsck(image_);
    EXPECT_EQ(fsck.exit_code, 0) << fsck.output;
  }

  std::string image_;
  std::unique_ptr<MountedImage> mounted_;
  std::vector<uint8_t> buffer_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, NamespaceAndDataRoundTrip) {
  uint64_t dir = Create(2, "dir", linux_abi::kModeDirectory | 0755);
  uint64_t sub = Create(dir, "sub", linux_abi::kModeDirectory | 0700);
  uint64_t file = Create(sub, "file", linux_abi::kModeRegular | 0644);
  EXPECT_EQ(server_->references(static_cast<uint32_t>(file)), 1u);

  // Several sizes, written in protocol-sized chunks, one append.
  std::string big = PatternBytes(300 * 1024 + 17, 7);
  for (size_t at = 0; at < big.size(); at += fsproto::kDataBufferSize) {
    std::string chunk = big.substr(at, fsproto::kDataBufferSize);
    fsproto::Reply r = Write(file, at, chunk);
    ASSERT_EQ(r.error, 0);
    EXPECT_EQ(r.value, chunk.size());
    EXPECT_EQ(r.attr.size, at + chunk.size());
  }
  fsproto::Reply appended = Write(file, 0, "tail\n", true);
  ASSERT_EQ(appended.error, 0);
  EXPECT_EQ(appended.attr.size, big.size() + 5);
  big += "tail\n";
  EXPECT_EQ(ReadAll(file), big);

  // Lookup gives references; forget takes them back.
  fsproto::Reply found = Lookup(sub, "file");
  ASSERT_EQ(found.error, 0);
  EXPECT_EQ(found.node, file);
  EXPECT_EQ(found.attr.size, big.size());
  EXPECT_EQ(server_->references(static_cast<uint32_t>(file)), 2u);
  fsproto::Request forget = Q(fsproto::kForget, file);
  forget.offset = 1;
  Server::Action action;
  Call(forget, "", "", &action);
  EXPECT_EQ(action, Server::Action::kNoReply);
  EXPECT_EQ(server_->references(static_cast<uint32_t>(file)), 1u);
  EXPECT_EQ(Lookup(dir, "..").node, 2u);
  EXPECT_EQ(Lookup(2, "nothing").error, linux_abi::kENOENT);

  // Symlink, hard link, rename over an existing file, truncate, setattr.
  uint64_t link = Create(dir, "ln", linux_abi::kModeSymlink | 0777, "sub/file");
  fsproto::Request readlink = Q(fsproto::kReadLink, link);
  readlink.length = 4095;
  fsproto::Reply target = Call(readlink);
  ASSERT_EQ(target.error, 0);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buffer_.data()), target.length), "sub/file");
  fsproto::Request hard = Q(fsproto::kLink, dir);
  hard.node2 = file;
  fsproto::Reply linked = Call(hard, "hard");
  ASSERT_EQ(linked.error, 0);
  EXPECT_EQ(linked.attr.nlink, 2u);
  uint64_t other = Create(dir, "other", linux_abi::kModeRegular | 0600);
  ASSERT_EQ(Write(other, 0, "other").error, 0);
  fsproto::Request rename = Q(fsproto::kRename, dir);
  rename.node2 = dir;
  fsproto::Reply renamed = Call(rename, "other", "hard");
  ASSERT_EQ(renamed.error, 0);
  EXPECT_EQ(renamed.node, file);  // the replaced one
  fsproto::Request trunc = Q(fsproto::kTruncate, other);
  trunc.offset = 3;
  EXPECT_EQ(Call(trunc).attr.size, 3u);
  fsproto::Request set = Q(fsproto::kSetAttr, other);
  set.setattr_mask = fsproto::kSetMode | fsproto::kSetMtime;
  set.mode = 0640;
  set.mtime_ns = 1234567890123456789;
  fsproto::Reply setr = Call(set);
  ASSERT_EQ(setr.error, 0);
  EXPECT_EQ(setr.attr.mode, linux_abi::kModeRegular | 0640);
  EXPECT_EQ(setr.attr.mtime_ns, 1234567890000000000);

  // Readdir through small buffers, with types.
  auto entries = List(dir, 64);
  std::vector<std::string> names;
  for (auto& e : entries) names.push_back(e.first);
  EXPECT_EQ(names, (std::vector<std::string>{".", "..", "sub", "ln", "hard"}));
  EXPECT_EQ(entries[2].second, 4);
  EXPECT_EQ(entries[3].second, 10);
  EXPECT_EQ(entries[4].second, 8);

  // A directory with many entries.
  for (int i = 0; i < 150; ++i)
    Create(sub, "n" + std::to_string(i), linux_abi::kModeRegular | 0644);
  EXPECT_EQ(List(sub, 4096).size(), 153u);
  EXPECT_EQ(List(sub, 24 + 8).size(), 153u);  // one record per call

  // Errors.
  EXPECT_EQ(Call(Q(fsproto::kRmdir, dir), "sub").error, linux_abi::kENOTEMPTY);
  EXPECT_EQ(Call(Q(fsproto::kUnlink, dir), "sub").error, linux_abi::kEISDIR);
  EXPECT_EQ(Call(Q(fsproto::kRmdir, dir), "hard").error, linux_abi::kENOTDIR);
  fsproto::Request dup = Q(fsproto::kCreate, dir);
  dup.mode = linux_abi::kModeRegular | 0644;
  EXPECT_EQ(Call(dup, "hard").error, linux_abi::kEEXIST);
  fsproto::Request rd = Q(fsproto::kRead, dir);
  rd.length = 10;
  EXPECT_EQ(Call(rd).error, linux_abi::kEISDIR);

  // Unlink while referenced keeps the data until the forget.
  uint64_t keep = Create(2, "keep", linux_abi::kModeRegular | 0644);
  ASSERT_EQ(Write(keep, 0, "still here").error, 0);
  fsproto::Reply unlinked = Call(Q(fsproto::kUnlink, 2), "keep");
  ASSERT_EQ(unlinked.error, 0);
  EXPECT_EQ(unlinked.node, keep);
  EXPECT_EQ(ReadAll(keep), "still here");
  forget = Q(fsproto::kForget, keep);
  forget.offset = 1;
  Call(forget);
  EXPECT_EQ(server_->references(static_cast<uint32_t>(keep)), 0u);
  EXPECT_EQ(Call(Q(fsproto::kGetAttr, keep)).error, linux_abi::kESTALE);

  EXPECT_EQ(Call(Q(fsproto::kSyncFs, 0)).error, 0);
  fsproto::Reply statfs = Call(Q(fsproto::kStatFs, 0));
  EXPECT_EQ(statfs.error, 0);
  EXPECT_EQ(statfs.info.block_size, 1024u);
  EXPECT_GT(statfs.info.free_blocks, 0u);

  UnmountAndCheck();
  std::string data;
  ASSERT_TRUE(DebugfsCat(image_, "/dir/sub/file", &data));
  EXPECT_EQ(data, big);
  ASSERT_TRUE(DebugfsCat(image_, "/dir/hard", &data));
  EXPECT_EQ(data, "oth");
}

TEST_F(ServerTest, MalformedRequestsGetErrnoReplies) {
  uint64_t file = Create(2, "f", linux_abi::kModeRegular | 0644);
  fsproto::Reply r;
  // Too short for a header, or none at all.
  uint8_t tiny[8] = {};
  EXPECT_EQ(server_->Handle(tiny, sizeof tiny, &r), Server::Action::kReply);
  EXPECT_EQ(r.error, linux_abi::kEINVAL);
  EXPECT_EQ(server_->Handle(nullptr, 0, &r), Server::Action::kReply);
  EXPECT_EQ(r.error, linux_abi::kEINVAL);
  // Bad magic.
  fsproto::Request q = Q(fsproto::kGetAttr, 2);
  q.magic = 0x12345678;
  EXPECT_EQ(Call(q).error, linux_abi::kEINVAL);
  // Name lengths that disagree with the message size.
  q = Q(fsproto::kLookup, 2);
  q.name_length = 5;
  std::string m(reinterpret_cast<const char*>(&q), sizeof q);
  m += "ab";
  server_->Handle(reinterpret_cast<const uint8_t*>(m.data()), m.size(), &r);
  EXPECT_EQ(r.error, linux_abi::kEINVAL);
  q.name_length = 0xFFFFFFFF;
  q.name2_length = 2;
  m.assign(reinterpret_cast<const char*>(&q), sizeof q);
  server_->Handle(reinterpret_cast<const uint8_t*>(m.data()), m.size(), &r);
  EXPECT_EQ(r.error, linux_abi::kEINVAL);
  // Names with '/' or NUL, empty, "." as a new name.
  EXPECT_EQ(Lookup(2, "a/b").error, linux_abi::kEINVAL);
  EXPECT_EQ(Lookup(2, std::string("a\0b", 3)).error, linux_abi::kEINVAL);
  EXPECT_EQ(Lookup(2, "").error, linux_abi::kEINVAL);
  fsproto::Request c = Q(fsproto::kCreate, 2);
  c.mode = linux_abi::kModeRegular | 0644;
  EXPECT_NE(Call(c, ".").error, 0);
  EXPECT_NE(Call(c, "..").error, 0);
  EXPECT_EQ(Call(c, std::string(256, 'x')).error, linux_abi::kEINVAL);
  // Unknown, zero, huge and forgotten node ids; unknown ops and types.
  EXPECT_EQ(Call(Q(fsproto::kGetAttr, 0)).error, linux_abi::kESTALE);
  EXPECT_EQ(Call(Q(fsproto::kGetAttr, 11)).error,
            linux_abi::kESTALE);  // lost+found: never looked up
  EXPECT_EQ(Call(Q(fsproto::kGetAttr, 1ull << 40)).error, linux_abi::kESTALE);
  EXPECT_EQ(Call(Q(999, 2)).error, linux_abi::kENOSYS);
  c.mode = 0170000 | 0644;
  EXPECT_EQ(Call(c, "weird").error, linux_abi::kEINVAL);
  c.mode = linux_abi::kModeRegular | 0644;
  EXPECT_EQ(Call(c, "x", "target-for-a-file").error, linux_abi::kEINVAL);
  fsproto::Request sym = Q(fsproto::kCreate, 2);
  sym.mode = linux_abi::kModeSymlink | 0777;
  EXPECT_EQ(Call(sym, "emptylink").error, linux_abi::kEINVAL);
  fsproto::Request set = Q(fsproto::kSetAttr, file);
  set.setattr_mask = 0x100;
  EXPECT_EQ(Call(set).error, linux_abi::kEINVAL);
  // Lengths past the data buffer; a readdir buffer too small for a record.
  fsproto::Request w = Q(fsproto::kWrite, file);
  w.length = fsproto::kDataBufferSize + 1;
  EXPECT_EQ(Call(w).error, linux_abi::kEINVAL);
  fsproto::Request rd = Q(fsproto::kRead, file);
  rd.length = 0xFFFFFFFF;
  EXPECT_EQ(Call(rd).error, 0);
  fsproto::Request dir = Q(fsproto::kReadDir, 2);
  dir.length = 8;
  EXPECT_EQ(Call(dir).error, linux_abi::kEINVAL);
  // A readdir cursor that is garbage gives an error or the end, not a crash.
  dir.length = 4096;
  dir.offset = 0xDEADBEEFCAFEull;
  fsproto::Reply garbage = Call(dir);
  EXPECT_TRUE(garbage.error != 0 || (garbage.flags & fsproto::kReplyEndOfDirectory));
  // Link to a directory, rename with an unknown target directory.
  fsproto::Request l = Q(fsproto::kLink, 2);
  l.node2 = 2;
  EXPECT_NE(Call(l, "rootlink").error, 0);
  fsproto::Request rn = Q(fsproto::kRename, 2);
  rn.node2 = 77;
  EXPECT_EQ(Call(rn, "f", "g").error, linux_abi::kESTALE);
  // Forget of unknown ids and too many references is harmless.
  fsproto::Request f = Q(fsproto::kForget, 12345);
  f.offset = 3;
  Call(f);
  f = Q(fsproto::kForget, file);
  f.offset = 1000;
  Call(f);
  EXPECT_EQ(server_->references(static_cast<uint32_t>(file)), 0u);
  // Without a data buffer, data ops fail with EIO.
  server_->set_buffer(nullptr);
  fsproto::Request rd2 = Q(fsproto::kReadDir, 2);
  rd2.length = 4096;
  EXPECT_EQ(Call(rd2).error, linux_abi::kEIO);
  server_->set_buffer(buffer_.data());
  // Random garbage headers never crash the server.
  uint32_t seed = 1;
  for (int i = 0; i < 20000; ++i) {
    uint8_t msg[sizeof(fsproto::Request) + 64];
    for (auto& b : msg) {
      seed = seed * 1103515245 + 12345;
      b = static_cast<uint8_t>(seed >> 16);
    }
    fsproto::Request h;
    memcpy(&h, msg, sizeof h);
    h.magic = fsproto::kMagic;
    h.op = (seed >> 8) % 22;
    if (h.op == fsproto::kUnmount) h.op = fsproto::kGetAttr;
    h.node = (seed >> 4) % 16;
    h.name_length %= 40;
    h.name2_length = 64 - h.name_length > 24 ? (seed % 24) : 0;
    h.length %= fsproto::kDataBufferSize + 2;
    memcpy(msg, &h, sizeof h);
    size_t size = sizeof h + h.name_length + h.name2_length;
    if (size > sizeof msg) continue;
    server_->Handle(msg, size, &r);
  }
  UnmountAndCheck();
}

TEST_F(ServerTest, WriteBackAndTreeImage) {
  Open(ScratchCopy("tree_4k.img"));
  auto entries = List(2, 4096);
  EXPECT_GT(entries.size(), 3u);
  uint64_t f = Create(2, "new", linux_abi::kModeRegular | 0644);
  std::string data = PatternBytes(70000, 3);
  for (size_t at = 0; at < data.size(); at += 4096)
    ASSERT_EQ(Write(f, at, data.substr(at, 4096)).error, 0);
  EXPECT_EQ(server_->WriteBack(), 0);
  EXPECT_EQ(server_->WriteBack(), 0);  // nothing left
  UnmountAndCheck();
  std::string back;
  ASSERT_TRUE(DebugfsCat(image_, "/new", &back));
  EXPECT_EQ(back, data);
}

// A server crashes (the Ext2 goes away without Unmount after a sync); a new
// one mounts the unclean image and adopts what the kernel still holds.
TEST_F(ServerTest, AdoptAfterACrash) {
  uint64_t dir = Create(2, "d", linux_abi::kModeDirectory | 0755);
  uint64_t f = Create(dir, "f", linux_abi::kModeRegular | 0644);
  ASSERT_EQ(Write(f, 0, PatternBytes(5000, 1)).error, 0);
  uint64_t orphan = Create(2, "orphan", linux_abi::kModeRegular | 0600);
  ASSERT_EQ(Write(orphan, 0, "still open").error, 0);
  ASSERT_EQ(Call(Q(fsproto::kUnlink, 2), "orphan").error, 0);  // the kernel still holds it
  uint64_t gone = Create(2, "gone", linux_abi::kModeRegular | 0600);
  fsproto::Request forget = Q(fsproto::kForget, gone);
  forget.offset = 1;
  Call(forget);
  ASSERT_EQ(Call(Q(fsproto::kUnlink, 2), "gone").error, 0);  // freed now
  ASSERT_EQ(Call(Q(fsproto::kSyncFs, 0)).error, 0);
  // The crash.
  server_.reset();
  mounted_.reset();

  mounted_ = std::make_unique<MountedImage>();
  auto mount = mounted_->Mount(image_);
  ASSERT_TRUE(mount.ok()) << mounted_->log.All();
  EXPECT_FALSE(mount.value().was_clean);
  server_ = std::make_unique<Server>(&mounted_->fs, buffer_.data());
  fsproto::Reply root;
  ASSERT_TRUE(server_->MakeRootReply(&root).ok());
  EXPECT_EQ(Lookup(dir, "f").error, linux_abi::kESTALE);  // unknown ids until adopted

  const std::vector<uint64_t> ids = {dir, f, orphan, gone, 0, 1, 1u << 30, 1ull << 40};
  memcpy(buffer_.data(), ids.data(), ids.size() * sizeof(uint64_t));
  fsproto::Request adopt = Q(fsproto::kAdopt, 0);
  adopt.length = static_cast<uint32_t>(ids.size() * sizeof(uint64_t));
  fsproto::Reply r = Call(adopt);
  ASSERT_EQ(r.error, 0);
  ASSERT_EQ(r.length, ids.size() * sizeof(int32_t));
  EXPECT_EQ(r.value, 3u);
  std::vector<int32_t> status(ids.size());
  memcpy(status.data(), buffer_.data(), r.length);
  EXPECT_EQ(status,
            (std::vector<int32_t>{0, 0, 0, linux_abi::kESTALE, linux_abi::kESTALE,
                                  linux_abi::kESTALE, linux_abi::kESTALE, linux_abi::kESTALE}));
  EXPECT_EQ(server_->references(static_cast<uint32_t>(orphan)), 1u);
  EXPECT_EQ(server_->live_nodes(), 4u);  // the root, d, f, the orphan

  // The adopted nodes work as before the crash.
  EXPECT_EQ(ReadAll(f), PatternBytes(5000, 1));
  EXPECT_EQ(ReadAll(orphan), "still open");
  EXPECT_EQ(Lookup(dir, "f").node, f);
  EXPECT_EQ(Call(Q(fsproto::kGetAttr, gone)).error, linux_abi::kESTALE);
  // The kernel lets go of the orphan: it is freed, as its last close would have.
  forget = Q(fsproto::kForget, orphan);
  forget.offset = 1;
  Call(forget);
  EXPECT_EQ(server_->references(static_cast<uint32_t>(orphan)), 0u);

  // Malformed: not a whole number of ids, too many.
  adopt.length = 12;
  EXPECT_EQ(Call(adopt).error, linux_abi::kEINVAL);
  adopt.length = (fsproto::kMaxAdoptNodes + 1) * sizeof(uint64_t);
  EXPECT_EQ(Call(adopt).error, linux_abi::kEINVAL);

  // The image arrived unclean and stays marked so, but e2fsck finds nothing
  // wrong: the orphan was freed, nothing leaked.
  UnmountAndCheck();
  std::string back;
  ASSERT_TRUE(DebugfsCat(image_, "/d/f", &back));
  EXPECT_EQ(back, PatternBytes(5000, 1));
}

}  // namespace
}  // namespace servers::fs
