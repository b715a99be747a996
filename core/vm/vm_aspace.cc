#include "core/vm/vm_aspace.h"

#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::vm {

using kstd::Error;
using kstd::IsAligned;
using kstd::RefPtr;

namespace {

/// True if [addr, addr + size) is non-empty, page aligned and inside [low, kUserEnd).
bool UserRange(uint64_t addr, uint64_t size, uint64_t low) {
  return size != 0 && IsAligned(addr, kPageSize) && IsAligned(size, kPageSize) && addr >= low &&
         addr <= kUserEnd && size <= kUserEnd - addr;
}

/// Whether a region with `prot` allows `access` (every present x86 page is
/// readable, so any right implies read).
bool Allows(Prot prot, Access access) {
  switch (access) {
    case Access::kRead: return prot != kProtNone;
    case Access::kWrite: return (prot & kProtWrite) != 0;
    case Access::kExecute: return (prot & kProtExec) != 0;
  }
  return false;
}

/// Rejects write access that a VMO cannot give.
kstd::Result<void> CheckWritable(const VmObject& vmo, bool shared, Prot prot) {
  if ((prot & kProtWrite) == 0 || !vmo.is_physical()) return kstd::Ok();
  if (!vmo.writable()) return Error::kAccess;
  if (!shared) return Error::kNotSupported;  // would need copy-on-write of foreign pages
  return kstd::Ok();
}

uint64_t g_max_map_count = kDefaultMaxMapCount;  // atomic

}  // namespace

uint64_t MaxMapCount() { return __atomic_load_n(&g_max_map_count, __ATOMIC_RELAXED); }
void SetMaxMapCount(uint64_t limit) { __atomic_store_n(&g_max_map_count, limit, __ATOMIC_RELAXED); }

/// Regions allocated before any change, for the splits an operation needs;
/// the unused ones are freed with it.
class VmAspace::Spares {
 public:
  Spares() = default;
  ~Spares() {
    while (count_ > 0) delete items_[--count_];
  }
  Spares(const Spares&) = delete;
  Spares& operator=(const Spares&) = delete;

  kstd::Result<void> Fill(int count) {
    if (count > kMax) return Error::kInvalid;
    while (count_ < count) {
      VmMapping* region = new (kstd::nothrow) VmMapping();
      if (region == nullptr) return Error::kNoMemory;
      items_[count_++] = region;
    }
    return kstd::Ok();
  }
  VmMapping* Take() { return items_[--count_]; }

  static constexpr int kMax = 6;  // Remap: up to four at the old range, two at the new

 private:
  VmMapping* items_[kMax] = {};
  int count_ = 0;
};

VmAspace::VmAspace(mm::PageAllocator* pmm, const ArchPageTable* kernel, TlbHook tlb_hook)
    : pmm_(pmm), kernel_(kernel), tlb_hook_(tlb_hook), page_table_(pmm, tlb_hook) {}

VmAspace::~VmAspace() { Destroy(); }

kstd::Result<RefPtr<VmAspace>> VmAspace::Create(mm::PageAllocator* pmm, const ArchPageTable* kernel,
                                                TlbHook tlb_hook) {
  if (pmm == nullptr || kernel == nullptr || kernel->root() == 0) return Error::kInvalid;
  RefPtr<VmAspace> aspace = kstd::AdoptRef(new (kstd::nothrow) VmAspace(pmm, kernel, tlb_hook));
  if (!aspace) return Error::kNoMemory;
  TRY(aspace->page_table_.Init(*kernel));
  return aspace;
}

size_t VmAspace::region_count() const {
  SpinLockGuard hold(lock_);
  return regions_.size();
}

uint64_t VmAspace::MappedBytes(uint64_t addr, uint64_t size) const {
  uint64_t end = size > ~uint64_t{0} - addr ? ~uint64_t{0} : addr + size;
  uint64_t total = 0;
  SpinLockGuard hold(lock_);
  for (size_t i = 0; i < regions_.size(); ++i) {
    const VmMapping* r = regions_[i];
    if (r->is_guard()) continue;
    uint64_t lo = r->base > addr ? r->base : addr;
    uint64_t hi = r->base + r->size < end ? r->base + r->size : end;
    if (hi > lo) total += hi - lo;
  }
  return total;
}

