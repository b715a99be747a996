#include "core/sched/run_queue.h"

namespace core::sched {

void RunQueue::Enqueue(RunQueueEntry* entry) {
  lists_[entry->priority].PushBack(entry);
  bitmap_ |= 1u << entry->priority;
  ++size_;
}

void RunQueue::EnqueueFront(RunQueueEntry* entry) {
  lists_[entry->priority].PushFront(entry);
  bitmap_ |= 1u << entry->priority;
  ++size_;
}

int RunQueue::HighestPriority() const { return bitmap_ == 0 ? -1 : 31 - __builtin_clz(bitmap_); }

RunQueueEntry* RunQueue::PopHighest() {
  int p = HighestPriority();
  if (p < 0) return nullptr;
  RunQueueEntry* e = lists_[p].PopFront();
  if (lists_[p].empty()) bitmap_ &= ~(1u << p);
  --size_;
  return e;
}

void RunQueue::Remove(RunQueueEntry* entry) {
  int p = entry->priority;
  lists_[p].Remove(entry);
  if (lists_[p].empty()) bitmap_ &= ~(1u << p);
  --size_;
}

}  // namespace core::sched
