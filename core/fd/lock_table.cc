#include "core/fd/lock_table.h"

namespace core::fd {
namespace {

bool SameFamily(LockClass a, LockClass b) {
  return (a == LockClass::kFlock) == (b == LockClass::kFlock);
}

bool Overlaps(const LockRecord* r, int64_t start, int64_t end) {
  return r->start <= end && r->end >= start;
}

// r overlaps [start, end] or touches it end to end.
bool Touches(const LockRecord* r, int64_t start, int64_t end) {
  bool before_end = end == kLockEof || r->start <= end + 1;
  return before_end && r->end >= start - 1;  // start >= 0, so start - 1 >= -1
}

}  // namespace

const LockRecord* LockTable::FindConflict(const FileKey& file, LockClass cls, const void* owner,
                                          LockType type, int64_t start, int64_t end) const {
  return locks_.FindIf([&](const LockRecord* r) {
    return r->file == file && SameFamily(r->cls, cls) && r->owner != owner &&
           (r->type == LockType::kWrite || type == LockType::kWrite) && Overlaps(r, start, end);
  });
}

void LockTable::SetRange(const FileKey& file, LockClass cls, const void* owner, int32_t pid,
                         LockType type, bool unlock, int64_t start, int64_t end, LockList& spares,
                         LockList& freed) {
  for (LockRecord* r = locks_.Front(); r != nullptr;) {
    LockRecord* next = locks_.Next(r);
    if (r->owner != owner || !(r->file == file) || !SameFamily(r->cls, cls)) {
      r = next;
      continue;
    }
    if (!unlock && r->type == type) {
      if (Touches(r, start, end)) {  // merge into the new lock
        if (r->start < start) start = r->start;
        if (r->end > end) end = r->end;
        locks_.Remove(r);
        freed.PushBack(r);
      }
    } else if (Overlaps(r, start, end)) {
      if (r->start < start && r->end > end) {  // split in two around the range
        LockRecord* tail = spares.PopFront();
        tail->file = r->file;
        tail->cls = r->cls;
        tail->type = r->type;
        tail->owner = r->owner;
        tail->pid = r->pid;
        tail->start = end + 1;
        tail->end = r->end;
        r->end = start - 1;
        locks_.PushFront(tail);  // before the cursor: not visited again
      } else if (r->start < start) {
        r->end = start - 1;
      } else if (r->end > end) {
        r->start = end + 1;
      } else {
        locks_.Remove(r);
        freed.PushBack(r);
      }
    }
    r = next;
  }
  if (unlock) return;
  LockRecord* lock = spares.PopFront();
  lock->file = file;
  lock->cls = cls;
  lock->type = type;
  lock->owner = owner;
  lock->pid = pid;
  lock->start = start;
  lock->end = end;
  locks_.PushBack(lock);
}

bool LockTable::ReleaseOwner(const void* owner, LockClass cls, const FileKey* file,
                             LockList& freed) {
  bool any = false;
  for (LockRecord* r = locks_.Front(); r != nullptr;) {
    LockRecord* next = locks_.Next(r);
    if (r->owner == owner && r->cls == cls && (file == nullptr || r->file == *file)) {
      locks_.Remove(r);
      freed.PushBack(r);
      any = true;
    }
    r = next;
  }
  return any;
}

const LockRecord* LockTable::FindOwned(const FileKey& file, LockClass cls,
                                       const void* owner) const {
  return locks_.FindIf(
      [&](const LockRecord* r) { return r->owner == owner && r->cls == cls && r->file == file; });
}

bool LockTable::WouldDeadlock(const void* owner, const void* blocker) const {
  const void* b = blocker;
  for (int i = 0; i < kMaxDeadlockSteps; ++i) {
    if (b == owner) return true;
    const LockWaiter* w = waiters_.FindIf(
        [&](const LockWaiter* x) { return x->request.cls == LockClass::kPosix && x->owner == b; });
    if (w == nullptr) return false;
    b = w->blocker;
  }
  return false;
}

}  // namespace core::fd
