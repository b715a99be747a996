#include "core/vm/vm_aspace.h"

#include <vector>

#include "core/vm/vm_test_env.h"
#include "gtest/gtest.h"

namespace core::vm::testing {
namespace {

constexpr Prot kRW = kProtRead | kProtWrite;
constexpr uint64_t kAddr = 0x400000;

using VmAspaceTest = AspaceTest;

TEST_F(VmAspaceTest, SharesTheKernelHalf) {
  const uint64_t* mine = ram_.phys_map().As<uint64_t>(aspace_->root());
  const uint64_t* kernel = ram_.phys_map().As<uint64_t>(kernel_.root());
  for (int i = 256; i < 512; ++i) EXPECT_EQ(mine[i], kernel[i]) << i;
  for (int i = 0; i < 256; ++i) EXPECT_EQ(mine[i], 0u) << i;
  EXPECT_EQ(aspace_->table_pages(), 1u);
  EXPECT_EQ(VmAspace::Create(&pmm_, nullptr).error(), Error::kInvalid);
}

TEST_F(VmAspaceTest, DemandZeroReadMapsWithTheRegionsProtection) {
  const uint64_t rw = MapAnon(*aspace_, 4, kRW, kAddr, kMapFixed);
  const uint64_t ro = MapAnon(*aspace_, 4, kProtRead, kAddr + 0x10000, kMapFixed);
  EXPECT_EQ(aspace_->resident_pages(), 0u);  // nothing mapped eagerly
  EXPECT_EQ(RawPte(*aspace_, rw), 0u);

  EXPECT_EQ(MustRead(*aspace_, rw + 123), 0);
  EXPECT_EQ(MustRead(*aspace_, ro + 4095), 0);
  EXPECT_EQ(aspace_->resident_pages(), 2u);
  EXPECT_EQ(FreePages(), start_free_ - 2 - 4);  // two pages; PML4, PDPT, PD, PT
  const Pte rw_pte(RawPte(*aspace_, rw));
  const Pte ro_pte(RawPte(*aspace_, ro));
  EXPECT_TRUE(rw_pte.writable());  // exclusively ours: no second fault for a write
  EXPECT_FALSE(ro_pte.writable());
  EXPECT_TRUE(rw_pte.user() && ro_pte.user());
  EXPECT_TRUE(rw_pte.no_execute() && ro_pte.no_execute());

  kstd::Result<RegionInfo> info = aspace_->Query(ro + 5);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info.value().base, ro);
  EXPECT_EQ(info.value().size, 4 * kPageSize);
  EXPECT_EQ(info.value().prot, kProtRead);
  EXPECT_TRUE(info.value().page_mapped);
  EXPECT_FALSE(info.value().page_writable);
  EXPECT_FALSE(info.value().shared);
  EXPECT_NE(info.value().vmo_koid, 0u);

