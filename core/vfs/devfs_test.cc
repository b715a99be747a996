#include "core/vfs/devfs.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "abi/linux/fcntl.h"
#include "abi/linux/poll.h"
#include "abi/linux/stat.h"
#include "core/vfs/test_support.h"

namespace core::vfs {
namespace {

using testing::Namespace;

class FixedEntropy final : public crypto::EntropySource {
 public:
  size_t Gather(kstd::Span<uint8_t> out) override {
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i * 7 + 1);
    return credit;
  }
  size_t credit = 64;
};

class DevFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CharDevices().Clear();
    dev_fs = DevFs::Create().release_value();
    dev = ns.Mkdir("/dev");
    ASSERT_OK(ns.mounts.Mount(dev_fs, dev, "/dev"));
    dev_root = dev_fs->Root();
    ASSERT_OK(DevFs::AddMemoryDevices(dev_root.get(), &rng));
  }
  void TearDown() override { CharDevices().Clear(); }

  kstd::RefPtr<OpenFile> Open(const std::string& path, uint32_t flags) {
    kstd::RefPtr<Vnode> v = ns.Get(path);
    EXPECT_TRUE(v) << path;
    if (!v) return nullptr;
    auto f = v->Open(flags);
    EXPECT_TRUE(f.ok()) << path << ": " << testing::Status(f);
    return f.ok() ? f.release_value() : nullptr;
  }

  FixedEntropy entropy;
  crypto::Csprng rng{&entropy};
  Namespace ns;
  kstd::RefPtr<RamFs> dev_fs;
  kstd::RefPtr<Vnode> dev;
  kstd::RefPtr<Vnode> dev_root;
};

TEST_F(DevFsTest, NodesAreCharDevicesWithLinuxNumbers) {
  struct {
    const char* path;
    uint32_t major, minor;
  } expected[] = {{"/dev/null", 1, 3},
                  {"/dev/zero", 1, 5},
                  {"/dev/full", 1, 7},
                  {"/dev/random", 1, 8},
                  {"/dev/urandom", 1, 9}};
  for (const auto& e : expected) {
    kstd::RefPtr<Vnode> v = ns.Get(e.path);
    ASSERT_TRUE(v) << e.path;
    linux_abi::Stat st;
    v->Stat(&st);
    EXPECT_EQ(st.st_mode, linux_abi::kModeCharDevice | 0666) << e.path;
    EXPECT_EQ(linux_abi::DevMajor(st.st_rdev), e.major) << e.path;
    EXPECT_EQ(linux_abi::DevMinor(st.st_rdev), e.minor) << e.path;
  }
  EXPECT_EQ(std::string(dev_fs->name()), "devtmpfs");
  EXPECT_EQ(testing::ListNames(dev_root.get()),
            (std::vector<std::string>{".", "..", "null", "zero", "full", "random", "urandom"}));
}

TEST_F(DevFsTest, NullReadsEofAndSwallowsWrites) {
  kstd::RefPtr<OpenFile> f = Open("/dev/null", linux_abi::kORdWr);
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->seekable());
  uint8_t buf[16];
  auto r = f->Read(0, kstd::Span<uint8_t>(buf, 16));
  ASSERT_OK(r);
  EXPECT_EQ(r.value(), 0u);
  auto w = f->Write(0, kstd::Span<const uint8_t>(buf, 16));
  ASSERT_OK(w);
  EXPECT_EQ(w.value(), 16u);
  EXPECT_EQ(f->WaitObject(), nullptr);
}

