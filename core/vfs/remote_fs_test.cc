// RemoteFs against an in-process fake server: the server speaks fsproto on
// top of a RamFs (so every answer is a real file system's), and tests can
// tamper with its replies to play a hostile or broken server.

#include "core/vfs/remote_fs.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "abi/linux/fcntl.h"
#include "abi/linux/stat.h"
#include "core/vfs/dirent.h"
#include "core/vfs/mount_table.h"
#include "core/vfs/ops.h"
#include "core/vfs/path.h"
#include "core/vfs/ramfs.h"
#include "core/vfs/test_support.h"

namespace core::vfs {
namespace {

using testing::CollectingSink;
using testing::ListNames;
using testing::ReadAll;
using testing::WriteString;

// ---- The fake server: fsproto over a RamFs.

class RamServer {
 public:
  RamServer() {
    fs_ = testing::NewRamFs();
    kstd::RefPtr<Vnode> root = fs_->Root();
    root_ = root->ino();
    nodes_[root_] = root;
  }
  // A restarted server of the same file system: the same RamFs (the disk),
  // knowing none of the nodes `crashed` handed out except the root; kAdopt
  // finds them through `crashed` (what the disk still holds).
  explicit RamServer(RamServer* crashed)
      : fs_(crashed->fs_), root_(crashed->root_), disk_(&crashed->nodes_), owns_fs_(false) {
    nodes_[root_] = fs_->Root();
  }
  ~RamServer() {
    nodes_.clear();
    if (owns_fs_) fs_->Shutdown();
  }

  // Handles one request message; `buffer` is the shared data buffer.
  fsproto::Reply Serve(const std::vector<uint8_t>& message, std::vector<uint8_t>& buffer) {
    fsproto::Reply reply{};
    fsproto::Request req{};
    std::memcpy(&req, message.data(), sizeof req);
    reply.op = req.op;
    requests.push_back(req.op);
    const char* names = reinterpret_cast<const char*>(message.data() + sizeof req);
    Name name(names, req.name_length);
    Name name2(names + req.name_length, req.name2_length);
    auto fail = [&](kstd::Error e) {
      reply.error = static_cast<int32_t>(e);
      return reply;
    };
    if (req.op == fsproto::kHello) {
      reply.node = root_;
      reply.attr = AttrOf(nodes_[root_].get());
      reply.info.block_size = 4096;
      reply.info.total_blocks = 100;
      reply.info.free_blocks = 60;
      reply.info.magic = 0x1234;
      return reply;
    }
    if (req.op == fsproto::kStatFs) {
      reply.info.block_size = 1024;
      reply.info.total_blocks = 7;
      reply.info.magic = 0x1234;
      return reply;
    }
    if (req.op == fsproto::kSyncFs || req.op == fsproto::kUnmount) return reply;
    if (req.op == fsproto::kAdopt) {
      if (refuse_adopt) return fail(kstd::Error::kNotSupported);
      size_t n = req.length / sizeof(uint64_t);
      EXPECT_EQ(req.length, n * sizeof(uint64_t));
      std::vector<uint64_t> ids(n);
      std::memcpy(ids.data(), buffer.data(), n * sizeof(uint64_t));
      for (size_t i = 0; i < n; ++i) {
        auto known = disk_->find(ids[i]);
        int32_t status = 0;
        if (known == disk_->end() || gone.count(ids[i]) != 0) {
          status = static_cast<int32_t>(kstd::Error::kStale);
        } else {
          nodes_[ids[i]] = known->second;
          adopted.push_back(ids[i]);
        }
        std::memcpy(buffer.data() + i * sizeof status, &status, sizeof status);
      }
      reply.length = static_cast<uint32_t>(n * sizeof(int32_t));
      return reply;
    }
    auto it = nodes_.find(req.node);
    if (it == nodes_.end()) return fail(kstd::Error::kNotFound);
    Vnode* v = it->second.get();
    switch (req.op) {
      case fsproto::kLookup: {
        auto r = v->Lookup(name);
        if (!r.ok()) return fail(r.error());
        return Named(reply, r.value());
      }
      case fsproto::kGetAttr: reply.attr = AttrOf(v); return reply;
      case fsproto::kSetAttr: {
        SetAttrRequest s;
        if (req.setattr_mask & fsproto::kSetMode)
          s.mask |= SetAttrRequest::kMode, s.mode = req.mode;
        if (req.setattr_mask & fsproto::kSetUid) s.mask |= SetAttrRequest::kUid, s.uid = req.uid;
        if (req.setattr_mask & fsproto::kSetGid) s.mask |= SetAttrRequest::kGid, s.gid = req.gid;
        if (req.setattr_mask & fsproto::kSetAtime)
          s.mask |= SetAttrRequest::kAtime, s.atime = req.atime_ns;
        if (req.setattr_mask & fsproto::kSetMtime)
          s.mask |= SetAttrRequest::kMtime, s.mtime = req.mtime_ns;
        auto r = v->SetAttr(s);
        if (!r.ok()) return fail(r.error());
        reply.attr = AttrOf(v);
        return reply;
      }
      case fsproto::kCreate: {
        CreateRequest c;
        auto type = TypeFromMode(req.mode);
        if (!type.ok()) return fail(kstd::Error::kInvalid);
        c.type = type.value();
        c.mode = req.mode & 07777;
        c.uid = req.uid;
        c.gid = req.gid;
        c.rdev = req.rdev;
        c.symlink_target = name2;
        auto r = v->Create(name, c);
        if (!r.ok()) return fail(r.error());
        return Named(reply, r.value());
      }
      case fsproto::kLink: {
        auto t = nodes_.find(req.node2);
        if (t == nodes_.end()) return fail(kstd::Error::kNotFound);
        auto r = v->Link(name, t->second.get());
        if (!r.ok()) return fail(r.error());
        reply.attr = AttrOf(t->second.get());
        return reply;
      }
      case fsproto::kUnlink: {
        auto child = v->Lookup(name);
        auto r = v->Unlink(name);
        if (!r.ok()) return fail(r.error());
        reply.node = child.value()->ino();
        return reply;
      }
      case fsproto::kRmdir: {
        auto r = v->Rmdir(name);
        return r.ok() ? reply : fail(r.error());
      }
      case fsproto::kRename: {
        auto t = nodes_.find(req.node2);
        if (t == nodes_.end()) return fail(kstd::Error::kNotFound);
        auto r = v->Rename(name, t->second.get(), name2);
        return r.ok() ? reply : fail(r.error());
      }
      case fsproto::kReadDir: {
        RecordSink sink(buffer.data(), std::min<size_t>(req.length, buffer.size()));
        uint64_t cursor = req.offset;
        auto r = v->ReadDir(&cursor, sink);
        if (!r.ok()) return fail(r.error());
        reply.value = sink.count;
        reply.length = static_cast<uint32_t>(sink.used);
        if (sink.count == 0) reply.flags = fsproto::kReplyEndOfDirectory;
        return reply;
      }
      case fsproto::kRead: {
        auto r = v->ReadAt(req.offset, kstd::Span<uint8_t>(buffer.data(), req.length));
        if (!r.ok()) return fail(r.error());
        reply.length = static_cast<uint32_t>(r.value());
        return reply;
      }
      case fsproto::kWrite: {
        auto r = v->WriteAt(req.offset, kstd::Span<const uint8_t>(buffer.data(), req.length));
        if (!r.ok()) return fail(r.error());
        reply.value = r.value();
        reply.attr = AttrOf(v);
        return reply;
      }
      case fsproto::kAppend: {
        uint64_t end = 0;
        auto r = v->Append(kstd::Span<const uint8_t>(buffer.data(), req.length), &end);
        if (!r.ok()) return fail(r.error());
        reply.value = r.value();
        reply.attr = AttrOf(v);
        return reply;
      }
      case fsproto::kTruncate: {
        auto r = v->Truncate(req.offset);
        if (!r.ok()) return fail(r.error());
        reply.attr = AttrOf(v);
        return reply;
      }
      case fsproto::kReadLink: {
        auto r = v->ReadLink(kstd::Span<char>(reinterpret_cast<char*>(buffer.data()), req.length));
        if (!r.ok()) return fail(r.error());
        reply.length = static_cast<uint32_t>(r.value());
        return reply;
      }
      case fsproto::kSyncNode: return reply;
      default: return fail(kstd::Error::kNotSupported);
    }
  }

