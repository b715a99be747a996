#pragma once

// Host test fixture for core/vm: fake RAM, the real pmm over it, a kernel page
// table (so ShareKernelHalf has something to share), a TLB-hook recorder, and
// a software MMU that walks the real page tables and turns user accesses into
// page faults the way the CPU would.

#include <stdint.h>

#include <utility>
#include <vector>

#include "core/mm/fake_ram.h"
#include "core/mm/pmm.h"
#include "core/vm/vm_aspace.h"
#include "gtest/gtest.h"
#include "hal/page_table.h"

namespace core::vm::testing {

using hal::Pte;
using kstd::Error;
using kstd::RefPtr;

class VmTest : public ::testing::Test {
 protected:
  static constexpr PhysAddr kRamBase = 0x1000000;
  static constexpr uint64_t kRamSize = 16 << 20;
  // A "boot module": RAM the pmm never hands out, filled with a pattern.
  static constexpr PhysAddr kModuleBase = kRamBase + 0x10000;
  static constexpr uint64_t kModuleSize = 4 * kPageSize;
  static constexpr uint64_t kKernelText = 0xffffffff80000000;

  struct FlushRecord {
    uint64_t root;
    TlbFlush flush;
  };

  VmTest()
      : ram_(kRamBase, kRamSize),
        kernel_tables_(&pmm_),
        kernel_(&kernel_tables_, hal::PhysWindow{ram_.phys_map().offset()}) {}

  void SetUp() override {
    const hal::MemoryRange map[] = {{kRamBase, kRamSize, hal::MemoryRange::Type::kUsable}};
    const mm::PhysRange reserved[] = {{kModuleBase, kModuleSize}};
    ASSERT_TRUE(pmm_.Init(kstd::Span<const hal::MemoryRange>(map),
                          kstd::Span<const mm::PhysRange>(reserved), ram_.phys_map())
                    .ok());
    ASSERT_TRUE(kernel_.Init().ok());
    const PageAttrs text{.executable = true, .global = true};
    ASSERT_TRUE(kernel_.Map(kKernelText, kModuleBase, kPageSize, text).ok());
    for (uint64_t i = 0; i < kModuleSize; ++i) Byte(kModuleBase + i) = ModuleByte(i);
    start_free_ = FreePages();
  }

  static uint8_t ModuleByte(uint64_t offset) { return static_cast<uint8_t>(offset * 7 + 3); }

  uint8_t& Byte(PhysAddr phys) { return *ram_.phys_map().As<uint8_t>(phys); }
  uint64_t FreePages() const { return pmm_.Stats().free_pages; }
  uint32_t RefCount(PhysAddr phys) const { return pmm_.PageOf(phys)->refcount; }

  /// Every pmm page is back and no free was rejected.
  void ExpectNoLeaks() {
    EXPECT_EQ(FreePages(), start_free_) << "leaked pages";
    EXPECT_EQ(pmm_.Stats().bad_frees, 0u);
  }

  TlbHook Hook() { return TlbHook{&RecordFlush, this}; }
  static void RecordFlush(void* context, uint64_t root, const TlbFlush& flush) {
    static_cast<VmTest*>(context)->flushes_.push_back({root, flush});
  }
  /// Whether a flush for `root` covering `virt` was requested since the last Clear.
  bool Flushed(uint64_t root, uint64_t virt) const {
    for (const FlushRecord& r : flushes_) {
      if (r.root == root && r.flush.needed && r.flush.first <= virt && virt <= r.flush.last) {
        return true;
      }
    }
    return false;
  }

  RefPtr<VmAspace> NewAspace() {
    kstd::Result<RefPtr<VmAspace>> aspace = VmAspace::Create(&pmm_, &kernel_, Hook());
    EXPECT_TRUE(aspace.ok());
    return aspace.ok() ? aspace.release_value() : nullptr;
  }
  RefPtr<VmObject> NewAnon(uint64_t pages) {
    kstd::Result<RefPtr<VmObject>> vmo = VmObject::CreateAnonymous(&pmm_, pages * kPageSize);
    EXPECT_TRUE(vmo.ok());
    return vmo.ok() ? vmo.release_value() : nullptr;
  }
  /// Maps a fresh private anonymous VMO; returns the address (0 on failure).
  uint64_t MapAnon(VmAspace& aspace, uint64_t pages, Prot prot, uint64_t addr = 0,
                   MapFlags flags = 0) {
    kstd::Result<uint64_t> mapped =
        aspace.Map(NewAnon(pages), 0, pages * kPageSize, prot, addr, flags);
    EXPECT_TRUE(mapped.ok()) << (mapped.ok() ? 0 : static_cast<int>(mapped.error()));
    return mapped.ok() ? mapped.value() : 0;
  }

