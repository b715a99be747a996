#include "core/proc/pid_allocator.h"

namespace core {

bool PidAllocator::InFlightLocked(uint64_t id) const {
  for (uint64_t v : in_flight_) {
    if (v == id) return true;
  }
  return false;
}

kstd::Result<uint64_t> PidAllocator::Allocate(InUse in_use, void* context) {
  SpinLockGuard guard(lock_);
  size_t slot = kMaxInFlight;
  for (size_t i = 0; i < kMaxInFlight; ++i) {
    if (in_flight_[i] == 0) {
      slot = i;
      break;
    }
  }
  if (slot == kMaxInFlight) return kstd::Error::kAgain;
  // Linux's range: [1, max) until the cursor passed kReserved, then
  // [kReserved, max); from the cursor to the end, then from the start.
  const uint64_t low = cursor_ > kReserved ? kReserved : 1;
  uint64_t id = cursor_ < low ? low : cursor_;
  // Every id of the range is tried at most once.
  const uint64_t span = max_ - low;
  for (uint64_t tried = 0; tried < span; ++tried, ++id) {
    if (id >= max_) {
      id = low;
      wrapped_ = true;
    }
    if (InFlightLocked(id)) continue;
    if (wrapped_ && in_use(id, context)) continue;
    in_flight_[slot] = id;
    cursor_ = id + 1;
    last_ = id;
    ++given_;
    return id;
  }
  return kstd::Error::kAgain;
}

void PidAllocator::Commit(uint64_t id) {
  SpinLockGuard guard(lock_);
  for (uint64_t& v : in_flight_) {
    if (v == id) {
      v = 0;
      return;
    }
  }
}

kstd::Result<void> PidAllocator::SetMax(uint64_t max) {
  if (max < kMinMax || max > kLimit) return kstd::Error::kInvalid;
  SpinLockGuard guard(lock_);
  max_ = max;
  return kstd::Ok();
}

uint64_t PidAllocator::max() const {
  SpinLockGuard guard(lock_);
  return max_;
}

uint64_t PidAllocator::given() const {
  SpinLockGuard guard(lock_);
  return given_;
}

uint64_t PidAllocator::last() const {
  SpinLockGuard guard(lock_);
  return last_;
}

}  // namespace core