kstd::Result<uint64_t> VmAspace::Map(RefPtr<VmObject> vmo, uint64_t vmo_offset, uint64_t size,
                                     Prot prot, uint64_t addr, MapFlags flags) {
  if (!vmo) return Error::kInvalid;
  const Placement placement = (flags & kMapFixed) != 0 ? Placement::kFixed : Placement::kHint;
  return DoMap(kstd::Move(vmo), vmo_offset, size, prot, addr, flags, placement);
}

kstd::Result<uint64_t> VmAspace::MapFixedReplace(uint64_t addr, RefPtr<VmObject> vmo,
                                                 uint64_t vmo_offset, uint64_t size, Prot prot,
                                                 MapFlags flags) {
  if (!vmo) return Error::kInvalid;
  return DoMap(kstd::Move(vmo), vmo_offset, size, prot, addr, flags | kMapFixed,
               Placement::kFixedReplace);
}

kstd::Result<uint64_t> VmAspace::MapGuard(uint64_t addr, uint64_t size, MapFlags flags) {
  if ((flags & ~kMapFixed) != 0) return Error::kInvalid;
  const Placement placement = (flags & kMapFixed) != 0 ? Placement::kFixed : Placement::kHint;
  return DoMap(nullptr, 0, size, kProtNone, addr, flags, placement);
}

kstd::Result<uint64_t> VmAspace::DoMap(RefPtr<VmObject> vmo, uint64_t vmo_offset, uint64_t size,
                                       Prot prot, uint64_t addr, MapFlags flags,
                                       Placement placement) {
  // Decode: everything that can fail, before any change.
  if ((prot & ~kProtAll) != 0 || (flags & ~kMapFlagsAll) != 0 || size == 0 ||
      !IsAligned(size, kPageSize)) {
    return Error::kInvalid;
  }
  if (placement != Placement::kHint && !UserRange(addr, size, kUserBase)) return Error::kInvalid;
  const bool shared = (flags & kMapShared) != 0;
  if (vmo) {
    if (!IsAligned(vmo_offset, kPageSize) || vmo_offset > vmo->size() ||
        size > vmo->size() - vmo_offset) {
      return Error::kInvalid;
    }
    TRY(CheckWritable(*vmo, shared, prot));
    if ((flags & kMapNoWrite) != 0 && (prot & kProtWrite) != 0) return Error::kAccess;
    // A private region needs a VMO no one else can reach: ours if the caller
    // handed over its only reference (nobody can take a new one), else a clone.
    if (!shared && !vmo->is_physical() && vmo->ref_count() != 1) {
      vmo = TRY(vmo->CloneCow(vmo_offset, size));
      vmo_offset = 0;
    }
  }
  VmMapping* region = new (kstd::nothrow) VmMapping();
  if (region == nullptr) return Error::kNoMemory;
  region->page_table = &page_table_;
  region->size = size;
  region->vmo_offset = vmo_offset;
  region->prot = prot;
  region->shared = shared;
  region->no_write = (flags & kMapNoWrite) != 0;
  region->vmo = kstd::Move(vmo);

  DeadList dead;
  kstd::Result<uint64_t> placed = InsertRegion(region, addr, placement, &dead);
  FreeDead(&dead);
  if (placed.is_error()) delete region;  // drops the VMO (and a fresh clone's pages)
  return placed;
}

