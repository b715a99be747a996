#include "core/vm/pinned_quota.h"

#include "abi/tessera/native.h"
#include "core/vm/vm_object.h"
#include "core/vm/vm_test_env.h"
#include "gtest/gtest.h"

namespace core::vm {
namespace {

TEST(PinnedPool, RefusesPastItsLimitAndCounts) {
  PinnedPool pool(10);
  EXPECT_TRUE(pool.TryCharge(6));
  EXPECT_TRUE(pool.TryCharge(4));
  EXPECT_FALSE(pool.TryCharge(1));
  EXPECT_EQ(pool.pages(), 10u);
  EXPECT_EQ(pool.refused(), 1u);
  pool.Uncharge(4);
  EXPECT_TRUE(pool.TryCharge(3));
  EXPECT_EQ(pool.pages(), 9u);
}

TEST(PinnedPool, HugeChargesDoNotWrap) {
  PinnedPool pool(10);
  EXPECT_TRUE(pool.TryCharge(5));
  EXPECT_FALSE(pool.TryCharge(~uint64_t{0}));
  EXPECT_FALSE(pool.TryCharge(~uint64_t{0} - 3));
  EXPECT_EQ(pool.pages(), 5u);
}

TEST(PinnedQuota, ProcessLimit) {
  PinnedPool pool(100);
  auto q = PinnedQuota::Create(&pool, 8).release_value();
  EXPECT_TRUE(q->Charge(8).ok());
  auto r = q->Charge(1);
  ASSERT_TRUE(r.is_error());
  EXPECT_EQ(r.error(), kstd::Error::kNoMemory);
  EXPECT_EQ(q->refused(), 1u);
  EXPECT_EQ(q->pages(), 8u);
  EXPECT_EQ(pool.pages(), 8u) << "a refused charge takes nothing from the pool";
  q->Uncharge(8);
  EXPECT_EQ(q->pages(), 0u);
  EXPECT_EQ(pool.pages(), 0u);
}

TEST(PinnedQuota, SystemLimitAcrossProcesses) {
  PinnedPool pool(10);
  auto a = PinnedQuota::Create(&pool, 8).release_value();
  auto b = PinnedQuota::Create(&pool, 8).release_value();
  EXPECT_TRUE(a->Charge(8).ok());
  auto r = b->Charge(3);
  ASSERT_TRUE(r.is_error());
  EXPECT_EQ(r.error(), kstd::Error::kNoMemory);
  EXPECT_EQ(b->pages(), 0u) << "the quota's own charge is undone";
  EXPECT_EQ(b->refused(), 1u);
  EXPECT_EQ(pool.refused(), 1u);
  EXPECT_TRUE(b->Charge(2).ok());
  EXPECT_EQ(pool.pages(), 10u);
}

TEST(PinnedQuota, SystemLimitsLeaveRoomForTheDrivers) {
  // One process at its cap must not be able to take the whole system's budget.
  EXPECT_LE(tessera::kPinnedProcessLimitBytes * 2, tessera::kPinnedSystemLimitBytes);
  EXPECT_EQ(SystemPinnedPool().limit(), tessera::kPinnedSystemLimitBytes / 4096);
}

using testing::VmTest;
using VmPinnedTest = VmTest;

TEST_F(VmPinnedTest, TheMemoryObjectGivesTheChargeBackWhenItGoes) {
  PinnedPool pool(64);
  auto quota = PinnedQuota::Create(&pool, 16).release_value();
  ASSERT_TRUE(quota->Charge(4).ok());
  auto run = pmm_.AllocRun(4);
  ASSERT_TRUE(run.ok());
  auto vmo = VmObject::CreateContiguousOwned(&pmm_, run.value(), 4, quota);
  ASSERT_TRUE(vmo.ok());
  // The process (the quota's other holder) ends first: the charge stays.
  PinnedQuota* raw = quota.get();
  quota = nullptr;
  EXPECT_EQ(raw->pages(), 4u);
  EXPECT_EQ(pool.pages(), 4u);
  { auto gone = vmo.release_value(); }
  EXPECT_EQ(pool.pages(), 0u);
  ExpectNoLeaks();
}

}  // namespace
}  // namespace core::vm