  MustWrite(*aspace_, rw + 1, 42);
  EXPECT_EQ(MustRead(*aspace_, rw + 1), 42);
}

TEST_F(VmAspaceTest, ProtectionViolationsAreAccessErrors) {
  const uint64_t ro = MapAnon(*aspace_, 1, kProtRead, kAddr, kMapFixed);
  const uint64_t none = MapAnon(*aspace_, 1, kProtNone, kAddr + kPageSize, kMapFixed);
  const uint64_t rx = MapAnon(*aspace_, 1, kProtRead | kProtExec, kAddr + 2 * kPageSize, kMapFixed);
  EXPECT_EQ(aspace_->HandlePageFault(ro, Access::kWrite, true).error(), Error::kAccess);
  EXPECT_EQ(aspace_->HandlePageFault(ro, Access::kExecute, true).error(), Error::kAccess);
  EXPECT_EQ(aspace_->HandlePageFault(none, Access::kRead, true).error(), Error::kAccess);
  EXPECT_EQ(aspace_->HandlePageFault(rx, Access::kWrite, true).error(), Error::kAccess);
  EXPECT_TRUE(Touch(*aspace_, rx, Access::kExecute).ok());
  EXPECT_FALSE(Pte(RawPte(*aspace_, rx)).no_execute());
  // The kernel never executes user memory, but may read it (copy from user).
  EXPECT_EQ(aspace_->HandlePageFault(rx + kPageSize - 1, Access::kExecute, false).error(),
            Error::kAccess);
  EXPECT_TRUE(aspace_->HandlePageFault(ro, Access::kRead, false).ok());
  EXPECT_EQ(aspace_->resident_pages(), 2u);  // the failed faults mapped nothing
}

TEST_F(VmAspaceTest, FaultsOutsideRegionsAreFaultErrors) {
  MapAnon(*aspace_, 2, kRW, kAddr, kMapFixed);
  EXPECT_EQ(aspace_->HandlePageFault(kAddr - 1, Access::kRead, true).error(), Error::kFault);
  EXPECT_EQ(aspace_->HandlePageFault(kAddr + 2 * kPageSize, Access::kWrite, true).error(),
            Error::kFault);
  EXPECT_EQ(aspace_->HandlePageFault(0, Access::kRead, true).error(), Error::kFault);
  EXPECT_EQ(aspace_->HandlePageFault(kKernelText, Access::kRead, true).error(), Error::kFault);
  EXPECT_EQ(aspace_->HandlePageFault(kUserEnd, Access::kRead, true).error(), Error::kFault);
  EXPECT_EQ(aspace_->HandlePageFault(0x0000900000000000, Access::kRead, true).error(),
            Error::kFault);
  EXPECT_EQ(aspace_->Query(kAddr - 1).error(), Error::kNotFound);
}

TEST_F(VmAspaceTest, SpuriousFaultSucceeds) {
  const uint64_t addr = MapAnon(*aspace_, 1, kRW);
  MustWrite(*aspace_, addr, 9);
  const PhysAddr phys = PhysOf(*aspace_, addr);
  ASSERT_TRUE(aspace_->HandlePageFault(addr, Access::kWrite, true).ok());
  ASSERT_TRUE(aspace_->HandlePageFault(addr, Access::kRead, true).ok());
  EXPECT_EQ(PhysOf(*aspace_, addr), phys);
  EXPECT_EQ(aspace_->resident_pages(), 1u);
  EXPECT_EQ(MustRead(*aspace_, addr), 9);
}

TEST_F(VmAspaceTest, FixedMapRejectsBadRanges) {
  RefPtr<VmObject> vmo = NewAnon(4);
  const uint64_t size = 4 * kPageSize;
  auto map = [&](uint64_t addr, uint64_t offset, uint64_t length, Prot prot = kRW,
                 MapFlags flags = kMapFixed) {
    kstd::Result<uint64_t> r = aspace_->Map(vmo, offset, length, prot, addr, flags);
    return r.ok() ? Error{} : r.error();
  };
  EXPECT_EQ(map(kAddr + 1, 0, size), Error::kInvalid);                      // unaligned address
  EXPECT_EQ(map(kAddr, 0, size - 1), Error::kInvalid);                      // unaligned size
  EXPECT_EQ(map(kAddr, 0, 0), Error::kInvalid);                             // empty
  EXPECT_EQ(map(kAddr, 1, kPageSize), Error::kInvalid);                     // unaligned offset
  EXPECT_EQ(map(kAddr, kPageSize, size), Error::kInvalid);                  // beyond the VMO
  EXPECT_EQ(map(kAddr, ~uint64_t{0} - 4095, kPageSize), Error::kInvalid);   // offset overflow
  EXPECT_EQ(map(0, 0, size), Error::kInvalid);                              // null page
  EXPECT_EQ(map(kUserBase - kPageSize, 0, size), Error::kInvalid);          // below kUserBase
  EXPECT_EQ(map(kUserEnd - kPageSize, 0, 2 * kPageSize), Error::kInvalid);  // past the top
  EXPECT_EQ(map(0x0000800000000000, 0, size), Error::kInvalid);             // non-canonical
  EXPECT_EQ(map(kKernelText, 0, size), Error::kInvalid);                    // kernel half
  EXPECT_EQ(map(~uint64_t{0} - 4095, 0, 2 * kPageSize), Error::kInvalid);   // wraps
  EXPECT_EQ(map(kAddr, 0, size, 8), Error::kInvalid);                       // unknown prot bit
  EXPECT_EQ(map(kAddr, 0, size, kRW, kMapFixed | 0x100), Error::kInvalid);  // unknown flag
  EXPECT_EQ(aspace_->Map(nullptr, 0, size, kRW, kAddr, kMapFixed).error(), Error::kInvalid);
  EXPECT_EQ(aspace_->region_count(), 0u);

  ASSERT_EQ(map(kUserEnd - size, 0, size), Error{});  // the highest allowed range
  ASSERT_EQ(map(kAddr, 0, size), Error{});
  EXPECT_EQ(map(kAddr + size - kPageSize, 0, kPageSize), Error::kExists);
  EXPECT_EQ(map(kAddr - kPageSize, 0, 2 * kPageSize), Error::kExists);
  EXPECT_EQ(aspace_->MapGuard(kAddr, kPageSize, kMapFixed).error(), Error::kExists);
  EXPECT_EQ(aspace_->region_count(), 2u);
}

TEST_F(VmAspaceTest, FindsFreeRangesTopDownAndHonoursHints) {
  const uint64_t a = MapAnon(*aspace_, 2, kRW);
  EXPECT_EQ(a, kUserEnd - 2 * kPageSize);
  const uint64_t b = MapAnon(*aspace_, 3, kRW);
  EXPECT_EQ(b, a - 3 * kPageSize);
  // A free hint is used (rounded up to a page); a busy one is not.
  EXPECT_EQ(MapAnon(*aspace_, 1, kRW, kAddr + 1), kAddr + kPageSize);
  EXPECT_EQ(MapAnon(*aspace_, 1, kRW, b + kPageSize), b - kPageSize);
  // A hole left by Unmap is found again when it is the highest fit.
  ASSERT_TRUE(aspace_->Unmap(a, 2 * kPageSize).ok());
  EXPECT_EQ(MapAnon(*aspace_, 2, kRW), a);
  // Lower gaps are used when nothing higher fits.
  ASSERT_TRUE(aspace_->Unmap(b, kPageSize).ok());
  EXPECT_EQ(MapAnon(*aspace_, 2, kRW) + 2 * kPageSize, b - kPageSize);
  EXPECT_EQ(MapAnon(*aspace_, 1, kRW), b);  // the one-page hole at b fits exactly
  // Too big for any gap.
  kstd::Result<RefPtr<VmObject>> huge = VmObject::CreateAnonymous(&pmm_, kUserEnd - kUserBase);
  ASSERT_TRUE(huge.ok());
  EXPECT_EQ(aspace_->Map(huge.value(), 0, kUserEnd - kUserBase, kRW).error(), Error::kNoMemory);
}

TEST_F(VmAspaceTest, UnmapSplitsRegionsAndFreesTheirPages) {
  const uint64_t base = MapAnon(*aspace_, 8, kRW, kAddr, kMapFixed);
  for (uint64_t i = 0; i < 8; ++i)
    MustWrite(*aspace_, base + i * kPageSize, static_cast<uint8_t>(i + 1));
  const uint64_t before = FreePages();
  flushes_.clear();

  ASSERT_TRUE(aspace_->Unmap(base + 3 * kPageSize, 2 * kPageSize).ok());
  EXPECT_EQ(Regions(), (std::vector<std::pair<uint64_t, uint64_t>>{
                           {base, 3 * kPageSize}, {base + 5 * kPageSize, 3 * kPageSize}}));
  EXPECT_EQ(FreePages(), before + 2);
  EXPECT_TRUE(Flushed(aspace_->root(), base + 3 * kPageSize));
  EXPECT_TRUE(Flushed(aspace_->root(), base + 4 * kPageSize));
  EXPECT_EQ(RawPte(*aspace_, base + 3 * kPageSize), 0u);
  EXPECT_EQ(aspace_->HandlePageFault(base + 4 * kPageSize, Access::kRead, true).error(),
            Error::kFault);
  EXPECT_EQ(aspace_->resident_pages(), 6u);
  // The tail still shows the right part of the VMO.
  kstd::Result<RegionInfo> tail = aspace_->Query(base + 5 * kPageSize);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail.value().vmo_offset, 5 * kPageSize);
  for (uint64_t i : {0u, 1u, 2u, 5u, 6u, 7u})
    EXPECT_EQ(MustRead(*aspace_, base + i * kPageSize), i + 1);