  /// The raw leaf entry for `virt` in `aspace`'s tables (0 if not present).
  uint64_t RawPte(const VmAspace& aspace, uint64_t virt) {
    uint64_t table = aspace.root();
    if (table == 0) return 0;
    for (int level = hal::kRootTableLevel;; --level) {
      const uint64_t entry = ram_.phys_map().As<uint64_t>(table)[hal::LevelIndex(virt, level)];
      if (!Pte(entry).present()) return 0;
      if (level == hal::kPageTableLevel) return entry;
      EXPECT_FALSE(level < hal::kRootTableLevel && Pte(entry).IsLeaf(level)) << "large page";
      table = Pte(entry).table_address();
    }
  }
  PhysAddr PhysOf(const VmAspace& aspace, uint64_t virt) {
    return Pte(RawPte(aspace, virt)).page_address(hal::kPageTableLevel);
  }
  bool PteAllows(const VmAspace& aspace, uint64_t virt, Access access) {
    const Pte pte(RawPte(aspace, virt));
    if (!pte.present() || !pte.user()) return false;
    switch (access) {
      case Access::kRead: return true;
      case Access::kWrite: return pte.writable();
      case Access::kExecute: return !pte.no_execute();
    }
    return false;
  }

  /// A user-mode access as the CPU performs it: through the page tables,
  /// faulting (HandlePageFault) when they do not allow it.
  kstd::Result<void> Touch(VmAspace& aspace, uint64_t addr, Access access) {
    if (PteAllows(aspace, addr, access)) return kstd::Ok();
    TRY(aspace.HandlePageFault(addr, access, /*user=*/true));
    EXPECT_TRUE(PteAllows(aspace, addr, access)) << "fault handled but access still faults";
    return kstd::Ok();
  }
  kstd::Result<uint8_t> Read(VmAspace& aspace, uint64_t addr) {
    TRY(Touch(aspace, addr, Access::kRead));
    return Byte(PhysOf(aspace, addr) + addr % kPageSize);
  }
  kstd::Result<void> Write(VmAspace& aspace, uint64_t addr, uint8_t value) {
    TRY(Touch(aspace, addr, Access::kWrite));
    Byte(PhysOf(aspace, addr) + addr % kPageSize) = value;
    return kstd::Ok();
  }
  /// Reads a byte that must be readable.
  uint8_t MustRead(VmAspace& aspace, uint64_t addr) {
    kstd::Result<uint8_t> value = Read(aspace, addr);
    EXPECT_TRUE(value.ok()) << std::hex << addr;
    return value.ok() ? value.value() : 0xee;
  }
  void MustWrite(VmAspace& aspace, uint64_t addr, uint8_t value) {
    EXPECT_TRUE(Write(aspace, addr, value).ok()) << std::hex << addr;
  }

  mm::FakeRam ram_;
  mm::PageAllocator pmm_;
  PmmTableAllocator kernel_tables_;
  ArchPageTable kernel_;
  std::vector<FlushRecord> flushes_;
  uint64_t start_free_ = 0;
};

/// VmTest with one address space, destroyed (and checked for leaks) at the end.
class AspaceTest : public VmTest {
 protected:
  void SetUp() override {
    VmTest::SetUp();
    aspace_ = NewAspace();
    ASSERT_TRUE(aspace_);
  }
  void TearDown() override {
    if (aspace_) aspace_->Destroy();
    aspace_.reset();
    ExpectNoLeaks();
  }
  /// The regions of `aspace`, as (base, size) pairs.
  static std::vector<std::pair<uint64_t, uint64_t>> Regions(const VmAspace& aspace) {
    std::vector<std::pair<uint64_t, uint64_t>> out;
    for (uint64_t at = 0;;) {
      kstd::Result<RegionInfo> info = aspace.NextRegion(at);
      if (info.is_error()) return out;
      out.emplace_back(info.value().base, info.value().size);
      at = info.value().base + info.value().size;
    }
  }
  std::vector<std::pair<uint64_t, uint64_t>> Regions() { return Regions(*aspace_); }

  RefPtr<VmAspace> aspace_;
};

}  // namespace core::vm::testing
