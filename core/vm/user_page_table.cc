#include "core/vm/user_page_table.h"

namespace core::vm {

using hal::Mapping;
using hal::MappingVisitor;

UserPageTable::UserPageTable(mm::PageAllocator* pmm, TlbHook hook)
    : tables_(pmm), table_(&tables_, hal::PhysWindow{pmm->phys_map().offset()}), hook_(hook) {}

kstd::Result<void> UserPageTable::Init(const ArchPageTable& kernel) {
  SpinLockGuard guard(lock_);
  if (root_ != 0) return kstd::Error::kBusy;
  if (kernel.root() == 0) return kstd::Error::kInvalid;
  TRY(table_.Init());
  kstd::Result<void> shared = table_.ShareKernelHalf(kernel);
  if (shared.is_error()) {
    table_.Destroy();
    return shared.error();
  }
  root_ = table_.root();
  return kstd::Ok();
}

size_t UserPageTable::table_pages() const {
  SpinLockGuard guard(lock_);
  return table_.table_pages();
}

void UserPageTable::CountRemoved(void* context, const Mapping& mapping) {
  uint64_t* resident = static_cast<uint64_t*>(context);
  __atomic_store_n(resident, *resident - mapping.size / kPageSize, __ATOMIC_RELAXED);
}

kstd::Result<void> UserPageTable::MapPage(uint64_t virt, PhysAddr phys, PageAttrs attrs) {
  SpinLockGuard guard(lock_);
  const TlbFlush flush = TRY(table_.Map(virt, phys, kPageSize, attrs, {.overwrite = true},
                                        MappingVisitor{&CountRemoved, &resident_}));
  __atomic_store_n(&resident_, resident_ + 1, __ATOMIC_RELAXED);
  Flush(flush);
  return kstd::Ok();
}

void UserPageTable::Unmap(uint64_t virt, uint64_t size) {
  SpinLockGuard guard(lock_);
  if (root_ == 0) return;
  // kNoMemory is impossible (no large pages to split) and kInvalid means
  // nothing was mapped there: either way nothing changed.
  kstd::Result<TlbFlush> flush =
      table_.Unmap(virt, size, MappingVisitor{&CountRemoved, &resident_});
  if (flush.ok()) Flush(flush.value());
}

void UserPageTable::WriteProtect(uint64_t virt) {
  SpinLockGuard guard(lock_);
  if (root_ == 0) return;
  kstd::Result<Mapping> mapping = table_.Query(virt);
  if (mapping.is_error() || !mapping.value().attrs.writable) return;
  PageAttrs attrs = mapping.value().attrs;
  attrs.writable = false;
  kstd::Result<TlbFlush> flush = table_.Protect(mapping.value().virt, kPageSize, attrs);
  if (flush.ok()) Flush(flush.value());
}

void UserPageTable::Reprotect(uint64_t virt, PageAttrs attrs) {
  SpinLockGuard guard(lock_);
  if (root_ == 0) return;
  kstd::Result<Mapping> mapping = table_.Query(virt);
  if (mapping.is_error()) return;
  attrs.writable = attrs.writable && mapping.value().attrs.writable;
  if (attrs == mapping.value().attrs) return;
  kstd::Result<TlbFlush> flush = table_.Protect(mapping.value().virt, kPageSize, attrs);
  if (flush.ok()) Flush(flush.value());
}

kstd::Result<Mapping> UserPageTable::Query(uint64_t virt) const {
  SpinLockGuard guard(lock_);
  return table_.Query(virt);
}

void UserPageTable::Destroy() {
  SpinLockGuard guard(lock_);
  if (root_ == 0) return;
  table_.Destroy();
  root_ = 0;
  __atomic_store_n(&resident_, 0, __ATOMIC_RELAXED);
}

}  // namespace core::vm
