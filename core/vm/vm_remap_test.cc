// VmAspace::Remap (mremap): shrink, grow in place, move, fixed, shared
// duplication, and the error cases, with page accounting.

#include <vector>

#include "core/vm/vm_aspace.h"
#include "core/vm/vm_test_env.h"
#include "gtest/gtest.h"

namespace core::vm::testing {
namespace {

constexpr Prot kRW = kProtRead | kProtWrite;
constexpr uint64_t kAddr = 0x400000;
constexpr uint64_t kP = kPageSize;

class VmRemapTest : public AspaceTest {
 protected:
  // Writes page i's first byte as i + 1.
  void Fill(VmAspace& aspace, uint64_t base, uint64_t pages) {
    for (uint64_t i = 0; i < pages; ++i)
      MustWrite(aspace, base + i * kP, static_cast<uint8_t>(i + 1));
  }
  void ExpectFilled(VmAspace& aspace, uint64_t base, uint64_t pages) {
    for (uint64_t i = 0; i < pages; ++i) {
      EXPECT_EQ(MustRead(aspace, base + i * kP), i + 1) << "page " << i;
    }
  }
};

using Ranges = std::vector<std::pair<uint64_t, uint64_t>>;

TEST_F(VmRemapTest, ShrinkUnmapsTheTailInPlace) {
  const uint64_t base = MapAnon(*aspace_, 4, kRW, kAddr, kMapFixed);
  Fill(*aspace_, base, 4);
  const uint64_t before = FreePages();
  kstd::Result<uint64_t> r = aspace_->Remap(base, 4 * kP, 2 * kP, kRemapMayMove);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), base);
  EXPECT_EQ(Regions(*aspace_), (Ranges{{base, 2 * kP}}));
  EXPECT_EQ(FreePages(), before + 2);  // the tail's pages went back
  EXPECT_EQ(aspace_->HandlePageFault(base + 2 * kP, Access::kRead, true).error(), Error::kFault);
  ExpectFilled(*aspace_, base, 2);
  // The same size is a no-op.
  EXPECT_EQ(aspace_->Remap(base, 2 * kP, 2 * kP, 0).value(), base);
}

TEST_F(VmRemapTest, GrowsInPlaceWhenTheNextPagesAreFree) {
  const uint64_t base = MapAnon(*aspace_, 2, kRW, kAddr, kMapFixed);
  Fill(*aspace_, base, 2);
  kstd::Result<uint64_t> r = aspace_->Remap(base, 2 * kP, 5 * kP, 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), base);
  EXPECT_EQ(Regions(*aspace_), (Ranges{{base, 5 * kP}}));
  ExpectFilled(*aspace_, base, 2);
  EXPECT_EQ(MustRead(*aspace_, base + 4 * kP + 17), 0);  // grown bytes are zero
  MustWrite(*aspace_, base + 4 * kP, 9);
  EXPECT_EQ(MustRead(*aspace_, base + 4 * kP), 9);
}

TEST_F(VmRemapTest, CannotGrowWithoutMoveWhenBlocked) {
  const uint64_t base = MapAnon(*aspace_, 2, kRW, kAddr, kMapFixed);
  MapAnon(*aspace_, 1, kRW, kAddr + 3 * kP, kMapFixed);
  EXPECT_EQ(aspace_->Remap(base, 2 * kP, 4 * kP, 0).error(), Error::kNoMemory);
  // Growing only a prefix of a region cannot happen in place either.
  EXPECT_EQ(aspace_->Remap(base, kP, 2 * kP, 0).error(), Error::kNoMemory);
  EXPECT_EQ(Regions(*aspace_), (Ranges{{base, 2 * kP}, {kAddr + 3 * kP, kP}}));
}