TEST_F(DevFsTest, ZeroReadsZerosInChunks) {
  kstd::RefPtr<OpenFile> f = Open("/dev/zero", linux_abi::kORdOnly);
  ASSERT_TRUE(f);
  std::vector<uint8_t> buf(kMemoryDeviceChunk * 2, 0xaa);
  auto r = f->Read(0, kstd::Span<uint8_t>(buf.data(), buf.size()));
  ASSERT_OK(r);
  EXPECT_EQ(r.value(), kMemoryDeviceChunk);  // short read: the caller loops
  for (size_t i = 0; i < r.value(); ++i) ASSERT_EQ(buf[i], 0) << i;
  EXPECT_EQ(buf[kMemoryDeviceChunk], 0xaa);
  auto w = f->Write(0, kstd::Span<const uint8_t>(buf.data(), 10));
  ASSERT_OK(w);
  EXPECT_EQ(w.value(), 10u);
}

TEST_F(DevFsTest, FullReadsZerosAndRefusesWritesWithENOSPC) {
  kstd::RefPtr<OpenFile> f = Open("/dev/full", linux_abi::kORdWr);
  ASSERT_TRUE(f);
  uint8_t buf[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  auto r = f->Read(0, kstd::Span<uint8_t>(buf, 8));
  ASSERT_OK(r);
  EXPECT_EQ(buf[7], 0);
  EXPECT_ERR(f->Write(0, kstd::Span<const uint8_t>(buf, 8)), kNoSpace);
}

TEST_F(DevFsTest, RandomAndUrandomProduceDistinctBytes) {
  kstd::RefPtr<OpenFile> u = Open("/dev/urandom", linux_abi::kORdOnly);
  kstd::RefPtr<OpenFile> r = Open("/dev/random", linux_abi::kORdOnly);
  ASSERT_TRUE(u && r);
  uint8_t a[32], b[32], c[32];
  ASSERT_OK(u->Read(0, kstd::Span<uint8_t>(a, 32)));
  ASSERT_OK(u->Read(0, kstd::Span<uint8_t>(b, 32)));
  ASSERT_OK(r->Read(0, kstd::Span<uint8_t>(c, 32)));
  EXPECT_NE(std::string(a, a + 32), std::string(b, b + 32));
  EXPECT_NE(std::string(b, b + 32), std::string(c, c + 32));
  EXPECT_EQ(r->Poll() & linux_abi::kPollIn, linux_abi::kPollIn);
  // Writing mixes data in.
  auto w = r->Write(0, kstd::Span<const uint8_t>(a, 32));
  ASSERT_OK(w);
  EXPECT_EQ(w.value(), 32u);
}

TEST_F(DevFsTest, RandomBlocksUntilSeededUrandomDoesNot) {
  CharDevices().Clear();
  FixedEntropy none;
  none.credit = 0;
  crypto::Csprng unseeded(&none);
  kstd::RefPtr<CharDevice> random = MakeRandomDevice(&unseeded, true);
  kstd::RefPtr<CharDevice> urandom = MakeRandomDevice(&unseeded, false);
  uint8_t buf[8];
  EXPECT_ERR(random->Read(kstd::Span<uint8_t>(buf, 8)), kAgain);
  EXPECT_EQ(random->Poll() & linux_abi::kPollIn, 0u);
  EXPECT_OK(urandom->Read(kstd::Span<uint8_t>(buf, 8)));
  none.credit = 64;
  EXPECT_OK(random->Read(kstd::Span<uint8_t>(buf, 8)));
}

class CountingDevice final : public CharDevice {
 public:
  kstd::Result<void> Open(uint32_t flags) override {
    if (flags & linux_abi::kONonBlock) return kstd::Error::kBusy;
    ++opens;
    return kstd::Ok();
  }
  void Close() override { ++closes; }
  kstd::Result<int64_t> Ioctl(uint32_t request, uint64_t arg) override {
    return static_cast<int64_t>(request + arg);
  }
  int opens = 0;
  int closes = 0;
};

// A device whose reads take several steps: each attempt adds one byte and
// asks to wait until the read has three.
class SteppingDevice final : public CharDevice {
 public:
  kstd::Result<size_t> ReadStream(kstd::Span<uint8_t> out, StreamRead* read) override {
    out[read->done] = static_cast<uint8_t>('a' + read->done);
    ++read->done;
    if (read->done == 3) return read->done;
    read->deadline = 1000 * read->done;
    read->wake_on = kSignalNotified;
    return kstd::Error::kAgain;
  }
};

TEST_F(DevFsTest, StreamReadsReachTheDeviceWithTheirState) {
  kstd::RefPtr<CharDevice> dev = kstd::AdoptRef<CharDevice>(new SteppingDevice);
  ASSERT_OK(DevFs::AddDevice(dev_root.get(), "ttyS0", kDevTtyS0, 0620, dev));
  kstd::RefPtr<OpenFile> f = Open("/dev/ttyS0", linux_abi::kORdWr);
  ASSERT_TRUE(f);
  uint8_t buf[4] = {};
  kstd::Span<uint8_t> out(buf, sizeof(buf));
  StreamRead read;
  EXPECT_ERR(f->ReadStream(out, &read), kAgain);
  EXPECT_EQ(read.done, 1u);
  EXPECT_EQ(read.deadline, 1000u);
  EXPECT_EQ(read.wake_on, kSignalNotified);
  EXPECT_ERR(f->ReadStream(out, &read), kAgain);
  auto r = f->ReadStream(out, &read);
  ASSERT_OK(r);
  EXPECT_EQ(r.value(), 3u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), 3), "abc");
}

