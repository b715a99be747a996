#pragma once

// A doubly linked list whose links live in the elements (no allocation).
//
//   struct Thread { kstd::ListNode run_node; ... };
//   kstd::IntrusiveList<Thread, &Thread::run_node> run_queue;
//
// An element can be on one list per ListNode member. Not thread-safe: the
// owner's lock guards the list.

#include <stddef.h>
#include <stdint.h>

namespace kstd {

struct ListNode {
  ListNode* prev = nullptr;
  ListNode* next = nullptr;
  bool linked() const { return next != nullptr; }
};

template <typename T, ListNode T::*Node>
class IntrusiveList {
 public:
  IntrusiveList() { head_.prev = head_.next = &head_; }
  IntrusiveList(const IntrusiveList&) = delete;
  IntrusiveList& operator=(const IntrusiveList&) = delete;

  bool empty() const { return head_.next == &head_; }
  size_t size() const { return size_; }

  void PushBack(T* item) { InsertBefore(&head_, &(item->*Node)); }
  void PushFront(T* item) { InsertBefore(head_.next, &(item->*Node)); }

  T* Front() const { return empty() ? nullptr : FromNode(head_.next); }
  T* PopFront() {
    if (empty()) return nullptr;
    T* item = FromNode(head_.next);
    Remove(item);
    return item;
  }
  /// Unlinks `item`, which must be on this list.
  void Remove(T* item) {
    ListNode* n = &(item->*Node);
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->prev = n->next = nullptr;
    --size_;
  }
  static bool Contains(const T* item) { return (item->*Node).linked(); }
  /// The element after `item` (which is on this list), or nullptr.
  T* Next(const T* item) const {
    const ListNode* n = (item->*Node).next;
    return n == &head_ ? nullptr : FromNode(n);
  }

  /// Calls fn(T*) for each element; fn must not modify the list.
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (ListNode* n = head_.next; n != &head_; n = n->next) fn(FromNode(n));
  }
  /// The first element for which pred(T*) is true, or nullptr.
  template <typename Pred>
  T* FindIf(Pred pred) const {
    for (ListNode* n = head_.next; n != &head_; n = n->next) {
      if (pred(FromNode(n))) return FromNode(n);
    }
    return nullptr;
  }

 private:
  static T* FromNode(const ListNode* node) {
    // offsetof for a pointer-to-member: the node's offset inside T, measured
    // on a dummy (never dereferenced) aligned address.
    constexpr uintptr_t kBase = 4096;
    const T* probe = reinterpret_cast<const T*>(kBase);
    size_t offset = reinterpret_cast<uintptr_t>(&(probe->*Node)) - kBase;
    return reinterpret_cast<T*>(reinterpret_cast<uintptr_t>(node) - offset);
  }
  void InsertBefore(ListNode* where, ListNode* n) {
    n->next = where;
    n->prev = where->prev;
    where->prev->next = n;
    where->prev = n;
    ++size_;
  }

  ListNode head_;
  size_t size_ = 0;
};

}  // namespace kstd