kstd::Result<uint64_t> VmAspace::InsertRegion(VmMapping* region, uint64_t addr, Placement placement,
                                              DeadList* dead) {
  SpinLockGuard hold(lock_);
  if (destroyed_) return Error::kInvalid;
  const uint64_t end = addr + region->size;  // fixed placements only
  // As Linux's do_mmap: refused once the count is above the limit.
  if (regions_.size() > MaxMapCount()) return Error::kNoMemory;
  Spares spares;
  if (placement == Placement::kFixedReplace) {
    const int splits = SplitsNeededLocked(addr, end);
    // The old range's middle taken out of one region leaves two (munmap's rule).
    if (splits == 2 && regions_.Find(addr) == regions_.Find(end) &&
        regions_.size() >= MaxMapCount()) {
      return Error::kNoMemory;
    }
    TRY(spares.Fill(splits));
    TRY(regions_.Reserve(splits + 1));
  } else {
    TRY(regions_.Reserve(1));
  }
  switch (placement) {
    case Placement::kHint: region->base = TRY(FindFreeLocked(addr, region->size)); break;
    case Placement::kFixed:
      if (regions_.Overlaps(addr, end)) return Error::kExists;
      region->base = addr;
      break;
    case Placement::kFixedReplace:
      SplitLocked(addr, &spares);
      SplitLocked(end, &spares);
      RemoveLocked(addr, end, dead);
      region->base = addr;
      break;
  }
  if (region->vmo) region->vmo->AddMapping(region);
  regions_.Insert(region);
  return region->base;
}

kstd::Result<uint64_t> VmAspace::FindFreeLocked(uint64_t hint, uint64_t size) const {
  if (hint != 0) {
    const uint64_t base = kstd::AlignUp(hint, kPageSize);  // wraps to 0 near 2^64: rejected
    if (UserRange(base, size, kUserBase) && !regions_.Overlaps(base, base + size)) return base;
  }
  // Top down, so that mappings stay clear of the program and its brk heap.
  uint64_t gap_end = kUserEnd;
  for (size_t i = regions_.size();; --i) {
    const uint64_t gap_start = i == 0 ? kUserBase : regions_[i - 1]->end();
    if (gap_end > gap_start && gap_end - gap_start >= size) return gap_end - size;
    if (i == 0) return Error::kNoMemory;
    gap_end = regions_[i - 1]->base;
  }
}

int VmAspace::SplitsNeededLocked(uint64_t addr, uint64_t end) const {
  int splits = 0;
  const VmMapping* region = regions_.Find(addr);
  if (region != nullptr && region->base < addr) ++splits;
  region = regions_.Find(end);
  if (region != nullptr && region->base < end) ++splits;
  return splits;
}

void VmAspace::SplitLocked(uint64_t at, Spares* spares) {
  VmMapping* head = regions_.Find(at);
  if (head == nullptr || head->base == at) return;
  VmMapping* tail = spares->Take();
  tail->page_table = head->page_table;
  tail->base = at;
  tail->size = head->end() - at;
  tail->vmo_offset = head->vmo_offset + (at - head->base);
  tail->prot = head->prot;
  tail->shared = head->shared;
  tail->no_write = head->no_write;
  tail->vmo = head->vmo;
  // Register the tail before shrinking the head, so the VMO always sees every
  // page this aspace may have mapped. Page tables are unchanged.
  if (head->vmo) {
    head->vmo->AddMapping(tail);
    head->vmo->UpdateMapping(head, head->base, at - head->base, head->vmo_offset);
  } else {
    head->size = at - head->base;
  }
  regions_.Insert(tail);
}

bool VmAspace::ProtectSplitsLocked(uint64_t at, Prot prot) const {
  const VmMapping* region = regions_.Find(at);
  return region != nullptr && region->base < at && region->prot != prot;
}

void VmAspace::RemoveLocked(uint64_t addr, uint64_t end, DeadList* dead) {
  const size_t i = regions_.LowerBound(addr);
  while (i < regions_.size() && regions_[i]->base < end) {
    VmMapping* region = regions_[i];
    // Translations go first (and are flushed), then the pages.
    page_table_.Unmap(region->base, region->size);
    if (region->vmo) {
      region->vmo->RemoveMapping(region);
      // A private region's VMO range is seen by no one else: free its pages.
      if (!region->shared && !region->vmo->is_physical()) {
        (void)region->vmo->Decommit(region->vmo_offset, region->size);
      }
    }
    regions_.EraseAt(i);
    dead->PushBack(region);
  }
}

void VmAspace::FreeDead(DeadList* dead) {
  while (VmMapping* region = dead->PopFront()) delete region;
}