  void Forget(const fsproto::Request& req) { forgotten[req.node] += req.offset; }

  static fsproto::Attr AttrOf(Vnode* v) {
    Attributes a = v->GetAttr();
    fsproto::Attr out{};
    out.node = a.ino;
    out.mode = a.mode;
    out.nlink = a.nlink;
    out.uid = a.uid;
    out.gid = a.gid;
    out.rdev = a.rdev;
    out.size = a.size;
    out.blocks = a.blocks;
    out.block_size = a.block_size;
    out.atime_ns = a.atime;
    out.mtime_ns = a.mtime;
    out.ctime_ns = a.ctime;
    out.btime_ns = a.btime;
    return out;
  }

  uint64_t root() const { return root_; }
  kstd::RefPtr<Vnode> Root() const { return fs_->Root(); }
  std::vector<uint32_t> requests;
  std::map<uint64_t, uint64_t> forgotten;
  std::vector<uint64_t> adopted;  // kAdopt ids taken, in order
  std::set<uint64_t> gone;        // kAdopt refuses these (ESTALE)
  bool refuse_adopt = false;      // kAdopt fails as a whole (ENOSYS)

 private:
  // Directory entries into fsproto DirRecords.
  class RecordSink final : public DirSink {
   public:
    RecordSink(uint8_t* buf, size_t cap) : buf_(buf), cap_(cap) {}
    bool Emit(const DirEntry& e) override {
      size_t size = fsproto::DirRecordSize(static_cast<uint32_t>(e.name.size()));
      if (cap_ - used < size) return false;
      fsproto::DirRecord rec{};
      rec.node = e.ino;
      rec.next_cursor = e.next_cursor;
      rec.name_length = static_cast<uint16_t>(e.name.size());
      rec.type = DirentType(e.type);
      std::memset(buf_ + used, 0, size);
      std::memcpy(buf_ + used, &rec, sizeof rec);
      std::memcpy(buf_ + used + sizeof rec, e.name.data(), e.name.size());
      used += size;
      ++count;
      return true;
    }
    size_t used = 0;
    uint64_t count = 0;

   private:
    uint8_t* buf_;
    size_t cap_;
  };

  fsproto::Reply& Named(fsproto::Reply& reply, const kstd::RefPtr<Vnode>& v) {
    nodes_[v->ino()] = v;
    reply.node = v->ino();
    reply.attr = AttrOf(v.get());
    return reply;
  }

  kstd::RefPtr<RamFs> fs_;
  uint64_t root_ = 0;
  std::map<uint64_t, kstd::RefPtr<Vnode>> nodes_;
  const std::map<uint64_t, kstd::RefPtr<Vnode>>* disk_ = &nodes_;
  bool owns_fs_ = true;
};

// ---- The fake transport: calls the server directly, with tamper hooks.

class FakeTransport final : public RemoteTransport {
 public:
  explicit FakeTransport(RamServer* server) : server_(server), buffer_(fsproto::kDataBufferSize) {}

  kstd::Result<void> Call(kstd::Span<const uint8_t> message, kstd::Span<const uint8_t> data_in,
                          fsproto::Reply* reply, kstd::Span<uint8_t> data_out) override {
    if (dead_) return kstd::Error::kIo;
    if (data_in.size() > buffer_.size()) return kstd::Error::kInvalid;
    EXPECT_GE(message.size(), sizeof(fsproto::Request));
    if (!data_in.empty()) std::memcpy(buffer_.data(), data_in.data(), data_in.size());
    std::vector<uint8_t> request(message.begin(), message.end());
    fsproto::Request header;
    std::memcpy(&header, request.data(), sizeof header);
    EXPECT_EQ(header.magic, fsproto::kMagic);
    EXPECT_EQ(message.size(), sizeof header + header.name_length + header.name2_length);
    ++calls;
    fsproto::Reply served = server_->Serve(request, buffer_);
    std::vector<uint8_t> raw(sizeof served);
    std::memcpy(raw.data(), &served, sizeof served);
    if (tamper) tamper(header, raw, buffer_);
    auto checked = CheckReply(kstd::Span<const uint8_t>(raw.data(), raw.size()), header.op,
                              data_out.size(), reply);
    if (!checked.ok()) {
      dead_ = true;  // as the kernel transport: a protocol violation kills the mount
      return checked.error();
    }
    if (reply->length != 0) std::memcpy(data_out.data(), buffer_.data(), reply->length);
    return kstd::Ok();
  }

