#include "core/fd/fd_table.h"

#include <gtest/gtest.h>

namespace core::fd {
namespace {

class NullFile final : public FileDescription {
 public:
  NullFile() : FileDescription(linux_abi::kORdWr) {}
  kstd::Result<size_t> Read(kstd::Span<uint8_t>) override { return size_t{0}; }
  kstd::Result<size_t> Write(kstd::Span<const uint8_t> in) override { return in.size(); }
  int16_t PollEvents() override { return 0; }
  const char* Describe() const override { return "null"; }
};

kstd::RefPtr<FileDescription> NewFile() { return kstd::AdoptRef<FileDescription>(new NullFile()); }

TEST(FdTableTest, GrowsOnDemandUpToTheLimit) {
  FdTable t;
  EXPECT_EQ(t.limit(), kDefaultFdLimit);
  int small = t.capacity();
  EXPECT_LT(small, kDefaultFdLimit);  // a new table is small
  auto f = NewFile();
  for (int i = 0; i < kDefaultFdLimit; ++i) ASSERT_EQ(t.Install(f, false).value(), i);
  EXPECT_EQ(t.capacity(), kDefaultFdLimit);
  EXPECT_EQ(t.Install(f, false).error(), kstd::Error::kTooManyHandles);
  EXPECT_EQ(t.count(), kDefaultFdLimit);
  EXPECT_EQ(f->ref_count(), kDefaultFdLimit + 1);
  t.CloseAll();
  EXPECT_EQ(f->ref_count(), 1);
}

TEST(FdTableTest, RaisedLimitAndFdsAboveTheCapacity) {
  FdTable t;
  auto f = NewFile();
  EXPECT_EQ(t.InstallAt(kDefaultFdLimit, f, false).error(), kstd::Error::kBadHandle);
  EXPECT_EQ(t.Install(f, false, kDefaultFdLimit).error(), kstd::Error::kInvalid);
  t.set_limit(12000);
  ASSERT_TRUE(t.InstallAt(11000, f, true).ok());
  EXPECT_TRUE(t.GetCloexec(11000).value());
  EXPECT_EQ(t.Install(f, false, 5000).value(), 5000);
  EXPECT_TRUE(t.Get(11000).ok());
  EXPECT_EQ(t.Get(11001).error(), kstd::Error::kBadHandle);
  EXPECT_EQ(t.Get(kMaxFds + 5).error(), kstd::Error::kBadHandle);
  FdTable child;
  ASSERT_TRUE(child.CopyFrom(t).ok());
  EXPECT_EQ(child.limit(), 12000);
  EXPECT_TRUE(child.Get(11000).ok());
  EXPECT_TRUE(child.Get(5000).ok());
  EXPECT_EQ(child.count(), 2);
  child.CloseOnExec();
  EXPECT_EQ(child.Get(11000).error(), kstd::Error::kBadHandle);
  EXPECT_TRUE(child.Close(5000).ok());
  EXPECT_EQ(child.Close(5000).error(), kstd::Error::kBadHandle);
}

}  // namespace
}  // namespace core::fd
