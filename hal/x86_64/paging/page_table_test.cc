#include "hal/x86_64/paging/page_table.h"

#include <stdlib.h>

#include <cstring>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace hal::x86_64 {
namespace {

using kstd::Error;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kGiB = uint64_t{1} << 30;

// Table pages from a host arena standing in for RAM at a fake physical base.
// Fresh pages are filled with garbage (PageTable must zero them); frees of pages
// not handed out fail the test.
class FakeTables final : public TableAllocator {
 public:
  static constexpr uint64_t kPhysBase = 0x10000000;

  explicit FakeTables(size_t pages = 1024)
      : pages_(pages), arena_(static_cast<uint8_t*>(aligned_alloc(4096, pages * 4096))) {
    for (size_t i = pages; i-- > 0;) free_.push_back(kPhysBase + i * 4096);
  }
  ~FakeTables() { ::free(arena_); }

  kstd::Result<uint64_t> AllocTable() override {
    if (free_.empty() || out_.size() >= limit_) return Error::kNoMemory;
    const uint64_t phys = free_.back();
    free_.pop_back();
    memset(Raw(phys), 0xab, 4096);
    out_.insert(phys);
    return phys;
  }
  void FreeTable(uint64_t phys) override {
    ASSERT_EQ(out_.erase(phys), 1u) << "table freed twice or never allocated";
    free_.push_back(phys);
  }

  PhysWindow window() const {
    return PhysWindow{reinterpret_cast<uintptr_t>(arena_) - static_cast<uintptr_t>(kPhysBase)};
  }
  uint64_t* Raw(uint64_t phys) { return static_cast<uint64_t*>(window().ToVirt(phys)); }
  size_t outstanding() const { return out_.size(); }
  void set_limit(size_t limit) { limit_ = limit; }

 private:
  size_t pages_;
  uint8_t* arena_;
  std::vector<uint64_t> free_;
  std::set<uint64_t> out_;
  size_t limit_ = SIZE_MAX;
};

MappingVisitor Collect(std::vector<Mapping>* sink) {
  return MappingVisitor{[](void* context, const Mapping& m) {
                          static_cast<std::vector<Mapping>*>(context)->push_back(m);
                        },
                        sink};
}

constexpr PageAttrs kUserData{.writable = true, .user = true};
constexpr PageAttrs kKernelText{.executable = true, .global = true};
constexpr PageAttrs kKernelData{.writable = true, .global = true};

class PageTableTest : public ::testing::Test {
 protected:
  PageTableTest() : pt_(&tables_, tables_.window()) {}
  void SetUp() override { ASSERT_TRUE(pt_.Init().ok()); }

  // The raw entry for `virt` at `level`, walking the tables by hand.
  uint64_t RawEntry(uint64_t virt, int level) {
    uint64_t table = pt_.root();
    for (int at = kPml4Level;; --at) {
      const uint64_t entry = tables_.Raw(table)[LevelIndex(virt, at)];
      if (at == level) return entry;
      EXPECT_TRUE(entry & Pte::kPresent) << "no table at level " << at;
      table = entry & Pte::kAddressMask;
    }
  }
  void ExpectMapped(uint64_t virt, uint64_t phys, uint64_t size, PageAttrs attrs) {
    kstd::Result<Mapping> m = pt_.Query(virt);
    ASSERT_TRUE(m.ok()) << std::hex << virt;
    EXPECT_EQ(m.value().virt, virt & ~(size - 1)) << std::hex << virt;
    EXPECT_EQ(m.value().phys, phys) << std::hex << virt;
    EXPECT_EQ(m.value().size, size) << std::hex << virt;
    EXPECT_TRUE(m.value().attrs == attrs) << std::hex << virt;
  }
  void ExpectUnmapped(uint64_t virt) {
    EXPECT_EQ(pt_.Query(virt).error(), Error::kNotFound) << std::hex << virt;
  }