  void Post(kstd::Span<const uint8_t> message) override {
    fsproto::Request header;
    ASSERT_EQ(message.size(), sizeof header);
    std::memcpy(&header, message.data(), sizeof header);
    ASSERT_EQ(header.op, fsproto::kForget);
    server_->Forget(header);
  }

  bool dead() const override { return dead_; }
  void Kill() { dead_ = true; }

  // Called with the request, the reply bytes and the data buffer.
  std::function<void(const fsproto::Request&, std::vector<uint8_t>&, std::vector<uint8_t>&)> tamper;
  int calls = 0;

 private:
  RamServer* server_;
  std::vector<uint8_t> buffer_;
  bool dead_ = false;
};

fsproto::Reply& ReplyIn(std::vector<uint8_t>& raw) {
  return *reinterpret_cast<fsproto::Reply*>(raw.data());
}

class RemoteFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::UseFakeClock(1000 * testing::kSecond);
    transport = kstd::AdoptRef(new FakeTransport(&server));
    auto fs_or = RemoteFs::Create(transport, HelloFrom(&server));
    ASSERT_TRUE(fs_or.ok());
    fs = fs_or.release_value();
    root = fs->Root();
  }
  void TearDown() override {
    root.reset();
    if (fs) fs->Shutdown();
  }
  FakeTransport& fake() { return *static_cast<FakeTransport*>(transport.get()); }

  static fsproto::Reply HelloFrom(RamServer* s) {
    fsproto::Request hello{};
    hello.magic = fsproto::kMagic;
    hello.op = fsproto::kHello;
    std::vector<uint8_t> message(sizeof hello);
    std::memcpy(message.data(), &hello, sizeof hello);
    std::vector<uint8_t> buffer(16);
    return s->Serve(message, buffer);
  }

  // The server dies; a new one (restarted, sharing the disk) is made ready
  // as `restarted` with its transport `fresh`. Re-attach is up to the test.
  void CrashServer() {
    fake().Kill();
    restarted = std::make_unique<RamServer>(&server);
    fresh = kstd::AdoptRef(new FakeTransport(restarted.get()));
  }

  RamServer server;
  std::unique_ptr<RamServer> restarted;
  kstd::RefPtr<RemoteTransport> fresh;
  kstd::RefPtr<RemoteTransport> transport;
  kstd::RefPtr<RemoteFs> fs;
  kstd::RefPtr<Vnode> root;
};

TEST_F(RemoteFsTest, FilesRoundTrip) {
  ASSERT_TRUE(root->IsDirectory());
  EXPECT_STREQ(fs->name(), "remotefs");
  kstd::RefPtr<Vnode> f = testing::MustCreate(root.get(), "hello.txt", testing::FileRequest(0640));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->type(), VnodeType::kRegular);
  EXPECT_OK(WriteString(f.get(), 0, "hello, remote world"));
  EXPECT_EQ(ReadAll(f.get(), 7), "hello, remote world");
  Attributes a = f->GetAttr();
  EXPECT_EQ(a.size, 19u);
  EXPECT_EQ(a.mode, linux_abi::kModeRegular | 0640);
  EXPECT_EQ(a.dev, fs->device());

  uint64_t end = 0;
  std::string more = "!!";
  EXPECT_OK(
      f->Append(kstd::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(more.data()), 2), &end));
  EXPECT_EQ(end, 21u);
  EXPECT_OK(f->Truncate(5));
  EXPECT_EQ(ReadAll(f.get()), "hello");

  // The same node is the same vnode.
  kstd::RefPtr<Vnode> again = testing::MustLookup(root.get(), "hello.txt");
  EXPECT_EQ(again.get(), f.get());
  EXPECT_ERR(root->Lookup("missing"), kNotFound);
  EXPECT_ERR(root->Create("hello.txt", testing::FileRequest()), kExists);
}

TEST_F(RemoteFsTest, LargeDataGoesInBufferSizedChunks) {
  kstd::RefPtr<Vnode> f = testing::MustCreate(root.get(), "big", testing::FileRequest());
  std::string data(200 * 1024 + 17, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 + 7);
  auto w = WriteString(f.get(), 0, data);
  ASSERT_OK(w);
  EXPECT_EQ(w.value(), data.size());
  std::vector<uint8_t> out(data.size());
  auto r = f->ReadAt(0, kstd::Span<uint8_t>(out.data(), out.size()));
  ASSERT_OK(r);
  EXPECT_EQ(r.value(), data.size());
  EXPECT_EQ(std::memcmp(out.data(), data.data(), data.size()), 0);
}

TEST_F(RemoteFsTest, NamespaceOperations) {
  kstd::RefPtr<Vnode> dir = testing::MustCreate(root.get(), "d", testing::DirRequest());
  kstd::RefPtr<Vnode> a = testing::MustCreate(dir.get(), "a", testing::FileRequest());
  std::string target = "../elsewhere";
  kstd::RefPtr<Vnode> link = testing::MustCreate(dir.get(), "s", testing::SymlinkRequest(target));
  ASSERT_TRUE(link);
  EXPECT_EQ(testing::ReadLinkString(link.get()), target);
  char small[4];
  auto truncated = link->ReadLink(kstd::Span<char>(small, sizeof small));
  ASSERT_OK(truncated);
  EXPECT_EQ(truncated.value(), 4u);

  EXPECT_OK(dir->Link("b", a.get()));
  EXPECT_EQ(a->GetAttr().nlink, 2u);
  EXPECT_OK(dir->Rename("b", root.get(), "c"));
  EXPECT_OK(root->Unlink("c"));
  EXPECT_EQ(a->GetAttr().nlink, 1u);
  EXPECT_ERR(root->Rmdir("d"), kNotEmpty);
  std::vector<std::string> names = ListNames(dir.get(), 2);
  EXPECT_EQ(names, (std::vector<std::string>{".", "..", "a", "s"}));
  EXPECT_OK(dir->Unlink("a"));
  EXPECT_OK(dir->Unlink("s"));
  EXPECT_OK(root->Rmdir("d"));

  SetAttrRequest chmod;
  chmod.mask = SetAttrRequest::kMode | SetAttrRequest::kMtime;
  chmod.mode = 0600;
  chmod.mtime = 42;
  EXPECT_OK(root->SetAttr(chmod));
  EXPECT_EQ(root->GetAttr().mode, linux_abi::kModeDirectory | 0600);
  EXPECT_EQ(root->GetAttr().mtime, 42);

  EXPECT_EQ(fs->StatFs().block_size, 1024u);
  EXPECT_EQ(fs->StatFs().total_blocks, 7u);
  EXPECT_OK(fs->SyncAll());
}