TEST_F(DevFsTest, RegisteredDevicesOpenThroughAnyNodeWithTheirNumber) {
  auto* tty = new CountingDevice;
  kstd::RefPtr<CharDevice> ref = kstd::AdoptRef<CharDevice>(tty);
  ASSERT_OK(DevFs::AddDevice(dev_root.get(), "ttyS0", kDevTtyS0, 0620, ref));
  {
    kstd::RefPtr<OpenFile> f = Open("/dev/ttyS0", linux_abi::kORdWr);
    ASSERT_TRUE(f);
    EXPECT_EQ(tty->opens, 1);
    auto io = f->Ioctl(0x5401, 1);
    ASSERT_OK(io);
    EXPECT_EQ(io.value(), 0x5402);
    EXPECT_ERR(f->Read(0, kstd::Span<uint8_t>()), kInvalid);  // the default
    StreamRead read;
    EXPECT_ERR(f->ReadStream(kstd::Span<uint8_t>(), &read), kInvalid);  // the default: Read
  }
  EXPECT_EQ(tty->closes, 1);
  // A device's open can refuse.
  EXPECT_ERR(ns.Get("/dev/ttyS0")->Open(linux_abi::kONonBlock), kBusy);
  EXPECT_EQ(tty->closes, 1);
  // mknod in another file system reaches the same driver.
  CreateRequest node;
  node.type = VnodeType::kCharDevice;
  node.rdev = kDevTtyS0;
  kstd::RefPtr<Vnode> alias = testing::MustCreate(ns.root.get(), "serial", node);
  ASSERT_OK(alias->Open(linux_abi::kORdOnly));
  EXPECT_EQ(tty->opens, 2);
  // Names and numbers are unique; a failed add leaves nothing registered.
  EXPECT_ERR(
      DevFs::AddDevice(dev_root.get(), "ttyS0", linux_abi::MakeDev(4, 65), 0620, MakeNullDevice()),
      kExists);
  EXPECT_FALSE(CharDevices().Find(linux_abi::MakeDev(4, 65)));
  EXPECT_ERR(DevFs::AddDevice(dev_root.get(), "other", kDevTtyS0, 0620, MakeNullDevice()), kExists);
}