kstd::Result<void> VmAspace::Unmap(uint64_t addr, uint64_t size) {
  if (!UserRange(addr, size, 0)) return Error::kInvalid;
  const uint64_t end = addr + size;
  DeadList dead;
  {
    SpinLockGuard hold(lock_);
    if (destroyed_) return Error::kInvalid;
    Spares spares;
    const int splits = SplitsNeededLocked(addr, end);
    // Linux lets an unmap go through at the limit unless it turns one region
    // into two (its count may pass the limit by one for a moment, not after).
    if (splits == 2 && regions_.Find(addr) == regions_.Find(end) &&
        regions_.size() >= MaxMapCount()) {
      return Error::kNoMemory;
    }
    TRY(spares.Fill(splits));
    TRY(regions_.Reserve(splits));
    SplitLocked(addr, &spares);
    SplitLocked(end, &spares);
    RemoveLocked(addr, end, &dead);
  }
  FreeDead(&dead);
  return kstd::Ok();
}

bool VmAspace::VmoRangeUnusedLocked(const VmObject* vmo, uint64_t first, uint64_t end,
                                    const VmMapping* self) const {
  for (size_t i = 0; i < regions_.size(); ++i) {
    const VmMapping* other = regions_[i];
    if (other == self || other->vmo.get() != vmo) continue;
    if (other->vmo_offset < end && first < other->vmo_offset + other->size) return false;
  }
  return true;
}

kstd::Result<uint64_t> VmAspace::DuplicateShared(uint64_t old_addr, uint64_t new_size,
                                                 RemapFlags flags, uint64_t new_addr) {
  RefPtr<VmObject> vmo;
  uint64_t offset = 0;
  Prot prot = kProtNone;
  MapFlags map_flags = kMapShared;
  {
    SpinLockGuard hold(lock_);
    if (destroyed_) return Error::kInvalid;
    const VmMapping* region = regions_.Find(old_addr);
    if (region == nullptr || region->is_guard()) return Error::kFault;
    if (!region->shared) return Error::kInvalid;
    vmo = region->vmo;
    offset = region->vmo_offset + (old_addr - region->base);
    prot = region->prot;
    if (region->no_write) map_flags |= kMapNoWrite;
  }
  if ((flags & kRemapMayMove) == 0) return Error::kNoMemory;  // the old range stays where it is
  if (offset + new_size > vmo->size()) {
    if (vmo->is_physical()) return Error::kFault;
    TRY(vmo->Grow(offset + new_size));
  }
  if ((flags & kRemapFixed) != 0) {
    return MapFixedReplace(new_addr, kstd::Move(vmo), offset, new_size, prot, map_flags);
  }
  return Map(kstd::Move(vmo), offset, new_size, prot, 0, map_flags);
}