  // Trim both ends, and unmap across a hole and several regions at once.
  ASSERT_TRUE(aspace_->Unmap(base, kPageSize).ok());
  ASSERT_TRUE(aspace_->Unmap(base + 7 * kPageSize, kPageSize).ok());
  EXPECT_EQ(Regions(),
            (std::vector<std::pair<uint64_t, uint64_t>>{{base + kPageSize, 2 * kPageSize},
                                                        {base + 5 * kPageSize, 2 * kPageSize}}));
  EXPECT_EQ(MustRead(*aspace_, base + 6 * kPageSize), 7);
  ASSERT_TRUE(aspace_->Unmap(base + 2 * kPageSize, 4 * kPageSize).ok());
  EXPECT_EQ(Regions(), (std::vector<std::pair<uint64_t, uint64_t>>{
                           {base + kPageSize, kPageSize}, {base + 6 * kPageSize, kPageSize}}));
  EXPECT_EQ(aspace_->resident_pages(), 2u);
  // Unmapping nothing is fine; bad ranges are not.
  EXPECT_TRUE(aspace_->Unmap(0x7000000000, kPageSize).ok());
  EXPECT_EQ(aspace_->Unmap(base + 1, kPageSize).error(), Error::kInvalid);
  EXPECT_EQ(aspace_->Unmap(base, 0).error(), Error::kInvalid);
  EXPECT_EQ(aspace_->Unmap(kKernelText, kPageSize).error(), Error::kInvalid);
  ASSERT_TRUE(aspace_->Unmap(kUserBase, kUserEnd - kUserBase).ok());
  EXPECT_EQ(aspace_->region_count(), 0u);
  EXPECT_EQ(aspace_->resident_pages(), 0u);
  EXPECT_EQ(aspace_->table_pages(), 1u);  // emptied tables went back to the pmm
  EXPECT_EQ(FreePages(), start_free_ - 1);
}

