#pragma once

// PageTree: the sparse set of pages an anonymous VmObject holds, a map from
// page index to physical address.
//
// A radix tree of 64-slot nodes (520 bytes each, from the kernel heap) whose
// height is fixed by the object's size: 1 level up to 64 pages, 2 up to 4096,
// ... 6 up to 2^36 pages (all of user space). Lookups, inserts and removals
// cost one node per level; memory is bounded by about one node per 64 present
// pages plus the path to them, and every allocation is fallible (kNoMemory,
// with the tree unchanged). Chosen over a sorted array because inserts stay
// O(height) and no allocation ever exceeds one node, whatever the object size.
//
// Not thread-safe: the owning VmObject's lock guards it. The tree never touches
// the pages themselves; their owner references and releases them.

#include <stddef.h>
#include <stdint.h>

#include "core/mm/phys_map.h"
#include "kstd/result.h"
#include "kstd/utility.h"

namespace core::vm {

class PageTree {
 public:
  static constexpr unsigned kFanoutBits = 6;
  static constexpr unsigned kFanout = 1u << kFanoutBits;
  static constexpr unsigned kMaxLevels = 6;
  static constexpr uint64_t kMaxPages = uint64_t{1} << (kFanoutBits * kMaxLevels);

  /// An empty tree for page indices [0, page_count); page_count is clamped to
  /// [1, kMaxPages].
  explicit PageTree(uint64_t page_count);
  /// Frees the nodes (not the pages: release them first with RemoveRange).
  ~PageTree();
  PageTree(const PageTree&) = delete;
  PageTree& operator=(const PageTree&) = delete;

  uint64_t page_count() const { return page_count_; }

  /// Widens the index range to [0, page_count) (for a VMO that grows): adds
  /// levels above the root as needed, every node allocated before any is
  /// linked. A smaller or equal count changes nothing (trees never shrink).
  /// Errors (tree unchanged): kInvalid (page_count above kMaxPages),
  /// kNoMemory.
  kstd::Result<void> Grow(uint64_t page_count);
  /// Present pages.
  uint64_t count() const { return count_; }
  /// Nodes allocated (for tests and accounting).
  size_t node_count() const { return node_count_; }

  /// The page at `index`, if present.
  bool Lookup(uint64_t index, mm::PhysAddr* phys) const;

  /// Adds `phys` (page aligned) at `index`.
  /// Errors (tree unchanged): kInvalid (index out of range or phys unaligned),
  /// kExists (index present), kNoMemory (a node could not be allocated).
  kstd::Result<void> Insert(uint64_t index, mm::PhysAddr phys);

  /// Replaces the page at present `index` with `phys`; returns the old one.
  /// Errors: kNotFound (absent), kInvalid (phys unaligned).
  kstd::Result<mm::PhysAddr> Replace(uint64_t index, mm::PhysAddr phys);

  /// Calls fn(index, phys) for each present page with first <= index < end, in
  /// index order, until fn returns false. fn must not modify the tree. Returns
  /// false if fn stopped the walk.
  template <typename Fn>
  bool ForEach(uint64_t first, uint64_t end, Fn&& fn) const {
    using F = typename kstd::RemoveReference<Fn>::Type;
    return Walk(first, end, false, Visitor{&Call<F>, Erase(&fn)});
  }

  /// Removes every present page with first <= index < end, calling fn(index,
  /// phys) for each before it goes, and frees nodes left empty.
  template <typename Fn>
  void RemoveRange(uint64_t first, uint64_t end, Fn&& fn) {
    using F = typename kstd::RemoveReference<Fn>::Type;
    (void)Walk(first, end, true, Visitor{&Call<F>, Erase(&fn)});
  }

 private:
  struct Node {
    // Interior levels: Node pointers; the leaf level: phys | kPresent.
    uint64_t slots[kFanout] = {};
    uint32_t used = 0;  // non-empty slots
  };
  static constexpr uint64_t kPresent = 1;

  struct Visitor {
    bool (*fn)(void* context, uint64_t index, mm::PhysAddr phys);
    void* context;
  };
  template <typename F>
  static void* Erase(F* fn) {
    return const_cast<void*>(static_cast<const void*>(fn));
  }
  template <typename F>
  static bool Call(void* context, uint64_t index, mm::PhysAddr phys) {
    return static_cast<bool>((*static_cast<F*>(context))(index, phys));
  }

  /// The leaf slot for `index`, or nullptr if its path is missing.
  uint64_t* LeafSlot(uint64_t index) const;
  bool Walk(uint64_t first, uint64_t end, bool remove, Visitor visitor);
  bool Walk(uint64_t first, uint64_t end, bool remove, Visitor visitor) const {
    return const_cast<PageTree*>(this)->Walk(first, end, remove, visitor);
  }
  bool WalkNode(Node* node, unsigned level, uint64_t base, uint64_t first, uint64_t end,
                bool remove, Visitor visitor);
  void FreeNode(Node* node, unsigned level);

  static unsigned LevelsFor(uint64_t page_count);

  uint64_t page_count_;
  unsigned levels_;
  Node* root_ = nullptr;
  uint64_t count_ = 0;
  size_t node_count_ = 0;
};

}  // namespace core::vm