kstd::Result<uint64_t> VmAspace::Remap(uint64_t old_addr, uint64_t old_size, uint64_t new_size,
                                       RemapFlags flags, uint64_t new_addr) {
  // Decode the arguments.
  if ((flags & ~kRemapFlagsAll) != 0) return Error::kInvalid;
  const bool may_move = (flags & kRemapMayMove) != 0;
  const bool fixed = (flags & kRemapFixed) != 0;
  if (fixed && !may_move) return Error::kInvalid;
  if (!IsAligned(old_addr, kPageSize) || !IsAligned(old_size, kPageSize) || new_size == 0 ||
      !IsAligned(new_size, kPageSize)) {
    return Error::kInvalid;
  }
  const uint64_t new_end = new_addr + new_size;  // fixed only
  if (fixed && !UserRange(new_addr, new_size, kUserBase)) return Error::kInvalid;
  if (old_size == 0) return DuplicateShared(old_addr, new_size, flags, new_addr);
  if (!UserRange(old_addr, old_size, 0)) return Error::kFault;
  const uint64_t old_end = old_addr + old_size;
  if (fixed && new_addr < old_end && old_addr < new_end) return Error::kInvalid;

  RefPtr<VmObject> old_vmo;  // released after unlocking (it may be the last reference)
  RefPtr<VmObject> clone;    // the region's new VMO if it cannot keep its own
  DeadList dead;
  Spares spares;
  uint64_t target = 0;
  {
    SpinLockGuard hold(lock_);
    if (destroyed_) return Error::kInvalid;
    VmMapping* region = regions_.Find(old_addr);
    if (region == nullptr || region->is_guard() || old_end > region->end()) return Error::kFault;
    const uint64_t piece_offset = region->vmo_offset + (old_addr - region->base);
    VmObject* vmo = region->vmo.get();
    if (!fixed && new_size == old_size) return old_addr;

    // Where the region goes.
    const bool shrink = new_size < old_size;
    const bool grow = new_size > old_size;
    bool in_place = !fixed;
    if (grow && in_place) {
      in_place = old_end == region->end() && new_size <= kUserEnd - old_addr &&
                 !regions_.Overlaps(old_end, old_addr + new_size);
    }
    if (!in_place) {
      if (!may_move) return Error::kNoMemory;
      // Linux's move_vma: a move may split up to three regions.
      if (regions_.size() + 3 >= MaxMapCount()) return Error::kNoMemory;
      target = fixed ? new_addr : TRY(FindFreeLocked(0, new_size));
    } else {
      target = old_addr;
    }

    // Allocate every region and table entry the edit needs.
    int splits = SplitsNeededLocked(old_addr, old_end);
    if (shrink) splits += SplitsNeededLocked(old_addr + new_size, old_addr + new_size);
    if (fixed) splits += SplitsNeededLocked(new_addr, new_end);
    TRY(spares.Fill(splits));
    TRY(regions_.Reserve(splits));

    // The VMO bytes the grown region shows.
    if (grow) {
      if (vmo->is_physical()) return Error::kFault;
      const uint64_t need_end = piece_offset + new_size;
      if (region->shared) {
        TRY(vmo->Grow(need_end));  // the sharers' object grows (as a shared file would)
      } else if (old_end == region->end() &&
                 VmoRangeUnusedLocked(vmo, piece_offset + old_size, need_end, region)) {
        // No one else shows those bytes: make sure they read as zeros.
        const uint64_t stale_end = kstd::Min(need_end, vmo->size());
        if (stale_end > piece_offset + old_size) {
          TRY(vmo->Decommit(piece_offset + old_size, stale_end - piece_offset - old_size));
        }
        TRY(vmo->Grow(need_end));
      } else {
        // Other regions of ours show the bytes after it: the region takes a
        // copy-on-write clone of its own range instead.
        clone = TRY(vmo->CloneCow(piece_offset, old_size));
        TRY(clone->Grow(new_size));
      }
    }

    // Invoke: nothing fails from here on.
    SplitLocked(old_addr, &spares);
    SplitLocked(old_end, &spares);
    if (shrink) {
      SplitLocked(old_addr + new_size, &spares);
      RemoveLocked(old_addr + new_size, old_end, &dead);
    }
    if (fixed) {
      SplitLocked(new_addr, &spares);
      SplitLocked(new_end, &spares);
      RemoveLocked(new_addr, new_end, &dead);
    }
    VmMapping* piece = regions_.Find(old_addr);
    const uint64_t kept = kstd::Min(old_size, new_size);
    if (!in_place || clone) {
      // Translations of the old range go (flushed); the pages stay in the VMO
      // and fault in again at the new address.
      page_table_.Unmap(old_addr, kept);
    }
    if (!in_place) regions_.EraseAt(regions_.LowerBound(old_addr));
    if (clone) {
      piece->vmo->RemoveMapping(piece);
      (void)piece->vmo->Decommit(piece_offset, old_size);  // the clone holds them now
      old_vmo = kstd::Move(piece->vmo);
      piece->vmo = kstd::Move(clone);
      piece->base = target;
      piece->size = new_size;
      piece->vmo_offset = 0;
      piece->vmo->AddMapping(piece);
    } else {
      piece->vmo->UpdateMapping(piece, target, new_size, piece_offset);
    }
    if (!in_place) regions_.Insert(piece);
  }
  FreeDead(&dead);
  return target;
}