  FakeTables tables_;
  PageTable pt_;
};

TEST_F(PageTableTest, MapQueryUnmapRoundTrip) {
  kstd::Result<TlbFlush> mapped = pt_.Map(0x400000, 0x12345000, 3 * 4096, kUserData);
  ASSERT_TRUE(mapped.ok());
  EXPECT_FALSE(mapped.value().needed);  // new translations need no flush
  EXPECT_EQ(pt_.table_pages(), 4u);     // PML4, PDPT, PD, PT
  for (uint64_t i = 0; i < 3; ++i) {
    ExpectMapped(0x400000 + i * 4096 + 123, 0x12345000 + i * 4096, 4096, kUserData);
  }
  ExpectUnmapped(0x403000);
  ExpectUnmapped(0x3ff000);

  std::vector<Mapping> removed;
  kstd::Result<TlbFlush> flush = pt_.Unmap(0x400000, 3 * 4096, Collect(&removed));
  ASSERT_TRUE(flush.ok());
  ASSERT_EQ(removed.size(), 3u);
  EXPECT_EQ(removed[1].virt, 0x401000u);
  EXPECT_EQ(removed[1].phys, 0x12346000u);
  EXPECT_TRUE(flush.value().needed);
  EXPECT_EQ(flush.value().first, 0u);  // the PML4 slot's PDPT was freed too
  EXPECT_GE(flush.value().last, 0x402fffu);
  EXPECT_FALSE(flush.value().global);
  for (uint64_t i = 0; i < 3; ++i) ExpectUnmapped(0x400000 + i * 4096);
  EXPECT_EQ(pt_.table_pages(), 1u);  // empty tables were freed
  EXPECT_EQ(tables_.outstanding(), 1u);
}

TEST_F(PageTableTest, RawEntriesFollowTheSdmLayout) {
  ASSERT_TRUE(pt_.Map(0x7f0000001000, 0x5000, 4096, kUserData).ok());
  const PageAttrs uncached_ro{.executable = true, .global = true, .cache = CachePolicy::kUncached};
  ASSERT_TRUE(pt_.Map(0xffffffff80200000, 0x200000, 4096, uncached_ro).ok());
  const PageAttrs wc{.writable = true, .cache = CachePolicy::kWriteCombining};
  ASSERT_TRUE(
      pt_.Map(0xffff800000000000, 0xfd000000, 2 * kMiB, wc, {.allow_large_pages = true}).ok());

  const uint64_t kTable = Pte::kPresent | Pte::kWritable;
  // User path: every level permits user access; the leaf forbids execution.
  for (int level = kPml4Level; level > kPtLevel; --level) {
    EXPECT_EQ(RawEntry(0x7f0000001000, level) & 0xfff, kTable | Pte::kUser) << level;
    EXPECT_EQ(RawEntry(0x7f0000001000, level) >> 63, 0u) << level;
  }
  EXPECT_EQ(RawEntry(0x7f0000001000, kPtLevel),
            0x5000 | Pte::kPresent | Pte::kWritable | Pte::kUser | Pte::kNoExecute);
  // Kernel path: supervisor-only tables; leaf is G, PCD+PWT (PAT 3 = UC), read-only.
  for (int level = kPml4Level; level > kPtLevel; --level) {
    EXPECT_EQ(RawEntry(0xffffffff80200000, level) & 0xfff, kTable) << level;
  }
  EXPECT_EQ(RawEntry(0xffffffff80200000, kPtLevel),
            0x200000 | Pte::kPresent | Pte::kGlobal | Pte::kCacheDisable | Pte::kWriteThrough);
  // 2 MiB leaf: PS set, PWT alone selects PAT entry 1 (WC), XD set.
  EXPECT_EQ(RawEntry(0xffff800000000000, kPdLevel), 0xfd000000 | Pte::kPresent | Pte::kWritable |
                                                        Pte::kLargePage | Pte::kWriteThrough |
                                                        Pte::kNoExecute);
  ExpectMapped(0xffff800000123456, 0xfd000000, 2 * kMiB, wc);
  ExpectMapped(0xffffffff80200fff, 0x200000, 4096, uncached_ro);
}

TEST_F(PageTableTest, ChoosesTwoMiBPagesOnlyWhenAllowedAndAligned) {
  const uint64_t virt = 0x40000000;
  const uint64_t size = 4 * kMiB + 2 * 4096;
  ASSERT_TRUE(pt_.Map(virt, 0x80000000, size, kUserData, {.allow_large_pages = true}).ok());
  ExpectMapped(virt, 0x80000000, 2 * kMiB, kUserData);
  ExpectMapped(virt + 2 * kMiB + 5, 0x80200000, 2 * kMiB, kUserData);
  ExpectMapped(virt + 4 * kMiB, 0x80400000, 4096, kUserData);
  ExpectMapped(virt + 4 * kMiB + 4096, 0x80401000, 4096, kUserData);
  EXPECT_TRUE(RawEntry(virt, kPdLevel) & Pte::kLargePage);
  EXPECT_EQ(pt_.table_pages(), 4u);

  // Not allowed: 4 KiB pages only.
  ASSERT_TRUE(pt_.Map(0x80000000, 0x80000000, 2 * kMiB, kUserData).ok());
  ExpectMapped(0x80000000, 0x80000000, 4096, kUserData);
  ExpectMapped(0x801ff000, 0x801ff000, 4096, kUserData);
  // Allowed but phys is not 2 MiB aligned: 4 KiB pages.
  ASSERT_TRUE(
      pt_.Map(0xc0000000, 0x80001000, 2 * kMiB, kUserData, {.allow_large_pages = true}).ok());
  ExpectMapped(0xc0000000, 0x80001000, 4096, kUserData);
  // Aligned, large allowed, starting mid-way: 4 KiB up to the boundary, then 2 MiB.
  ASSERT_TRUE(pt_.Map(0x1000000 - 4096, 0x3000000 - 4096, 2 * kMiB + 4096, kUserData,
                      {.allow_large_pages = true})
                  .ok());
  ExpectMapped(0x1000000 - 4096, 0x3000000 - 4096, 4096, kUserData);
  ExpectMapped(0x1000000, 0x3000000, 2 * kMiB, kUserData);
}

TEST_F(PageTableTest, PartialUnmapSplitsALargePage) {
  ASSERT_TRUE(pt_.Map(0x200000, 0x600000, 2 * kMiB, kUserData, {.allow_large_pages = true}).ok());
  std::vector<Mapping> removed;
  kstd::Result<TlbFlush> flush = pt_.Unmap(0x200000 + 5 * 4096, 2 * 4096, Collect(&removed));
  ASSERT_TRUE(flush.ok());
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(removed[0].virt, 0x205000u);
  EXPECT_EQ(removed[0].phys, 0x605000u);
  EXPECT_EQ(removed[0].size, 4096u);
  // The whole old 2 MiB translation must go.
  EXPECT_EQ(flush.value().first, 0x200000u);
  EXPECT_EQ(flush.value().last, 0x3fffffu);
  ExpectMapped(0x204000, 0x604000, 4096, kUserData);
  ExpectUnmapped(0x205000);
  ExpectUnmapped(0x206000);
  ExpectMapped(0x207000, 0x607000, 4096, kUserData);
  ExpectMapped(0x3ff000, 0x7ff000, 4096, kUserData);
  EXPECT_FALSE(RawEntry(0x200000, kPdLevel) & Pte::kLargePage);
  // The split-off PTEs carry the large page's flags; bit 7 (PAT in a PTE) stays 0.
  EXPECT_EQ(RawEntry(0x207000, kPtLevel),
            0x607000 | Pte::kPresent | Pte::kWritable | Pte::kUser | Pte::kNoExecute);
}

TEST_F(PageTableTest, SplitMovesThePatBitAndKeepsDirty) {
  ASSERT_TRUE(pt_.Map(0x200000, 0x600000, 2 * kMiB, kUserData, {.allow_large_pages = true}).ok());
  // As if the kernel had used PAT entry 5 and the CPU had dirtied the page.
  const uint64_t pd = RawEntry(0x200000, kPdptLevel) & Pte::kAddressMask;
  tables_.Raw(pd)[1] |= Pte::kPatLarge | Pte::kWriteThrough | Pte::kDirty | Pte::kAccessed;
  ASSERT_TRUE(pt_.Unmap(0x200000, 4096).ok());
  EXPECT_EQ(RawEntry(0x201000, kPtLevel), 0x601000 | Pte::kPresent | Pte::kWritable | Pte::kUser |
                                              Pte::kNoExecute | Pte::kPatSmall |
                                              Pte::kWriteThrough | Pte::kDirty | Pte::kAccessed);
}

TEST_F(PageTableTest, UserPageBelowKernelTablesOpensThePath) {
  ASSERT_TRUE(pt_.Map(0x600000, 0x1000, 4096, PageAttrs{.writable = true}).ok());
  for (int level = kPml4Level; level > kPtLevel; --level) {
    EXPECT_FALSE(RawEntry(0x600000, level) & Pte::kUser) << level;
  }
  ASSERT_TRUE(pt_.Map(0x601000, 0x2000, 4096, kUserData).ok());
  for (int level = kPml4Level; level > kPtLevel; --level) {
    EXPECT_TRUE(RawEntry(0x601000, level) & Pte::kUser) << level;
  }
  EXPECT_FALSE(RawEntry(0x600000, kPtLevel) & Pte::kUser);  // the leaf still decides
  // Protect to user does the same for a page whose tables were supervisor-only.
  ASSERT_TRUE(pt_.Map(0x40000000, 0x3000, 4096, PageAttrs{}).ok());
  ASSERT_TRUE(pt_.Protect(0x40000000, 4096, PageAttrs{.user = true}).ok());
  for (int level = kPdptLevel; level > kPtLevel; --level) {
    EXPECT_TRUE(RawEntry(0x40000000, level) & Pte::kUser) << level;
  }
}

TEST_F(PageTableTest, ProtectSplitsOnlyWhenPartial) {
  ASSERT_TRUE(pt_.Map(0x200000, 0x600000, 4 * kMiB, kUserData, {.allow_large_pages = true}).ok());
  const PageAttrs read_only{.user = true};
  ASSERT_TRUE(pt_.Protect(0x200000, 2 * kMiB, read_only).ok());  // whole page: no split
  ExpectMapped(0x200000, 0x600000, 2 * kMiB, read_only);
  EXPECT_EQ(pt_.table_pages(), 4u - 1u);  // PML4, PDPT, PD

  const PageAttrs text{.user = true, .executable = true};
  kstd::Result<TlbFlush> flush = pt_.Protect(0x401000, 4096, text);
  ASSERT_TRUE(flush.ok());
  EXPECT_TRUE(flush.value().needed);
  ExpectMapped(0x400000, 0x800000, 4096, kUserData);
  ExpectMapped(0x401000, 0x801000, 4096, text);
  ExpectMapped(0x402000, 0x802000, 4096, kUserData);
  EXPECT_EQ(RawEntry(0x401000, kPtLevel) >> 63, 0u);  // executable: XD clear
  EXPECT_EQ(RawEntry(0x402000, kPtLevel) >> 63, 1u);
}

TEST_F(PageTableTest, ProtectKeepsAccessedAndDirty) {
  ASSERT_TRUE(pt_.Map(0x1000, 0x9000, 4096, kUserData).ok());
  // Play the CPU: it sets A and D in the leaf.
  const uint64_t pt = RawEntry(0x1000, kPdLevel) & Pte::kAddressMask;
  tables_.Raw(pt)[1] |= Pte::kAccessed | Pte::kDirty;
  ASSERT_TRUE(pt_.Protect(0x1000, 4096, PageAttrs{.user = true}).ok());
  kstd::Result<Mapping> m = pt_.Query(0x1000);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m.value().accessed);
  EXPECT_TRUE(m.value().dirty);
  EXPECT_FALSE(m.value().attrs.writable);
  std::vector<Mapping> removed;
  ASSERT_TRUE(pt_.Unmap(0x1000, 4096, Collect(&removed)).ok());
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_TRUE(removed[0].dirty);  // the caller learns the page must be written back
}

