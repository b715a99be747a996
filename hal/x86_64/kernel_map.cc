#include "hal/x86_64/kernel_map.h"

#include "hal/memory.h"
#include "hal/page_table.h"
#include "hal/x86_64/address_space_layout.h"
#include "hal/x86_64/cpu.h"
#include "hal/x86_64/paging/page_table.h"
#include "klog/log.h"
#include "kstd/utility.h"

extern "C" char __text_start[], __text_end[];
extern "C" char __rodata_start[], __rodata_end[];
extern "C" char __data_start[], __data_end[];

namespace hal::x86_64 {
namespace {

constexpr uint64_t k4K = 4096;
constexpr uint64_t k2M = 2ULL << 20;
// boot.S direct-maps the first 4 GiB; until the switch, page-table frames must
// come from there so they can be written.
constexpr uint64_t kBootDirectMapLimit = 4ULL << 30;

// Turns hal::FrameAllocator into the page-table builder's allocator. Before
// the switch, frames above the boot direct map are put aside (they cannot be
// written yet) and returned afterwards.
class KernelTableAllocator final : public TableAllocator {
 public:
  kstd::Result<uint64_t> AllocTable() override {
    for (;;) {
      uint64_t phys = TRY(frames_->AllocFrame());
      if (switched_ || phys + k4K <= kBootDirectMapLimit) return phys;
      if (aside_count_ == kMaxAside) return kstd::Error::kNoMemory;
      aside_[aside_count_++] = phys;
    }
  }
  void FreeTable(uint64_t phys) override { frames_->FreeFrame(phys); }

  void Attach(FrameAllocator* frames) { frames_ = frames; }
  void SwitchedToFinalTables() {
    switched_ = true;
    for (size_t i = 0; i < aside_count_; ++i) frames_->FreeFrame(aside_[i]);
    aside_count_ = 0;
  }

 private:
  static constexpr size_t kMaxAside = 64;
  FrameAllocator* frames_ = nullptr;
  bool switched_ = false;
  uint64_t aside_[kMaxAside] = {};
  size_t aside_count_ = 0;
};

KernelTableAllocator g_table_allocator;
PageTable g_kernel_table(&g_table_allocator, PhysWindow{kPhysmapBase});
bool g_switched = false;
const hal::BootInfo* g_boot_info = nullptr;

bool IsRam(hal::MemoryRange::Type type) {
  return type == hal::MemoryRange::Type::kUsable ||
         type == hal::MemoryRange::Type::kAcpiReclaimable ||
         type == hal::MemoryRange::Type::kAcpiNvs;
}

// Direct-mapped physical ranges, merged and 2 MiB aligned.
struct Range {
  uint64_t start, end;
};
constexpr size_t kMaxRanges = hal::BootInfo::kMaxMemoryRanges + 16;
Range g_mapped[kMaxRanges];
size_t g_mapped_count = 0;

void AddMappedRange(uint64_t start, uint64_t end) {
  // Insert sorted, then merge neighbours that touch or overlap.
  if (g_mapped_count == kMaxRanges) return;
  size_t i = g_mapped_count;
  while (i > 0 && g_mapped[i - 1].start > start) {
    g_mapped[i] = g_mapped[i - 1];
    --i;
  }
  g_mapped[i] = {start, end};
  ++g_mapped_count;
  size_t out = 0;
  for (size_t j = 1; j < g_mapped_count; ++j) {
    if (g_mapped[j].start <= g_mapped[out].end) {
      g_mapped[out].end = kstd::Max(g_mapped[out].end, g_mapped[j].end);
    } else {
      g_mapped[++out] = g_mapped[j];
    }
  }
  g_mapped_count = out + 1;
}

PageAttrs KernelData() {
  PageAttrs a;
  a.writable = true;
  a.global = true;
  return a;
}

kstd::Result<void> MapImageSection(const char* start, const char* end, PageAttrs attrs) {
  uint64_t virt = reinterpret_cast<uint64_t>(start);
  uint64_t size = kstd::AlignUp(reinterpret_cast<uint64_t>(end), k4K) - virt;
  if (size == 0) return kstd::Ok();
  TRY(g_kernel_table.Map(virt, KernelImageVirtToPhys(start), size, attrs));
  return kstd::Ok();
}

void Flush(const TlbFlush& flush) {
  if (!flush.needed || !g_switched) return;
  for (uint64_t v = flush.first;; v += k4K) {
    InvalidatePage(v);
    if (v >= flush.last - (k4K - 1) || v + k4K < v) break;
  }
}

}  // namespace

bool IsDirectMapped(uint64_t phys, size_t len) {
  uint64_t end;
  if (!kstd::CheckedAdd(phys, len, &end)) return false;
  if (!g_switched) return end <= kBootDirectMapLimit;
  for (size_t i = 0; i < g_mapped_count; ++i) {
    if (phys >= g_mapped[i].start && end <= g_mapped[i].end) return true;
  }
  return false;
}

kstd::Result<void> MapMmio(uint64_t phys, uint64_t size) {
  uint64_t start = kstd::AlignDown(phys, k4K);
  uint64_t end = kstd::AlignUp(phys + size, k4K);
  if (!g_switched) return kstd::Ok();  // boot tables map it already (write-back)
  PageAttrs attrs = KernelData();
  attrs.cache = CachePolicy::kUncached;
  MapOptions options;
  options.overwrite = true;
  TlbFlush flush =
      TRY(g_kernel_table.Map(kPhysmapBase + start, start, end - start, attrs, options));
  Flush(flush);
  AddMappedRange(start, end);
  return kstd::Ok();
}

kstd::Result<void> MapFirmware(uint64_t phys, uint64_t len) {
  uint64_t end;
  if (len == 0 || !kstd::CheckedAdd(phys, len, &end)) return kstd::Error::kFault;
  if (IsDirectMapped(phys, len)) return kstd::Ok();
  bool listed = false;
  for (size_t i = 0; g_boot_info != nullptr && i < g_boot_info->memory_count; ++i) {
    const hal::MemoryRange& r = g_boot_info->memory[i];
    if (phys >= r.base && end - r.base <= r.length) listed = true;
  }
  if (!listed) return kstd::Error::kFault;
  uint64_t start = kstd::AlignDown(phys, k4K);
  uint64_t stop = kstd::AlignUp(end, k4K);
  PageAttrs attrs;
  attrs.global = true;
  MapOptions options;
  options.overwrite = true;
  Flush(TRY(g_kernel_table.Map(kPhysmapBase + start, start, stop - start, attrs, options)));
  AddMappedRange(start, stop);
  return kstd::Ok();
}

uint64_t KernelPageTableRoot() { return g_switched ? g_kernel_table.root() : 0; }

}  // namespace hal::x86_64

