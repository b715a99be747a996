#pragma once

// RunQueue: the scheduling policy, kept apart from the mechanics of switching
// so it can be tested on the host. Fixed priorities 0 (lowest) .. 31
// (highest); round robin within a priority; the highest non-empty priority
// always runs first. A bitmap makes picking O(1).

#include <stdint.h>

#include "kstd/intrusive_list.h"

namespace core::sched {

inline constexpr int kPriorityCount = 32;
inline constexpr int kPriorityIdle = 0;  // only the idle thread
inline constexpr int kPriorityLow = 8;
inline constexpr int kPriorityDefault = 16;
inline constexpr int kPriorityHigh = 24;

struct RunQueueEntry {
  kstd::ListNode node;
  int priority = kPriorityDefault;
};

class RunQueue {
 public:
  /// Adds at the back of its priority's list (round robin).
  void Enqueue(RunQueueEntry* entry);
  /// Adds at the front (a thread preempted before its slice ended keeps its turn).
  void EnqueueFront(RunQueueEntry* entry);
  /// Removes and returns the first entry of the highest non-empty priority.
  RunQueueEntry* PopHighest();
  /// Removes an entry that is queued here.
  void Remove(RunQueueEntry* entry);
  /// Highest queued priority, or -1 when empty.
  int HighestPriority() const;
  bool empty() const { return bitmap_ == 0; }
  uint32_t size() const { return size_; }

 private:
  using List = kstd::IntrusiveList<RunQueueEntry, &RunQueueEntry::node>;
  List lists_[kPriorityCount];
  uint32_t bitmap_ = 0;
  uint32_t size_ = 0;
};

}  // namespace core::sched