TEST_F(VmAspaceTest, ProtectSplitsRegionsAndDropsRightsAtOnce) {
  const uint64_t base = MapAnon(*aspace_, 6, kRW, kAddr, kMapFixed);
  for (uint64_t i = 0; i < 6; ++i)
    MustWrite(*aspace_, base + i * kPageSize, static_cast<uint8_t>(i));
  const PhysAddr page2 = PhysOf(*aspace_, base + 2 * kPageSize);
  flushes_.clear();

  ASSERT_TRUE(aspace_->Protect(base + 2 * kPageSize, 2 * kPageSize, kProtRead).ok());
  EXPECT_EQ(aspace_->region_count(), 3u);
  EXPECT_FALSE(Pte(RawPte(*aspace_, base + 2 * kPageSize)).writable());
  EXPECT_TRUE(Pte(RawPte(*aspace_, base + kPageSize)).writable());
  EXPECT_TRUE(Flushed(aspace_->root(), base + 3 * kPageSize));
  EXPECT_EQ(aspace_->HandlePageFault(base + 3 * kPageSize, Access::kWrite, true).error(),
            Error::kAccess);
  EXPECT_EQ(MustRead(*aspace_, base + 3 * kPageSize), 3);
  kstd::Result<RegionInfo> middle = aspace_->Query(base + 3 * kPageSize);
  ASSERT_TRUE(middle.ok());
  EXPECT_EQ(middle.value().base, base + 2 * kPageSize);
  EXPECT_EQ(middle.value().vmo_offset, 2 * kPageSize);
  EXPECT_EQ(middle.value().prot, kProtRead);

  // Rights come back lazily: the same page, made writable by the next fault.
  ASSERT_TRUE(aspace_->Protect(base + 2 * kPageSize, kPageSize, kRW).ok());
  EXPECT_FALSE(Pte(RawPte(*aspace_, base + 2 * kPageSize)).writable());
  MustWrite(*aspace_, base + 2 * kPageSize, 0x22);
  EXPECT_EQ(PhysOf(*aspace_, base + 2 * kPageSize), page2);

  // PROT_NONE unmaps the pages but keeps their contents.
  ASSERT_TRUE(aspace_->Protect(base, 6 * kPageSize, kProtNone).ok());
  EXPECT_EQ(RawPte(*aspace_, base + 5 * kPageSize), 0u);
  EXPECT_EQ(aspace_->resident_pages(), 0u);
  EXPECT_EQ(aspace_->HandlePageFault(base, Access::kRead, true).error(), Error::kAccess);
  ASSERT_TRUE(aspace_->Protect(base, 6 * kPageSize, kProtRead | kProtExec).ok());
  EXPECT_EQ(MustRead(*aspace_, base + 2 * kPageSize), 0x22);
  EXPECT_EQ(MustRead(*aspace_, base + 5 * kPageSize), 5);
  EXPECT_TRUE(Touch(*aspace_, base + 4 * kPageSize, Access::kExecute).ok());
  EXPECT_EQ(aspace_->region_count(), 4u);  // regions are not merged back
}

