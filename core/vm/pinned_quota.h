#pragma once

// Pinned memory budgets. Physically contiguous memory objects made for user
// space (DMA buffers, VmoCreateContiguous) can never be paged or moved, so
// they are charged against two limits: a per-process PinnedQuota and the
// system-wide PinnedPool it draws from. A charge that would pass either limit
// is refused (and counted) instead of letting one process pin the machine's
// memory. The charge travels with the memory object, which gives it back when
// it goes, even after the charged process has ended.
//
// Lock-free: the counters are atomics, a charge is a compare-and-swap on the
// pool and then on the quota (undone on the pool if the quota refuses).

#include <stdint.h>

#include "kstd/new.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::vm {

/// The system's pinned pages: how many user-space pinned pages may exist.
class PinnedPool {
 public:
  explicit constexpr PinnedPool(uint64_t limit_pages) : limit_(limit_pages) {}
  PinnedPool(const PinnedPool&) = delete;
  PinnedPool& operator=(const PinnedPool&) = delete;

  /// Takes `pages` if the total stays within the limit. False (counted in
  /// refused()) otherwise.
  bool TryCharge(uint64_t pages);
  /// Gives back pages taken by TryCharge.
  void Uncharge(uint64_t pages);

  uint64_t limit() const { return limit_; }
  uint64_t pages() const { return __atomic_load_n(&pages_, __ATOMIC_RELAXED); }
  uint64_t refused() const { return __atomic_load_n(&refused_, __ATOMIC_RELAXED); }

 private:
  const uint64_t limit_;
  uint64_t pages_ = 0;    // atomic
  uint64_t refused_ = 0;  // atomic
};

/// The kernel's pool (limit: tessera::kPinnedSystemLimitBytes).
PinnedPool& SystemPinnedPool();

/// One process's pinned pages. Reference counted: the process and every
/// memory object charged to it hold a reference.
class PinnedQuota final : public kstd::RefCounted<PinnedQuota> {
 public:
  /// A quota of `limit_pages` drawing from `pool` (which outlives it).
  /// Errors: kNoMemory.
  static kstd::Result<kstd::RefPtr<PinnedQuota>> Create(PinnedPool* pool, uint64_t limit_pages);

  /// Charges `pages` to this quota and its pool. Errors: kNoMemory (this
  /// quota's limit or the pool's would be passed; counted in refused()).
  [[nodiscard]] kstd::Result<void> Charge(uint64_t pages);
  /// Gives back pages of a successful Charge.
  void Uncharge(uint64_t pages);

  uint64_t limit() const { return limit_; }
  uint64_t pages() const { return __atomic_load_n(&pages_, __ATOMIC_RELAXED); }
  /// Charges refused because of either limit.
  uint64_t refused() const { return __atomic_load_n(&refused_, __ATOMIC_RELAXED); }

 private:
  PinnedQuota(PinnedPool* pool, uint64_t limit_pages) : pool_(pool), limit_(limit_pages) {}

  PinnedPool* const pool_;
  const uint64_t limit_;
  uint64_t pages_ = 0;    // atomic
  uint64_t refused_ = 0;  // atomic
};

}  // namespace core::vm
