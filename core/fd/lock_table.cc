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

LockList& LockTable::BucketOf(const FileKey& file) {
  uint64_t h = file.dev * 0x9E3779B97F4A7C15ull ^ file.ino * 0xC2B2AE3D27D4EB4Full;
  return buckets_[(h >> 32) % kBuckets];
}

const LockList& LockTable::BucketOf(const FileKey& file) const {
  return const_cast<LockTable*>(this)->BucketOf(file);
}

void LockTable::Link(LockList& bucket, LockRecord* r, bool front) {
  if (front) {
    bucket.PushFront(r);
  } else {
    bucket.PushBack(r);
  }
  ++size_;
  posix_count_ += r->cls == LockClass::kPosix;
}

void LockTable::Unlink(LockList& bucket, LockRecord* r, LockList& freed) {
  bucket.Remove(r);
  freed.PushBack(r);
  --size_;
  posix_count_ -= r->cls == LockClass::kPosix;
}

const LockRecord* LockTable::FindConflict(const FileKey& file, LockClass cls, const void* owner,
                                          LockType type, int64_t start, int64_t end) const {
  return BucketOf(file).FindIf([&](const LockRecord* r) {
    return r->file == file && SameFamily(r->cls, cls) && r->owner != owner &&
           (r->type == LockType::kWrite || type == LockType::kWrite) && Overlaps(r, start, end);
  });
}

void LockTable::SetRange(const FileKey& file, LockClass cls, const void* owner, int32_t pid,
                         LockType type, bool unlock, int64_t start, int64_t end, LockList& spares,
                         LockList& freed) {
  LockList& bucket = BucketOf(file);
  for (LockRecord* r = bucket.Front(); r != nullptr;) {
    LockRecord* next = bucket.Next(r);
    if (r->owner != owner || !(r->file == file) || !SameFamily(r->cls, cls)) {
      r = next;
      continue;
    }
    if (!unlock && r->type == type) {
      if (Touches(r, start, end)) {  // merge into the new lock
        if (r->start < start) start = r->start;
        if (r->end > end) end = r->end;
        Unlink(bucket, r, freed);
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
        Link(bucket, tail, /*front=*/true);  // before the cursor: not visited again
      } else if (r->start < start) {
        r->end = start - 1;
      } else if (r->end > end) {
        r->start = end + 1;
      } else {
        Unlink(bucket, r, freed);
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
  Link(bucket, lock, /*front=*/false);
}

bool LockTable::ReleaseOwner(const void* owner, LockClass cls, const FileKey* file,
                             LockList& freed) {
  bool any = false;
  for (LockList& bucket : buckets_) {
    if (file != nullptr && &bucket != &BucketOf(*file)) continue;
    for (LockRecord* r = bucket.Front(); r != nullptr;) {
      LockRecord* next = bucket.Next(r);
      if (r->owner == owner && r->cls == cls && (file == nullptr || r->file == *file)) {
        Unlink(bucket, r, freed);
        any = true;
      }
      r = next;
    }
  }
  return any;
}

const LockRecord* LockTable::FindOwned(const FileKey& file, LockClass cls,
                                       const void* owner) const {
  return BucketOf(file).FindIf(
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