kstd::Result<void> VmAspace::Protect(uint64_t addr, uint64_t size, Prot prot) {
  if ((prot & ~kProtAll) != 0 || !UserRange(addr, size, 0)) return Error::kInvalid;
  const uint64_t end = addr + size;
  SpinLockGuard hold(lock_);
  if (destroyed_) return Error::kInvalid;
  // Decode: the whole range is mapped, by regions that can take `prot`.
  uint64_t covered = addr;
  for (size_t i = regions_.LowerBound(addr); covered < end; ++i) {
    if (i == regions_.size() || regions_[i]->base > covered) return Error::kNotFound;
    const VmMapping& region = *regions_[i];
    if (region.is_guard()) return Error::kAccess;
    TRY(CheckWritable(*region.vmo, region.shared, prot));
    if (region.no_write && (prot & kProtWrite) != 0) return Error::kAccess;
    covered = region.end();
  }
  // Only regions whose protection changes are split (as Linux's
  // mprotect_fixup), each split within the limit (split_vma's rule).
  const bool split_start = ProtectSplitsLocked(addr, prot);
  const bool split_end = ProtectSplitsLocked(end, prot);
  const int splits = (split_start ? 1 : 0) + (split_end ? 1 : 0);
  if (splits > 0 && regions_.size() + splits > MaxMapCount()) return Error::kNoMemory;
  Spares spares;
  TRY(spares.Fill(splits));
  TRY(regions_.Reserve(splits));
  // Invoke: cannot fail from here on.
  if (split_start) SplitLocked(addr, &spares);
  if (split_end) SplitLocked(end, &spares);
  for (size_t i = regions_.LowerBound(addr); i < regions_.size() && regions_[i]->base < end; ++i) {
    regions_[i]->vmo->ProtectMapping(regions_[i], prot);
  }
  return kstd::Ok();
}

kstd::Result<void> VmAspace::HandlePageFault(uint64_t addr, Access access, bool user) {
  if (addr >= kUserEnd) return Error::kFault;  // kernel half, non-canonical, top page
  SpinLockGuard hold(lock_);
  if (destroyed_) return Error::kFault;
  VmMapping* region = regions_.Find(addr);
  if (region == nullptr) return Error::kFault;
  if (region->is_guard() || !Allows(region->prot, access)) return Error::kAccess;
  if (!user && access == Access::kExecute)
    return Error::kAccess;  // the kernel never runs user code
  return region->vmo->FaultIn(*region, kstd::AlignDown(addr, kPageSize), access);
}

bool VmAspace::PastObjectEnd(uint64_t addr) const {
  if (addr >= kUserEnd) return false;
  SpinLockGuard hold(lock_);
  const VmMapping* region = regions_.Find(addr);
  if (region == nullptr || region->is_guard()) return false;
  return region->vmo->PastFaultLimit(region->vmo_offset +
                                     (kstd::AlignDown(addr, kPageSize) - region->base));
}

kstd::Result<RefPtr<VmAspace>> VmAspace::Fork() {
  // Declared before the lock guard: on failure it is destroyed after unlocking.
  RefPtr<VmAspace> child = TRY(Create(pmm_, kernel_, tlb_hook_));
  SpinLockGuard hold(lock_);
  if (destroyed_) return Error::kInvalid;
  // The child is reachable by no one else yet: its lock is never contended,
  // and holding it lets the compiler check that regions_ is guarded.
  SpinLockGuard hold_child(child->lock_);
  TRY(child->regions_.Reserve(regions_.size()));
  for (size_t i = 0; i < regions_.size(); ++i) {
    const VmMapping& region = *regions_[i];
    VmMapping* copy = new (kstd::nothrow) VmMapping();
    if (copy == nullptr) return Error::kNoMemory;
    copy->page_table = &child->page_table_;
    copy->base = region.base;
    copy->size = region.size;
    copy->vmo_offset = region.vmo_offset;
    copy->prot = region.prot;
    copy->shared = region.shared;
    copy->no_write = region.no_write;
    if (!region.is_guard()) {
      if (region.shared || region.vmo->is_physical()) {
        copy->vmo = region.vmo;  // private physical regions are read-only: share
      } else {
        kstd::Result<RefPtr<VmObject>> clone = region.vmo->CloneCow(region.vmo_offset, region.size);
        if (clone.is_error()) {
          delete copy;
          return clone.error();
        }
        copy->vmo = clone.release_value();
        copy->vmo_offset = 0;
      }
      copy->vmo->AddMapping(copy);
    }
    child->regions_.Insert(copy);
  }
  return child;
}