namespace hal {

PageTable* KernelPageTable() { return &x86_64::g_kernel_table; }

void SwitchAddressSpace(uint64_t root) {
  x86_64::WriteCr3(root != 0 ? root : x86_64::g_kernel_table.root());
}

kstd::Result<void> InitKernelAddressSpace(const hal::BootInfo& boot_info, FrameAllocator* frames) {
  using namespace x86_64;
  g_table_allocator.Attach(frames);
  g_boot_info = &boot_info;
  TRY(g_kernel_table.Init());

  // The direct map: all RAM the loader listed, widened to 2 MiB so large pages
  // can be used, merged so no page is mapped twice. Firmware and device ranges
  // are mapped on request (MapFirmware, MapMmio) with the right attributes.
  for (size_t i = 0; i < boot_info.memory_count; ++i) {
    const hal::MemoryRange& r = boot_info.memory[i];
    uint64_t end;
    if (!IsRam(r.type)) continue;
    if (r.length == 0 || !kstd::CheckedAdd(r.base, r.length, &end)) continue;
    if (end > kPhysmapMaxSize) end = kPhysmapMaxSize;
    if (r.base >= end) continue;
    AddMappedRange(kstd::AlignDown(r.base, k2M), kstd::AlignUp(end, k2M));
  }
  MapOptions large;
  large.allow_large_pages = true;
  PageAttrs direct = KernelData();
  uint64_t mapped_bytes = 0;
  for (size_t i = 0; i < g_mapped_count; ++i) {
    const Range& r = g_mapped[i];
    TRY(g_kernel_table.Map(kPhysmapBase + r.start, r.start, r.end - r.start, direct, large));
    mapped_bytes += r.end - r.start;
  }

  // The kernel image, section by section (platform/qemu-q35/kernel.ld).
  PageAttrs text;
  text.executable = true;
  text.global = true;
  PageAttrs rodata;
  rodata.global = true;
  TRY(MapImageSection(__text_start, __text_end, text));
  TRY(MapImageSection(__rodata_start, __rodata_end, rodata));
  TRY(MapImageSection(__data_start, __data_end, KernelData()));

  // PAT entries 0-3 = WB, WC, UC-, UC, as CachePolicy assumes (SDM vol. 3A
  // §11.12.2; memory type encodings table 11-10); 4-7 keep their reset values.
  WriteMsr(kMsrPat, 0x0007040600070106ULL);
  WriteCr3(g_kernel_table.root());
  g_switched = true;
  g_table_allocator.SwitchedToFinalTables();
  klog::Log("mm",
            "kernel page tables at %lx: direct map %lu MiB in %zu range(s), "
            "text RX, rodata R, data RW, NX elsewhere, %zu table pages",
            g_kernel_table.root(), mapped_bytes >> 20, g_mapped_count,
            g_kernel_table.table_pages());
  return kstd::Ok();
}

}  // namespace hal