size_t CountOps(const std::vector<uint32_t>& ops, uint32_t op) {
  size_t n = 0;
  for (uint32_t o : ops) n += o == op;
  return n;
}

TEST_F(RemoteFsTest, NameCacheSavesLookupsAndFollowsNamespaceChanges) {
  kstd::RefPtr<Vnode> dir = testing::MustCreate(root.get(), "d", testing::DirRequest());
  kstd::RefPtr<Vnode> a = testing::MustCreate(dir.get(), "a", testing::FileRequest());
  dir.reset();
  server.requests.clear();
  kstd::RefPtr<Vnode> first = testing::MustLookup(root.get(), "d");
  kstd::RefPtr<Vnode> second = testing::MustLookup(root.get(), "d");
  EXPECT_EQ(first.get(), second.get());
  EXPECT_EQ(CountOps(server.requests, fsproto::kLookup), 1u);  // the second was a hit
  EXPECT_EQ(fs->name_cache_hits(), 1u);
  EXPECT_ERR(root->Lookup("missing"), kNotFound);
  EXPECT_ERR(root->Lookup("missing"), kNotFound);  // misses are not cached
  EXPECT_EQ(CountOps(server.requests, fsproto::kLookup), 3u);

  // Unlink, rename and rmdir clear what they change.
  ASSERT_TRUE(testing::MustLookup(first.get(), "a"));
  EXPECT_OK(first->Unlink("a"));
  EXPECT_ERR(first->Lookup("a"), kNotFound);
  kstd::RefPtr<Vnode> x = testing::MustCreate(first.get(), "x", testing::FileRequest());
  ASSERT_TRUE(testing::MustLookup(first.get(), "x"));
  EXPECT_OK(first->Rename("x", root.get(), "y"));
  EXPECT_ERR(first->Lookup("x"), kNotFound);
  EXPECT_EQ(testing::MustLookup(root.get(), "y").get(), x.get());
  kstd::RefPtr<Vnode> z = testing::MustCreate(root.get(), "z", testing::FileRequest());
  ASSERT_TRUE(testing::MustLookup(root.get(), "z"));
  EXPECT_OK(root->Rename("y", root.get(), "z"));  // replaces z
  EXPECT_EQ(testing::MustLookup(root.get(), "z").get(), x.get());
  EXPECT_OK(root->Unlink("z"));
  first.reset();
  second.reset();
  EXPECT_OK(root->Rmdir("d"));
  EXPECT_ERR(root->Lookup("d"), kNotFound);
}

TEST_F(RemoteFsTest, NameCacheDropsAnswersThatRacedWithAClear) {
  kstd::RefPtr<Vnode> f = testing::MustCreate(root.get(), "f", testing::FileRequest());
  auto* dir = static_cast<RemoteVnode*>(root.get());
  uint64_t generation = 0;
  EXPECT_FALSE(fs->CachedChild(dir, "f", &generation));
  fs->ClearChildren(dir);  // an unlink or rename ran meanwhile
  fs->RememberChild(dir, "f", f->ino(), generation);
  EXPECT_FALSE(fs->CachedChild(dir, "f", &generation));
  fs->RememberChild(dir, "f", f->ino(), generation);
  EXPECT_EQ(fs->CachedChild(dir, "f", &generation).get(), f.get());
  // Names too long to cache, and "..", are always asked.
  std::string long_name(60, 'n');
  fs->RememberChild(dir, Name(long_name.data(), long_name.size()), f->ino(), generation);
  EXPECT_FALSE(fs->CachedChild(dir, Name(long_name.data(), long_name.size()), &generation));
  fs->RememberChild(dir, "..", dir->ino(), generation);
  EXPECT_FALSE(fs->CachedChild(dir, "..", &generation));
}

TEST_F(RemoteFsTest, NameCacheMissesNodesTheTableForgot) {
  ASSERT_TRUE(testing::MustCreate(root.get(), "keep", testing::FileRequest()));
  ASSERT_TRUE(testing::MustLookup(root.get(), "keep"));  // cached, then unreferenced
  for (int i = 0; i < 700; ++i) {                        // evicts it from the node table
    ASSERT_TRUE(testing::MustCreate(root.get(), "f" + std::to_string(i), testing::FileRequest()));
  }
  server.requests.clear();
  kstd::RefPtr<Vnode> again = testing::MustLookup(root.get(), "keep");
  ASSERT_TRUE(again);
  EXPECT_EQ(CountOps(server.requests, fsproto::kLookup), 1u);  // asked again, not a dangling hit
  EXPECT_EQ(again->type(), VnodeType::kRegular);
}

TEST_F(RemoteFsTest, MountedAndResolvedThroughTheMountTable) {
  testing::Namespace ns;
  kstd::RefPtr<Vnode> mnt = ns.Mkdir("/mnt");
  ASSERT_OK(ns.mounts.Mount(fs, mnt, "/mnt"));
  PathContext ctx{&ns.mounts, ns.root.get(), ns.root.get()};
  ASSERT_OK(MakeDirectory(ctx, "/mnt/sub", 0755));
  auto file = OpenPath(ctx, "/mnt/sub/x", linux_abi::kOCreat | linux_abi::kORdWr, 0644);
  ASSERT_OK(file);
  EXPECT_EQ(file.value()->vnode()->fs(), fs.get());
  EXPECT_ERR(ns.mounts.Umount(fs->Root().get()), kBusy);  // the open file pins it
  file = kstd::Error::kInvalid;                           // close
  auto up = LookupPath(ctx, "/mnt/sub/../..", true);
  ASSERT_OK(up);
  EXPECT_EQ(up.value().get(), ns.root.get());
  EXPECT_OK(RenamePath(ctx, "/mnt/sub/x", ctx, "/mnt/y"));
  EXPECT_ERR(RenamePath(ctx, "/mnt/y", ctx, "/z"), kCrossDevice);
  EXPECT_OK(fs->Unmount());
  kstd::RefPtr<Vnode> mounted_root = fs->Root();
  EXPECT_OK(ns.mounts.Umount(mounted_root.get()));
  mounted_root.reset();
  root.reset();
  EXPECT_EQ(fs->Root().get(), nullptr);
  EXPECT_EQ(server.requests.back(), fsproto::kUnmount);
}