TEST_F(PageTableTest, ProtectOfUnmappedRangeChangesNothing) {
  ASSERT_TRUE(pt_.Map(0x200000, 0x600000, 2 * kMiB, kUserData, {.allow_large_pages = true}).ok());
  const size_t tables = pt_.table_pages();
  EXPECT_EQ(pt_.Protect(0x3ff000, 2 * 4096, PageAttrs{}).error(), Error::kNotFound);
  ExpectMapped(0x3ff000, 0x600000, 2 * kMiB, kUserData);
  EXPECT_EQ(pt_.table_pages(), tables);
}

TEST_F(PageTableTest, OverwriteReplacesAndReports) {
  ASSERT_TRUE(pt_.Map(0x200000, 0x1000000, 3 * 4096, kUserData).ok());
  EXPECT_EQ(pt_.Map(0x202000, 0x5000000, 2 * 4096, kUserData).error(), Error::kExists);
  EXPECT_EQ(pt_.Map(0x200000, 0x5000000, 2 * kMiB, kUserData, {.allow_large_pages = true}).error(),
            Error::kExists);
  ExpectUnmapped(0x203000);  // the failed calls mapped nothing

  // A 2 MiB page over a page table of 4 KiB pages: the table goes away.
  std::vector<Mapping> replaced;
  kstd::Result<TlbFlush> flush =
      pt_.Map(0x200000, 0x5000000 - 2 * kMiB, 2 * kMiB, kUserData,
              {.allow_large_pages = true, .overwrite = true}, Collect(&replaced));
  ASSERT_TRUE(flush.ok());
  EXPECT_TRUE(flush.value().needed);
  ASSERT_EQ(replaced.size(), 3u);
  EXPECT_EQ(replaced[2].phys, 0x1002000u);
  ExpectMapped(0x201000, 0x5000000 - 2 * kMiB, 2 * kMiB, kUserData);
  EXPECT_EQ(pt_.table_pages(), 3u);
  EXPECT_EQ(tables_.outstanding(), 3u);

  // A 4 KiB page over part of the 2 MiB page: split, one piece replaced.
  replaced.clear();
  ASSERT_TRUE(pt_.Map(0x3ff000, 0x9000, 4096, PageAttrs{.writable = true}, {.overwrite = true},
                      Collect(&replaced))
                  .ok());
  ASSERT_EQ(replaced.size(), 1u);
  EXPECT_EQ(replaced[0].virt, 0x3ff000u);
  EXPECT_EQ(replaced[0].size, 4096u);
  ExpectMapped(0x3ff000, 0x9000, 4096, PageAttrs{.writable = true});
  ExpectMapped(0x3fe000, 0x5000000 - 2 * kMiB + 0x1fe000, 4096, kUserData);
}

