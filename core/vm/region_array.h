#pragma once

// RegionArray: an address space's regions, sorted by base and never
// overlapping, as a growable array of pointers (regions themselves must not
// move: their VMOs link to them). Lookups are binary searches; growth is
// fallible and done up front (Reserve) so that edits cannot fail halfway.
// Not thread-safe: the aspace lock guards it.

#include <stddef.h>
#include <stdint.h>

#include "core/vm/vm_mapping.h"
#include "kstd/new.h"
#include "kstd/result.h"

namespace core::vm {

class RegionArray {
 public:
  RegionArray() = default;
  ~RegionArray() { delete[] items_; }
  RegionArray(const RegionArray&) = delete;
  RegionArray& operator=(const RegionArray&) = delete;

  size_t size() const { return size_; }
  VmMapping* operator[](size_t i) const { return items_[i]; }

  /// Index of the first region ending above `addr` (size() if none).
  size_t LowerBound(uint64_t addr) const {
    size_t low = 0;
    size_t high = size_;
    while (low < high) {
      const size_t mid = low + (high - low) / 2;
      if (items_[mid]->end() > addr) {
        high = mid;
      } else {
        low = mid + 1;
      }
    }
    return low;
  }

  /// The region containing `addr`, or nullptr.
  VmMapping* Find(uint64_t addr) const {
    const size_t i = LowerBound(addr);
    return i < size_ && items_[i]->base <= addr ? items_[i] : nullptr;
  }

  /// True if some region meets [base, end).
  bool Overlaps(uint64_t base, uint64_t end) const {
    const size_t i = LowerBound(base);
    return i < size_ && items_[i]->base < end;
  }

  /// Makes room for `extra` more regions. Errors: kNoMemory.
  kstd::Result<void> Reserve(size_t extra) {
    if (capacity_ - size_ >= extra) return kstd::Ok();
    size_t capacity = capacity_ == 0 ? 8 : capacity_;
    while (capacity - size_ < extra) capacity *= 2;
    VmMapping** items = new (kstd::nothrow) VmMapping*[capacity];
    if (items == nullptr) return kstd::Error::kNoMemory;
    for (size_t i = 0; i < size_; ++i) items[i] = items_[i];
    delete[] items_;
    items_ = items;
    capacity_ = capacity;
    return kstd::Ok();
  }

  /// Inserts a region that overlaps none; room must have been reserved.
  void Insert(VmMapping* region) {
    const size_t at = LowerBound(region->base);
    for (size_t i = size_; i > at; --i) items_[i] = items_[i - 1];
    items_[at] = region;
    ++size_;
  }

  void EraseAt(size_t at) {
    for (size_t i = at; i + 1 < size_; ++i) items_[i] = items_[i + 1];
    --size_;
  }

  void Clear() { size_ = 0; }

 private:
  VmMapping** items_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace core::vm
