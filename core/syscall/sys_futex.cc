// futex(2): FUTEX_WAIT, FUTEX_WAKE, with an optional timeout for WAIT. The
// key of a private futex (FUTEX_PRIVATE_FLAG) is the caller's address space
// and the address; a shared one in a MAP_SHARED mapping is keyed by the
// memory object and the offset in it, so processes that map the same memory
// at different addresses meet (process-shared mutexes and semaphores). Waiters sleep on one of a fixed set of wait queues
// (hashed by key); a wake bumps the bucket's generation and wakes the
// bucket, so a waiter that checked the value just before can never miss it
// (it re-checks the generation under the scheduler lock). Woken threads whose
// word did not change simply wait again (futex allows spurious wake-ups).

#include "abi/linux/futex.h"
#include "abi/linux/time.h"
#include "core/syscall/refusals.h"
#include "core/syscall/sys_common.h"
#include "core/vm/vm_aspace.h"
#include "hal/timer.h"

namespace core::syscall {
namespace {

constexpr int32_t kFutexCmdMask = ~(linux_abi::kFutexPrivate | linux_abi::kFutexClockRealtime);

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
  vm::VmAspace* aspace = CurrentProcess()->aspace();
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

}  // namespace

int64_t SysLinuxFutex(UserPtr<uint32_t> uaddr, int32_t op, uint32_t val,
                      UserPtr<const linux_abi::Timespec> timeout, uint64_t uaddr2, uint32_t val3) {
  (void)uaddr2;
  if ((uaddr.address() & 3) != 0) return Errno(kstd::Error::kInvalid);
  Bucket& bucket = BucketForFutex(uaddr.address(), (op & linux_abi::kFutexPrivate) != 0);
  int32_t cmd = op & kFutexCmdMask;
  if ((cmd == linux_abi::kFutexWaitBitset || cmd == linux_abi::kFutexWakeBitset) &&
      val3 != 0xFFFFFFFFu) {
    return Refuse("futex", "bitset", val3);  // only the match-any bitset is supported
  }
  switch (cmd) {
    case linux_abi::kFutexWait:
    case linux_abi::kFutexWaitBitset: {
      uint64_t deadline = sched::kNoDeadline;
      if (timeout.address() != 0) {
        linux_abi::Timespec ts;
        if (timeout.CopyIn(&ts).is_error()) return Errno(kstd::Error::kFault);
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1'000'000'000) return Errno(kstd::Error::kInvalid);
        uint64_t ns = static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
        // FUTEX_WAIT takes a relative timeout; FUTEX_WAIT_BITSET an absolute one.
        deadline =
            cmd == linux_abi::kFutexWait ? sched::DeadlineAfterNanos(ns) : (ns == 0 ? 1 : ns);
      }
      Unchanged condition{&bucket, __atomic_load_n(&bucket.generation, __ATOMIC_ACQUIRE)};
      uint32_t current;
      if (uaddr.CopyIn(&current).is_error()) return Errno(kstd::Error::kFault);
      if (current != val) return Errno(kstd::Error::kAgain);
      sched::WakeReason why = bucket.queue.WaitIf(deadline, NoWakeSince, &condition);
      // A signal: as Linux, restarted under SA_RESTART or when no handler
      // runs (a stop and continue) without a timeout; with one, restarted
      // only when no handler runs (with the full relative timeout again, as
      // nanosleep here).
      if (why == sched::WakeReason::kInterrupted) {
        return Errno(deadline == sched::kNoDeadline ? kstd::Error::kRestartSys : kstd::Error::kRestartNoHand);
      }
      if (why == sched::WakeReason::kTimedOut) return Errno(kstd::Error::kTimedOut);
      return 0;
    }
    case linux_abi::kFutexWake:
    case linux_abi::kFutexWakeBitset: {
      __atomic_fetch_add(&bucket.generation, 1, __ATOMIC_ACQ_REL);
      int woken = bucket.queue.WakeAll();
      return woken < static_cast<int64_t>(val) ? woken : static_cast<int64_t>(val);
    }
    default:
      return Refuse("futex", "op", static_cast<uint32_t>(cmd), kstd::Error::kNotSupported);
  }
}

}  // namespace core::syscall

namespace core::syscall {

void FutexWakeShared(uint64_t address) {
  Bucket& bucket = BucketForFutex(address, /*is_private=*/false);
  __atomic_fetch_add(&bucket.generation, 1, __ATOMIC_ACQ_REL);
  bucket.queue.WakeAll();
}

void ClearChildTid(sched::Thread* t) {
  uint64_t address = t->clear_child_tid_;
  t->clear_child_tid_ = 0;
  if (address == 0 || (address & 3) != 0) return;
  uint32_t zero = 0;
  if (UserPtr<uint32_t>(address).CopyOut(&zero).is_error()) return;
  // Waking every waiter of the bucket is allowed: futex waiters re-check.
  FutexWakeShared(address);
}

namespace {

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

void ReleaseRobustFutexes(sched::Thread* t) {
  uint64_t head_address = t->robust_list_;
  if (head_address == 0) return;
  t->robust_list_ = 0;
  linux_abi::RobustListHead head;
  if (UserPtr<linux_abi::RobustListHead>(head_address).CopyIn(&head).is_error()) return;
  uint32_t tid = static_cast<uint32_t>(t->linux_tid_);  // the owner word holds the Linux tid
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

int64_t SysLinuxGetRobustList(int32_t pid, UserPtr<uint64_t> head, UserPtr<uint64_t> length) {
  // pid names a thread: 0 the caller, otherwise a Linux tid.
  if (pid < 0) return Errno(kstd::Error::kSearch);
  kstd::RefPtr<sched::Thread> target = kstd::RefPtr<sched::Thread>::FromRaw(CurrentThread());
  if (pid != 0) {
    kstd::RefPtr<Process> owner = Process::FindByTid(static_cast<uint64_t>(pid));
    target = owner ? owner->FindThread(static_cast<uint64_t>(pid)) : kstd::RefPtr<sched::Thread>();
  }
  if (!target) return Errno(kstd::Error::kSearch);
  uint64_t value = __atomic_load_n(&target->robust_list_, __ATOMIC_RELAXED);
  uint64_t size = sizeof(linux_abi::RobustListHead);
  if (head.CopyOut(&value).is_error() || length.CopyOut(&size).is_error()) {
    return Errno(kstd::Error::kFault);
  }
  return 0;
}

int64_t SysLinuxSetRobustList(uint64_t head, uint64_t length) {
  if (length != sizeof(linux_abi::RobustListHead)) return Errno(kstd::Error::kInvalid);
  __atomic_store_n(&CurrentThread()->robust_list_, head, __ATOMIC_RELAXED);
  return 0;
}

}  // namespace core::syscall