TEST_F(PageTableTest, RejectsBadArguments) {
  const uint64_t kHole = 0x0000800000000000;
  EXPECT_EQ(pt_.Map(kHole, 0, 4096, kUserData).error(), Error::kInvalid);
  EXPECT_EQ(pt_.Map(kHole - 4096, 0, 2 * 4096, kUserData).error(), Error::kInvalid);  // crosses
  EXPECT_EQ(pt_.Map(0xffff7ffffffff000, 0, 4096, kKernelData).error(), Error::kInvalid);
  EXPECT_EQ(pt_.Map(0x1001, 0, 4096, kUserData).error(), Error::kInvalid);
  EXPECT_EQ(pt_.Map(0x1000, 0x10, 4096, kUserData).error(), Error::kInvalid);
  EXPECT_EQ(pt_.Map(0x1000, 0, 100, kUserData).error(), Error::kInvalid);
  EXPECT_EQ(pt_.Map(0x1000, 0, 0, kUserData).error(), Error::kInvalid);
  EXPECT_EQ(pt_.Map(0x1000, uint64_t{1} << 52, 4096, kUserData).error(), Error::kInvalid);
  EXPECT_EQ(pt_.Map(0x1000, (uint64_t{1} << 52) - 4096, 2 * 4096, kUserData).error(),
            Error::kInvalid);
  EXPECT_EQ(pt_.Map(0xfffffffffffff000, 0, 2 * 4096, kKernelData).error(), Error::kInvalid);
  EXPECT_EQ(pt_.Map(0x1000, 0, 4096, PageAttrs{.user = true, .global = true}).error(),
            Error::kInvalid);
  EXPECT_EQ(pt_.Unmap(0x1000, 0).error(), Error::kInvalid);
  EXPECT_EQ(pt_.Unmap(kHole, 4096).error(), Error::kInvalid);
  EXPECT_EQ(pt_.Protect(0x1800, 4096, kUserData).error(), Error::kInvalid);
  EXPECT_EQ(pt_.Query(kHole + 5).error(), Error::kInvalid);
  EXPECT_EQ(pt_.Query(0x1000).error(), Error::kNotFound);
  EXPECT_EQ(pt_.Init().error(), Error::kBusy);
  EXPECT_EQ(pt_.table_pages(), 1u);  // nothing was built

  FakeTables other_tables;
  PageTable uninitialized(&other_tables, other_tables.window());
  EXPECT_EQ(uninitialized.Map(0x1000, 0, 4096, kUserData).error(), Error::kInvalid);
  EXPECT_EQ(uninitialized.Query(0x1000).error(), Error::kInvalid);
}

