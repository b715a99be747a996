// Leases (lease.h) over ramfs files: Linux's EAGAIN rules for setting
// them, the break steps (signals, downgrade, time-out) and /proc/locks'
// snapshot. The host's Linux behaves the same (testing/posix lease cases).

#include "core/fd/lease.h"

#include <gtest/gtest.h>

#include <vector>

#include "abi/linux/fcntl.h"
#include "abi/linux/signal.h"
#include "core/fd/file.h"
#include "core/vfs/ramfs.h"
#include "core/vfs/test_support.h"

namespace core::fd {
namespace {

class Desc final : public FileDescription {
 public:
  explicit Desc(uint32_t flags) : FileDescription(flags) {}
  kstd::Result<size_t> Read(kstd::Span<uint8_t>) override { return size_t{0}; }
  kstd::Result<size_t> Write(kstd::Span<const uint8_t> in) override { return in.size(); }
  int16_t PollEvents() override { return 0; }
  const char* Describe() const override { return "desc"; }
};

struct Sent {
  int32_t owner;
  int signo;
  int32_t code;
  int32_t fd;
};
std::vector<Sent> g_sent;
void Record(AsyncOwner owner, int signo, int32_t code, int32_t fd, int64_t) {
  g_sent.push_back({owner.id, signo, code, fd});
}

class LeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetAsyncSignalSender(&Record);
    g_sent.clear();
    fs_ = vfs::testing::NewRamFs();
    file_ = vfs::testing::MustCreate(fs_->Root().get(), "f", vfs::testing::FileRequest());
    SetLeaseBreakTime(45);
  }
  void TearDown() override {
    EXPECT_FALSE(AnyLeases());
    file_.reset();
    fs_->Shutdown();  // the root and the file point back at the file system
  }

  // An open of the file (counted as Linux counts opens) and its description.
  struct Open {
    kstd::RefPtr<vfs::OpenFile> file;
    Desc desc;
    explicit Open(kstd::RefPtr<vfs::Vnode> v, uint32_t flags)
        : file(v->Open(flags).value()), desc(flags) {
      desc.set_async_owner({linux_abi::kFOwnerPid, 77});
    }
    ~Open() { ReleaseLeases(&desc); }
  };
  FileKey Key() const { return LeaseKeyOf(*file_); }

  kstd::RefPtr<vfs::RamFs> fs_;
  kstd::RefPtr<vfs::Vnode> file_;
};

TEST_F(LeaseTest, SettingFollowsLinuxRules) {
  Open rw(file_, linux_abi::kORdWr);
  EXPECT_EQ(SetLease(&rw.desc, *file_, kLeaseNone, 1, 3).error(), kstd::Error::kAgain);
  EXPECT_EQ(SetLease(&rw.desc, *file_, 7, 1, 3).error(), kstd::Error::kInvalid);
  // A read lease needs no writer, the holder included; a write lease is
  // fine as the only open.
  EXPECT_EQ(SetLease(&rw.desc, *file_, kLeaseRead, 1, 3).error(), kstd::Error::kAgain);
  ASSERT_TRUE(SetLease(&rw.desc, *file_, kLeaseWrite, 1, 3).ok());
  EXPECT_EQ(GetLease(&rw.desc), kLeaseWrite);
  ASSERT_TRUE(SetLease(&rw.desc, *file_, kLeaseNone, 1, 3).ok());
  EXPECT_EQ(GetLease(&rw.desc), kLeaseNone);
  {
    Open ro1(file_, linux_abi::kORdOnly);
    Open ro2(file_, linux_abi::kORdOnly);
    EXPECT_EQ(SetLease(&ro1.desc, *file_, kLeaseRead, 1, 4).error(),
              kstd::Error::kAgain);  // rw open
  }
  Open dir_probe(fs_->Root(), linux_abi::kORdOnly);
  EXPECT_EQ(SetLease(&dir_probe.desc, *fs_->Root(), kLeaseRead, 1, 4).error(),
            kstd::Error::kInvalid);
}

