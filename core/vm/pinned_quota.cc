#include "core/vm/pinned_quota.h"

#include "abi/tessera/native.h"

namespace core::vm {
namespace {

// Adds `pages` to `*counter` unless the sum would pass `limit`.
bool TryAdd(uint64_t* counter, uint64_t pages, uint64_t limit) {
  uint64_t now = __atomic_load_n(counter, __ATOMIC_RELAXED);
  do {
    if (pages > limit || now > limit - pages) return false;
  } while (!__atomic_compare_exchange_n(counter, &now, now + pages, true, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED));
  return true;
}

}  // namespace

bool PinnedPool::TryCharge(uint64_t pages) {
  if (TryAdd(&pages_, pages, limit_)) return true;
  __atomic_fetch_add(&refused_, 1, __ATOMIC_RELAXED);
  return false;
}

void PinnedPool::Uncharge(uint64_t pages) { __atomic_fetch_sub(&pages_, pages, __ATOMIC_RELAXED); }

namespace {
constinit PinnedPool g_system_pool(tessera::kPinnedSystemLimitBytes / 4096);
}  // namespace

PinnedPool& SystemPinnedPool() { return g_system_pool; }

kstd::Result<kstd::RefPtr<PinnedQuota>> PinnedQuota::Create(PinnedPool* pool,
                                                            uint64_t limit_pages) {
  kstd::RefPtr<PinnedQuota> q = kstd::AdoptRef(new (kstd::nothrow) PinnedQuota(pool, limit_pages));
  if (!q) return kstd::Error::kNoMemory;
  return q;
}

kstd::Result<void> PinnedQuota::Charge(uint64_t pages) {
  if (!TryAdd(&pages_, pages, limit_)) {
    __atomic_fetch_add(&refused_, 1, __ATOMIC_RELAXED);
    return kstd::Error::kNoMemory;
  }
  if (!pool_->TryCharge(pages)) {
    __atomic_fetch_sub(&pages_, pages, __ATOMIC_RELAXED);
    __atomic_fetch_add(&refused_, 1, __ATOMIC_RELAXED);
    return kstd::Error::kNoMemory;
  }
  return kstd::Ok();
}

void PinnedQuota::Uncharge(uint64_t pages) {
  pool_->Uncharge(pages);
  __atomic_fetch_sub(&pages_, pages, __ATOMIC_RELAXED);
}

}  // namespace core::vm
