#include "core/fd/file_lock.h"

#include "core/fd/file.h"
#include "core/sync/spin_lock.h"
#include "core/sync/thread_annotations.h"
#include "core/vfs/vnode.h"
#include "kstd/new.h"

namespace core::fd {
namespace {

SpinLock g_lock;
LockTable g_table GUARDED_BY(g_lock);
// Every lock change bumps it (atomic; written under g_lock).
uint64_t g_generation = 0;
// POSIX locks, and OFD + flock locks, held anywhere (atomic): closes and
// releases skip the lock while they are 0.
uint64_t g_posix_count = 0;
uint64_t g_description_count = 0;
void (*g_waker)() = nullptr;  // atomic

// Records allocated before the lock and freed after it.
struct Scratch {
  LockList spares;
  LockList freed;
  ~Scratch() {
    while (LockRecord* r = spares.PopFront()) delete r;
    while (LockRecord* r = freed.PopFront()) delete r;
  }
  bool Fill() {
    while (spares.size() < LockTable::kSparesPerSet) {
      LockRecord* r = new (kstd::nothrow) LockRecord;
      if (r == nullptr) return false;
      spares.PushBack(r);
    }
    return true;
  }
};

// After a change under g_lock: the counts are redone, waiters try again.
void ChangedLocked() REQUIRES(g_lock) {
  uint64_t posix = g_table.posix_count();
  __atomic_store_n(&g_posix_count, posix, __ATOMIC_RELEASE);
  __atomic_store_n(&g_description_count, g_table.size() - posix, __ATOMIC_RELEASE);
  __atomic_fetch_add(&g_generation, 1, __ATOMIC_RELEASE);
}

template <typename T>
LockView ViewOf(const T& lock) {
  LockView view;
  view.file = lock.file;
  view.cls = lock.cls;
  view.type = lock.type;
  view.pid = lock.pid;
  view.start = lock.start;
  view.end = lock.end;
  return view;
}

LockInfo InfoOf(const LockRecord* r) {
  LockInfo info;
  static_cast<LockView&>(info) = ViewOf(*r);
  return info;
}

void Wake() {
  void (*wake)() = __atomic_load_n(&g_waker, __ATOMIC_ACQUIRE);
  if (wake != nullptr) wake();
}

}  // namespace

kstd::Result<void> TrySetLock(const LockRequest& request, LockWaiter* waiter,
                              uint64_t* generation) {
  Scratch scratch;
  if (!scratch.Fill()) return kstd::Error::kNoMemory;
  bool changed = false;
  kstd::Result<void> result = kstd::Ok();
  {
    SpinLockGuard guard(g_lock);
    if (request.cls == LockClass::kFlock) {
      // Conversion drops the old lock first; an identical one stays.
      const LockRecord* held = g_table.FindOwned(request.file, request.cls, request.owner);
      if (held != nullptr && !request.unlock && held->type == request.type) return kstd::Ok();
      if (held != nullptr) {
        changed = g_table.ReleaseOwner(request.owner, request.cls, &request.file, scratch.freed);
      }
    }
    const LockRecord* conflict =
        request.unlock ? nullptr
                       : g_table.FindConflict(request.file, request.cls, request.owner,
                                              request.type, request.start, request.end);
    if (!request.unlock && g_table.size() >= kMaxFileLocks) {
      result = kstd::Error::kNoLocks;
    } else if (conflict == nullptr) {
      g_table.SetRange(request.file, request.cls, request.owner, request.pid, request.type,
                       request.unlock, request.start, request.end, scratch.spares, scratch.freed);
      changed = true;
    } else if (waiter == nullptr) {
      result = kstd::Error::kAgain;
    } else if (request.cls == LockClass::kPosix &&
               g_table.WouldDeadlock(request.owner, conflict->owner)) {
      result = kstd::Error::kDeadlock;
    } else {
      waiter->owner = request.owner;
      waiter->blocker = conflict->owner;
      waiter->request = ViewOf(request);
      g_table.AddWaiter(waiter);
      result = kstd::Error::kAgain;
    }
    if (changed) ChangedLocked();
    if (generation != nullptr) *generation = __atomic_load_n(&g_generation, __ATOMIC_ACQUIRE);
  }
  if (changed) Wake();
  return result;
}

void RemoveLockWaiter(LockWaiter* waiter) {
  SpinLockGuard guard(g_lock);
  g_table.RemoveWaiter(waiter);
}

bool TestLock(const LockRequest& request, LockInfo* conflict) {
  SpinLockGuard guard(g_lock);
  const LockRecord* r = g_table.FindConflict(request.file, request.cls, request.owner, request.type,
                                             request.start, request.end);
  if (r == nullptr) return false;
  *conflict = InfoOf(r);
  return true;
}

namespace {

void Release(const void* owner, LockClass cls, const FileKey* file, Scratch& scratch) {
  bool changed;
  {
    SpinLockGuard guard(g_lock);
    changed = g_table.ReleaseOwner(owner, cls, file, scratch.freed);
    if (changed) ChangedLocked();
  }
  if (changed) Wake();
}

}  // namespace

void ReleasePosixLocks(const void* owner, FileDescription* file) {
  if (__atomic_load_n(&g_posix_count, __ATOMIC_ACQUIRE) == 0) return;
  auto key = LockKeyOf(file);
  if (key.is_error()) return;
  Scratch scratch;
  Release(owner, LockClass::kPosix, &key.value(), scratch);
}

void ReleaseAllPosixLocks(const void* owner) {
  if (__atomic_load_n(&g_posix_count, __ATOMIC_ACQUIRE) == 0) return;
  Scratch scratch;
  Release(owner, LockClass::kPosix, nullptr, scratch);
}

void ReleaseDescriptionLocks(const void* description) {
  if (__atomic_load_n(&g_description_count, __ATOMIC_ACQUIRE) == 0) return;
  Scratch scratch;
  Release(description, LockClass::kOfd, nullptr, scratch);
  Release(description, LockClass::kFlock, nullptr, scratch);
}

kstd::Result<FileKey> LockKeyOf(FileDescription* file) {
  vfs::Vnode* vnode = file->vnode();
  if (vnode == nullptr) return kstd::Error::kInvalid;
  FileKey key;
  key.dev = vnode->fs() != nullptr ? vnode->fs()->device() : 0;
  key.ino = vnode->ino();
  return key;
}

uint64_t LockGeneration() { return __atomic_load_n(&g_generation, __ATOMIC_ACQUIRE); }

void SetLockWaker(void (*wake)()) { __atomic_store_n(&g_waker, wake, __ATOMIC_RELEASE); }

size_t SnapshotLocks(LockInfo* out, size_t max) {
  SpinLockGuard guard(g_lock);
  const LockTable* table = &g_table;  // the lambdas below run under g_lock
  // Each waiter is listed after the first lock in its way (as it would find
  // it again now).
  table->ForEachWaiter([&](const LockWaiter* w) {
    const LockView& q = w->request;
    w->listed_after = table->FindConflict(q.file, q.cls, w->owner, q.type, q.start, q.end);
  });
  size_t n = 0;
  table->ForEach([&](const LockRecord* r) {
    if (n < max) out[n++] = InfoOf(r);
    table->ForEachWaiter([&](const LockWaiter* w) {
      if (n == max || w->listed_after != r) return;
      LockInfo info;
      static_cast<LockView&>(info) = w->request;
      info.waiting = true;
      out[n++] = info;
    });
  });
  return n;
}

}  // namespace core::fd