TEST_F(PageTableTest, TopOfTheAddressSpace) {
  ASSERT_TRUE(
      pt_.Map(0xffffffffffe00000, 0x400000, 2 * kMiB, kKernelData, {.allow_large_pages = true})
          .ok());
  ExpectMapped(0xffffffffffffffff, 0x400000, 2 * kMiB, kKernelData);
  kstd::Result<TlbFlush> flush = pt_.Unmap(0xfffffffffffff000, 4096);
  ASSERT_TRUE(flush.ok());
  EXPECT_TRUE(flush.value().global);
  EXPECT_EQ(flush.value().last, 0xffffffffffffffffu);
  ExpectUnmapped(0xfffffffffffff000);
  ExpectMapped(0xffffffffffffe000, 0x5fe000, 4096, kKernelData);
  ASSERT_TRUE(pt_.Unmap(0xffffffffffe00000, 2 * kMiB).ok());
  ExpectUnmapped(0xffffffffffe00000);
}

TEST_F(PageTableTest, KernelHalfPdptsStay) {
  ASSERT_TRUE(pt_.Map(0xffffffff80000000, 0x100000, 4096, kKernelText).ok());
  EXPECT_EQ(pt_.table_pages(), 4u);
  ASSERT_TRUE(pt_.Unmap(0xffffffff80000000, 4096).ok());
  EXPECT_EQ(pt_.table_pages(), 2u);  // PML4 + the PDPT every address space shares
  EXPECT_TRUE(RawEntry(0xffffffff80000000, kPml4Level) & Pte::kPresent);
}

