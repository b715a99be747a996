#include "core/mm/pmm.h"

#include "kstd/utility.h"

namespace core::mm {

namespace {

using kstd::AlignDown;
using kstd::AlignUp;
using kstd::Error;
using kstd::IsAligned;

constexpr uint64_t BlockBytes(unsigned order) { return kPageSize << order; }

/// End of [base, base + length), clamped to the architectural physical limit.
constexpr PhysAddr ClampedEnd(PhysAddr base, uint64_t length) {
  uint64_t end = 0;
  if (!kstd::CheckedAdd(base, length, &end)) end = kPhysAddrLimit;
  return kstd::Min(end, kPhysAddrLimit);
}

/// A range widened outward to page boundaries, as [*base, *end); empty stays empty.
void WidenToPages(PhysAddr base, uint64_t length, PhysAddr* out_base, PhysAddr* out_end) {
  if (length == 0) {
    *out_base = *out_end = 0;
    return;
  }
  *out_base = AlignDown(kstd::Min(base, kPhysAddrLimit), kPageSize);
  *out_end = AlignUp(ClampedEnd(base, length), kPageSize);
}

/// The largest order of a block starting at `base` that fits in [base, end).
unsigned LargestBlock(PhysAddr base, PhysAddr end) {
  unsigned order = 0;
  while (order < PageAllocator::kMaxOrder && IsAligned(base, BlockBytes(order + 1)) &&
         end - base >= BlockBytes(order + 1)) {
    ++order;
  }
  return order;
}

/// Smallest order whose block holds `count` pages.
unsigned OrderFor(uint64_t count) {
  unsigned order = 0;
  while ((uint64_t{1} << order) < count) ++order;
  return order;
}

}  // namespace

kstd::Result<void> PageAllocator::Fail(Error error, const char* reason) {
  failure_reason_ = reason;
  section_count_ = 0;
  for (Page*& list : free_lists_) list = nullptr;
  stats_ = PmmStats();
  metadata_ = PhysRange();
  return error;
}

kstd::Result<void> PageAllocator::Init(kstd::Span<const hal::MemoryRange> map,
                                       kstd::Span<const PhysRange> reserved, PhysMap phys_map) {
  MmLockGuard guard(lock_);
  if (initialized_) return Error::kBusy;
  failure_reason_ = "";
  phys_map_ = phys_map;

  kstd::Result<void> collected = CollectSections(map);
  if (collected.is_error()) return collected;
  if (section_count_ == 0) return Fail(Error::kNoMemory, "memory map has no usable RAM");

  uint64_t total_pages = 0;
  uint64_t free_before_metadata = 0;
  for (size_t i = 0; i < section_count_; ++i) {
    total_pages += sections_[i].page_count;
    PhysAddr cursor = sections_[i].base;
    PhysAddr run_base = 0, run_end = 0;
    while (NextFreeRun(reserved, PhysRange(), &cursor, sections_[i].end(), &run_base, &run_end)) {
      free_before_metadata += (run_end - run_base) / kPageSize;
    }
  }
  if (free_before_metadata == 0) {
    return Fail(Error::kNoMemory, "all usable RAM is covered by reserved ranges");
  }

  // Place the metadata array at the lowest free run that holds it.
  const uint64_t metadata_bytes = AlignUp(total_pages * sizeof(Page), kPageSize);
  bool placed = false;
  for (size_t i = 0; i < section_count_ && !placed; ++i) {
    PhysAddr cursor = sections_[i].base;
    PhysAddr run_base = 0, run_end = 0;
    while (NextFreeRun(reserved, PhysRange(), &cursor, sections_[i].end(), &run_base, &run_end)) {
      if (run_end - run_base >= metadata_bytes) {
        metadata_ = PhysRange{run_base, metadata_bytes};
        placed = true;
        break;
      }
    }
  }
  if (!placed) return Fail(Error::kNoMemory, "no free range is large enough for page metadata");

  Page* next_array = phys_map_.As<Page>(metadata_.base);
  for (size_t i = 0; i < section_count_; ++i) {
    sections_[i].pages = next_array;
    for (uint64_t p = 0; p < sections_[i].page_count; ++p) new (&next_array[p]) Page();
    next_array += sections_[i].page_count;
  }
  stats_ = PmmStats();
  stats_.total_pages = total_pages;
  for (size_t i = 0; i < section_count_; ++i) {
    PhysAddr cursor = sections_[i].base;
    PhysAddr run_base = 0, run_end = 0;
    while (NextFreeRun(reserved, metadata_, &cursor, sections_[i].end(), &run_base, &run_end)) {
      AddFreeRange(run_base, run_end);
    }
  }
  if (stats_.free_pages == 0) return Fail(Error::kNoMemory, "no RAM left after page metadata");
  stats_.reserved_pages = total_pages - stats_.free_pages;
  initialized_ = true;
  return kstd::Ok();
}

kstd::Result<void> PageAllocator::CollectSections(kstd::Span<const hal::MemoryRange> map) {
  section_count_ = 0;
  for (const hal::MemoryRange& range : map) {
    if (range.type != hal::MemoryRange::Type::kUsable) continue;
    const PhysAddr base = AlignUp(kstd::Min(range.base, kPhysAddrLimit), kPageSize);
    const PhysAddr end = AlignDown(ClampedEnd(range.base, range.length), kPageSize);
    if (end <= base) continue;
    if (section_count_ == kMaxSections) {
      return Fail(Error::kTooBig, "memory map has too many usable ranges");
    }
    // Insertion sort by base.
    size_t at = section_count_++;
    while (at > 0 && sections_[at - 1].base > base) {
      sections_[at] = sections_[at - 1];
      --at;
    }
    sections_[at] = Section{base, (end - base) / kPageSize, nullptr};
  }
  // Merge overlapping and adjacent ranges.
  size_t merged = 0;
  for (size_t i = 0; i < section_count_; ++i) {
    if (merged > 0 && sections_[i].base <= sections_[merged - 1].end()) {
      const PhysAddr end = kstd::Max(sections_[merged - 1].end(), sections_[i].end());
      sections_[merged - 1].page_count = (end - sections_[merged - 1].base) / kPageSize;
    } else {
      sections_[merged++] = sections_[i];
    }
  }
  section_count_ = merged;
  // Non-usable entries win over usable ones they overlap.
  for (const hal::MemoryRange& range : map) {
    if (range.type == hal::MemoryRange::Type::kUsable) continue;
    PhysAddr base = 0, end = 0;
    WidenToPages(range.base, range.length, &base, &end);
    kstd::Result<void> subtracted = SubtractFromSections(base, end);
    if (subtracted.is_error()) return subtracted;
  }
  return kstd::Ok();
}

kstd::Result<void> PageAllocator::SubtractFromSections(PhysAddr base, PhysAddr end) {
  for (size_t i = 0; i < section_count_; ++i) {
    Section& s = sections_[i];
    if (end <= s.base || base >= s.end()) continue;
    const PhysAddr s_end = s.end();
    const bool keep_low = base > s.base;
    const bool keep_high = end < s_end;
    if (keep_low && keep_high) {
      if (section_count_ == kMaxSections) {
        return Fail(Error::kTooBig, "memory map splits into too many ranges");
      }
      for (size_t j = section_count_; j > i + 1; --j) sections_[j] = sections_[j - 1];
      ++section_count_;
      sections_[i + 1] = Section{end, (s_end - end) / kPageSize, nullptr};
      s.page_count = (base - s.base) / kPageSize;
    } else if (keep_low) {
      s.page_count = (base - s.base) / kPageSize;
    } else if (keep_high) {
      s.page_count = (s_end - end) / kPageSize;
      s.base = end;
    } else {
      for (size_t j = i; j + 1 < section_count_; ++j) sections_[j] = sections_[j + 1];
      --section_count_;
      --i;
    }
  }
  return kstd::Ok();
}

bool PageAllocator::NextFreeRun(kstd::Span<const PhysRange> reserved, PhysRange extra,
                                PhysAddr* cursor, PhysAddr end, PhysAddr* run_base,
                                PhysAddr* run_end) const {
  // Skip every exclusion that covers the cursor, until none does.
  auto exclusion = [&](size_t i, PhysAddr* base, PhysAddr* limit) {
    if (i < reserved.size()) {
      WidenToPages(reserved[i].base, reserved[i].length, base, limit);
    } else {
      *base = extra.base;
      *limit = extra.base + extra.length;
    }
  };
  const size_t count = reserved.size() + 1;
  for (bool moved = true; moved && *cursor < end;) {
    moved = false;
    for (size_t i = 0; i < count; ++i) {
      PhysAddr base = 0, limit = 0;
      exclusion(i, &base, &limit);
      if (base <= *cursor && *cursor < limit) {
        *cursor = limit;
        moved = true;
      }
    }
  }
  if (*cursor >= end) return false;
  PhysAddr stop = end;
  for (size_t i = 0; i < count; ++i) {
    PhysAddr base = 0, limit = 0;
    exclusion(i, &base, &limit);
    if (limit > base && base > *cursor && base < stop) stop = base;
  }
  *run_base = *cursor;
  *run_end = stop;
  *cursor = stop;
  return true;
}

void PageAllocator::AddFreeRange(PhysAddr base, PhysAddr end) {
  while (base < end) {
    const unsigned order = LargestBlock(base, end);
    Page* head = PageOf(base);
    for (uint64_t p = 1; p < (uint64_t{1} << order); ++p) head[p].state = Page::State::kFree;
    PushFree(head, order);
    stats_.free_pages += uint64_t{1} << order;
    base += BlockBytes(order);
  }
}

const PageAllocator::Section* PageAllocator::SectionOf(PhysAddr phys) const {
  size_t low = 0, high = section_count_;
  while (low < high) {
    const size_t mid = low + (high - low) / 2;
    if (phys < sections_[mid].base) {
      high = mid;
    } else if (phys >= sections_[mid].end()) {
      low = mid + 1;
    } else {
      return &sections_[mid];
    }
  }
  return nullptr;
}

Page* PageAllocator::PageIn(const Section& section, PhysAddr phys) const {
  if (phys < section.base || phys >= section.end()) return nullptr;
  return &section.pages[(phys - section.base) / kPageSize];
}

Page* PageAllocator::PageOf(PhysAddr phys) {
  const Section* section = SectionOf(phys);
  return section == nullptr ? nullptr : PageIn(*section, phys);
}

const Page* PageAllocator::PageOf(PhysAddr phys) const {
  const Section* section = SectionOf(phys);
  return section == nullptr ? nullptr : PageIn(*section, phys);
}

PhysAddr PageAllocator::PhysOf(const Page* page) const {
  for (size_t i = 0; i < section_count_; ++i) {
    const Section& s = sections_[i];
    if (page >= s.pages && page < s.pages + s.page_count) {
      return s.base + static_cast<uint64_t>(page - s.pages) * kPageSize;
    }
  }
  return 0;
}

void PageAllocator::PushFree(Page* head, unsigned order) {
  head->state = Page::State::kFreeHead;
  head->order = static_cast<uint8_t>(order);
  head->refcount = 0;
  head->prev = nullptr;
  head->next = free_lists_[order];
  if (head->next != nullptr) head->next->prev = head;
  free_lists_[order] = head;
  ++stats_.free_blocks[order];
}

void PageAllocator::RemoveFree(Page* head, unsigned order) {
  if (head->prev != nullptr) {
    head->prev->next = head->next;
  } else {
    free_lists_[order] = head->next;
  }
  if (head->next != nullptr) head->next->prev = head->prev;
  head->next = head->prev = nullptr;
  head->state = Page::State::kFree;
  --stats_.free_blocks[order];
}

void PageAllocator::MarkAllocated(Page* head, unsigned order) {
  head->state = Page::State::kAllocatedHead;
  head->order = static_cast<uint8_t>(order);
  head->refcount = 1;
  for (uint64_t p = 1; p < (uint64_t{1} << order); ++p) head[p].state = Page::State::kAllocated;
}

kstd::Result<PhysAddr> PageAllocator::AllocLocked(unsigned order) {
  if (order > kMaxOrder) return Error::kInvalid;
  unsigned found = order;
  while (found <= kMaxOrder && free_lists_[found] == nullptr) ++found;
  if (found > kMaxOrder) return Error::kNoMemory;

  Page* head = free_lists_[found];
  RemoveFree(head, found);
  const PhysAddr phys = PhysOf(head);
  while (found > order) {  // give back the upper halves
    --found;
    PushFree(head + (uint64_t{1} << found), found);
  }
  MarkAllocated(head, order);
  stats_.free_pages -= uint64_t{1} << order;
  stats_.allocated_pages += uint64_t{1} << order;
  return phys;
}

kstd::Result<PhysAddr> PageAllocator::AllocPages(unsigned order) {
  MmLockGuard guard(lock_);
  return AllocLocked(order);
}

kstd::Result<Page*> PageAllocator::CheckFreeable(PhysAddr phys, unsigned order) {
  Page* head = nullptr;
  if (order <= kMaxOrder && IsAligned(phys, BlockBytes(order))) head = PageOf(phys);
  if (head == nullptr || head->state != Page::State::kAllocatedHead || head->order != order) {
    ++stats_.bad_frees;
    return Error::kInvalid;
  }
  if (head->refcount > 1) return Error::kBusy;
  return head;
}

void PageAllocator::FreeBlock(const Section& section, PhysAddr phys, unsigned order) {
  Page* head = PageIn(section, phys);
  for (uint64_t p = 0; p < (uint64_t{1} << order); ++p) head[p].state = Page::State::kFree;
  head->refcount = 0;
  stats_.free_pages += uint64_t{1} << order;
  stats_.allocated_pages -= uint64_t{1} << order;
  while (order < kMaxOrder) {
    const PhysAddr buddy_phys = phys ^ BlockBytes(order);
    Page* buddy = PageIn(section, buddy_phys);
    if (buddy == nullptr || buddy->state != Page::State::kFreeHead || buddy->order != order) break;
    RemoveFree(buddy, order);
    phys = kstd::Min(phys, buddy_phys);
    ++order;
  }
  PushFree(PageIn(section, phys), order);
}

kstd::Result<void> PageAllocator::FreePages(PhysAddr phys, unsigned order) {
  MmLockGuard guard(lock_);
  TRY(CheckFreeable(phys, order));
  FreeBlock(*SectionOf(phys), phys, order);
  return kstd::Ok();
}

kstd::Result<PhysAddr> PageAllocator::AllocRun(uint64_t count) {
  MmLockGuard guard(lock_);
  if (count == 0 || count > (uint64_t{1} << kMaxOrder)) return Error::kInvalid;
  const unsigned order = OrderFor(count);
  const PhysAddr phys = TRY(AllocLocked(order));
  const Section& section = *SectionOf(phys);
  const PhysAddr run_end = phys + count * kPageSize;
  // Split the block into the kept run (one allocated block per set bit of count)
  // and the tail, which goes back to the free lists.
  for (PhysAddr at = phys; at < run_end;) {
    const unsigned piece = LargestBlock(at, run_end);
    MarkAllocated(PageIn(section, at), piece);
    at += BlockBytes(piece);
  }
  const PhysAddr block_end = phys + BlockBytes(order);
  for (PhysAddr at = run_end; at < block_end;) {
    const unsigned piece = LargestBlock(at, block_end);
    FreeBlock(section, at, piece);
    at += BlockBytes(piece);
  }
  return phys;
}

kstd::Result<void> PageAllocator::FreeRun(PhysAddr phys, uint64_t count) {
  MmLockGuard guard(lock_);
  if (count == 0 || count > (uint64_t{1} << kMaxOrder) || !IsAligned(phys, kPageSize)) {
    ++stats_.bad_frees;
    return Error::kInvalid;
  }
  const PhysAddr run_end = phys + count * kPageSize;
  for (PhysAddr at = phys; at < run_end;) {  // validate every piece first
    const unsigned piece = LargestBlock(at, run_end);
    TRY(CheckFreeable(at, piece));
    at += BlockBytes(piece);
  }
  const Section& section = *SectionOf(phys);
  for (PhysAddr at = phys; at < run_end;) {
    const unsigned piece = LargestBlock(at, run_end);
    FreeBlock(section, at, piece);
    at += BlockBytes(piece);
  }
  return kstd::Ok();
}

kstd::Result<uint32_t> PageAllocator::Ref(PhysAddr phys) {
  MmLockGuard guard(lock_);
  Page* head = IsAligned(phys, kPageSize) ? PageOf(phys) : nullptr;
  if (head == nullptr || head->state != Page::State::kAllocatedHead) return Error::kInvalid;
  if (head->refcount == UINT32_MAX) return Error::kOverflow;
  return ++head->refcount;
}

kstd::Result<uint32_t> PageAllocator::Unref(PhysAddr phys) {
  MmLockGuard guard(lock_);
  Page* head = IsAligned(phys, kPageSize) ? PageOf(phys) : nullptr;
  if (head == nullptr || head->state != Page::State::kAllocatedHead) {
    ++stats_.bad_frees;
    return Error::kInvalid;
  }
  if (--head->refcount > 0) return head->refcount;
  FreeBlock(*SectionOf(phys), phys, head->order);
  return uint32_t{0};
}

PmmStats PageAllocator::Stats() const {
  MmLockGuard guard(lock_);
  return stats_;
}

}  // namespace core::mm
