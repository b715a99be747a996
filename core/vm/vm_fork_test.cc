// Copy-on-write fork: VmAspace::Fork with the real page table and pmm.

#include <vector>

#include "core/vm/vm_aspace.h"
#include "core/vm/vm_test_env.h"
#include "gtest/gtest.h"

namespace core::vm::testing {
namespace {

constexpr Prot kRW = kProtRead | kProtWrite;
constexpr uint64_t kAddr = 0x400000;
constexpr uint64_t kPages = 4;

class VmForkTest : public VmTest {
 protected:
  void SetUp() override {
    VmTest::SetUp();
    parent_ = NewAspace();
    ASSERT_TRUE(parent_);
    ASSERT_EQ(MapAnon(*parent_, kPages, kRW, kAddr, kMapFixed), kAddr);
    for (uint64_t i = 0; i < kPages - 1; ++i)
      MustWrite(*parent_, At(i), Old(i));  // last page absent
  }
  void TearDown() override {
    if (child_) child_->Destroy();
    if (parent_) parent_->Destroy();
    child_.reset();
    parent_.reset();
    ExpectNoLeaks();
  }
  static uint64_t At(uint64_t page) { return kAddr + page * kPageSize + 17; }
  static uint8_t Old(uint64_t page) { return static_cast<uint8_t>(0xa0 + page); }
  void Fork() {
    flushes_.clear();
    kstd::Result<RefPtr<VmAspace>> child = parent_->Fork();
    ASSERT_TRUE(child.ok());
    child_ = child.release_value();
  }