TEST_F(VmAspaceTest, ProtectChecksTheWholeRangeFirst) {
  const uint64_t base = MapAnon(*aspace_, 2, kRW, kAddr, kMapFixed);
  MapAnon(*aspace_, 2, kRW, kAddr + 3 * kPageSize, kMapFixed);  // hole at page 2
  EXPECT_EQ(aspace_->Protect(base, 5 * kPageSize, kProtRead).error(), Error::kNotFound);
  EXPECT_EQ(aspace_->Protect(base + kPageSize, 5 * kPageSize, kProtRead).error(), Error::kNotFound);
  EXPECT_EQ(aspace_->Protect(base, kPageSize, 0x10).error(), Error::kInvalid);
  EXPECT_EQ(aspace_->region_count(), 2u);  // nothing was split
  EXPECT_EQ(aspace_->Query(base).value().prot, kRW);
  ASSERT_TRUE(aspace_->MapGuard(base + 2 * kPageSize, kPageSize, kMapFixed).ok());
  EXPECT_EQ(aspace_->Protect(base, 5 * kPageSize, kProtRead).error(), Error::kAccess);
  ASSERT_TRUE(aspace_->Protect(base + kPageSize, kPageSize, kProtRead).ok());
  ASSERT_TRUE(aspace_->Protect(base + 3 * kPageSize, 2 * kPageSize, kProtRead).ok());
  EXPECT_EQ(aspace_->region_count(), 4u);
}

TEST_F(VmAspaceTest, GuardRegionsFaultAndReserve) {
  kstd::Result<uint64_t> guard = aspace_->MapGuard(0, 4 * kPageSize);
  ASSERT_TRUE(guard.ok());
  EXPECT_EQ(guard.value(), kUserEnd - 4 * kPageSize);
  EXPECT_EQ(aspace_->HandlePageFault(guard.value(), Access::kRead, true).error(), Error::kAccess);
  kstd::Result<RegionInfo> info = aspace_->Query(guard.value());
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info.value().guard);
  EXPECT_EQ(info.value().vmo_koid, 0u);
  EXPECT_EQ(aspace_->MapGuard(0, kPageSize, kMapShared).error(), Error::kInvalid);
  // A stack with a guard page below it.
  const uint64_t stack = MapAnon(*aspace_, 4, kRW, guard.value() - 4 * kPageSize, kMapFixed);
  ASSERT_TRUE(aspace_->MapGuard(stack - kPageSize, kPageSize, kMapFixed).ok());
  EXPECT_EQ(aspace_->HandlePageFault(stack - 1, Access::kWrite, true).error(), Error::kAccess);
  // Unmap removes guards like any region.
  ASSERT_TRUE(aspace_->Unmap(guard.value(), 4 * kPageSize).ok());
  EXPECT_EQ(aspace_->HandlePageFault(guard.value(), Access::kRead, true).error(), Error::kFault);
}

TEST_F(VmAspaceTest, MapFixedReplaceUnmapsWhatWasThere) {
  const uint64_t base = MapAnon(*aspace_, 4, kRW, kAddr, kMapFixed);
  for (uint64_t i = 0; i < 4; ++i) MustWrite(*aspace_, base + i * kPageSize, 0x10 + i);
  const uint64_t before = FreePages();
  kstd::Result<uint64_t> replaced =
      aspace_->MapFixedReplace(base + kPageSize, NewAnon(2), 0, 2 * kPageSize, kProtRead);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced.value(), base + kPageSize);
  EXPECT_EQ(FreePages(), before + 2);
  EXPECT_EQ(aspace_->region_count(), 3u);
  EXPECT_EQ(MustRead(*aspace_, base), 0x10);
  EXPECT_EQ(MustRead(*aspace_, base + kPageSize), 0);  // the new, zero-filled VMO
  EXPECT_EQ(MustRead(*aspace_, base + 3 * kPageSize), 0x13);
  EXPECT_EQ(aspace_->Query(base + 2 * kPageSize).value().prot, kProtRead);
  // Errors change nothing.
  EXPECT_EQ(aspace_->MapFixedReplace(base + 1, NewAnon(1), 0, kPageSize, kRW).error(),
            Error::kInvalid);
  EXPECT_EQ(aspace_->MapFixedReplace(kKernelText, NewAnon(1), 0, kPageSize, kRW).error(),
            Error::kInvalid);
  EXPECT_EQ(aspace_->region_count(), 3u);
  // Over nothing it is a plain fixed map.
  ASSERT_TRUE(aspace_->MapFixedReplace(0x7000000000, NewAnon(1), 0, kPageSize, kRW).ok());
}

