#pragma once

// EventCounter: the state of an eventfd (Linux's eventfd_ctx count) as pure
// logic, no locks: the caller (EventFd) holds its lock around every call.
//
// A read takes the whole count (or 1 with EFD_SEMAPHORE) and fails with
// kAgain while it is 0; a write adds and fails with kAgain when the sum
// would pass kMax (0xfffffffffffffffe); writing 0xffffffffffffffff is
// kInvalid. Readable while count > 0, writable while at least 1 more fits.
// The count never reaches 0xffffffffffffffff, so POLLERR never shows.

#include <stdint.h>

#include "kstd/result.h"

namespace core::events {

class EventCounter {
 public:
  static constexpr uint64_t kMax = 0xfffffffffffffffeULL;

  EventCounter(uint64_t initial, bool semaphore) : count_(initial), semaphore_(semaphore) {}

  /// read(2). Errors: kAgain (the count is 0).
  kstd::Result<uint64_t> Take() {
    if (count_ == 0) return kstd::Error::kAgain;
    uint64_t v = semaphore_ ? 1 : count_;
    count_ -= v;
    return v;
  }

  /// write(2). Errors: kInvalid (value is 0xffffffffffffffff), kAgain (the
  /// sum would pass kMax: the writer waits for a read).
  kstd::Result<void> Add(uint64_t value) {
    if (value == ~0ULL) return kstd::Error::kInvalid;
    if (value > kMax - count_) return kstd::Error::kAgain;
    count_ += value;
    return kstd::Ok();
  }

  bool readable() const { return count_ > 0; }
  bool writable() const { return count_ < kMax; }
  uint64_t count() const { return count_; }

 private:
  uint64_t count_;
  bool semaphore_;
};

}  // namespace core::events