TEST_F(VmRemapTest, MovesKeepingThePagesWithoutCopies) {
  const uint64_t base = MapAnon(*aspace_, 3, kRW, kAddr, kMapFixed);
  MapAnon(*aspace_, 1, kRW, kAddr + 3 * kP, kMapFixed);  // blocks growth in place
  Fill(*aspace_, base, 3);
  const PhysAddr page0 = PhysOf(*aspace_, base);
  const uint64_t free_before = FreePages();
  flushes_.clear();
  kstd::Result<uint64_t> r = aspace_->Remap(base, 3 * kP, 6 * kP, kRemapMayMove);
  ASSERT_TRUE(r.ok());
  const uint64_t moved = r.value();
  EXPECT_NE(moved, base);
  EXPECT_EQ(RawPte(*aspace_, base), 0u);  // the old translations went, flushed
  EXPECT_TRUE(Flushed(aspace_->root(), base));
  EXPECT_EQ(aspace_->HandlePageFault(base, Access::kRead, true).error(), Error::kFault);
  ExpectFilled(*aspace_, moved, 3);
  EXPECT_EQ(PhysOf(*aspace_, moved), page0);  // the same page, not a copy
  EXPECT_EQ(MustRead(*aspace_, moved + 5 * kP), 0);
  EXPECT_GE(FreePages() + 8, free_before);  // at most a page table and a grown page more
  kstd::Result<RegionInfo> info = aspace_->Query(moved);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info.value().size, 6 * kP);
  EXPECT_EQ(info.value().prot, kRW);
}

TEST_F(VmRemapTest, FixedMoveReplacesTheTargetAndCanShrink) {
  const uint64_t base = MapAnon(*aspace_, 4, kRW, kAddr, kMapFixed);
  const uint64_t target = kAddr + 0x100000;
  const uint64_t other = MapAnon(*aspace_, 8, kRW, target - 2 * kP, kMapFixed);
  Fill(*aspace_, base, 4);
  MustWrite(*aspace_, other, 77);
  kstd::Result<uint64_t> r =
      aspace_->Remap(base, 4 * kP, 3 * kP, kRemapMayMove | kRemapFixed, target);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), target);
  EXPECT_EQ(Regions(*aspace_),
            (Ranges{{other, 2 * kP}, {target, 3 * kP}, {target + 3 * kP, 3 * kP}}));
  ExpectFilled(*aspace_, target, 3);
  EXPECT_EQ(MustRead(*aspace_, other), 77);
}

TEST_F(VmRemapTest, MovingPartOfARegionSplitsIt) {
  const uint64_t base = MapAnon(*aspace_, 6, kRW, kAddr, kMapFixed);
  Fill(*aspace_, base, 6);
  // Move pages 2..3 and grow them to 4 pages: the tail (pages 4..5) still shows
  // the VMO bytes right after them, so the moved part must not alias those.
  kstd::Result<uint64_t> r = aspace_->Remap(base + 2 * kP, 2 * kP, 4 * kP, kRemapMayMove);
  ASSERT_TRUE(r.ok());
  const uint64_t moved = r.value();
  EXPECT_EQ(MustRead(*aspace_, moved), 3);
  EXPECT_EQ(MustRead(*aspace_, moved + kP), 4);
  EXPECT_EQ(MustRead(*aspace_, moved + 2 * kP), 0);  // not page 5 of the old region
  EXPECT_EQ(MustRead(*aspace_, moved + 3 * kP), 0);
  MustWrite(*aspace_, moved + 2 * kP, 99);
  EXPECT_EQ(MustRead(*aspace_, base + 4 * kP), 5);  // the tail is untouched
  EXPECT_EQ(MustRead(*aspace_, base + 5 * kP), 6);
  MustWrite(*aspace_, moved, 50);
  EXPECT_EQ(MustRead(*aspace_, moved), 50);
  EXPECT_EQ(Regions(*aspace_).size(), 3u);
  EXPECT_EQ(aspace_->HandlePageFault(base + 2 * kP, Access::kRead, true).error(), Error::kFault);
}