TEST_F(RemoteFsTest, UnreferencedNodesAreEvictedAndForgotten) {
  for (int i = 0; i < 700; ++i) {
    std::string name = "f" + std::to_string(i);
    ASSERT_TRUE(testing::MustCreate(root.get(), name, testing::FileRequest()));
  }
  EXPECT_LE(fs->cached_nodes(), RemoteFs::kNodeCacheSoft + 1);
  uint64_t forgotten = 0;
  for (const auto& [node, count] : server.forgotten) {
    EXPECT_NE(node, server.root());
    EXPECT_EQ(count, 1u);
    forgotten += count;
  }
  EXPECT_GT(forgotten, 100u);
  // An unlinked node nobody holds is forgotten at once.
  server.forgotten.clear();
  {
    kstd::RefPtr<Vnode> doomed = testing::MustCreate(root.get(), "doomed", testing::FileRequest());
    ASSERT_TRUE(doomed);
    uint64_t id = doomed->ino();
    EXPECT_OK(root->Unlink("doomed"));
    EXPECT_EQ(server.forgotten.count(id), 0u);  // still referenced here
    doomed.reset();
    kstd::RefPtr<Vnode> kept = testing::MustCreate(root.get(), "kept", testing::FileRequest());
    uint64_t kept_id = kept->ino();
    kept.reset();
    EXPECT_OK(root->Unlink("kept"));
    EXPECT_EQ(server.forgotten[kept_id], 1u);
  }
  // An evicted node comes back as a fresh vnode with the same identity.
  kstd::RefPtr<Vnode> f0 = testing::MustLookup(root.get(), "f0");
  ASSERT_TRUE(f0);
  EXPECT_EQ(f0->type(), VnodeType::kRegular);
}

TEST_F(RemoteFsTest, DeadServerGivesEio) {
  kstd::RefPtr<Vnode> f = testing::MustCreate(root.get(), "f", testing::FileRequest());
  fake().Kill();
  EXPECT_ERR(root->Lookup("f"), kIo);
  uint8_t buf[8];
  EXPECT_ERR(f->ReadAt(0, kstd::Span<uint8_t>(buf, sizeof buf)), kIo);
  EXPECT_ERR(WriteString(f.get(), 0, "x"), kIo);
  EXPECT_ERR(f->Sync(), kIo);
  EXPECT_ERR(fs->Unmount(), kIo);
  CollectingSink sink;
  uint64_t cursor = 0;
  EXPECT_ERR(root->ReadDir(&cursor, sink), kIo);
  // GetAttr cannot fail: the last attributes seen.
  EXPECT_EQ(f->GetAttr().mode & linux_abi::kModeTypeMask, linux_abi::kModeRegular);
}

// ---- Re-attach: a restarted server takes the mount over.

TEST_F(RemoteFsTest, ReattachKeepsOpenFilesAndDirectories) {
  kstd::RefPtr<Vnode> dir = testing::MustCreate(root.get(), "d", testing::DirRequest());
  kstd::RefPtr<Vnode> f = testing::MustCreate(dir.get(), "f", testing::FileRequest());
  ASSERT_OK(WriteString(f.get(), 0, "before the crash"));
  kstd::RefPtr<Vnode> unused = testing::MustCreate(root.get(), "unused", testing::FileRequest());
  uint64_t unused_id = unused->ino();
  unused.reset();  // only the node table holds it now
  CrashServer();
  EXPECT_ERR(dir->Lookup("f"), kIo);
  EXPECT_ERR(WriteString(f.get(), 0, "x"), kIo);

  auto report = fs->Reattach(fresh, HelloFrom(restarted.get()));
  ASSERT_OK(report);
  EXPECT_EQ(report.value().adopted, 2u);  // d (held here) and f
  EXPECT_EQ(report.value().stale, 0u);
  EXPECT_EQ(report.value().dropped, 1u);  // "unused": never offered
  std::set<uint64_t> adopted(restarted->adopted.begin(), restarted->adopted.end());
  EXPECT_EQ(adopted, (std::set<uint64_t>{dir->ino(), f->ino()}));
  EXPECT_EQ(adopted.count(unused_id), 0u);
  EXPECT_EQ(fs->transport().get(), fresh.get());

  // The same vnodes work through the new server.
  EXPECT_EQ(ReadAll(f.get()), "before the crash");
  ASSERT_OK(WriteString(f.get(), 0, "BEFORE"));
  EXPECT_EQ(ReadAll(f.get()), "BEFORE the crash");
  EXPECT_EQ(testing::MustLookup(root.get(), "d").get(), dir.get());
  EXPECT_EQ(testing::MustLookup(dir.get(), "f").get(), f.get());
  kstd::RefPtr<Vnode> again = testing::MustLookup(root.get(), "unused");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->ino(), unused_id);
  again.reset();
  EXPECT_TRUE(fake().dead());  // the old transport is not used again

  // Reference counts restarted at the adopt: the node was named twice since
  // (kAdopt, then the lookup above), so forgetting it gives back exactly 2.
  f.reset();
  uint64_t f_id = testing::MustLookup(dir.get(), "f")->ino();
  EXPECT_OK(dir->Unlink("f"));
  EXPECT_EQ(restarted->forgotten[f_id], 2u);
  EXPECT_EQ(server.forgotten.count(f_id), 0u);
}

