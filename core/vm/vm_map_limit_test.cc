// vm.max_map_count: the region count limit, with Linux's rules (mmap refused
// above the limit, splits refused at it, an unmap that does not split allowed).

#include "core/vm/vm_aspace.h"

#include "core/vm/vm_test_env.h"
#include "gtest/gtest.h"

namespace core::vm::testing {
namespace {

constexpr uint64_t kAddr = 0x400000;

class MapLimitTest : public AspaceTest {
 protected:
  void SetUp() override {
    AspaceTest::SetUp();
    SetMaxMapCount(4);
  }
  void TearDown() override {
    SetMaxMapCount(kDefaultMaxMapCount);
    AspaceTest::TearDown();
  }
  kstd::Result<uint64_t> TryMap(uint64_t pages, Prot prot, uint64_t addr) {
    return aspace_->Map(NewAnon(pages), 0, pages * kPageSize, prot, addr, kMapFixed);
  }
  uint64_t Page(uint64_t i) { return kAddr + i * kPageSize; }
};

TEST_F(MapLimitTest, DefaultIsLinuxs) { EXPECT_EQ(kDefaultMaxMapCount, 65530u); }

TEST_F(MapLimitTest, MapIsRefusedOnceTheCountIsAboveTheLimit) {
  // Linux checks "count > limit" before adding one: the limit + 1 fit.
  for (uint64_t i = 0; i < 5; ++i) ASSERT_TRUE(TryMap(1, kProtRead, Page(2 * i)).ok()) << i;
  EXPECT_EQ(aspace_->region_count(), 5u);
  EXPECT_EQ(TryMap(1, kProtRead, Page(20)).error(), Error::kNoMemory);
  EXPECT_EQ(aspace_->MapGuard(Page(22), kPageSize, kMapFixed).error(), Error::kNoMemory);
  EXPECT_EQ(aspace_->region_count(), 5u);
  // A whole region may always go; then there is room again.
  ASSERT_TRUE(aspace_->Unmap(Page(0), kPageSize).ok());
  EXPECT_TRUE(TryMap(1, kProtRead, Page(20)).ok());
}

TEST_F(MapLimitTest, SplittingUnmapAndProtectAreRefusedAtTheLimit) {
  const uint64_t big = TryMap(5, kProtRead | kProtWrite, Page(0)).value();
  for (uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(TryMap(1, kProtRead, Page(10 + 2 * i)).ok());
  ASSERT_EQ(aspace_->region_count(), 4u);  // at the limit
  // The middle of one region would leave two.
  EXPECT_EQ(aspace_->Unmap(big + kPageSize, kPageSize).error(), Error::kNoMemory);
  EXPECT_EQ(aspace_->Protect(big + kPageSize, kPageSize, kProtRead).error(), Error::kNoMemory);
  EXPECT_EQ(aspace_->Protect(big, kPageSize, kProtRead).error(), Error::kNoMemory);
  EXPECT_EQ(aspace_->region_count(), 4u);
  EXPECT_TRUE(aspace_->Query(big + kPageSize).ok());  // nothing changed
  // The same protection needs no split; unmapping an end of a region does
  // not add one.
  EXPECT_TRUE(aspace_->Protect(big + kPageSize, kPageSize, kProtRead | kProtWrite).ok());
  EXPECT_TRUE(aspace_->Unmap(big + 4 * kPageSize, kPageSize).ok());
  EXPECT_EQ(aspace_->region_count(), 4u);
  // One below the limit: one split fits, two do not.
  ASSERT_TRUE(aspace_->Unmap(Page(10), kPageSize).ok());
  EXPECT_EQ(aspace_->Protect(big + kPageSize, kPageSize, kProtRead).error(), Error::kNoMemory);
  EXPECT_TRUE(aspace_->Protect(big, kPageSize, kProtRead).ok());
  EXPECT_EQ(aspace_->region_count(), 4u);
  EXPECT_EQ(aspace_->Unmap(big + 2 * kPageSize, kPageSize).error(), Error::kNoMemory);
  ASSERT_TRUE(aspace_->Unmap(Page(12), kPageSize).ok());
  EXPECT_TRUE(aspace_->Unmap(big + 2 * kPageSize, kPageSize).ok());
  EXPECT_EQ(aspace_->region_count(), 4u);
}

TEST_F(MapLimitTest, MovingRemapNeedsThreeSpare) {
  SetMaxMapCount(5);
  const uint64_t a = TryMap(1, kProtRead, Page(0)).value();
  ASSERT_TRUE(TryMap(1, kProtRead | kProtWrite, Page(1)).ok());
  // 2 + 3 >= 5: Linux's move_vma refuses.
  EXPECT_EQ(aspace_->Remap(a, kPageSize, 2 * kPageSize, kRemapMayMove).error(), Error::kNoMemory);
  SetMaxMapCount(6);
  EXPECT_TRUE(aspace_->Remap(a, kPageSize, 2 * kPageSize, kRemapMayMove).ok());
}

}  // namespace
}  // namespace core::vm::testing
