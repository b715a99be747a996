#include "core/vm/vm_object.h"

#include "core/vm/user_page_table.h"
#include "kstd/new.h"

namespace core::vm {

using kstd::Error;
using kstd::RefPtr;

namespace {

/// True if [offset, offset + size) lies inside [0, limit).
bool InBounds(uint64_t offset, uint64_t size, uint64_t limit) {
  return offset <= limit && size <= limit - offset;
}

bool PageRange(uint64_t offset, uint64_t size, uint64_t limit) {
  return size != 0 && kstd::IsAligned(offset, kPageSize) && kstd::IsAligned(size, kPageSize) &&
         InBounds(offset, size, limit);
}

/// The part of `mapping` that shows VMO bytes [offset, offset + size), as a
/// virtual range; false if they do not meet.
bool Intersect(const VmMapping& mapping, uint64_t offset, uint64_t size, uint64_t* virt,
               uint64_t* length) {
  const uint64_t first = kstd::Max(offset, mapping.vmo_offset);
  const uint64_t end = kstd::Min(offset + size, mapping.vmo_offset + mapping.size);
  if (first >= end) return false;
  *virt = mapping.base + (first - mapping.vmo_offset);
  *length = end - first;
  return true;
}

}  // namespace

VmObject::VmObject(mm::PageAllocator* pmm, uint64_t size)
    : KernelObject(ObjectType::kVmObject),
      physical_(false),
      writable_(true),
      cache_(CachePolicy::kWriteBack),
      size_(size),
      pmm_(pmm),
      pages_(size / kPageSize) {}

VmObject::VmObject(PhysAddr base, uint64_t size, bool writable, CachePolicy cache)
    : KernelObject(ObjectType::kVmObject),
      physical_(true),
      writable_(writable),
      cache_(cache),
      size_(size),
      phys_base_(base),
      pages_(1) {}

kstd::Result<RefPtr<VmObject>> VmObject::CreateAnonymous(mm::PageAllocator* pmm, uint64_t size) {
  if (pmm == nullptr || !PageRange(0, size, kMaxSize)) return Error::kInvalid;
  RefPtr<VmObject> vmo = kstd::AdoptRef(new (kstd::nothrow) VmObject(pmm, size));
  if (!vmo) return Error::kNoMemory;
  return vmo;
}

kstd::Result<RefPtr<VmObject>> VmObject::CreatePhysical(PhysAddr base, uint64_t size, bool writable,
                                                        CachePolicy cache) {
  if (!PageRange(0, size, kMaxSize) || !kstd::IsAligned(base, kPageSize) ||
      !InBounds(base, size, mm::kPhysAddrLimit)) {
    return Error::kInvalid;
  }
  RefPtr<VmObject> vmo = kstd::AdoptRef(new (kstd::nothrow) VmObject(base, size, writable, cache));
  if (!vmo) return Error::kNoMemory;
  return vmo;
}

kstd::Result<RefPtr<VmObject>> VmObject::CreateContiguousOwned(mm::PageAllocator* pmm,
                                                               PhysAddr base, uint64_t count,
                                                               RefPtr<PinnedQuota> quota) {
  if (pmm == nullptr || count == 0) return Error::kInvalid;
  RefPtr<VmObject> vmo = TRY(CreatePhysical(base, count * kPageSize, true));
  vmo->pmm_ = pmm;
  vmo->owned_run_pages_ = count;
  vmo->quota_ = kstd::Move(quota);
  return vmo;
}

VmObject::~VmObject() {
  if (owned_run_pages_ != 0) {
    (void)pmm_->FreeRun(phys_base_, owned_run_pages_);
    if (quota_) quota_->Uncharge(owned_run_pages_);
    return;
  }
  if (physical_) return;
  // No mapping can remain: each holds a reference.
  pages_.RemoveRange(0, PageTree::kMaxPages, [this](uint64_t, PhysAddr phys) {
    (void)pmm_->Unref(phys);
    return true;
  });
}

uint64_t VmObject::resident_pages() const {
  if (physical_) return size_ / kPageSize;
  SpinLockGuard guard(lock_);
  return pages_.count();
}

size_t VmObject::mapping_count() const {
  SpinLockGuard guard(lock_);
  return mappings_.size();
}

size_t VmObject::shared_writable_mapping_count() const {
  SpinLockGuard guard(lock_);
  size_t count = 0;
  mappings_.ForEach([&](VmMapping* m) {
    if (m->shared && !m->no_write) ++count;
  });
  return count;
}

kstd::Result<RefPtr<VmObject>> VmObject::CloneCow(uint64_t offset, uint64_t size) {
  if (physical_) return Error::kNotSupported;
  if (!PageRange(offset, size, size_)) return Error::kInvalid;
  RefPtr<VmObject> clone = TRY(CreateAnonymous(pmm_, size));
  const uint64_t first = offset / kPageSize;
  Error error = Error::kInvalid;
  bool failed = false;
  {
    SpinLockGuard guard(lock_);
    // The clone is not visible to anyone yet: its tree needs no lock.
    pages_.ForEach(first, first + size / kPageSize, [&](uint64_t index, PhysAddr phys) {
      kstd::Result<void> inserted = clone->pages_.Insert(index - first, phys);
      if (inserted.ok()) {
        kstd::Result<uint32_t> ref = pmm_->Ref(phys);
        if (ref.ok()) return true;
        // Not referenced: take it out again without an Unref.
        clone->pages_.RemoveRange(index - first, index - first + 1,
                                  [](uint64_t, PhysAddr) { return true; });
        error = ref.error();
      } else {
        error = inserted.error();
      }
      failed = true;
      return false;
    });
    if (!failed) WriteProtectLocked(offset, size);
  }
  if (failed) return error;  // the clone's destructor drops the references taken
  return clone;
}

kstd::Result<void> VmObject::Grow(uint64_t new_size) {
  if (physical_) return Error::kNotSupported;
  if (!PageRange(0, new_size, kMaxSize)) return Error::kInvalid;
  SpinLockGuard guard(lock_);
  if (new_size <= size_) return kstd::Ok();
  TRY(pages_.Grow(new_size / kPageSize));
  size_ = new_size;
  return kstd::Ok();
}

kstd::Result<void> VmObject::Decommit(uint64_t offset, uint64_t size) {
  if (physical_) return Error::kNotSupported;
  if (!PageRange(offset, size, size_)) return Error::kInvalid;
  SpinLockGuard guard(lock_);
  UnmapLocked(offset, size);  // translations go (and are flushed) before the pages
  const uint64_t first = offset / kPageSize;
  pages_.RemoveRange(first, first + size / kPageSize, [this](uint64_t, PhysAddr phys) {
    (void)pmm_->Unref(phys);
    return true;
  });
  return kstd::Ok();
}

kstd::Result<void> VmObject::Read(uint64_t offset, void* out, size_t len) const {
  if (physical_) return Error::kNotSupported;
  if (!InBounds(offset, len, size_)) return Error::kInvalid;
  SpinLockGuard guard(lock_);
  uint8_t* dst = static_cast<uint8_t*>(out);
  while (len > 0) {
    const uint64_t in_page = offset % kPageSize;
    const size_t chunk = static_cast<size_t>(kstd::Min<uint64_t>(len, kPageSize - in_page));
    PhysAddr phys = 0;
    if (pages_.Lookup(offset / kPageSize, &phys)) {
      __builtin_memcpy(dst, pmm_->phys_map().As<uint8_t>(phys) + in_page, chunk);
    } else {
      __builtin_memset(dst, 0, chunk);
    }
    dst += chunk;
    offset += chunk;
    len -= chunk;
  }
  return kstd::Ok();
}

kstd::Result<void> VmObject::Write(uint64_t offset, const void* data, size_t len) {
  if (physical_) return Error::kNotSupported;
  if (!InBounds(offset, len, size_)) return Error::kInvalid;
  SpinLockGuard guard(lock_);
  const uint8_t* src = static_cast<const uint8_t*>(data);
  while (len > 0) {
    const uint64_t in_page = offset % kPageSize;
    const size_t chunk = static_cast<size_t>(kstd::Min<uint64_t>(len, kPageSize - in_page));
    const PhysAddr phys = TRY(WritablePageLocked(offset / kPageSize));
    __builtin_memcpy(pmm_->phys_map().As<uint8_t>(phys) + in_page, src, chunk);
    src += chunk;
    offset += chunk;
    len -= chunk;
  }
  return kstd::Ok();
}

void VmObject::AddMapping(VmMapping* mapping) {
  SpinLockGuard guard(lock_);
  mappings_.PushBack(mapping);
}

void VmObject::RemoveMapping(VmMapping* mapping) {
  SpinLockGuard guard(lock_);
  if (MappingList::Contains(mapping)) mappings_.Remove(mapping);
}

void VmObject::UpdateMapping(VmMapping* mapping, uint64_t base, uint64_t size,
                             uint64_t vmo_offset) {
  SpinLockGuard guard(lock_);
  mapping->base = base;
  mapping->size = size;
  mapping->vmo_offset = vmo_offset;
}

void VmObject::ProtectMapping(VmMapping* mapping, Prot prot) {
  SpinLockGuard guard(lock_);
  // The new protection and the page tables change under one hold of lock_, so
  // WriteProtectLocked never skips a mapping whose pages are still writable.
  mapping->prot = prot;
  if (prot == kProtNone) {  // x86 cannot map a present page without read access
    mapping->page_table->Unmap(mapping->base, mapping->size);
    return;
  }
  const PageAttrs attrs = UserPageAttrs(prot, cache_);
  if (physical_) {
    for (uint64_t done = 0; done < mapping->size; done += kPageSize) {
      mapping->page_table->Reprotect(mapping->base + done, attrs);
    }
    return;
  }
  const uint64_t first = mapping->vmo_offset / kPageSize;
  pages_.ForEach(first, first + mapping->size / kPageSize, [&](uint64_t index, PhysAddr) {
    mapping->page_table->Reprotect(mapping->base + (index - first) * kPageSize, attrs);
    return true;
  });
}

bool VmObject::IsExclusive(PhysAddr phys) const {
  const mm::Page* page = pmm_->PageOf(phys);
  return page != nullptr && __atomic_load_n(&page->refcount, __ATOMIC_RELAXED) == 1;
}

kstd::Result<PhysAddr> VmObject::CommitZeroLocked(uint64_t index) {
  const PhysAddr phys = TRY(pmm_->AllocPage());
  __builtin_memset(pmm_->phys_map().ToVirt(phys), 0, kPageSize);
  kstd::Result<void> inserted = pages_.Insert(index, phys);
  if (inserted.is_error()) {
    (void)pmm_->FreePage(phys);
    return inserted.error();
  }
  return phys;
}

kstd::Result<PhysAddr> VmObject::WritablePageLocked(uint64_t index) {
  PhysAddr phys = 0;
  if (!pages_.Lookup(index, &phys)) return CommitZeroLocked(index);
  if (IsExclusive(phys)) return phys;
  // Shared with a clone: copy. No mapping has the old page writable (see the
  // invariant above), so it cannot change under the copy.
  const PhysAddr copy = TRY(pmm_->AllocPage());
  __builtin_memcpy(pmm_->phys_map().ToVirt(copy), pmm_->phys_map().ToVirt(phys), kPageSize);
  UnmapLocked(index * kPageSize, kPageSize);  // every mapping refaults onto the copy
  (void)pages_.Replace(index, copy);
  (void)pmm_->Unref(phys);  // after the TLB flushes in UnmapLocked
  return copy;
}

void VmObject::SetFaultLimit(uint64_t bytes) {
  SpinLockGuard guard(lock_);
  const uint64_t limit = bytes >= kMaxSize ? kNoFaultLimit : kstd::AlignUp(bytes, kPageSize);
  if (limit < size_ && limit < fault_limit_) {
    UnmapLocked(limit, (fault_limit_ < size_ ? fault_limit_ : size_) - limit);
  }
  fault_limit_ = limit;
}

bool VmObject::PastFaultLimit(uint64_t offset) const {
  SpinLockGuard guard(lock_);
  return offset >= fault_limit_;
}

kstd::Result<void> VmObject::FaultIn(const VmMapping& mapping, uint64_t virt, Access access) {
  SpinLockGuard guard(lock_);
  const uint64_t offset = mapping.vmo_offset + (virt - mapping.base);
  if (offset >= fault_limit_) return Error::kNoDeviceOrAddress;
  PageAttrs attrs = UserPageAttrs(mapping.prot, cache_);
  if (physical_) return mapping.page_table->MapPage(virt, phys_base_ + offset, attrs);
  const uint64_t index = offset / kPageSize;
  PhysAddr phys = 0;
  if (access == Access::kWrite) {
    phys = TRY(WritablePageLocked(index));
  } else if (pages_.Lookup(index, &phys)) {
    attrs.writable = attrs.writable && IsExclusive(phys);
  } else {
    phys = TRY(CommitZeroLocked(index));
  }
  return mapping.page_table->MapPage(virt, phys, attrs);
}

void VmObject::UnmapLocked(uint64_t offset, uint64_t size) {
  mappings_.ForEach([&](VmMapping* mapping) {
    uint64_t virt = 0;
    uint64_t length = 0;
    if (Intersect(*mapping, offset, size, &virt, &length)) mapping->page_table->Unmap(virt, length);
  });
}

void VmObject::WriteProtectLocked(uint64_t offset, uint64_t size) {
  mappings_.ForEach([&](VmMapping* mapping) {
    uint64_t virt = 0;
    uint64_t length = 0;
    if ((mapping->prot & kProtWrite) == 0 || !Intersect(*mapping, offset, size, &virt, &length)) {
      return;
    }
    const uint64_t first = (mapping->vmo_offset + (virt - mapping->base)) / kPageSize;
    pages_.ForEach(first, first + length / kPageSize, [&](uint64_t index, PhysAddr) {
      mapping->page_table->WriteProtect(virt + (index - first) * kPageSize);
      return true;
    });
  });
}

}  // namespace core::vm