  RefPtr<VmAspace> parent_;
  RefPtr<VmAspace> child_;
};

TEST_F(VmForkTest, ForkSharesPagesReadOnlyAndFlushesTheParent) {
  const PhysAddr page0 = PhysOf(*parent_, At(0));
  const uint64_t before = FreePages();
  Fork();
  EXPECT_NE(child_->root(), parent_->root());
  EXPECT_EQ(child_->region_count(), 1u);
  EXPECT_EQ(child_->resident_pages(), 0u);  // the child faults its pages in
  EXPECT_EQ(FreePages(), before - 1);       // just the child's PML4
  EXPECT_EQ(RefCount(page0), 2u);
  for (uint64_t i = 0; i < kPages - 1; ++i) {
    EXPECT_FALSE(Pte(RawPte(*parent_, At(i))).writable()) << i;
    EXPECT_TRUE(Flushed(parent_->root(), At(i))) << i;
  }
  // Reading in the child maps the very same frame, read-only.
  EXPECT_EQ(MustRead(*child_, At(0)), Old(0));
  EXPECT_EQ(PhysOf(*child_, At(0)), page0);
  EXPECT_FALSE(Pte(RawPte(*child_, At(0))).writable());
  EXPECT_EQ(MustRead(*parent_, At(0)), Old(0));
}

TEST_F(VmForkTest, WriteInChildCopiesThePage) {
  const PhysAddr page0 = PhysOf(*parent_, At(0));
  Fork();
  MustWrite(*child_, At(0), 0x11);
  EXPECT_NE(PhysOf(*child_, At(0)), page0);
  EXPECT_EQ(MustRead(*child_, At(0)), 0x11);
  EXPECT_EQ(MustRead(*parent_, At(0)), Old(0));  // parent's bytes unchanged
  EXPECT_EQ(MustRead(*child_, At(0) + 1), 0);    // the rest of the page was copied
  EXPECT_EQ(RefCount(page0), 1u);
  // The parent is now the only holder: its write needs no copy.
  MustWrite(*parent_, At(0), 0x22);
  EXPECT_EQ(PhysOf(*parent_, At(0)), page0);
  EXPECT_EQ(MustRead(*child_, At(0)), 0x11);
}

TEST_F(VmForkTest, WriteInParentAfterForkCopiesThePage) {
  const PhysAddr page1 = PhysOf(*parent_, At(1));
  Fork();
  MustWrite(*parent_, At(1), 0x33);
  EXPECT_NE(PhysOf(*parent_, At(1)), page1);
  EXPECT_EQ(MustRead(*child_, At(1)), Old(1));
  EXPECT_EQ(PhysOf(*child_, At(1)), page1);
  EXPECT_EQ(RefCount(page1), 1u);
  EXPECT_EQ(MustRead(*parent_, At(1)), 0x33);
  // The child, now sole owner, writes in place.
  MustWrite(*child_, At(1), 0x44);
  EXPECT_EQ(PhysOf(*child_, At(1)), page1);
  EXPECT_EQ(MustRead(*parent_, At(1)), 0x33);
}

TEST_F(VmForkTest, PagesAbsentInTheParentStayDemandZeroInBoth) {
  Fork();
  const uint64_t absent = At(kPages - 1);
  MustWrite(*parent_, absent, 0x55);
  EXPECT_EQ(MustRead(*child_, absent), 0);
  MustWrite(*child_, absent + 1, 0x66);
  EXPECT_EQ(MustRead(*parent_, absent + 1), 0);
  EXPECT_NE(PhysOf(*child_, absent), PhysOf(*parent_, absent));
}

TEST_F(VmForkTest, RefcountsDropBackAndEverythingIsFreedWhenBothExit) {
  std::vector<PhysAddr> pages;
  for (uint64_t i = 0; i < kPages - 1; ++i) pages.push_back(PhysOf(*parent_, At(i)));
  Fork();
  for (PhysAddr page : pages) EXPECT_EQ(RefCount(page), 2u);
  MustWrite(*child_, At(0), 1);
  MustWrite(*parent_, At(1), 2);
  EXPECT_EQ(RefCount(pages[0]), 1u);
  EXPECT_EQ(RefCount(pages[1]), 1u);
  EXPECT_EQ(RefCount(pages[2]), 2u);
  // The child exits first: the shared page goes back to one reference.
  child_->Destroy();
  child_.reset();
  EXPECT_EQ(RefCount(pages[2]), 1u);
  MustWrite(*parent_, At(2), 3);  // sole owner: made writable in place
  EXPECT_EQ(PhysOf(*parent_, At(2)), pages[2]);
  // TearDown destroys the parent and checks that every page came back.
}

TEST_F(VmForkTest, ParentExitingFirstLeavesTheChildWhole) {
  Fork();
  parent_->Destroy();
  parent_.reset();
  for (uint64_t i = 0; i < kPages - 1; ++i) EXPECT_EQ(MustRead(*child_, At(i)), Old(i));
  MustWrite(*child_, At(0), 9);  // refcount 1 now: no copy
  EXPECT_EQ(MustRead(*child_, At(0)), 9);
}

TEST_F(VmForkTest, ForkOfAForkAndSplitRegions) {
  // Split the parent's region first: both halves share one VMO.
  ASSERT_TRUE(parent_->Protect(kAddr + kPageSize, kPageSize, kProtRead).ok());
  EXPECT_EQ(parent_->region_count(), 3u);
  Fork();
  EXPECT_EQ(child_->region_count(), 3u);
  EXPECT_EQ(child_->HandlePageFault(At(1), Access::kWrite, true).error(), Error::kAccess);
  kstd::Result<RefPtr<VmAspace>> grandchild = child_->Fork();
  ASSERT_TRUE(grandchild.ok());
  const PhysAddr page2 = PhysOf(*parent_, At(2));
  EXPECT_EQ(RefCount(page2), 3u);
  MustWrite(*grandchild.value(), At(2), 0x77);
  MustWrite(*child_, At(2), 0x88);
  EXPECT_EQ(MustRead(*parent_, At(2)), Old(2));
  EXPECT_EQ(MustRead(*child_, At(2)), 0x88);
  EXPECT_EQ(MustRead(*grandchild.value(), At(2)), 0x77);
  EXPECT_EQ(RefCount(page2), 1u);
  grandchild.value()->Destroy();
}

TEST_F(VmForkTest, SharedRegionsStaySharedAcrossFork) {
  RefPtr<VmObject> vmo = NewAnon(1);
  ASSERT_TRUE(parent_->Map(vmo, 0, kPageSize, kRW, 0x500000, kMapFixed | kMapShared).ok());
  MustWrite(*parent_, 0x500000, 1);
  Fork();
  EXPECT_TRUE(Pte(RawPte(*parent_, 0x500000)).writable());  // not write-protected
  MustWrite(*child_, 0x500000, 2);
  EXPECT_EQ(MustRead(*parent_, 0x500000), 2);
  EXPECT_EQ(PhysOf(*child_, 0x500000), PhysOf(*parent_, 0x500000));
  EXPECT_EQ(vmo->mapping_count(), 2u);
  EXPECT_EQ(child_->Query(0x500000).value().vmo_koid, vmo->koid());
}

TEST_F(VmForkTest, GuardsAndPhysicalRegionsAreCopied) {
  ASSERT_TRUE(parent_->MapGuard(kAddr - kPageSize, kPageSize, kMapFixed).ok());
  RefPtr<VmObject> module =
      VmObject::CreatePhysical(kModuleBase, kModuleSize, false).release_value();
  ASSERT_TRUE(parent_->Map(module, 0, kModuleSize, kProtRead, 0x600000, kMapFixed).ok());
  Fork();
  EXPECT_EQ(child_->HandlePageFault(kAddr - 1, Access::kRead, true).error(), Error::kAccess);
  EXPECT_EQ(MustRead(*child_, 0x600000 + 3), ModuleByte(3));
  EXPECT_EQ(child_->Query(0x600000).value().vmo_koid, module->koid());
}

TEST_F(VmForkTest, CloneOfAVmoMappedInTwoProcessesWriteProtectsBoth) {
  // A shared VMO mapped writable by the parent and its child, then cloned
  // through a handle: neither process may write into the clone's pages.
  RefPtr<VmObject> vmo = NewAnon(1);
  ASSERT_TRUE(parent_->Map(vmo, 0, kPageSize, kRW, 0x500000, kMapFixed | kMapShared).ok());
  MustWrite(*parent_, 0x500000, 1);
  Fork();
  MustWrite(*child_, 0x500000, 2);
  EXPECT_TRUE(Pte(RawPte(*child_, 0x500000)).writable());
  flushes_.clear();
  RefPtr<VmObject> snapshot = vmo->CloneCow(0, kPageSize).release_value();
  EXPECT_FALSE(Pte(RawPte(*parent_, 0x500000)).writable());
  EXPECT_FALSE(Pte(RawPte(*child_, 0x500000)).writable());
  EXPECT_TRUE(Flushed(parent_->root(), 0x500000));
  EXPECT_TRUE(Flushed(child_->root(), 0x500000));
  // A write through either mapping gives the shared VMO a new page, seen by
  // both processes; the snapshot keeps the old one.
  MustWrite(*child_, 0x500000, 3);
  EXPECT_EQ(MustRead(*parent_, 0x500000), 3);
  EXPECT_EQ(PhysOf(*child_, 0x500000), PhysOf(*parent_, 0x500000));
  uint8_t got = 0;
  ASSERT_TRUE(snapshot->Read(0, &got, 1).ok());
  EXPECT_EQ(got, 2);
}

TEST_F(VmForkTest, OutOfMemoryDuringCopyOnWriteChangesNothing) {
  Fork();
  EXPECT_EQ(MustRead(*child_, At(0)), Old(0));  // tables built, page shared
  std::vector<PhysAddr> hoard;
  for (;;) {
    kstd::Result<PhysAddr> page = pmm_.AllocPage();
    if (page.is_error()) break;
    hoard.push_back(page.value());
  }
  EXPECT_EQ(child_->HandlePageFault(At(0), Access::kWrite, true).error(), Error::kNoMemory);
  EXPECT_EQ(parent_->HandlePageFault(At(0), Access::kWrite, true).error(), Error::kNoMemory);
  EXPECT_EQ(MustRead(*child_, At(0)), Old(0));
  EXPECT_EQ(MustRead(*parent_, At(0)), Old(0));
  EXPECT_EQ(RefCount(PhysOf(*parent_, At(0))), 2u);
  for (PhysAddr page : hoard) ASSERT_TRUE(pmm_.FreePage(page).ok());
  MustWrite(*child_, At(0), 5);
  EXPECT_EQ(MustRead(*parent_, At(0)), Old(0));
}

}  // namespace
}  // namespace core::vm::testing