TEST_F(LeaseTest, ReadLeasesShareAndBlockWriteLeases) {
  Open ro1(file_, linux_abi::kORdOnly);
  Open ro2(file_, linux_abi::kORdOnly);
  EXPECT_EQ(SetLease(&ro1.desc, *file_, kLeaseWrite, 1, 3).error(), kstd::Error::kAgain);
  ASSERT_TRUE(SetLease(&ro1.desc, *file_, kLeaseRead, 1, 3).ok());
  ASSERT_TRUE(SetLease(&ro2.desc, *file_, kLeaseRead, 2, 4).ok());
  LockInfo shown[4];
  ASSERT_EQ(SnapshotLeases(shown, 4), 2u);
  EXPECT_TRUE(shown[0].lease);
  EXPECT_FALSE(shown[0].breaking);
  EXPECT_EQ(shown[1].pid, 2);
  // Readers do not break read leases; a writer breaks both.
  uint64_t deadline = 0;
  EXPECT_TRUE(BreakLeasesStep(Key(), false, 100, &deadline));
  EXPECT_TRUE(g_sent.empty());
  EXPECT_FALSE(BreakLeasesStep(Key(), true, 100, &deadline));
  EXPECT_EQ(deadline, 100 + 45 * 1000000000ull);
  ASSERT_EQ(g_sent.size(), 2u);
  EXPECT_EQ(g_sent[0].code, linux_abi::kPollMsgCode);
  EXPECT_EQ(g_sent[0].fd, 3);
  EXPECT_EQ(GetLease(&ro1.desc), kLeaseNone);  // being broken to nothing
  ASSERT_EQ(SnapshotLeases(shown, 4), 2u);
  EXPECT_TRUE(shown[0].breaking && shown[0].unlock_target);
  // No new lease while a break for a writer is under way.
  Open ro3(file_, linux_abi::kORdOnly);
  EXPECT_EQ(SetLease(&ro3.desc, *file_, kLeaseRead, 3, 5).error(), kstd::Error::kAgain);
  // The holders give way; a second step signals no one again.
  ASSERT_TRUE(SetLease(&ro1.desc, *file_, kLeaseNone, 1, 3).ok());
  EXPECT_FALSE(BreakLeasesStep(Key(), true, 200, &deadline));
  EXPECT_EQ(g_sent.size(), 2u);
  ReleaseLeases(&ro2.desc);  // its last close
  EXPECT_TRUE(BreakLeasesStep(Key(), true, 300, &deadline));
}

TEST_F(LeaseTest, WriteLeaseDowngradesForAReaderAndTimesOut) {
  Open ro(file_, linux_abi::kORdOnly);
  ASSERT_TRUE(SetLease(&ro.desc, *file_, kLeaseWrite, 1, 3).ok());
  uint64_t deadline = 0;
  EXPECT_FALSE(BreakLeasesStep(Key(), false, 1000, &deadline));
  EXPECT_EQ(GetLease(&ro.desc), kLeaseRead);  // the target
  ASSERT_EQ(g_sent.size(), 1u);
  EXPECT_EQ(g_sent[0].owner, 77);
  // Downgrading completes the break.
  ASSERT_TRUE(SetLease(&ro.desc, *file_, kLeaseRead, 1, 3).ok());
  EXPECT_TRUE(BreakLeasesStep(Key(), false, 1001, &deadline));
  // A writer now: the holder does nothing, the break time passes.
  SetLeaseBreakTime(2);
  EXPECT_FALSE(BreakLeasesStep(Key(), true, 5000, &deadline));
  EXPECT_EQ(deadline, 5000 + 2000000000ull);
  EXPECT_FALSE(BreakLeasesStep(Key(), true, deadline - 1, &deadline));
  EXPECT_TRUE(BreakLeasesStep(Key(), true, deadline, &deadline));
  EXPECT_EQ(GetLease(&ro.desc), kLeaseNone);  // removed by the kernel
}

}  // namespace
}  // namespace core::fd