TEST_F(PageTableTest, SharedKernelHalfOutlivesAProcessTable) {
  ASSERT_TRUE(pt_.Map(0xffffffff80000000, 0x100000, 4096, kKernelText).ok());
  PageTable process(&tables_, tables_.window());
  ASSERT_TRUE(process.Init().ok());
  ASSERT_TRUE(process.Map(0x400000, 0x2000, 4096, kUserData).ok());
  ASSERT_TRUE(process.ShareKernelHalf(pt_).ok());
  kstd::Result<Mapping> kernel_text = process.Query(0xffffffff80000123);
  ASSERT_TRUE(kernel_text.ok());
  EXPECT_EQ(kernel_text.value().phys, 0x100000u);
  // A kernel mapping made later under an existing PDPT shows up everywhere.
  ASSERT_TRUE(pt_.Map(0xffffffff80001000, 0x101000, 4096, kKernelData).ok());
  EXPECT_TRUE(process.Query(0xffffffff80001000).ok());
  EXPECT_EQ(process.ShareKernelHalf(pt_).error(), Error::kInvalid);

  const size_t before = tables_.outstanding();
  std::vector<Mapping> removed;
  process.Destroy(Collect(&removed));
  ASSERT_EQ(removed.size(), 1u);  // only the process's own page
  EXPECT_EQ(removed[0].virt, 0x400000u);
  EXPECT_EQ(tables_.outstanding(), before - 4);  // its PML4, PDPT, PD, PT
  ExpectMapped(0xffffffff80000000, 0x100000, 4096, kKernelText);
}

