#include "hal/x86_64/paging/page_table.h"

#include "kstd/utility.h"

namespace hal::x86_64 {

namespace {

using kstd::Error;
using kstd::IsAligned;

constexpr uint64_t kPhysLimit = uint64_t{1} << 52;           // MAXPHYADDR <= 52 (§4.1.4)
constexpr unsigned kFirstKernelSlot = kEntriesPerTable / 2;  // PML4 slots 256..511

// Flags kept when a leaf moves between levels: P R/W U/S PWT PCD A D, G, the
// ignored bits 11:9 and 58:52, protection key and XD. PS and PAT are placed anew.
constexpr uint64_t kLeafFlags = 0xfff0000000000f7f;

uint64_t Load(const uint64_t* entry) { return __atomic_load_n(entry, __ATOMIC_RELAXED); }
void Store(uint64_t* entry, uint64_t value) { __atomic_store_n(entry, value, __ATOMIC_RELEASE); }
uint64_t Exchange(uint64_t* entry, uint64_t value) {
  return __atomic_exchange_n(entry, value, __ATOMIC_ACQ_REL);
}
bool CompareExchange(uint64_t* entry, uint64_t* expected, uint64_t desired) {
  return __atomic_compare_exchange_n(entry, expected, desired, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_RELAXED);
}

/// Sign-extends bit 47, turning a PML4 slot's base into a canonical address.
constexpr uint64_t Canonicalize(uint64_t virt) {
  return static_cast<uint64_t>(static_cast<int64_t>(virt << 16) >> 16);
}

/// Virtual base of entry `index` in a table at `level` that starts at `base`.
constexpr uint64_t EntryBase(uint64_t table_base, int level, unsigned index) {
  return Canonicalize(table_base + index * LevelSize(level));
}

/// Bytes from `virt` to the end of the level-`level` region containing it.
constexpr uint64_t ToRegionEnd(uint64_t virt, int level) {
  return LevelSize(level) - (virt & (LevelSize(level) - 1));
}

constexpr uint64_t TableEntry(uint64_t phys, bool user) {
  return phys | Pte::kPresent | Pte::kWritable | (user ? Pte::kUser : 0);
}

/// Leaf bits for `attrs` at `level`, without the address.
constexpr uint64_t LeafFlags(const PageAttrs& attrs, int level) {
  const unsigned pat = static_cast<unsigned>(attrs.cache);
  return Pte::kPresent | (attrs.writable ? Pte::kWritable : 0) | (attrs.user ? Pte::kUser : 0) |
         ((pat & 1) ? Pte::kWriteThrough : 0) | ((pat & 2) ? Pte::kCacheDisable : 0) |
         (attrs.global ? Pte::kGlobal : 0) | (attrs.executable ? 0 : Pte::kNoExecute) |
         (level > kPtLevel ? Pte::kLargePage : 0);
}

Mapping MappingOf(Pte leaf, uint64_t virt, int level) {
  Mapping m;
  m.virt = virt & ~(LevelSize(level) - 1);
  m.phys = leaf.page_address(level);
  m.size = LevelSize(level);
  m.attrs.writable = leaf.writable();
  m.attrs.user = leaf.user();
  m.attrs.executable = !leaf.no_execute();
  m.attrs.global = leaf.global();
  // PAT entries 4-7 mirror 0-3 in both the power-on and the kernel's layout.
  m.attrs.cache = static_cast<CachePolicy>(leaf.pat_index(level) & 3);
  m.accessed = leaf.accessed();
  m.dirty = leaf.dirty();
  return m;
}

/// Validates a page-aligned, non-empty, canonical range inside one half.
kstd::Result<void> CheckRange(uint64_t virt, uint64_t size) {
  uint64_t last = 0;
  if (size == 0 || !IsAligned(virt, kPageSize4K) || !IsAligned(size, kPageSize4K) ||
      !kstd::CheckedAdd(virt, size - 1, &last) || !IsCanonical(virt) || !IsCanonical(last) ||
      (virt >> 63) != (last >> 63)) {
    return Error::kInvalid;
  }
  return kstd::Ok();
}

}  // namespace

void TlbFlush::Add(uint64_t virt, uint64_t size, bool was_global) {
  const uint64_t end = virt + (size - 1);
  if (!needed) {
    first = virt;
    last = end;
  } else {
    first = kstd::Min(first, virt);
    last = kstd::Max(last, end);
  }
  needed = true;
  global = global || was_global;
}

kstd::Result<uint64_t> PageTable::NewTable() {
  const uint64_t phys = TRY(allocator_->AllocTable());
  __builtin_memset(TableAt(phys), 0, kPageSize4K);
  ++table_pages_;
  return phys;
}

void PageTable::DeleteTable(uint64_t phys) {
  --table_pages_;
  allocator_->FreeTable(phys);
}

kstd::Result<void> PageTable::Init() {
  if (root_ != 0) return Error::kBusy;
  root_ = TRY(NewTable());
  return kstd::Ok();
}

PageTable::Slot PageTable::Lookup(uint64_t virt) const {
  uint64_t* table = TableAt(root_);
  for (int level = kPml4Level;; --level) {
    uint64_t* entry = &table[LevelIndex(virt, level)];
    const Pte pte(Load(entry));
    if (!pte.present() || (level < kPml4Level && pte.IsLeaf(level))) return {entry, level};
    table = TableAt(pte.table_address());
  }
}

bool PageTable::AnyMapped(uint64_t virt, uint64_t size) const {
  for (uint64_t done = 0; done < size;) {
    const uint64_t at = virt + done;
    const Slot slot = Lookup(at);
    if (Pte(Load(slot.entry)).present()) return true;
    done += ToRegionEnd(at, slot.level);
  }
  return false;
}

kstd::Result<void> PageTable::Split(uint64_t* entry, int level, uint64_t virt, TlbFlush* flush) {
  const uint64_t table = TRY(NewTable());
  uint64_t* children = TableAt(table);
  const int child_level = level - 1;
  uint64_t old = Load(entry);
  for (;;) {  // rebuilt if the CPU sets A or D on the large page meanwhile
    const Pte leaf(old);
    const bool pat = (old & Pte::kPatLarge) != 0;
    const uint64_t flags = (old & kLeafFlags) |
                           (child_level == kPtLevel ? (pat ? Pte::kPatSmall : 0)
                                                    : Pte::kLargePage | (pat ? Pte::kPatLarge : 0));
    for (unsigned i = 0; i < kEntriesPerTable; ++i) {
      children[i] = (leaf.page_address(level) + i * LevelSize(child_level)) | flags;
    }
    if (CompareExchange(entry, &old, TableEntry(table, leaf.user()))) break;
  }
  // The old large translation is equivalent but must go before the table's
  // entries are edited (§4.10.2.3: page size changes).
  flush->Add(virt & ~(LevelSize(level) - 1), LevelSize(level), Pte(old).global());
  return kstd::Ok();
}

kstd::Result<void> PageTable::SplitAt(uint64_t virt, TlbFlush* flush) {
  if (!IsCanonical(virt)) return kstd::Ok();  // nothing can straddle the hole
  for (;;) {
    const Slot slot = Lookup(virt);
    if (!Pte(Load(slot.entry)).present() || slot.level == kPtLevel ||
        IsAligned(virt, LevelSize(slot.level))) {
      return kstd::Ok();
    }
    TRY(Split(slot.entry, slot.level, virt, flush));
  }
}

kstd::Result<uint64_t*> PageTable::EnsureEntry(uint64_t virt, int level, bool user,
                                               TlbFlush* flush) {
  uint64_t* table = TableAt(root_);
  for (int at = kPml4Level; at > level; --at) {
    uint64_t* entry = &table[LevelIndex(virt, at)];
    Pte pte(Load(entry));
    if (!pte.present()) {
      const uint64_t child = TRY(NewTable());
      Store(entry, TableEntry(child, user));
    } else if (at < kPml4Level && pte.IsLeaf(at)) {
      TRY(Split(entry, at, virt, flush));
    }
    if (user) __atomic_fetch_or(entry, Pte::kUser, __ATOMIC_RELAXED);
    table = TableAt(Pte(Load(entry)).table_address());
  }
  return &table[LevelIndex(virt, level)];
}

void PageTable::SetUserOnPath(uint64_t virt, int level) {
  uint64_t* table = TableAt(root_);
  for (int at = kPml4Level; at > level; --at) {
    uint64_t* entry = &table[LevelIndex(virt, at)];
    __atomic_fetch_or(entry, Pte::kUser, __ATOMIC_RELAXED);
    table = TableAt(Pte(Load(entry)).table_address());
  }
}

kstd::Result<TlbFlush> PageTable::Map(uint64_t virt, uint64_t phys, uint64_t size, PageAttrs attrs,
                                      MapOptions options, MappingVisitor replaced) {
  if (root_ == 0) return Error::kInvalid;
  TRY(CheckRange(virt, size));
  if (!IsAligned(phys, kPageSize4K) || phys >= kPhysLimit || size > kPhysLimit - phys ||
      (attrs.user && attrs.global)) {
    return Error::kInvalid;
  }
  if (!options.overwrite && AnyMapped(virt, size)) return Error::kExists;

  auto level_at = [&](uint64_t done) {
    const bool large = options.allow_large_pages && IsAligned(virt + done, kPageSize2M) &&
                       IsAligned(phys + done, kPageSize2M) && size - done >= kPageSize2M;
    return large ? kPdLevel : kPtLevel;
  };
  TlbFlush flush;
  // Pass 1 builds every table the mapping needs; the only step that can fail.
  for (uint64_t done = 0; done < size;) {
    const int level = level_at(done);
    TRY(EnsureEntry(virt + done, level, attrs.user, &flush));
    done += LevelSize(level);
  }
  // Pass 2 writes the leaves; EnsureEntry finds every table in place.
  for (uint64_t done = 0; done < size;) {
    const int level = level_at(done);
    const uint64_t at = virt + done;
    uint64_t* entry = TRY(EnsureEntry(at, level, attrs.user, &flush));
    const Pte old(Exchange(entry, (phys + done) | LeafFlags(attrs, level)));
    if (old.present()) {
      flush.Add(at, LevelSize(level), old.global());
      if (old.IsLeaf(level)) {
        replaced(MappingOf(old, at, level));
      } else {  // a page table replaced by a 2 MiB page
        ReleaseTable(old.table_address(), level - 1, at, replaced);
        flush.global = true;  // its leaves' G bits are gone with it
      }
    }
    done += LevelSize(level);
  }
  return flush;
}

kstd::Result<TlbFlush> PageTable::Unmap(uint64_t virt, uint64_t size, MappingVisitor removed) {
  if (root_ == 0) return Error::kInvalid;
  TRY(CheckRange(virt, size));
  TlbFlush flush;
  TRY(SplitAt(virt, &flush));
  TRY(SplitAt(virt + size, &flush));  // wraps to 0 at the top: aligned, no split
  for (uint64_t done = 0; done < size;) {
    const uint64_t at = virt + done;
    const Slot slot = Lookup(at);
    if (Pte(Load(slot.entry)).present()) {
      const Pte old(Exchange(slot.entry, 0));
      removed(MappingOf(old, at, slot.level));
      flush.Add(at, LevelSize(slot.level), old.global());
    }
    done += ToRegionEnd(at, slot.level);
  }
  Prune(TableAt(root_), kPml4Level, 0, virt, virt + (size - 1), &flush);
  return flush;
}

kstd::Result<TlbFlush> PageTable::Protect(uint64_t virt, uint64_t size, PageAttrs attrs) {
  if (root_ == 0) return Error::kInvalid;
  TRY(CheckRange(virt, size));
  if (attrs.user && attrs.global) return Error::kInvalid;
  for (uint64_t done = 0; done < size;) {
    const Slot slot = Lookup(virt + done);
    if (!Pte(Load(slot.entry)).present()) return Error::kNotFound;
    done += ToRegionEnd(virt + done, slot.level);
  }
  TlbFlush flush;
  TRY(SplitAt(virt, &flush));
  TRY(SplitAt(virt + size, &flush));
  for (uint64_t done = 0; done < size;) {
    const uint64_t at = virt + done;
    const Slot slot = Lookup(at);
    uint64_t old = Load(slot.entry);
    const uint64_t flags = LeafFlags(attrs, slot.level);
    while (!CompareExchange(
        slot.entry, &old,
        (old & (Pte::AddressMask(slot.level) | Pte::kAccessed | Pte::kDirty)) | flags)) {
    }
    if (attrs.user) SetUserOnPath(at, slot.level);
    flush.Add(at, LevelSize(slot.level), Pte(old).global());
    done += ToRegionEnd(at, slot.level);
  }
  return flush;
}

kstd::Result<Mapping> PageTable::Query(uint64_t virt) const {
  if (root_ == 0 || !IsCanonical(virt)) return Error::kInvalid;
  const Slot slot = Lookup(virt);
  const Pte pte(Load(slot.entry));
  if (!pte.present()) return Error::kNotFound;
  return MappingOf(pte, virt, slot.level);
}

bool PageTable::Prune(uint64_t* table, int level, uint64_t table_base, uint64_t first,
                      uint64_t last, TlbFlush* flush) {
  const uint64_t table_last = table_base + (LevelSize(level + 1) - 1);
  const unsigned first_index =
      (level == kPml4Level || first > table_base) ? LevelIndex(first, level) : 0;
  const unsigned last_index =
      (level == kPml4Level || last < table_last) ? LevelIndex(last, level) : kEntriesPerTable - 1;
  for (unsigned i = first_index; i <= last_index; ++i) {
    const Pte pte(Load(&table[i]));
    if (!pte.present() || pte.IsLeaf(level)) continue;
    const uint64_t base = EntryBase(table_base, level, i);
    if (!Prune(TableAt(pte.table_address()), level - 1, base, first, last, flush)) continue;
    if (level == kPml4Level && i >= kFirstKernelSlot) continue;  // shared, permanent
    Store(&table[i], 0);
    DeleteTable(pte.table_address());
    // INVLPG of an address the freed table served also drops the paging-
    // structure-cache entries that point to it (§4.10.4.1); no need to flush
    // the whole region.
    flush->Add(base, kPageSize4K, false);
  }
  for (unsigned i = 0; i < kEntriesPerTable; ++i) {
    if (Load(&table[i]) != 0) return false;
  }
  return true;
}

void PageTable::ReleaseTable(uint64_t phys, int level, uint64_t table_base,
                             MappingVisitor visitor) {
  uint64_t* table = TableAt(phys);
  for (unsigned i = 0; i < kEntriesPerTable; ++i) {
    const Pte pte(Load(&table[i]));
    if (!pte.present()) continue;
    const uint64_t base = EntryBase(table_base, level, i);
    if (level < kPml4Level && pte.IsLeaf(level)) {
      visitor(MappingOf(pte, base, level));
    } else {
      ReleaseTable(pte.table_address(), level - 1, base, visitor);
    }
  }
  DeleteTable(phys);
}

kstd::Result<void> PageTable::ShareKernelHalf(const PageTable& kernel) {
  if (root_ == 0 || kernel.root_ == 0 || &kernel == this) return Error::kInvalid;
  uint64_t* mine = TableAt(root_);
  const uint64_t* theirs = kernel.TableAt(kernel.root_);
  for (unsigned i = kFirstKernelSlot; i < kEntriesPerTable; ++i) {
    if (Load(&mine[i]) != 0) return Error::kInvalid;
  }
  for (unsigned i = kFirstKernelSlot; i < kEntriesPerTable; ++i) Store(&mine[i], Load(&theirs[i]));
  shares_kernel_half_ = true;
  return kstd::Ok();
}

void PageTable::Destroy(MappingVisitor removed) {
  if (root_ == 0) return;
  if (shares_kernel_half_) {  // not ours to free
    uint64_t* pml4 = TableAt(root_);
    for (unsigned i = kFirstKernelSlot; i < kEntriesPerTable; ++i) Store(&pml4[i], 0);
    shares_kernel_half_ = false;
  }
  ReleaseTable(root_, kPml4Level, 0, removed);
  root_ = 0;
}

}  // namespace hal::x86_64