TEST_F(DevFsTest, NodeWithoutDriverGivesENXIO) {
  CreateRequest node;
  node.type = VnodeType::kCharDevice;
  node.rdev = linux_abi::MakeDev(200, 1);
  kstd::RefPtr<Vnode> v = testing::MustCreate(dev_root.get(), "ghost", node);
  EXPECT_ERR(v->Open(linux_abi::kORdOnly), kNoDeviceOrAddress);
  ASSERT_OK(CharDevices().Unregister(kDevNull));
  EXPECT_ERR(ns.Get("/dev/null")->Open(linux_abi::kORdOnly), kNoDeviceOrAddress);
  EXPECT_ERR(CharDevices().Unregister(kDevNull), kNotFound);
}

TEST_F(DevFsTest, RegistryIsBounded) {
  CharDevices().Clear();
  for (size_t i = 0; i < CharDeviceRegistry::kMaxDevices; ++i) {
    ASSERT_OK(CharDevices().Register(linux_abi::MakeDev(100, static_cast<uint32_t>(i)),
                                     MakeNullDevice()));
  }
  EXPECT_ERR(CharDevices().Register(linux_abi::MakeDev(101, 0), MakeNullDevice()), kNoSpace);
  EXPECT_ERR(CharDevices().Register(linux_abi::MakeDev(101, 0), nullptr), kInvalid);
}

TEST(VirtioBlockNames, LinuxNamesAndNumbers) {
  char name[8];
  auto named = [&](uint32_t index) -> const char* {
    auto n = VirtioBlockName(index, kstd::Span<char>(name, sizeof name));
    return n.ok() ? name : "(error)";
  };
  EXPECT_STREQ(named(0), "vda");
  EXPECT_STREQ(named(1), "vdb");
  EXPECT_STREQ(named(25), "vdz");
  EXPECT_STREQ(named(26), "vdaa");
  EXPECT_STREQ(named(27), "vdab");
  EXPECT_STREQ(named(51), "vdaz");
  EXPECT_STREQ(named(52), "vdba");
  EXPECT_EQ(VirtioBlockName(3, kstd::Span<char>(name, sizeof name)).value(), 3u);
  EXPECT_ERR(VirtioBlockName(kMaxVirtioBlockDisks, kstd::Span<char>(name, sizeof name)), kInvalid);
  EXPECT_ERR(VirtioBlockName(0, kstd::Span<char>(name, 3)), kRange);  // no room for the NUL
  EXPECT_EQ(linux_abi::DevMajor(VirtioBlockRdev(1)), 254u);
  EXPECT_EQ(linux_abi::DevMinor(VirtioBlockRdev(1)), 16u);
  EXPECT_EQ(VirtioBlockIndex(VirtioBlockRdev(0)).value(), 0u);
  EXPECT_EQ(VirtioBlockIndex(VirtioBlockRdev(5)).value(), 5u);
  EXPECT_ERR(VirtioBlockIndex(linux_abi::MakeDev(254, 17)), kNoDeviceOrAddress);  // a partition
  EXPECT_ERR(VirtioBlockIndex(linux_abi::MakeDev(8, 0)), kNoDeviceOrAddress);     // not virtio-blk
  EXPECT_ERR(VirtioBlockIndex(linux_abi::MakeDev(254, 16 * kMaxVirtioBlockDisks)),
             kNoDeviceOrAddress);
}

TEST_F(DevFsTest, BlockNodeIsNamedButNotOpenable) {
  ASSERT_OK(DevFs::AddBlockNode(dev_root.get(), "vdb", VirtioBlockRdev(1)));
  kstd::RefPtr<Vnode> v = ns.Get("/dev/vdb");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->type(), VnodeType::kBlockDevice);
  EXPECT_EQ(v->GetAttr().rdev, VirtioBlockRdev(1));
  EXPECT_EQ(v->GetAttr().mode, linux_abi::kModeBlockDevice | 0660u);
  EXPECT_ERR(v->Open(linux_abi::kORdOnly), kNoDeviceOrAddress);
  EXPECT_ERR(DevFs::AddBlockNode(dev_root.get(), "vdb", VirtioBlockRdev(1)), kExists);
}

}  // namespace
}  // namespace core::vfs
