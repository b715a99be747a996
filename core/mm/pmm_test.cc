#include "core/mm/pmm.h"

#include <algorithm>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/mm/fake_ram.h"
#include "gtest/gtest.h"

namespace core::mm {
namespace {

using hal::MemoryRange;
using Type = hal::MemoryRange::Type;
using kstd::Error;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kGiB = uint64_t{1} << 30;

MemoryRange Usable(uint64_t base, uint64_t end) { return {base, end - base, Type::kUsable}; }
MemoryRange Reserved(uint64_t base, uint64_t end) { return {base, end - base, Type::kReserved}; }

// The map QEMU q35 with 128 MiB reports through GRUB (e820).
std::vector<MemoryRange> QemuMap() {
  return {
      Usable(0, 0x9fc00),
      Reserved(0x9fc00, 0xa0000),
      Reserved(0xf0000, 0x100000),
      Usable(0x100000, 0x7fe0000),
      Reserved(0x7fe0000, 0x8000000),
      Reserved(0xb0000000, 0xc0000000),
      Reserved(0xfffc0000, 0x100000000),
  };
}

// Low 1 MiB, kernel image, boot info, one boot module (ends deliberately unaligned).
std::vector<PhysRange> QemuReserved() {
  return {
      {0, 0x100000}, {0x100000, 0x3f2345 - 0x100000}, {0x3ff000, 0x123}, {0x400800, 0x10000},
      {0x500800, 0},  // empty: reserves nothing
  };
}

uint64_t PagesIn(uint64_t base, uint64_t end) { return (end - base) / kPageSize; }

bool Overlaps(PhysAddr a, uint64_t a_len, PhysAddr b, uint64_t b_len) {
  return a < b + b_len && b < a + a_len;
}

// Widened to pages, as the allocator treats them.
bool HitsReserved(PhysAddr page, const std::vector<PhysRange>& reserved) {
  for (const PhysRange& r : reserved) {
    if (r.length == 0) continue;
    const PhysAddr base = r.base & ~(kPageSize - 1);
    const PhysAddr end = (r.base + r.length + kPageSize - 1) & ~(kPageSize - 1);
    if (Overlaps(page, kPageSize, base, end - base)) return true;
  }
  return false;
}

bool InsideUsable(PhysAddr page, const std::vector<MemoryRange>& map) {
  bool usable = false;
  for (const MemoryRange& r : map) {
    if (!Overlaps(page, kPageSize, r.base, r.length)) continue;
    if (r.type != Type::kUsable) return false;
    if (page >= r.base && page + kPageSize <= r.base + r.length) usable = true;
  }
  return usable;
}

class PmmTest : public ::testing::Test {
 protected:
  // Fake RAM covering the whole QEMU map; the allocator only ever writes the
  // metadata array, so the untouched part costs nothing.
  PmmTest() : ram_(0, 128 * kMiB) {}

  void InitQemu() {
    map_ = QemuMap();
    reserved_ = QemuReserved();
    ASSERT_TRUE(pmm_.Init(Span(map_), Span(reserved_), ram_.phys_map()).ok())
        << pmm_.InitFailureReason();
  }
  template <typename T>
  static kstd::Span<const T> Span(const std::vector<T>& v) {
    return kstd::Span<const T>(v.data(), v.size());
  }
  // Allocates order-0 pages until exhaustion.
  std::vector<PhysAddr> DrainPages() {
    std::vector<PhysAddr> pages;
    for (;;) {
      kstd::Result<PhysAddr> page = pmm_.AllocPage();
      if (page.is_error()) {
        EXPECT_EQ(page.error(), Error::kNoMemory);
        return pages;
      }
      pages.push_back(page.value());
    }
  }