TEST_F(PageTableTest, OutOfTableMemoryChangesNoTranslation) {
  tables_.set_limit(3);  // PML4 + 2: a 4 KiB mapping needs 4
  EXPECT_EQ(pt_.Map(0x1000, 0x2000, 4096, kUserData).error(), Error::kNoMemory);
  ExpectUnmapped(0x1000);
  tables_.set_limit(4);
  ASSERT_TRUE(pt_.Map(0x1000, 0x2000, 4096, kUserData).ok());  // reuses what was built
  ExpectMapped(0x1000, 0x2000, 4096, kUserData);

  ASSERT_TRUE(pt_.Map(0x400000, 0x400000, 2 * kMiB, kUserData, {.allow_large_pages = true}).ok());
  std::vector<Mapping> removed;
  EXPECT_EQ(pt_.Unmap(0x401000, 4096, Collect(&removed)).error(), Error::kNoMemory);
  EXPECT_TRUE(removed.empty());
  ExpectMapped(0x401000, 0x400000, 2 * kMiB, kUserData);
  EXPECT_EQ(pt_.Protect(0x401000, 4096, PageAttrs{}).error(), Error::kNoMemory);
  ExpectMapped(0x401000, 0x400000, 2 * kMiB, kUserData);
}

TEST_F(PageTableTest, DestroyFreesEverythingAndReportsLeaves) {
  ASSERT_TRUE(pt_.Map(0x1000, 0x1000, 5 * 4096, kUserData).ok());
  ASSERT_TRUE(
      pt_.Map(0x40000000, 0x40000000, 4 * kMiB, kUserData, {.allow_large_pages = true}).ok());
  ASSERT_TRUE(pt_.Map(0xffffffff80000000, 0x100000, 3 * 4096, kKernelText).ok());
  std::vector<Mapping> removed;
  pt_.Destroy(Collect(&removed));
  EXPECT_EQ(removed.size(), 5u + 2u + 3u);
  EXPECT_EQ(removed.back().virt, 0xffffffff80002000u);
  EXPECT_EQ(tables_.outstanding(), 0u);
  EXPECT_EQ(pt_.root(), 0u);
  ASSERT_TRUE(pt_.Init().ok());
}