TEST_F(VmAspaceTest, BootModuleMappedReadOnlyCannotBeWritten) {
  RefPtr<VmObject> module =
      VmObject::CreatePhysical(kModuleBase, kModuleSize, false).release_value();
  EXPECT_EQ(aspace_->Map(module, 0, kModuleSize, kRW, kAddr, kMapFixed).error(), Error::kAccess);
  EXPECT_EQ(aspace_->Map(module, 0, kModuleSize, kRW, kAddr, kMapFixed | kMapShared).error(),
            Error::kAccess);
  kstd::Result<uint64_t> text =
      aspace_->Map(module, kPageSize, 2 * kPageSize, kProtRead | kProtExec, kAddr, kMapFixed);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(MustRead(*aspace_, kAddr + 10), ModuleByte(kPageSize + 10));
  EXPECT_EQ(MustRead(*aspace_, kAddr + kPageSize + 5), ModuleByte(2 * kPageSize + 5));
  EXPECT_EQ(PhysOf(*aspace_, kAddr), kModuleBase + kPageSize);
  EXPECT_FALSE(Pte(RawPte(*aspace_, kAddr)).writable());
  EXPECT_TRUE(Touch(*aspace_, kAddr, Access::kExecute).ok());
  EXPECT_EQ(aspace_->HandlePageFault(kAddr, Access::kWrite, true).error(), Error::kAccess);
  EXPECT_EQ(aspace_->Protect(kAddr, kPageSize, kRW).error(), Error::kAccess);
  uint8_t byte = 0;
  EXPECT_EQ(aspace_->Poke(kAddr, &byte, 1).error(), Error::kNotSupported);
  EXPECT_EQ(FreePages(), start_free_ - 4);  // only page tables were allocated
  // Unmapping and exiting never free the module's pages.
  ASSERT_TRUE(aspace_->Unmap(kAddr, kPageSize).ok());
  EXPECT_EQ(MustRead(*aspace_, kAddr + kPageSize), ModuleByte(2 * kPageSize));
  aspace_->Destroy();
  EXPECT_EQ(Byte(kModuleBase + kPageSize), ModuleByte(kPageSize));
  EXPECT_EQ(module->mapping_count(), 0u);
}

TEST_F(VmAspaceTest, WritablePhysicalVmosAreSharedOnly) {
  // Device-like memory: a physical range with an uncached policy.
  RefPtr<VmObject> mmio =
      VmObject::CreatePhysical(kModuleBase, kPageSize, true, CachePolicy::kUncached)
          .release_value();
  EXPECT_EQ(aspace_->Map(mmio, 0, kPageSize, kRW, kAddr, kMapFixed).error(), Error::kNotSupported);
  ASSERT_TRUE(aspace_->Map(mmio, 0, kPageSize, kProtRead, kAddr, kMapFixed).ok());
  EXPECT_EQ(aspace_->Protect(kAddr, kPageSize, kRW).error(), Error::kNotSupported);
  ASSERT_TRUE(
      aspace_->Map(mmio, 0, kPageSize, kRW, kAddr + kPageSize, kMapFixed | kMapShared).ok());
  MustWrite(*aspace_, kAddr + kPageSize + 1, 0x99);
  EXPECT_EQ(Byte(kModuleBase + 1), 0x99);
  const Pte pte(RawPte(*aspace_, kAddr + kPageSize));
  EXPECT_TRUE(pte.writable());
  EXPECT_EQ(pte.raw() & (Pte::kCacheDisable | Pte::kWriteThrough),
            Pte::kCacheDisable | Pte::kWriteThrough);  // PAT 3: UC
  EXPECT_EQ(MustRead(*aspace_, kAddr + 1), 0x99);      // both mappings show the same page
}