TEST_F(VmRemapTest, GrowingOverBytesAnUnmapFreedReadsZeros) {
  const uint64_t base = MapAnon(*aspace_, 4, kRW, kAddr, kMapFixed);
  Fill(*aspace_, base, 4);
  ASSERT_TRUE(aspace_->Unmap(base + 2 * kP, 2 * kP).ok());
  ASSERT_TRUE(aspace_->Remap(base, 2 * kP, 4 * kP, 0).ok());
  EXPECT_EQ(MustRead(*aspace_, base + 2 * kP), 0);
  EXPECT_EQ(MustRead(*aspace_, base + 3 * kP), 0);
}

TEST_F(VmRemapTest, MoveAfterForkKeepsCopyOnWrite) {
  const uint64_t base = MapAnon(*aspace_, 2, kRW, kAddr, kMapFixed);
  Fill(*aspace_, base, 2);
  RefPtr<VmAspace> child = aspace_->Fork().release_value();
  MapAnon(*aspace_, 1, kRW, base + 2 * kP, kMapFixed);
  kstd::Result<uint64_t> r = aspace_->Remap(base, 2 * kP, 3 * kP, kRemapMayMove);
  ASSERT_TRUE(r.ok());
  const uint64_t moved = r.value();
  MustWrite(*aspace_, moved, 42);  // breaks copy-on-write in the parent only
  EXPECT_EQ(MustRead(*child, base), 1);
  EXPECT_EQ(MustRead(*child, base + kP), 2);
  MustWrite(*child, base + kP, 43);
  EXPECT_EQ(MustRead(*aspace_, moved + kP), 2);
  EXPECT_EQ(MustRead(*aspace_, moved), 42);
  child->Destroy();
}

TEST_F(VmRemapTest, SharedRegionsStaySharedWhenMovedAndGrown) {
  RefPtr<VmObject> vmo = NewAnon(2);
  const uint64_t a = aspace_->Map(vmo, 0, 2 * kP, kRW, kAddr, kMapFixed | kMapShared).value();
  RefPtr<VmAspace> child = aspace_->Fork().release_value();
  MapAnon(*aspace_, 1, kRW, a + 2 * kP, kMapFixed);
  const uint64_t moved = aspace_->Remap(a, 2 * kP, 4 * kP, kRemapMayMove).value();
  MustWrite(*aspace_, moved + kP, 5);
  EXPECT_EQ(MustRead(*child, a + kP), 5);  // the child still shares the object
  EXPECT_EQ(vmo->size(), 4 * kP);          // grown for every sharer
  MustWrite(*aspace_, moved + 3 * kP, 6);
  child->Destroy();
  vmo.reset();
}

TEST_F(VmRemapTest, OldSizeZeroDuplicatesASharedMapping) {
  RefPtr<VmObject> vmo = NewAnon(1);
  const uint64_t a = aspace_->Map(vmo, 0, kP, kRW, kAddr, kMapFixed | kMapShared).value();
  vmo.reset();
  kstd::Result<uint64_t> b = aspace_->Remap(a, 0, kP, kRemapMayMove);
  ASSERT_TRUE(b.ok());
  EXPECT_NE(b.value(), a);
  MustWrite(*aspace_, a + 10, 31);
  EXPECT_EQ(MustRead(*aspace_, b.value() + 10), 31);
  EXPECT_EQ(aspace_->Query(a).value().vmo_koid, aspace_->Query(b.value()).value().vmo_koid);
  // Private regions cannot be duplicated; without MayMove nothing can move.
  const uint64_t priv = MapAnon(*aspace_, 1, kRW);
  EXPECT_EQ(aspace_->Remap(priv, 0, kP, kRemapMayMove).error(), Error::kInvalid);
  EXPECT_EQ(aspace_->Remap(a, 0, kP, 0).error(), Error::kNoMemory);
}