TEST_F(RemoteFsTest, ReattachMakesRefusedNodesStale) {
  kstd::RefPtr<Vnode> kept = testing::MustCreate(root.get(), "kept", testing::FileRequest());
  kstd::RefPtr<Vnode> lost = testing::MustCreate(root.get(), "lost", testing::FileRequest());
  kstd::RefPtr<Vnode> lost_dir = testing::MustCreate(root.get(), "ld", testing::DirRequest());
  ASSERT_OK(WriteString(lost.get(), 0, "data"));
  CrashServer();
  restarted->gone = {lost->ino(), lost_dir->ino()};
  auto report = fs->Reattach(fresh, HelloFrom(restarted.get()));
  ASSERT_OK(report);
  EXPECT_EQ(report.value().adopted, 1u);
  EXPECT_EQ(report.value().stale, 2u);
  auto* stale = static_cast<RemoteVnode*>(lost.get());
  EXPECT_TRUE(stale->stale());
  EXPECT_FALSE(static_cast<RemoteVnode*>(kept.get())->stale());
  restarted->requests.clear();
  uint8_t buf[4];
  EXPECT_ERR(lost->ReadAt(0, kstd::Span<uint8_t>(buf, sizeof buf)), kStale);
  EXPECT_ERR(WriteString(lost.get(), 0, "x"), kStale);
  EXPECT_ERR(lost->Truncate(0), kStale);
  EXPECT_ERR(lost->Sync(), kStale);
  EXPECT_ERR(root->Link("alias", lost.get()), kStale);
  EXPECT_ERR(lost_dir->Lookup("x"), kStale);
  EXPECT_ERR(lost_dir->Create("x", testing::FileRequest()), kStale);
  EXPECT_ERR(root->Rename("kept", lost_dir.get(), "k"), kStale);
  CollectingSink sink;
  uint64_t cursor = 0;
  EXPECT_ERR(lost_dir->ReadDir(&cursor, sink), kStale);
  EXPECT_EQ(lost->GetAttr().size, 4u);       // the last attributes seen
  EXPECT_TRUE(restarted->requests.empty());  // none of that reached the server
  // The name leads to a fresh vnode now (here the disk still has the file).
  kstd::RefPtr<Vnode> fresh_lost = testing::MustLookup(root.get(), "lost");
  ASSERT_TRUE(fresh_lost);
  EXPECT_NE(fresh_lost.get(), lost.get());
  EXPECT_EQ(ReadAll(fresh_lost.get()), "data");
  EXPECT_EQ(ReadAll(kept.get()), "");
}

TEST_F(RemoteFsTest, ReattachDropsTheNameCache) {
  kstd::RefPtr<Vnode> dir = testing::MustCreate(root.get(), "d", testing::DirRequest());
  kstd::RefPtr<Vnode> a = testing::MustCreate(dir.get(), "a", testing::FileRequest());
  kstd::RefPtr<Vnode> b = testing::MustCreate(dir.get(), "b", testing::FileRequest());
  ASSERT_EQ(testing::MustLookup(dir.get(), "a").get(), a.get());  // cached
  ASSERT_EQ(testing::MustLookup(dir.get(), "a").get(), a.get());
  CrashServer();
  // What the old server had not written back is gone: on the disk "a" is
  // now what was "b" (the kernel never saw that).
  kstd::RefPtr<Vnode> disk_dir = testing::MustLookup(restarted->Root().get(), "d");
  ASSERT_OK(disk_dir->Rename("b", disk_dir.get(), "a"));
  ASSERT_OK(fs->Reattach(fresh, HelloFrom(restarted.get())));
  restarted->requests.clear();
  EXPECT_EQ(testing::MustLookup(dir.get(), "a").get(), b.get());
  EXPECT_EQ(CountOps(restarted->requests, fsproto::kLookup), 1u);  // asked, not a stale hit
  EXPECT_ERR(dir->Lookup("b"), kNotFound);
}

TEST_F(RemoteFsTest, ReattachRefusals) {
  kstd::RefPtr<Vnode> f = testing::MustCreate(root.get(), "f", testing::FileRequest());
  RamServer other;
  kstd::RefPtr<RemoteTransport> other_transport = kstd::AdoptRef(new FakeTransport(&other));
  // The server is alive: nothing to take over.
  EXPECT_ERR(fs->Reattach(other_transport, HelloFrom(&server)), kBusy);
  CrashServer();
  fsproto::Reply hello = HelloFrom(restarted.get());
  EXPECT_ERR(fs->Reattach(nullptr, hello), kInvalid);
  fsproto::Reply bad = hello;
  bad.node += 1;
  bad.attr.node += 1;
  EXPECT_ERR(fs->Reattach(fresh, bad), kInvalid);  // another root
  bad = hello;
  bad.info.magic = 0xEF53;
  EXPECT_ERR(fs->Reattach(fresh, bad), kInvalid);  // another kind of file system
  bad = hello;
  bad.attr.mode = linux_abi::kModeRegular | 0644;
  EXPECT_ERR(fs->Reattach(fresh, bad), kInvalid);
  bad = hello;
  bad.error = 5;
  EXPECT_ERR(fs->Reattach(fresh, bad), kInvalid);
  // A server without kAdopt cannot take over: the mount stays dead, the
  // vnodes stay as they were.
  restarted->refuse_adopt = true;
  EXPECT_EQ(testing::Status(fs->Reattach(fresh, hello)), "ENOSYS");
  EXPECT_EQ(fs->transport().get(), transport.get());
  EXPECT_ERR(WriteString(f.get(), 0, "x"), kIo);
  EXPECT_FALSE(static_cast<RemoteVnode*>(f.get())->stale());
  // A malformed kAdopt reply is refused too.
  restarted->refuse_adopt = false;
  static_cast<FakeTransport*>(fresh.get())->tamper =
      [](const fsproto::Request& req, std::vector<uint8_t>& raw, std::vector<uint8_t>&) {
        if (req.op == fsproto::kAdopt) ReplyIn(raw).length -= 4;
      };
  EXPECT_ERR(fs->Reattach(fresh, hello), kIo);
  static_cast<FakeTransport*>(fresh.get())->tamper = nullptr;
  kstd::RefPtr<RemoteTransport> retry = kstd::AdoptRef(new FakeTransport(restarted.get()));
  ASSERT_OK(fs->Reattach(retry, hello));
  EXPECT_OK(WriteString(f.get(), 0, "x"));
  // Once shut down there is nothing to re-attach.
  static_cast<FakeTransport*>(retry.get())->Kill();
  root.reset();
  fs->Shutdown();
  kstd::RefPtr<RemoteTransport> late = kstd::AdoptRef(new FakeTransport(restarted.get()));
  EXPECT_ERR(fs->Reattach(late, hello), kIo);
}