TEST_F(PageTableTest, RandomOperationsMatchShadowModel) {
  // 16 MiB of user space, 4 KiB granularity in the model.
  constexpr uint64_t kBase = 0x7f0000000000;
  constexpr uint64_t kPages = 4096;
  struct Entry {
    uint64_t phys;
    PageAttrs attrs;
  };
  std::map<uint64_t, Entry> shadow;  // page index -> mapping
  std::mt19937_64 rng(2024);
  const PageAttrs choices[] = {kUserData, PageAttrs{.user = true},
                               PageAttrs{.user = true, .executable = true},
                               PageAttrs{.writable = true}};
  for (int step = 0; step < 3000; ++step) {
    // Ranges biased to 2 MiB boundaries so large pages and splits happen.
    uint64_t first = rng() % kPages;
    uint64_t count = 1 + rng() % 64;
    if (rng() % 3 == 0) {
      first = first / 512 * 512;
      count = 512 * (1 + rng() % 2);
    }
    count = std::min(count, kPages - first);
    const uint64_t virt = kBase + first * 4096;
    const uint64_t size = count * 4096;
    const PageAttrs attrs = choices[rng() % 4];
    const unsigned op = rng() % 3;
    if (op == 0) {
      const uint64_t phys = (rng() % 64) * 2 * kMiB + (rng() % 2 ? 0 : first % 512 * 4096);
      const bool overwrite = rng() % 2;
      bool any = false;
      for (uint64_t p = first; p < first + count; ++p) any = any || shadow.count(p);
      std::vector<Mapping> replaced;
      kstd::Result<TlbFlush> r =
          pt_.Map(virt, phys, size, attrs, {.allow_large_pages = true, .overwrite = overwrite},
                  Collect(&replaced));
      if (any && !overwrite) {
        ASSERT_EQ(r.error(), Error::kExists);
        continue;
      }
      ASSERT_TRUE(r.ok());
      uint64_t replaced_bytes = 0;
      for (const Mapping& m : replaced) replaced_bytes += m.size;
      uint64_t expected = 0;
      for (uint64_t p = first; p < first + count; ++p) {
        expected += shadow.count(p) * 4096;
        shadow[p] = {phys + (p - first) * 4096, attrs};
      }
      ASSERT_EQ(replaced_bytes, expected);
    } else if (op == 1) {
      std::vector<Mapping> removed;
      ASSERT_TRUE(pt_.Unmap(virt, size, Collect(&removed)).ok());
      uint64_t removed_bytes = 0;
      for (const Mapping& m : removed) {
        removed_bytes += m.size;
        for (uint64_t off = 0; off < m.size; off += 4096) {
          const uint64_t page = (m.virt + off - kBase) / 4096;
          ASSERT_TRUE(shadow.count(page));
          ASSERT_EQ(shadow[page].phys, m.phys + off);
        }
      }
      uint64_t expected = 0;
      for (uint64_t p = first; p < first + count; ++p) expected += shadow.erase(p) * 4096;
      ASSERT_EQ(removed_bytes, expected);
    } else {
      bool all = true;
      for (uint64_t p = first; p < first + count; ++p) all = all && shadow.count(p);
      kstd::Result<TlbFlush> r = pt_.Protect(virt, size, attrs);
      if (!all) {
        ASSERT_EQ(r.error(), Error::kNotFound);
        continue;
      }
      ASSERT_TRUE(r.ok());
      for (uint64_t p = first; p < first + count; ++p) shadow[p].attrs = attrs;
    }
    if (step % 50 == 0 || step > 2950) {
      for (uint64_t p = 0; p < kPages; ++p) {
        kstd::Result<Mapping> m = pt_.Query(kBase + p * 4096);
        auto it = shadow.find(p);
        if (it == shadow.end()) {
          ASSERT_EQ(m.error(), Error::kNotFound) << step << " page " << p;
          continue;
        }
        ASSERT_TRUE(m.ok()) << step << " page " << p;
        const uint64_t offset = kBase + p * 4096 - m.value().virt;
        ASSERT_EQ(m.value().phys + offset, it->second.phys) << step << " page " << p;
        ASSERT_TRUE(m.value().attrs == it->second.attrs) << step << " page " << p;
      }
    }
  }
  ASSERT_TRUE(pt_.Unmap(kBase, kPages * 4096).ok());
  EXPECT_EQ(pt_.table_pages(), 1u);
  EXPECT_EQ(tables_.outstanding(), 1u);
}

}  // namespace
}  // namespace hal::x86_64
