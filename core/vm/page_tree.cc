#include "core/vm/page_tree.h"

#include "kstd/new.h"

namespace core::vm {

using kstd::Error;

namespace {

constexpr unsigned SlotIndex(uint64_t index, unsigned level) {
  return static_cast<unsigned>(index >> (level * PageTree::kFanoutBits)) & (PageTree::kFanout - 1);
}

}  // namespace

PageTree::PageTree(uint64_t page_count)
    : page_count_(kstd::Min(kstd::Max(page_count, uint64_t{1}), kMaxPages)),
      levels_(LevelsFor(page_count_)) {}

unsigned PageTree::LevelsFor(uint64_t page_count) {
  unsigned levels = 1;
  while (levels < kMaxLevels && (page_count - 1) >> (levels * kFanoutBits) != 0) ++levels;
  return levels;
}

kstd::Result<void> PageTree::Grow(uint64_t page_count) {
  if (page_count > kMaxPages) return Error::kInvalid;
  if (page_count <= page_count_) return kstd::Ok();
  const unsigned levels = LevelsFor(page_count);
  if (root_ != nullptr && levels > levels_) {
    // Each new level is a node whose slot 0 holds the old root: indices keep
    // their paths, with zeros in front.
    Node* fresh[kMaxLevels] = {};
    const unsigned added = levels - levels_;
    for (unsigned i = 0; i < added; ++i) {
      fresh[i] = new (kstd::nothrow) Node();
      if (fresh[i] == nullptr) {
        for (unsigned j = 0; j < i; ++j) delete fresh[j];
        return Error::kNoMemory;
      }
    }
    for (unsigned i = 0; i < added; ++i) {
      fresh[i]->slots[0] = reinterpret_cast<uint64_t>(root_);
      fresh[i]->used = 1;
      root_ = fresh[i];
    }
    node_count_ += added;
  }
  levels_ = levels;
  page_count_ = page_count;
  return kstd::Ok();
}

PageTree::~PageTree() {
  if (root_ != nullptr) FreeNode(root_, levels_ - 1);
}

void PageTree::FreeNode(Node* node, unsigned level) {
  if (level > 0) {
    for (uint64_t slot : node->slots) {
      if (slot != 0) FreeNode(reinterpret_cast<Node*>(slot), level - 1);
    }
  }
  delete node;
  --node_count_;
}

uint64_t* PageTree::LeafSlot(uint64_t index) const {
  if (index >= page_count_ || root_ == nullptr) return nullptr;
  Node* node = root_;
  for (unsigned level = levels_ - 1; level > 0; --level) {
    const uint64_t slot = node->slots[SlotIndex(index, level)];
    if (slot == 0) return nullptr;
    node = reinterpret_cast<Node*>(slot);
  }
  return &node->slots[SlotIndex(index, 0)];
}

bool PageTree::Lookup(uint64_t index, mm::PhysAddr* phys) const {
  const uint64_t* slot = LeafSlot(index);
  if (slot == nullptr || *slot == 0) return false;
  *phys = *slot & ~kPresent;
  return true;
}

kstd::Result<void> PageTree::Insert(uint64_t index, mm::PhysAddr phys) {
  if (index >= page_count_ || !kstd::IsAligned(phys, mm::kPageSize)) return Error::kInvalid;
  // Count the missing nodes on the path and allocate them all before linking
  // any, so a failure leaves the tree as it was.
  unsigned missing = 0;
  Node* node = root_;
  for (unsigned level = levels_; level-- > 0;) {
    if (node == nullptr) {
      missing = level + 1;
      break;
    }
    if (level == 0) break;
    const uint64_t slot = node->slots[SlotIndex(index, level)];
    node = slot == 0 ? nullptr : reinterpret_cast<Node*>(slot);
  }
  Node* fresh[kMaxLevels] = {};
  for (unsigned i = 0; i < missing; ++i) {
    fresh[i] = new (kstd::nothrow) Node();
    if (fresh[i] == nullptr) {
      for (unsigned j = 0; j < i; ++j) delete fresh[j];
      return Error::kNoMemory;
    }
  }
  node_count_ += missing;
  if (root_ == nullptr) root_ = fresh[--missing];
  node = root_;
  for (unsigned level = levels_ - 1; level > 0; --level) {
    uint64_t& slot = node->slots[SlotIndex(index, level)];
    if (slot == 0) {
      slot = reinterpret_cast<uint64_t>(fresh[--missing]);
      ++node->used;
    }
    node = reinterpret_cast<Node*>(slot);
  }
  uint64_t& leaf = node->slots[SlotIndex(index, 0)];
  if (leaf != 0) return Error::kExists;  // only possible with no node allocated
  leaf = phys | kPresent;
  ++node->used;
  ++count_;
  return kstd::Ok();
}

kstd::Result<mm::PhysAddr> PageTree::Replace(uint64_t index, mm::PhysAddr phys) {
  if (!kstd::IsAligned(phys, mm::kPageSize)) return Error::kInvalid;
  uint64_t* slot = LeafSlot(index);
  if (slot == nullptr || *slot == 0) return Error::kNotFound;
  const mm::PhysAddr old = *slot & ~kPresent;
  *slot = phys | kPresent;
  return old;
}

bool PageTree::Walk(uint64_t first, uint64_t end, bool remove, Visitor visitor) {
  end = kstd::Min(end, page_count_);
  if (root_ == nullptr || first >= end) return true;
  const bool finished = WalkNode(root_, levels_ - 1, 0, first, end, remove, visitor);
  if (remove && root_->used == 0) {
    delete root_;
    --node_count_;
    root_ = nullptr;
  }
  return finished;
}

bool PageTree::WalkNode(Node* node, unsigned level, uint64_t base, uint64_t first, uint64_t end,
                        bool remove, Visitor visitor) {
  const unsigned shift = level * kFanoutBits;
  for (unsigned i = first > base ? static_cast<unsigned>((first - base) >> shift) : 0; i < kFanout;
       ++i) {
    const uint64_t slot_base = base + (uint64_t{i} << shift);
    if (slot_base >= end) break;
    uint64_t& slot = node->slots[i];
    if (slot == 0) continue;
    if (level == 0) {
      const bool go_on = visitor.fn(visitor.context, slot_base, slot & ~kPresent);
      if (remove) {
        slot = 0;
        --node->used;
        --count_;
      } else if (!go_on) {
        return false;
      }
      continue;
    }
    Node* child = reinterpret_cast<Node*>(slot);
    const bool go_on = WalkNode(child, level - 1, slot_base, first, end, remove, visitor);
    if (remove && child->used == 0) {
      delete child;
      --node_count_;
      slot = 0;
      --node->used;
    }
    if (!go_on) return false;
  }
  return true;
}

}  // namespace core::vm