TEST_F(RemoteFsTest, ReattachOffersManyNodesInBatches) {
  std::vector<kstd::RefPtr<Vnode>> held;
  for (uint32_t i = 0; i < fsproto::kMaxAdoptNodes + 100; ++i) {
    held.push_back(
        testing::MustCreate(root.get(), "f" + std::to_string(i), testing::FileRequest()));
  }
  CrashServer();
  auto report = fs->Reattach(fresh, HelloFrom(restarted.get()));
  ASSERT_OK(report);
  EXPECT_EQ(report.value().adopted, held.size());
  EXPECT_EQ(restarted->adopted.size(), held.size());
  EXPECT_EQ(CountOps(restarted->requests, fsproto::kAdopt), 2u);
  EXPECT_OK(WriteString(held.front().get(), 0, "ok"));
  EXPECT_OK(WriteString(held.back().get(), 0, "ok"));
}

// ---- Hostile replies: each one is EIO (or refused) and nothing crashes.

struct Hostile {
  const char* what;
  uint32_t op;  // the op whose reply is tampered with
  std::function<void(std::vector<uint8_t>&, std::vector<uint8_t>&)> tamper;
};

class HostileTest : public RemoteFsTest, public ::testing::WithParamInterface<int> {};

std::vector<Hostile> HostileCases() {
  using fsproto::Reply;
  return {
      {"short reply", fsproto::kLookup, [](auto& raw, auto&) { raw.resize(10); }},
      {"long reply", fsproto::kLookup, [](auto& raw, auto&) { raw.resize(raw.size() + 8); }},
      {"empty reply", fsproto::kRead, [](auto& raw, auto&) { raw.clear(); }},
      {"op mismatch", fsproto::kLookup, [](auto& raw, auto&) { ReplyIn(raw).op = fsproto::kRead; }},
      {"negative errno", fsproto::kLookup, [](auto& raw, auto&) { ReplyIn(raw).error = -2; }},
      {"unknown errno", fsproto::kLookup, [](auto& raw, auto&) { ReplyIn(raw).error = 9999; }},
      {"restart code", fsproto::kLookup, [](auto& raw, auto&) { ReplyIn(raw).error = 512; }},
      {"EINTR", fsproto::kRead, [](auto& raw, auto&) { ReplyIn(raw).error = 4; }},
      {"node 0", fsproto::kLookup, [](auto& raw, auto&) { ReplyIn(raw).node = 0; }},
      {"attr node differs", fsproto::kLookup,
       [](auto& raw, auto&) { ReplyIn(raw).attr.node += 1; }},
      {"bad type bits", fsproto::kLookup, [](auto& raw, auto&) { ReplyIn(raw).attr.mode = 0777; }},
      {"type changes", fsproto::kLookup,
       [](auto& raw, auto&) { ReplyIn(raw).attr.mode = linux_abi::kModeDirectory | 0755; }},
      {"read longer than asked", fsproto::kRead, [](auto& raw, auto&) { ReplyIn(raw).length = 9; }},
      {"read past buffer", fsproto::kRead,
       [](auto& raw, auto&) { ReplyIn(raw).length = fsproto::kDataBufferSize + 1; }},
      {"read huge length", fsproto::kRead,
       [](auto& raw, auto&) { ReplyIn(raw).length = 0xFFFFFFFF; }},
      {"write more than sent", fsproto::kWrite,
       [](auto& raw, auto&) { ReplyIn(raw).value = 1000; }},
      {"write attr of another node", fsproto::kWrite,
       [](auto& raw, auto&) { ReplyIn(raw).attr.node = 1; }},
      {"readdir count beyond length", fsproto::kReadDir,
       [](auto& raw, auto&) { ReplyIn(raw).value += 1; }},
      {"readdir huge count", fsproto::kReadDir,
       [](auto& raw, auto&) { ReplyIn(raw).value = ~0ull; }},
      {"readdir name with slash", fsproto::kReadDir,
       [](auto&, auto& buf) { buf[sizeof(fsproto::DirRecord)] = '/'; }},
      {"readdir name with NUL", fsproto::kReadDir,
       [](auto&, auto& buf) { buf[sizeof(fsproto::DirRecord)] = 0; }},
      {"readdir zero name", fsproto::kReadDir,
       [](auto&, auto& buf) {
         reinterpret_cast<fsproto::DirRecord*>(buf.data())->name_length = 0;
       }},
      {"readdir name overruns", fsproto::kReadDir,
       [](auto&, auto& buf) {
         reinterpret_cast<fsproto::DirRecord*>(buf.data())->name_length = 255;
       }},
      {"readdir unknown type", fsproto::kReadDir,
       [](auto&, auto& buf) { reinterpret_cast<fsproto::DirRecord*>(buf.data())->type = 3; }},
      {"readdir node 0", fsproto::kReadDir,
       [](auto&, auto& buf) { reinterpret_cast<fsproto::DirRecord*>(buf.data())->node = 0; }},
      {"readlink longer than asked", fsproto::kReadLink,
       [](auto& raw, auto&) { ReplyIn(raw).length = 100; }},
      {"append end before data", fsproto::kAppend,
       [](auto& raw, auto&) {
         ReplyIn(raw).attr.size = 0;
         ReplyIn(raw).value = 3;
       }},
  };
}