kstd::Result<void> VmAspace::CheckCoveredLocked(uint64_t addr, size_t len) const {
  uint64_t end = 0;
  if (!kstd::CheckedAdd(addr, len, &end) || end > kUserEnd) return Error::kFault;
  for (uint64_t at = addr; at < end;) {
    const VmMapping* region = regions_.Find(at);
    if (region == nullptr || region->is_guard()) return Error::kFault;
    if (region->vmo->is_physical()) return Error::kNotSupported;
    at = region->end();
  }
  return kstd::Ok();
}

kstd::Result<void> VmAspace::Peek(uint64_t addr, void* out, size_t len) const {
  SpinLockGuard hold(lock_);
  TRY(CheckCoveredLocked(addr, len));
  uint8_t* dst = static_cast<uint8_t*>(out);
  while (len > 0) {
    const VmMapping* region = regions_.Find(addr);
    const size_t chunk = static_cast<size_t>(kstd::Min<uint64_t>(len, region->end() - addr));
    TRY(region->vmo->Read(region->vmo_offset + (addr - region->base), dst, chunk));
    dst += chunk;
    addr += chunk;
    len -= chunk;
  }
  return kstd::Ok();
}

kstd::Result<void> VmAspace::Poke(uint64_t addr, const void* data, size_t len) {
  SpinLockGuard hold(lock_);
  TRY(CheckCoveredLocked(addr, len));
  const uint8_t* src = static_cast<const uint8_t*>(data);
  while (len > 0) {
    const VmMapping* region = regions_.Find(addr);
    const size_t chunk = static_cast<size_t>(kstd::Min<uint64_t>(len, region->end() - addr));
    TRY(region->vmo->Write(region->vmo_offset + (addr - region->base), src, chunk));
    src += chunk;
    addr += chunk;
    len -= chunk;
  }
  return kstd::Ok();
}

RegionInfo VmAspace::InfoLocked(const VmMapping& region, uint64_t addr) const {
  RegionInfo info;
  info.base = region.base;
  info.size = region.size;
  info.vmo_offset = region.vmo_offset;
  info.prot = region.prot;
  info.shared = region.shared;
  info.guard = region.is_guard();
  info.vmo_koid = region.vmo ? region.vmo->koid() : 0;
  kstd::Result<hal::Mapping> page = page_table_.Query(kstd::AlignDown(addr, kPageSize));
  if (page.ok()) {
    info.page_mapped = true;
    info.page_phys = page.value().phys;
    info.page_writable = page.value().attrs.writable;
  }
  return info;
}

kstd::Result<RegionInfo> VmAspace::Query(uint64_t addr) const {
  SpinLockGuard hold(lock_);
  const VmMapping* region = regions_.Find(addr);
  if (region == nullptr) return Error::kNotFound;
  return InfoLocked(*region, addr);
}

kstd::Result<RegionInfo> VmAspace::NextRegion(uint64_t addr) const {
  SpinLockGuard hold(lock_);
  const size_t i = regions_.LowerBound(addr);
  if (i == regions_.size()) return Error::kNotFound;
  return InfoLocked(*regions_[i], regions_[i]->base);
}

void VmAspace::Destroy() {
  DeadList dead;
  {
    SpinLockGuard hold(lock_);
    if (destroyed_) return;
    destroyed_ = true;
    page_table_.Destroy();
    for (size_t i = 0; i < regions_.size(); ++i) {
      VmMapping* region = regions_[i];
      if (region->vmo) region->vmo->RemoveMapping(region);
      dead.PushBack(region);
    }
    regions_.Clear();
  }
  FreeDead(&dead);  // the last reference to a private VMO frees its pages
}

}  // namespace core::vm