TEST_F(VmRemapTest, RejectsBadArgumentsWithoutChanges) {
  const uint64_t base = MapAnon(*aspace_, 4, kRW, kAddr, kMapFixed);
  Fill(*aspace_, base, 4);
  EXPECT_EQ(aspace_->Remap(base + 1, kP, 2 * kP, 0).error(), Error::kInvalid);
  EXPECT_EQ(aspace_->Remap(base, kP, 0, 0).error(), Error::kInvalid);
  EXPECT_EQ(aspace_->Remap(base, kP, kP, 0x80).error(), Error::kInvalid);
  EXPECT_EQ(aspace_->Remap(base, kP, kP, kRemapFixed, kAddr + 0x100000).error(), Error::kInvalid);
  // A fixed target overlapping the old range, unaligned, or in the kernel half.
  EXPECT_EQ(aspace_->Remap(base, 2 * kP, 2 * kP, kRemapMayMove | kRemapFixed, base + kP).error(),
            Error::kInvalid);
  EXPECT_EQ(aspace_->Remap(base, kP, kP, kRemapMayMove | kRemapFixed, kAddr + 0x100001).error(),
            Error::kInvalid);
  EXPECT_EQ(aspace_->Remap(base, kP, kP, kRemapMayMove | kRemapFixed, kKernelText).error(),
            Error::kInvalid);
  // Not mapped, spanning past the region, or a kernel address: EFAULT.
  EXPECT_EQ(aspace_->Remap(kAddr + 0x200000, kP, 2 * kP, kRemapMayMove).error(), Error::kFault);
  EXPECT_EQ(aspace_->Remap(base, 5 * kP, 6 * kP, kRemapMayMove).error(), Error::kFault);
  EXPECT_EQ(aspace_->Remap(kKernelText, kP, 2 * kP, kRemapMayMove).error(), Error::kFault);
  const uint64_t guard = aspace_->MapGuard(0, kP).value();
  EXPECT_EQ(aspace_->Remap(guard, kP, 2 * kP, kRemapMayMove).error(), Error::kFault);
  EXPECT_EQ(Regions(*aspace_), (Ranges{{base, 4 * kP}, {guard, kP}}));
  ExpectFilled(*aspace_, base, 4);
}

TEST_F(VmRemapTest, PhysicalRegionsMoveButDoNotGrow) {
  RefPtr<VmObject> module =
      VmObject::CreatePhysical(kModuleBase, kModuleSize, false).release_value();
  const uint64_t a = aspace_->Map(module, 0, 2 * kP, kProtRead, kAddr, kMapFixed).value();
  EXPECT_EQ(aspace_->Remap(a, 2 * kP, 3 * kP, kRemapMayMove).error(), Error::kFault);
  MapAnon(*aspace_, 1, kRW, a + 2 * kP, kMapFixed);
  const uint64_t moved =
      aspace_->Remap(a, kP, kP, kRemapMayMove | kRemapFixed, kAddr + 0x100000).value();
  EXPECT_EQ(MustRead(*aspace_, moved + 5), ModuleByte(5));
  EXPECT_EQ(MustRead(*aspace_, a + kP + 1), ModuleByte(kP + 1));
}

TEST_F(VmRemapTest, RepeatedGrowthLikeReallocKeepsEverything) {
  uint64_t addr = MapAnon(*aspace_, 1, kRW);
  uint64_t pages = 1;
  MustWrite(*aspace_, addr, 1);
  for (int round = 0; round < 12; ++round) {
    // Something lands right after the region half the time, forcing moves.
    if (round % 2 == 1) MapAnon(*aspace_, 1, kRW, addr + pages * kP, kMapFixed);
    kstd::Result<uint64_t> r = aspace_->Remap(addr, pages * kP, (pages + 3) * kP, kRemapMayMove);
    ASSERT_TRUE(r.ok()) << round;
    addr = r.value();
    for (uint64_t i = pages; i < pages + 3; ++i)
      MustWrite(*aspace_, addr + i * kP, static_cast<uint8_t>(i + 1));
    pages += 3;
    ExpectFilled(*aspace_, addr, pages);
  }
  EXPECT_EQ(aspace_->Query(addr).value().size, pages * kP);
}

}  // namespace
}  // namespace core::vm::testing