TEST_F(VmAspaceTest, PrivateMapOfAHeldVmoIsACopyOnWriteView) {
  RefPtr<VmObject> vmo = NewAnon(2);
  const uint8_t one = 1;
  ASSERT_TRUE(vmo->Write(0, &one, 1).ok());
  ASSERT_TRUE(aspace_->Map(vmo, 0, 2 * kPageSize, kRW, kAddr, kMapFixed).ok());
  EXPECT_NE(aspace_->Query(kAddr).value().vmo_koid, vmo->koid());  // a clone
  EXPECT_EQ(MustRead(*aspace_, kAddr), 1);
  EXPECT_FALSE(Pte(RawPte(*aspace_, kAddr)).writable());  // shared with `vmo`
  MustWrite(*aspace_, kAddr, 2);
  uint8_t got = 0;
  ASSERT_TRUE(vmo->Read(0, &got, 1).ok());
  EXPECT_EQ(got, 1);  // the holder's VMO is untouched
  const uint8_t three = 3;
  ASSERT_TRUE(vmo->Write(kPageSize, &three, 1).ok());
  EXPECT_EQ(MustRead(*aspace_, kAddr + kPageSize), 0);  // absent at map time: ours is zero

  // Handing over the only reference maps the VMO itself.
  RefPtr<VmObject> own = NewAnon(1);
  const Koid koid = own->koid();
  ASSERT_TRUE(aspace_->Map(kstd::Move(own), 0, kPageSize, kRW, kAddr + 0x10000, kMapFixed).ok());
  EXPECT_EQ(aspace_->Query(kAddr + 0x10000).value().vmo_koid, koid);
}

TEST_F(VmAspaceTest, SharedMappingSeesTheVmosWrites) {
  RefPtr<VmObject> vmo = NewAnon(1);
  ASSERT_TRUE(aspace_->Map(vmo, 0, kPageSize, kRW, kAddr, kMapFixed | kMapShared).ok());
  EXPECT_EQ(aspace_->Query(kAddr).value().vmo_koid, vmo->koid());
  EXPECT_TRUE(aspace_->Query(kAddr).value().shared);
  MustWrite(*aspace_, kAddr, 5);
  uint8_t got = 0;
  ASSERT_TRUE(vmo->Read(0, &got, 1).ok());
  EXPECT_EQ(got, 5);
  const uint8_t six = 6;
  ASSERT_TRUE(vmo->Write(0, &six, 1).ok());
  EXPECT_EQ(MustRead(*aspace_, kAddr), 6);
  // Unmapping a shared region keeps the VMO's pages.
  ASSERT_TRUE(aspace_->Unmap(kAddr, kPageSize).ok());
  EXPECT_EQ(vmo->resident_pages(), 1u);
  EXPECT_EQ(vmo->mapping_count(), 0u);
}

TEST_F(VmAspaceTest, PeekAndPokeIgnoreProtection) {
  const uint64_t ro = MapAnon(*aspace_, 2, kProtRead, kAddr, kMapFixed);
  const char text[] = "loaded by the kernel";
  ASSERT_TRUE(aspace_->Poke(ro + kPageSize - 4, text, sizeof(text)).ok());
  char back[sizeof(text)] = {};
  ASSERT_TRUE(aspace_->Peek(ro + kPageSize - 4, back, sizeof(back)).ok());
  EXPECT_STREQ(back, text);
  EXPECT_EQ(MustRead(*aspace_, ro + kPageSize), text[4]);
  EXPECT_EQ(aspace_->Poke(ro + 2 * kPageSize - 1, text, 2).error(), Error::kFault);
  EXPECT_EQ(aspace_->Peek(~uint64_t{0}, back, 2).error(), Error::kFault);
  // Across two adjacent regions.
  MapAnon(*aspace_, 1, kRW, ro + 2 * kPageSize, kMapFixed);
  ASSERT_TRUE(aspace_->Poke(ro + 2 * kPageSize - 1, "xy", 2).ok());
  EXPECT_EQ(MustRead(*aspace_, ro + 2 * kPageSize), 'y');
}

TEST_F(VmAspaceTest, OutOfMemoryFaultsFailCleanly) {
  const uint64_t addr = MapAnon(*aspace_, 4, kRW, kAddr, kMapFixed);
  MustWrite(*aspace_, addr, 1);  // tables exist now
  std::vector<PhysAddr> hoard;
  for (;;) {
    kstd::Result<PhysAddr> page = pmm_.AllocPage();
    if (page.is_error()) break;
    hoard.push_back(page.value());
  }
  EXPECT_EQ(aspace_->HandlePageFault(addr + kPageSize, Access::kRead, true).error(),
            Error::kNoMemory);
  EXPECT_EQ(aspace_->HandlePageFault(0x7000000000, Access::kRead, true).error(), Error::kFault);
  EXPECT_EQ(aspace_->Fork().error(), Error::kNoMemory);  // no page for the child's PML4
  EXPECT_EQ(aspace_->resident_pages(), 1u);
  for (PhysAddr page : hoard) ASSERT_TRUE(pmm_.FreePage(page).ok());
  MustWrite(*aspace_, addr + kPageSize, 2);
  EXPECT_EQ(MustRead(*aspace_, addr), 1);
}

