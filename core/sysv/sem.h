#pragma once

// System V semaphores (semget/semop/semtimedop/semctl): sets of counters
// named by a key or IPC_PRIVATE. semop applies all of its operations at once
// or none (it waits, or gives EAGAIN with IPC_NOWAIT); SEM_UNDO records the
// inverse of each operation per process, applied when the process ends
// (core/proc's exit hook), so a process that dies holding a semaphore gives
// it back. Values stay in [0, SEMVMX]. Waiters sleep until the set changes
// and try again; a removed set wakes them with EIDRM. Everyone runs as root:
// the permission bits are kept and reported, not enforced.

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/sysv_ipc.h"
#include "core/sysv/ipc_ids.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::sysv {

inline constexpr int kMaxSets = 128;
inline constexpr int kMaxSemaphores = 250;  // per set (Linux allows SEMMSL 32000)

/// semget. Errors: kExists, kNotFound, kInvalid (nsems out of range, or
/// more than the existing set has), kNoSpace (no free set), kNoMemory.
kstd::Result<int> SemGet(int32_t key, int nsems, int flags, int32_t pid);

/// semop/semtimedop (`deadline`: scheduler ticks, sched::kNoDeadline for
/// none). Errors: kInvalid (no such set), kTooBig (E2BIG: more than SEMOPM
/// operations), kFileTooBig (EFBIG: a semaphore number beyond the set),
/// kRange (a value past SEMVMX), kAgain (IPC_NOWAIT, or the deadline
/// passed), kInterrupted (a signal: EINTR, never restarted, as Linux),
/// kIdRemoved (the set went away while waiting), kNoMemory.
kstd::Result<void> SemOp(int id, kstd::Span<const linux_abi::Sembuf> ops, uint64_t deadline,
                         int32_t pid);

/// semctl. `value` is the fourth argument (SETVAL's value); `values` the
/// array of GETALL/SETALL (nsems entries); `ds` IPC_STAT's output or
/// IPC_SET's input. Returns what the command returns (GETVAL's value,
/// GETPID, GETNCNT, GETZCNT, SEM_STAT's id; else 0). Errors: kInvalid,
/// kRange (SETVAL/SETALL past SEMVMX).
kstd::Result<int> SemCtl(int id, int semnum, int cmd, int value, kstd::Span<uint16_t> values,
                         linux_abi::SemidDs* ds, int32_t pid);

/// The number of semaphores in set `id` (for semctl's GETALL/SETALL buffer).
/// Errors: kInvalid.
kstd::Result<int> SemCount(int id);

/// semctl IPC_INFO (`in_use` false: the limits) or SEM_INFO (true: semusz
/// and semaem count the sets and semaphores in use): fills *info and returns
/// the highest index in use (0 if none), as Linux.
int SemInfo(bool in_use, linux_abi::Seminfo* info);

/// One set as /proc/sysvipc/sem shows it.
struct SemRow {
  Perm perm;
  int id;
  int nsems;
  int64_t otime, ctime;
};
/// Copies up to `max` sets with index >= `*from` into `rows`, moving
/// `*from` past the last one copied; returns how many.
size_t ListSets(int* from, SemRow* rows, size_t max);

/// Applies and forgets process `pid`'s SEM_UNDO adjustments (its exit).
void ApplyUndo(int32_t pid);

}  // namespace core::sysv