  FakeRam ram_;
  std::vector<MemoryRange> map_;
  std::vector<PhysRange> reserved_;
  PageAllocator pmm_;
};

TEST_F(PmmTest, QemuMapStatistics) {
  InitQemu();
  const PmmStats stats = pmm_.Stats();
  // 0x9fc00 trims down to 0x9f000; the second range is page aligned.
  const uint64_t total = PagesIn(0, 0x9f000) + PagesIn(0x100000, 0x7fe0000);
  EXPECT_EQ(stats.total_pages, total);
  const uint64_t metadata_pages = (total * sizeof(Page) + kPageSize - 1) / kPageSize;
  EXPECT_EQ(pmm_.metadata_range().length, metadata_pages * kPageSize);
  // Low 1 MiB (its usable part), kernel to 0x3f3000, info + module 0x3ff000..0x411000.
  const uint64_t reserved = PagesIn(0, 0x9f000) + PagesIn(0x100000, 0x3f3000) +
                            PagesIn(0x3ff000, 0x411000) + metadata_pages;
  EXPECT_EQ(stats.reserved_pages, reserved);
  EXPECT_EQ(stats.free_pages, total - reserved);
  EXPECT_EQ(stats.allocated_pages, 0u);
  // Metadata lands in the first free gap large enough: after the module.
  EXPECT_EQ(pmm_.metadata_range().base, 0x411000u);
  EXPECT_STREQ(pmm_.InitFailureReason(), "");
}

TEST_F(PmmTest, NeverHandsOutReservedOrUnusablePages) {
  InitQemu();
  const uint64_t free_pages = pmm_.Stats().free_pages;
  std::vector<PhysAddr> pages = DrainPages();
  ASSERT_EQ(pages.size(), free_pages);
  std::set<PhysAddr> unique(pages.begin(), pages.end());
  EXPECT_EQ(unique.size(), pages.size());
  const PhysRange meta = pmm_.metadata_range();
  for (PhysAddr page : pages) {
    ASSERT_EQ(page % kPageSize, 0u);
    ASSERT_FALSE(HitsReserved(page, reserved_)) << std::hex << page;
    ASSERT_FALSE(Overlaps(page, kPageSize, meta.base, meta.length)) << std::hex << page;
    ASSERT_TRUE(InsideUsable(page, map_)) << std::hex << page;
  }
  EXPECT_EQ(pmm_.Stats().free_pages, 0u);
  EXPECT_EQ(pmm_.AllocPages(3).error(), Error::kNoMemory);
}

TEST_F(PmmTest, ExhaustThenFreeAllCoalescesBack) {
  InitQemu();
  const PmmStats before = pmm_.Stats();
  ASSERT_GT(before.free_blocks[PageAllocator::kMaxOrder], 0u);
  std::mt19937 rng(7);
  std::vector<std::pair<PhysAddr, unsigned>> blocks;
  for (unsigned order = PageAllocator::kMaxOrder + 1; order-- > 0;) {
    for (;;) {
      // Mix in some small blocks so large ones get split.
      const unsigned o = (rng() % 4 == 0) ? order : rng() % (order + 1);
      kstd::Result<PhysAddr> block = pmm_.AllocPages(o);
      if (block.is_error()) break;
      blocks.push_back({block.value(), o});
    }
  }
  EXPECT_EQ(pmm_.Stats().free_pages, 0u);
  std::shuffle(blocks.begin(), blocks.end(), rng);
  for (auto [phys, order] : blocks) ASSERT_TRUE(pmm_.FreePages(phys, order).ok());
  const PmmStats after = pmm_.Stats();
  EXPECT_EQ(after.free_pages, before.free_pages);
  EXPECT_EQ(after.allocated_pages, 0u);
  for (unsigned o = 0; o <= PageAllocator::kMaxOrder; ++o) {
    EXPECT_EQ(after.free_blocks[o], before.free_blocks[o]) << "order " << o;
  }
  // The largest blocks are whole again.
  EXPECT_TRUE(pmm_.AllocPages(PageAllocator::kMaxOrder).ok());
}

TEST_F(PmmTest, BlocksAreNaturallyAlignedAndContiguous) {
  InitQemu();
  for (unsigned order = 0; order <= PageAllocator::kMaxOrder; ++order) {
    kstd::Result<PhysAddr> block = pmm_.AllocPages(order);
    ASSERT_TRUE(block.ok()) << order;
    const PhysAddr phys = block.value();
    EXPECT_EQ(phys % (kPageSize << order), 0u) << order;
    const Page* head = pmm_.PageOf(phys);
    ASSERT_NE(head, nullptr);
    EXPECT_EQ(head->state, Page::State::kAllocatedHead);
    EXPECT_EQ(head->order, order);
    EXPECT_EQ(head->refcount, 1u);
    for (uint64_t p = 1; p < (uint64_t{1} << order); ++p) {
      const Page* page = pmm_.PageOf(phys + p * kPageSize);
      ASSERT_EQ(page, head + p);  // metadata is contiguous too
      EXPECT_EQ(page->state, Page::State::kAllocated);
    }
    EXPECT_EQ(pmm_.PhysOf(head), phys);
  }
  EXPECT_EQ(pmm_.AllocPages(PageAllocator::kMaxOrder + 1).error(), Error::kInvalid);
}

TEST_F(PmmTest, ReferenceCounts) {
  InitQemu();
  const uint64_t free_before = pmm_.Stats().free_pages;
  const PhysAddr page = pmm_.AllocPage().value();
  EXPECT_EQ(pmm_.PageOf(page)->refcount, 1u);
  EXPECT_EQ(pmm_.Ref(page).value(), 2u);
  EXPECT_EQ(pmm_.FreePage(page).error(), Error::kBusy);  // still shared
  EXPECT_EQ(pmm_.Unref(page).value(), 1u);
  EXPECT_EQ(pmm_.Stats().free_pages, free_before - 1);
  EXPECT_EQ(pmm_.Unref(page).value(), 0u);  // freed
  EXPECT_EQ(pmm_.Stats().free_pages, free_before);
  EXPECT_EQ(pmm_.Unref(page).error(), Error::kInvalid);
  EXPECT_EQ(pmm_.Ref(page).error(), Error::kInvalid);
  EXPECT_EQ(pmm_.Stats().bad_frees, 1u);

  // Refcounts live on block heads only.
  const PhysAddr block = pmm_.AllocPages(2).value();
  EXPECT_EQ(pmm_.Ref(block + kPageSize).error(), Error::kInvalid);
  EXPECT_EQ(pmm_.Ref(block + 1).error(), Error::kInvalid);
  EXPECT_EQ(pmm_.Ref(block).value(), 2u);
  EXPECT_EQ(pmm_.Unref(block).value(), 1u);
  EXPECT_EQ(pmm_.Unref(block).value(), 0u);
  EXPECT_EQ(pmm_.Stats().free_pages, free_before);
}

TEST_F(PmmTest, BadFreesAreRejectedWithoutCorruption) {
  InitQemu();
  const PmmStats before = pmm_.Stats();
  const PhysAddr a = pmm_.AllocPage().value();
  const PhysAddr b = pmm_.AllocPages(2).value();
  ASSERT_TRUE(pmm_.FreePage(a).ok());
  EXPECT_EQ(pmm_.FreePage(a).error(), Error::kInvalid);                    // double free
  EXPECT_EQ(pmm_.FreePages(b, 1).error(), Error::kInvalid);                // wrong order
  EXPECT_EQ(pmm_.FreePage(b + kPageSize).error(), Error::kInvalid);        // interior page
  EXPECT_EQ(pmm_.FreePage(b + 8).error(), Error::kInvalid);                // unaligned
  EXPECT_EQ(pmm_.FreePage(0x200000).error(), Error::kInvalid);             // kernel image
  EXPECT_EQ(pmm_.FreePage(0x9fc00 & ~0xfffull).error(), Error::kInvalid);  // low memory
  EXPECT_EQ(pmm_.FreePage(0x7fe0000).error(), Error::kInvalid);            // firmware reserved
  EXPECT_EQ(pmm_.FreePage(5 * kGiB).error(), Error::kInvalid);             // no RAM there
  EXPECT_EQ(pmm_.FreePages(b, 99).error(), Error::kInvalid);
  ASSERT_TRUE(pmm_.FreePages(b, 2).ok());
  // Freed and merged into a larger block: every page of it is still refused.
  for (uint64_t p = 0; p < 4; ++p) {
    EXPECT_EQ(pmm_.FreePage(b + p * kPageSize).error(), Error::kInvalid);
  }
  const PmmStats after = pmm_.Stats();
  EXPECT_EQ(after.bad_frees, 13u);
  EXPECT_EQ(after.free_pages, before.free_pages);
  for (unsigned o = 0; o <= PageAllocator::kMaxOrder; ++o) {
    EXPECT_EQ(after.free_blocks[o], before.free_blocks[o]);
  }
  EXPECT_EQ(DrainPages().size(), before.free_pages);
}

TEST_F(PmmTest, RandomSequenceMatchesShadowModel) {
  InitQemu();
  const uint64_t free_at_start = pmm_.Stats().free_pages;
  struct Block {
    PhysAddr phys;
    unsigned order;
    uint32_t refs;
  };
  std::vector<Block> live;         // allocated blocks (shadow model)
  std::set<PhysAddr> owned_pages;  // every page of every allocated block
  uint64_t allocated_pages = 0;
  std::mt19937_64 rng(12345);
  for (int step = 0; step < 60000; ++step) {
    const unsigned action = rng() % 10;
    if (action < 4 || live.empty()) {
      const unsigned order = (rng() % 8 == 0) ? rng() % 11 : rng() % 3;
      kstd::Result<PhysAddr> got = pmm_.AllocPages(order);
      if (got.is_error()) {
        ASSERT_EQ(got.error(), Error::kNoMemory);
        continue;
      }
      const PhysAddr phys = got.value();
      ASSERT_EQ(phys % (kPageSize << order), 0u);
      for (uint64_t p = 0; p < (uint64_t{1} << order); ++p) {
        const PhysAddr page = phys + p * kPageSize;
        ASSERT_TRUE(owned_pages.insert(page).second) << "page handed out twice";
        ASSERT_FALSE(HitsReserved(page, reserved_));
      }
      live.push_back({phys, order, 1});
      allocated_pages += uint64_t{1} << order;
    } else if (action < 6) {
      Block& block = live[rng() % live.size()];
      ASSERT_EQ(pmm_.Ref(block.phys).value(), ++block.refs);
    } else {
      const size_t index = rng() % live.size();
      Block& block = live[index];
      if (block.refs == 1 && rng() % 2) {
        ASSERT_TRUE(pmm_.FreePages(block.phys, block.order).ok());
      } else {
        ASSERT_EQ(pmm_.Unref(block.phys).value(), block.refs - 1);
        if (--block.refs > 0) continue;
      }
      for (uint64_t p = 0; p < (uint64_t{1} << block.order); ++p) {
        owned_pages.erase(block.phys + p * kPageSize);
      }
      allocated_pages -= uint64_t{1} << block.order;
      // The freed block must be refused now.
      ASSERT_EQ(pmm_.Unref(block.phys).error(), Error::kInvalid);
      live[index] = live.back();
      live.pop_back();
    }
    const PmmStats stats = pmm_.Stats();
    ASSERT_EQ(stats.allocated_pages, allocated_pages);
    ASSERT_EQ(stats.free_pages, free_at_start - allocated_pages);
  }
  for (const Block& block : live) {
    for (uint32_t r = 0; r < block.refs; ++r) ASSERT_TRUE(pmm_.Unref(block.phys).ok());
  }
  EXPECT_EQ(pmm_.Stats().free_pages, free_at_start);
}

TEST_F(PmmTest, AllocRunKeepsExactlyCountPages) {
  InitQemu();
  const PmmStats before = pmm_.Stats();
  std::vector<std::pair<PhysAddr, uint64_t>> runs;
  for (uint64_t count = 1; count <= 40; ++count) {
    const uint64_t free_before = pmm_.Stats().free_pages;
    const PhysAddr phys = pmm_.AllocRun(count).value();
    uint64_t pow2 = 1;
    while (pow2 < count) pow2 *= 2;
    EXPECT_EQ(phys % (pow2 * kPageSize), 0u) << count;
    EXPECT_EQ(pmm_.Stats().free_pages, free_before - count) << count;
    for (uint64_t p = 0; p < count; ++p) {
      const Page::State state = pmm_.PageOf(phys + p * kPageSize)->state;
      EXPECT_TRUE(state == Page::State::kAllocatedHead || state == Page::State::kAllocated);
    }
    runs.push_back({phys, count});
  }
  EXPECT_EQ(pmm_.AllocRun(0).error(), Error::kInvalid);
  EXPECT_EQ(pmm_.AllocRun(1025).error(), Error::kInvalid);
  // A wrong count is refused as a whole.
  const uint64_t free_now = pmm_.Stats().free_pages;
  EXPECT_EQ(pmm_.FreeRun(runs[6].first, 8).error(), Error::kInvalid);  // run of 7
  EXPECT_EQ(pmm_.Stats().free_pages, free_now);
  for (auto [phys, count] : runs) ASSERT_TRUE(pmm_.FreeRun(phys, count).ok());
  const PmmStats after = pmm_.Stats();
  EXPECT_EQ(after.free_pages, before.free_pages);
  for (unsigned o = 0; o <= PageAllocator::kMaxOrder; ++o) {
    EXPECT_EQ(after.free_blocks[o], before.free_blocks[o]);
  }
}

TEST_F(PmmTest, WritesOnlyTheMetadataArray) {
  ram_.Fill(0xa5);
  InitQemu();
  std::vector<PhysAddr> pages = DrainPages();
  for (size_t i = 0; i < pages.size(); i += 2) ASSERT_TRUE(pmm_.FreePage(pages[i]).ok());
  for (size_t i = 1; i < pages.size(); i += 2) ASSERT_TRUE(pmm_.FreePage(pages[i]).ok());
  const PhysRange meta = pmm_.metadata_range();
  const uint8_t* bytes = ram_.bytes();
  size_t changed = 0;
  for (PhysAddr p = 0; p < ram_.size(); ++p) {
    if (p >= meta.base && p < meta.base + meta.length) continue;
    if (bytes[p] != 0xa5) ++changed;
  }
  EXPECT_EQ(changed, 0u);
}

TEST_F(PmmTest, UnsortedOverlappingUnalignedMap) {
  map_ = {
      Usable(0x2000000, 0x3000000),
      Usable(0x1000800, 0x1800000),    // unaligned base: trimmed to 0x1001000
      Usable(0x1400000, 0x2000000),    // overlaps and touches the others
      Reserved(0x2800000, 0x2800001),  // non-usable wins: 0x2800000..0x2801000 gone
      Usable(0x3100000, 0x31fffff),    // unaligned end: trimmed to 0x31ff000
      Usable(0x5000, 0x5fff),          // less than a page once trimmed
      {0x4000000, 0x100000, Type::kAcpiReclaimable},
      {0x4100000, 0x100000, Type::kBad},
  };
  reserved_ = {};
  ASSERT_TRUE(pmm_.Init(Span(map_), Span(reserved_), ram_.phys_map()).ok())
      << pmm_.InitFailureReason();
  const uint64_t total = PagesIn(0x1001000, 0x3000000) - 1 + PagesIn(0x3100000, 0x31ff000);
  EXPECT_EQ(pmm_.Stats().total_pages, total);
  EXPECT_EQ(pmm_.metadata_range().base, 0x1001000u);
  EXPECT_EQ(pmm_.PageOf(0x2800000), nullptr);
  EXPECT_EQ(pmm_.PageOf(0x5000), nullptr);
  EXPECT_EQ(pmm_.PageOf(0x4000000), nullptr);
  EXPECT_NE(pmm_.PageOf(0x2801000), nullptr);
  std::vector<PhysAddr> pages = DrainPages();
  for (PhysAddr page : pages) ASSERT_TRUE(InsideUsable(page, map_)) << std::hex << page;
  EXPECT_EQ(pages.size() + pmm_.Stats().reserved_pages, total);
}

TEST_F(PmmTest, SparseMapAbove4GiB) {
  // Fake RAM covers only the low range; the metadata for both ranges lands there
  // and the allocator never touches the pages above 4 GiB themselves.
  map_ = {
      Usable(0x100000, 0x4000000),
      Reserved(0x4000000, 0xc0000000),
      Usable(4 * kGiB, 4 * kGiB + 512 * kMiB),
      Usable(64 * kGiB, 64 * kGiB + 2 * kMiB),
  };
  reserved_ = {{0x100000, 0x200000}};
  ASSERT_TRUE(pmm_.Init(Span(map_), Span(reserved_), ram_.phys_map()).ok())
      << pmm_.InitFailureReason();
  const PhysRange meta = pmm_.metadata_range();
  EXPECT_TRUE(ram_.Contains(meta.base, meta.length));
  EXPECT_EQ(pmm_.PageOf(2 * kGiB), nullptr);
  EXPECT_NE(pmm_.PageOf(4 * kGiB + 12345), nullptr);
  EXPECT_EQ(pmm_.PhysOf(pmm_.PageOf(64 * kGiB + kMiB)), 64 * kGiB + kMiB);
  uint64_t high = 0;
  for (PhysAddr page : DrainPages()) {
    ASSERT_TRUE(InsideUsable(page, map_)) << std::hex << page;
    ASSERT_FALSE(HitsReserved(page, reserved_));
    if (page >= 4 * kGiB) ++high;
  }
  EXPECT_EQ(high, PagesIn(0, 512 * kMiB) + PagesIn(0, 2 * kMiB));
}

TEST_F(PmmTest, BadMapsFailCleanly) {
  auto init = [&](std::vector<MemoryRange> map, std::vector<PhysRange> reserved) {
    PageAllocator pmm;
    kstd::Result<void> result = pmm.Init(Span(map), Span(reserved), ram_.phys_map());
    EXPECT_TRUE(result.is_error());
    EXPECT_EQ(pmm.Stats().total_pages, 0u);
    EXPECT_EQ(pmm.AllocPage().error(), Error::kNoMemory);  // usable, just empty
    return std::make_pair(result.error(), std::string(pmm.InitFailureReason()));
  };
  using Failure = std::pair<Error, std::string>;
  EXPECT_EQ(init({}, {}), Failure(Error::kNoMemory, "memory map has no usable RAM"));
  EXPECT_EQ(init({Reserved(0, 0x1000000)}, {}).second, "memory map has no usable RAM");
  EXPECT_EQ(init({Usable(0x1800, 0x2400)}, {}).first, Error::kNoMemory);  // < 1 page
  EXPECT_EQ(init({Usable(0x100000, 0x200000), Reserved(0, 0x1000000)}, {}).first, Error::kNoMemory);
  EXPECT_EQ(init({{0xfffffffffffff000ull, 0x2000, Type::kUsable}}, {}).first,
            Error::kNoMemory);  // wraps and lies above any physical address
  EXPECT_EQ(init({Usable(0x100000, 0x800000)}, {{0, 0x900000}}),
            Failure(Error::kNoMemory, "all usable RAM is covered by reserved ranges"));
  EXPECT_EQ(init({Usable(0x100000, 0x101000)}, {}),
            Failure(Error::kNoMemory, "no RAM left after page metadata"));
  // Every other page reserved: no free run holds the 8 pages of metadata.
  std::vector<PhysRange> checkerboard;
  for (uint64_t p = 0; p < 1000; p += 2) checkerboard.push_back({0x100000 + p * kPageSize, 1});
  EXPECT_EQ(init({Usable(0x100000, 0x100000 + 1000 * kPageSize)}, checkerboard),
            Failure(Error::kNoMemory, "no free range is large enough for page metadata"));
  std::vector<MemoryRange> shattered;
  for (uint64_t i = 0; i < PageAllocator::kMaxSections + 1; ++i) {
    shattered.push_back(Usable(i * 2 * kPageSize, (i * 2 + 1) * kPageSize));
  }
  EXPECT_EQ(init(shattered, {}).first, Error::kTooBig);
}

TEST_F(PmmTest, InitTwiceIsRefused) {
  InitQemu();
  EXPECT_EQ(pmm_.Init(Span(map_), Span(reserved_), ram_.phys_map()).error(), Error::kBusy);
  EXPECT_GT(pmm_.Stats().free_pages, 0u);
}

TEST_F(PmmTest, PageOfCoversReservedButNotHoles) {
  InitQemu();
  const Page* kernel = pmm_.PageOf(0x200000);
  ASSERT_NE(kernel, nullptr);
  EXPECT_EQ(kernel->state, Page::State::kReserved);
  EXPECT_EQ(pmm_.PageOf(0x9f000), nullptr);  // the trimmed partial page
  EXPECT_EQ(pmm_.PageOf(0xa0000), nullptr);
  EXPECT_EQ(pmm_.PageOf(0x7fe0000), nullptr);
  EXPECT_EQ(pmm_.PageOf(0x7fdf000 + 17), pmm_.PageOf(0x7fdf000));
}

}  // namespace
}  // namespace core::mm