TEST_P(HostileTest, GivesEioNotACrash) {
  const Hostile h = HostileCases()[GetParam()];
  SCOPED_TRACE(h.what);
  // Set the stage with an honest server.
  kstd::RefPtr<Vnode> f = testing::MustCreate(root.get(), "f", testing::FileRequest());
  ASSERT_OK(WriteString(f.get(), 0, "abc"));
  kstd::RefPtr<Vnode> link = testing::MustCreate(root.get(), "l", testing::SymlinkRequest("xy"));
  f.reset();  // lookups go to the server again
  fake().tamper = [&](const fsproto::Request& req, std::vector<uint8_t>& raw,
                      std::vector<uint8_t>& buf) {
    if (req.op == h.op) h.tamper(raw, buf);
  };
  kstd::Result<void> outcome = kstd::Ok();
  switch (h.op) {
    case fsproto::kLookup: {
      auto r = root->Lookup("f");
      outcome = r.ok() ? kstd::Result<void>(kstd::Ok()) : kstd::Result<void>(r.error());
      break;
    }
    case fsproto::kReadDir: {
      CollectingSink sink;
      uint64_t cursor = 0;
      outcome = root->ReadDir(&cursor, sink);
      EXPECT_TRUE(sink.entries.empty());  // nothing from a malformed batch
      EXPECT_EQ(cursor, 0u);
      break;
    }
    case fsproto::kReadLink: {
      char out[3];
      auto r = link->ReadLink(kstd::Span<char>(out, sizeof out));
      outcome = r.ok() ? kstd::Result<void>(kstd::Ok()) : kstd::Result<void>(r.error());
      break;
    }
    default: {
      fake().tamper = nullptr;
      kstd::RefPtr<Vnode> file = testing::MustLookup(root.get(), "f");
      fake().tamper = [&](const fsproto::Request& req, std::vector<uint8_t>& raw,
                          std::vector<uint8_t>& buf) {
        if (req.op == h.op) h.tamper(raw, buf);
      };
      if (h.op == fsproto::kRead) {
        uint8_t out[3];
        auto r = file->ReadAt(0, kstd::Span<uint8_t>(out, sizeof out));
        outcome = r.ok() ? kstd::Result<void>(kstd::Ok()) : kstd::Result<void>(r.error());
      } else if (h.op == fsproto::kWrite) {
        auto r = WriteString(file.get(), 0, "xyz");
        outcome = r.ok() ? kstd::Result<void>(kstd::Ok()) : kstd::Result<void>(r.error());
      } else if (h.op == fsproto::kAppend) {
        uint64_t end = 0;
        const uint8_t data[3] = {1, 2, 3};
        auto r = file->Append(kstd::Span<const uint8_t>(data, 3), &end);
        outcome = r.ok() ? kstd::Result<void>(kstd::Ok()) : kstd::Result<void>(r.error());
      }
      break;
    }
  }
  EXPECT_ERR(outcome, kIo);
}

INSTANTIATE_TEST_SUITE_P(Replies, HostileTest,
                         ::testing::Range(0, static_cast<int>(HostileCases().size())));

// A good hello: root node 5, a directory.
fsproto::Reply GoodHello() {
  fsproto::Reply hello{};
  hello.op = fsproto::kHello;
  hello.node = 5;
  hello.attr.node = 5;
  hello.attr.mode = linux_abi::kModeDirectory | 0755;
  return hello;
}

TEST(RemoteFsCreate, RefusesABadHello) {
  RamServer server;
  kstd::RefPtr<RemoteTransport> t = kstd::AdoptRef(new FakeTransport(&server));
  fsproto::Reply hello = GoodHello();
  hello.attr.mode = linux_abi::kModeRegular | 0644;
  EXPECT_ERR(RemoteFs::Create(t, hello), kIo);  // the root is not a directory
  hello.attr.mode = linux_abi::kModeDirectory | 0755;
  hello.node = 0;
  hello.attr.node = 0;
  EXPECT_ERR(RemoteFs::Create(t, hello), kIo);  // node 0
  hello.node = 5;
  hello.attr.node = 5;
  hello.error = 30;
  EXPECT_EQ(testing::Status(RemoteFs::Create(t, hello)), "EROFS");
  hello.error = 0;
  hello.op = fsproto::kLookup;
  EXPECT_ERR(RemoteFs::Create(t, hello), kIo);
  hello.op = fsproto::kHello;
  auto ok = RemoteFs::Create(t, hello);
  ASSERT_OK(ok);
  ok.value()->Shutdown();
}

// The hello names the type /proc/mounts shows; an unknown name falls back
// to the statfs magic's.
TEST(RemoteFsCreate, TakesTheTypeNameFromTheHello) {
  RamServer server;
  kstd::RefPtr<RemoteTransport> t = kstd::AdoptRef(new FakeTransport(&server));
  fsproto::Reply hello = GoodHello();
  hello.info.magic = 0xEF53;
  const struct {
    uint64_t value;
    const char* name;
  } kCases[] = {{fsproto::kTypeExt4, "ext4"},
                {fsproto::kTypeExt3, "ext3"},
                {fsproto::kTypeExt2, "ext2"},
                {0, "ext2"},
                {99, "ext2"}};
  for (const auto& c : kCases) {
    hello.value = c.value;
    auto fs = RemoteFs::Create(t, hello);
    ASSERT_OK(fs);
    EXPECT_STREQ(fs.value()->name(), c.name) << c.value;
    fs.value()->Shutdown();
  }
  hello.value = 0;
  hello.info.magic = 0x1234;
  auto other = RemoteFs::Create(t, hello);
  ASSERT_OK(other);
  EXPECT_STREQ(other.value()->name(), "remotefs");
  other.value()->Shutdown();
}

TEST(CheckReplyTest, ValidatesTheFixedPart) {
  fsproto::Reply r{};
  r.op = fsproto::kRead;
  r.length = 10;
  fsproto::Reply out;
  auto bytes = [&]() {
    return kstd::Span<const uint8_t>(reinterpret_cast<const uint8_t*>(&r), sizeof r);
  };
  EXPECT_OK(CheckReply(bytes(), fsproto::kRead, 10, &out));
  EXPECT_EQ(out.length, 10u);
  EXPECT_ERR(CheckReply(bytes(), fsproto::kRead, 9, &out), kIo);
  EXPECT_ERR(CheckReply(bytes(), fsproto::kWrite, 10, &out), kIo);
  EXPECT_ERR(CheckReply(bytes().Subspan(0, sizeof r - 1), fsproto::kRead, 10, &out), kIo);
  r.error = 28;  // ENOSPC: a valid failure; the length is then ignored
  r.length = 0xFFFFFFFF;
  EXPECT_OK(CheckReply(bytes(), fsproto::kRead, 10, &out));
  EXPECT_EQ(out.error, 28);
  EXPECT_EQ(out.length, 0u);
  r.error = 513;
  EXPECT_OK(CheckReply(bytes(), fsproto::kRead, 10, &out));
  EXPECT_EQ(out.error, 5);  // unknown errnos become EIO
  EXPECT_EQ(ErrorFromWire(4), kstd::Error::kIo);
  EXPECT_EQ(ErrorFromWire(2), kstd::Error::kNotFound);
}

}  // namespace
}  // namespace core::vfs
