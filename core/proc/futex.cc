#include "core/proc/futex.h"

#include "abi/linux/futex.h"
#include "core/proc/linux_thread.h"
#include "core/proc/process.h"
#include "core/sched/scheduler.h"
#include "core/user/user_ptr.h"
#include "core/vm/vm_aspace.h"

namespace core {
namespace {

constexpr size_t kBuckets = 64;

struct Bucket {
  sched::WaitQueue queue;
  uint64_t generation = 0;
};
Bucket g_buckets[kBuckets];

Bucket& BucketFor(uint64_t space, uint64_t address) {
  uint64_t h = space ^ (address * 0x9E3779B97F4A7C15ULL);
  return g_buckets[(h >> 32) % kBuckets];
}

// The wait queue for a futex word (see the file comment for the keys).
Bucket& BucketForFutex(uint64_t address, bool is_private) {
  vm::VmAspace* aspace = sched::Current()->process()->aspace();
  if (!is_private) {
    auto region = aspace->Query(address);
    if (region.ok() && region.value().shared && region.value().vmo_koid != 0) {
      const vm::RegionInfo& r = region.value();
      // Koids are never reused, and never collide with kernel addresses.
      return BucketFor(r.vmo_koid, r.vmo_offset + (address - r.base));
    }
  }
  return BucketFor(reinterpret_cast<uint64_t>(aspace), address);
}

struct Unchanged {
  Bucket* bucket;
  uint64_t generation;
};

bool NoWakeSince(void* c) {
  auto* u = static_cast<Unchanged*>(c);
  return __atomic_load_n(&u->bucket->generation, __ATOMIC_ACQUIRE) == u->generation;
}

// The robust-futex word bits (Linux uapi futex.h).

// One lock the dying owner held: mark it OWNER_DIED (keeping WAITERS) and
// wake a waiter, as Linux's handle_futex_death does. Bad memory is skipped.
void ReleaseOne(uint64_t entry, int64_t offset, uint32_t tid) {
  uint64_t word_address = (entry & ~uint64_t{1}) + static_cast<uint64_t>(offset);
  if ((word_address & 3) != 0) return;
  UserPtr<uint32_t> word(word_address);
  uint32_t value;
  if (word.CopyIn(&value).is_error() || (value & linux_abi::kFutexTidMask) != tid) return;
  uint32_t died = (value & linux_abi::kFutexWaiters) | linux_abi::kFutexOwnerDied;
  if (word.CopyOut(&died).is_error()) return;
  if (value & linux_abi::kFutexWaiters) FutexWakeShared(word_address);
}

}  // namespace

kstd::Result<void> FutexWait(uint64_t address, bool is_private, uint32_t expected,
                             uint64_t deadline) {
  Bucket& bucket = BucketForFutex(address, is_private);
  Unchanged condition{&bucket, __atomic_load_n(&bucket.generation, __ATOMIC_ACQUIRE)};
  uint32_t current;
  TRY(UserPtr<uint32_t>(address).CopyIn(&current));
  if (current != expected) return kstd::Error::kAgain;
  sched::WakeReason why = bucket.queue.WaitIf(deadline, NoWakeSince, &condition);
  if (why == sched::WakeReason::kInterrupted) return kstd::Error::kInterrupted;
  if (why == sched::WakeReason::kTimedOut) return kstd::Error::kTimedOut;
  return kstd::Ok();
}

int64_t FutexWake(uint64_t address, bool is_private, int64_t max) {
  Bucket& bucket = BucketForFutex(address, is_private);
  __atomic_fetch_add(&bucket.generation, 1, __ATOMIC_ACQ_REL);
  int64_t woken = bucket.queue.WakeAll();
  return woken < max ? woken : max;
}

void FutexWakeShared(uint64_t address) {
  Bucket& bucket = BucketForFutex(address, /*is_private=*/false);
  __atomic_fetch_add(&bucket.generation, 1, __ATOMIC_ACQ_REL);
  bucket.queue.WakeAll();
}

void ClearChildTid(sched::Thread* t) {
  uint64_t address = LinuxOf(t).clear_child_tid;
  LinuxOf(t).clear_child_tid = 0;
  if (address == 0 || (address & 3) != 0) return;
  uint32_t zero = 0;
  if (UserPtr<uint32_t>(address).CopyOut(&zero).is_error()) return;
  // Waking every waiter of the bucket is allowed: futex waiters re-check.
  FutexWakeShared(address);
}

void ReleaseRobustFutexes(sched::Thread* t) {
  uint64_t head_address = LinuxOf(t).robust_list;
  if (head_address == 0) return;
  LinuxOf(t).robust_list = 0;
  linux_abi::RobustListHead head;
  if (UserPtr<linux_abi::RobustListHead>(head_address).CopyIn(&head).is_error()) return;
  // The owner word holds the tid as the owner saw it: its own PID
  // namespace's number (gettid, clone's CLONE_PARENT_SETTID).
  uint64_t kernel_tid = LinuxOf(t).tid;
  Process* owner = t->process();
  uint32_t tid = static_cast<uint32_t>(
      owner != nullptr ? owner->pid_namespace()->ToLocal(kernel_tid) : kernel_tid);
  uint64_t entry = head.next;
  for (int i = 0; i < linux_abi::kRobustListLimit && entry != head_address && entry != 0; ++i) {
    uint64_t next;
    if (UserPtr<uint64_t>(entry & ~uint64_t{1}).CopyIn(&next).is_error()) break;
    // A lock being taken or released right now is handled once, below.
    if (entry != head.list_op_pending) ReleaseOne(entry, head.futex_offset, tid);
    entry = next;
  }
  if (head.list_op_pending != 0) ReleaseOne(head.list_op_pending, head.futex_offset, tid);
}

}  // namespace core