TEST_F(VmAspaceTest, DestroyReleasesEverythingAndEndsTheAspace) {
  MapAnon(*aspace_, 16, kRW, kAddr, kMapFixed);
  for (uint64_t i = 0; i < 16; ++i) MustWrite(*aspace_, kAddr + i * kPageSize, 1);
  MapAnon(*aspace_, 1, kRW, 0x7f0000000000, kMapFixed);
  MustWrite(*aspace_, 0x7f0000000000, 1);
  EXPECT_EQ(aspace_->resident_pages(), 17u);
  aspace_->Destroy();
  EXPECT_EQ(aspace_->root(), 0u);
  EXPECT_EQ(aspace_->resident_pages(), 0u);
  EXPECT_EQ(aspace_->region_count(), 0u);
  ExpectNoLeaks();
  EXPECT_EQ(aspace_->HandlePageFault(kAddr, Access::kRead, true).error(), Error::kFault);
  EXPECT_EQ(aspace_->Map(NewAnon(1), 0, kPageSize, kRW).error(), Error::kInvalid);
  EXPECT_EQ(aspace_->Unmap(kAddr, kPageSize).error(), Error::kInvalid);
  EXPECT_EQ(aspace_->Protect(kAddr, kPageSize, kRW).error(), Error::kInvalid);
  EXPECT_EQ(aspace_->Fork().error(), Error::kInvalid);
  aspace_->Destroy();  // idempotent
}

TEST_F(VmAspaceTest, NoWriteRegionsNeverBecomeWritableAndAreNotCounted) {
  RefPtr<VmObject> vmo = NewAnon(2);
  ASSERT_TRUE(vmo);
  // A writable shared mapping counts; a kMapNoWrite one does not.
  EXPECT_EQ(
      aspace_->Map(vmo, 0, 2 * kPageSize, kRW, kAddr, kMapFixed | kMapShared | kMapNoWrite).error(),
      Error::kAccess);
  const uint64_t ro =
      aspace_->Map(vmo, 0, 2 * kPageSize, kProtRead, kAddr, kMapFixed | kMapShared | kMapNoWrite)
          .value();
  EXPECT_EQ(vmo->shared_writable_mapping_count(), 0u);
  const uint64_t rw =
      aspace_->Map(vmo, 0, kPageSize, kProtRead, kAddr + 4 * kPageSize, kMapFixed | kMapShared)
          .value();
  EXPECT_EQ(vmo->shared_writable_mapping_count(), 1u);
  // mprotect cannot add write to the no-write region, nor to a split of it.
  EXPECT_EQ(aspace_->Protect(ro, kPageSize, kRW).error(), Error::kAccess);
  EXPECT_TRUE(aspace_->Protect(ro, kPageSize, kProtNone).ok());  // splits it
  EXPECT_EQ(aspace_->Protect(ro + kPageSize, kPageSize, kRW).error(), Error::kAccess);
  EXPECT_EQ(vmo->shared_writable_mapping_count(), 1u);
  EXPECT_TRUE(aspace_->Protect(rw, kPageSize, kRW).ok());
  // Fork keeps both kinds.
  kstd::Result<RefPtr<VmAspace>> child = aspace_->Fork();
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(vmo->shared_writable_mapping_count(), 2u);
  EXPECT_EQ(child.value()->Protect(ro + kPageSize, kPageSize, kRW).error(), Error::kAccess);
  // A duplicate by mremap(old_size 0) stays no-write.
  kstd::Result<uint64_t> dup = aspace_->Remap(ro + kPageSize, 0, kPageSize, kRemapMayMove);
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(aspace_->Protect(dup.value(), kPageSize, kRW).error(), Error::kAccess);
  child.value()->Destroy();
  EXPECT_TRUE(aspace_->Unmap(rw, kPageSize).ok());
  EXPECT_EQ(vmo->shared_writable_mapping_count(), 0u);
}

}  // namespace
}  // namespace core::vm::testing
