#include "core/fd/lease.h"

#include "core/fd/file.h"
#include "core/sync/spin_lock.h"
#include "core/vfs/vnode.h"
#include "kstd/intrusive_list.h"
#include "kstd/new.h"

namespace core::fd {
namespace {

struct Lease {
  kstd::ListNode node;
  FileKey file;
  FileDescription* owner = nullptr;  // the holder (not referenced: it releases us)
  int32_t pid = 0;
  int fd = -1;
  int type = kLeaseRead;
  bool breaking = false;
  int target = kLeaseRead;  // while breaking: kLeaseRead or kLeaseNone
  uint64_t deadline = 0;    // while breaking: when the kernel takes over
};

using LeaseList = kstd::IntrusiveList<Lease, &Lease::node>;

SpinLock g_lock;
LeaseList g_leases GUARDED_BY(g_lock);
size_t g_count GUARDED_BY(g_lock) = 0;
uint64_t g_generation = 0;    // atomic
int64_t g_break_time = 45;    // atomic: seconds
void (*g_waker)() = nullptr;  // atomic
uint64_t g_any = 0;           // atomic: g_count mirrored for lock-free checks

void ChangedLocked() REQUIRES(g_lock) {
  __atomic_add_fetch(&g_generation, 1, __ATOMIC_SEQ_CST);
  __atomic_store_n(&g_any, g_count, __ATOMIC_RELAXED);
}

void Wake() {
  void (*wake)() = __atomic_load_n(&g_waker, __ATOMIC_ACQUIRE);
  if (wake != nullptr) wake();
}

Lease* FindLocked(const void* owner) REQUIRES(g_lock) {
  return g_leases.FindIf([owner](Lease* l) { return l->owner == owner; });
}

void RemoveLocked(Lease* l, LeaseList* dead) REQUIRES(g_lock) {
  g_leases.Remove(l);
  --g_count;
  dead->PushBack(l);
}

void FreeAll(LeaseList* dead) {
  while (Lease* l = dead->PopFront()) delete l;
}

}  // namespace

FileKey LeaseKeyOf(const vfs::Vnode& v) {
  return FileKey{v.fs() != nullptr ? v.fs()->device() : 0, v.ino()};
}

kstd::Result<void> SetLease(FileDescription* file, const vfs::Vnode& v, int type, int32_t pid,
                            int fd) {
  if (type != kLeaseRead && type != kLeaseWrite && type != kLeaseNone) {
    return kstd::Error::kInvalid;
  }
  if (v.type() != vfs::VnodeType::kRegular) return kstd::Error::kInvalid;
  LeaseList dead;
  if (type == kLeaseNone) {
    {
      SpinLockGuard guard(g_lock);
      Lease* mine = FindLocked(file);
      if (mine == nullptr) return kstd::Error::kAgain;
      RemoveLocked(mine, &dead);
      ChangedLocked();
    }
    FreeAll(&dead);
    Wake();
    return kstd::Ok();
  }
  // Linux's check_conflicting_open: the opens besides the caller's own.
  const uint64_t writers = v.open_writers();
  const uint64_t readers = v.open_readers();
  if (type == kLeaseRead && writers != 0) return kstd::Error::kAgain;
  if (type == kLeaseWrite) {
    const uint64_t self_writers = file->writable() ? 1 : 0;
    const uint64_t self_readers = file->writable() ? 0 : 1;
    if (writers != self_writers || readers != self_readers) return kstd::Error::kAgain;
  }
  const FileKey key = LeaseKeyOf(v);
  Lease* fresh = new (kstd::nothrow) Lease();
  if (fresh == nullptr) return kstd::Error::kNoMemory;
  kstd::Result<void> result = kstd::Ok();
  {
    SpinLockGuard guard(g_lock);
    Lease* mine = nullptr;
    bool conflict = false;
    g_leases.ForEach([&](Lease* l) {
      if (!(l->file == key)) return;
      if (l->owner == file) {
        mine = l;
        return;
      }
      // No write lease beside another lease; no new lease while one is
      // being broken for a writer.
      if (type == kLeaseWrite || (l->breaking && l->target == kLeaseNone)) conflict = true;
    });
    if (conflict) {
      result = kstd::Error::kAgain;
    } else if (mine != nullptr) {
      mine->type = type;
      // Downgrading to read completes a break to read; nothing else does.
      if (mine->breaking && type == kLeaseRead && mine->target == kLeaseRead) {
        mine->breaking = false;
      }
      mine->pid = pid;
      mine->fd = fd;
      ChangedLocked();
    } else if (g_count >= kMaxLeases) {
      result = kstd::Error::kNoLocks;
    } else {
      fresh->file = key;
      fresh->owner = file;
      fresh->pid = pid;
      fresh->fd = fd;
      fresh->type = type;
      g_leases.PushBack(fresh);
      ++g_count;
      fresh = nullptr;
      ChangedLocked();
    }
  }
  delete fresh;
  if (result.ok()) Wake();
  return result;
}

int GetLease(const FileDescription* file) {
  SpinLockGuard guard(g_lock);
  const Lease* mine = FindLocked(file);
  if (mine == nullptr) return kLeaseNone;
  return mine->breaking ? mine->target : mine->type;
}

bool BreakLeasesStep(FileKey key, bool want_write, uint64_t now, uint64_t* deadline) {
  LeaseList dead;
  bool clear = true;
  bool changed = false;
  const int64_t seconds = LeaseBreakTime();
  const uint64_t break_ns = seconds <= 0 ? 0 : static_cast<uint64_t>(seconds) * 1000000000ull;
  {
    SpinLockGuard guard(g_lock);
    // Breaks that ran out of time: the kernel completes them.
    for (Lease* l = g_leases.Front(); l != nullptr;) {
      Lease* next = g_leases.Next(l);
      if (l->breaking && l->deadline <= now) {
        if (l->target == kLeaseNone) {
          RemoveLocked(l, &dead);
        } else {
          l->type = kLeaseRead;
          l->breaking = false;
        }
        changed = true;
      }
      l = next;
    }
    uint64_t earliest = 0;
    g_leases.ForEach([&](Lease* l) {
      if (!(l->file == key)) return;
      if (!want_write && l->type != kLeaseWrite) return;
      const int target = want_write ? kLeaseNone : kLeaseRead;
      if (!l->breaking || (target == kLeaseNone && l->target != kLeaseNone)) {
        if (!l->breaking) l->deadline = now + break_ns;
        l->breaking = true;
        l->target = target;
        l->owner->SignalLeaseBreak(l->fd);
        changed = true;
      }
      clear = false;
      if (earliest == 0 || l->deadline < earliest) earliest = l->deadline;
    });
    if (changed) ChangedLocked();
    *deadline = earliest;
  }
  FreeAll(&dead);
  if (changed) Wake();
  return clear;
}

void ReleaseLeases(const void* description) {
  if (!AnyLeases()) return;
  LeaseList dead;
  {
    SpinLockGuard guard(g_lock);
    Lease* mine = FindLocked(description);
    if (mine == nullptr) return;
    RemoveLocked(mine, &dead);
    ChangedLocked();
  }
  FreeAll(&dead);
  Wake();
}

bool AnyLeases() { return __atomic_load_n(&g_any, __ATOMIC_RELAXED) != 0; }

int64_t LeaseBreakTime() { return __atomic_load_n(&g_break_time, __ATOMIC_RELAXED); }
void SetLeaseBreakTime(int64_t seconds) {
  __atomic_store_n(&g_break_time, seconds, __ATOMIC_RELAXED);
}

uint64_t LeaseGeneration() { return __atomic_load_n(&g_generation, __ATOMIC_SEQ_CST); }
void SetLeaseWaker(void (*wake)()) { __atomic_store_n(&g_waker, wake, __ATOMIC_RELEASE); }

size_t SnapshotLeases(LockInfo* out, size_t max) {
  SpinLockGuard guard(g_lock);
  size_t n = 0;
  g_leases.ForEach([&](Lease* l) {
    if (n == max) return;
    LockInfo info;
    info.file = l->file;
    info.cls = LockClass::kFlock;  // whole file
    info.pid = l->pid;
    info.start = 0;
    info.end = kLockEof;
    info.lease = true;
    info.breaking = l->breaking;
    const int shown = l->breaking ? l->target : l->type;
    info.type = shown == kLeaseWrite ? LockType::kWrite : LockType::kRead;
    info.unlock_target = shown == kLeaseNone;
    out[n++] = info;
  });
  return n;
}

}  // namespace core::fd
