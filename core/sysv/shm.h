#pragma once

// System V shared memory (shmget/shmat/shmdt/shmctl): segments named by a
// key or IPC_PRIVATE, each an anonymous memory object that every attaching
// process maps shared. A segment removed with IPC_RMID loses its key at once
// and its memory when the last mapping goes (the mappings hold the memory
// object). The number of attachments is the memory object's references
// beyond the table's own. Everyone runs as root, so the permission bits are
// kept and reported, not enforced.
//
// Limits (Linux's defaults are far larger; these keep one process from
// taking the machine): kMaxSegments segments, kMaxSegmentBytes per segment,
// kMaxTotalBytes in all (ENOSPC beyond them, EINVAL for a size out of range).

#include <stdint.h>

#include "abi/linux/sysv_ipc.h"
#include "core/sysv/ipc_ids.h"
#include "core/vm/vm_aspace.h"
#include "kstd/result.h"

namespace core::sysv {

inline constexpr int kMaxSegments = 256;
inline constexpr uint64_t kMaxSegmentBytes = 256ull << 20;
inline constexpr uint64_t kMaxTotalBytes = 512ull << 20;

/// shmget. Errors: kExists (IPC_CREAT|IPC_EXCL and the key exists),
/// kNotFound (no such key, no IPC_CREAT), kInvalid (size out of range, or
/// larger than the existing segment's), kNoSpace (limits), kNoMemory.
kstd::Result<int> ShmGet(int32_t key, uint64_t size, int flags, int32_t pid);

/// shmat into `aspace`: returns the address. Errors: kInvalid (no such id,
/// an unaligned address without SHM_RND, a range in use without
/// SHM_REMAP), kNoMemory.
kstd::Result<uint64_t> ShmAt(vm::VmAspace* aspace, int id, uint64_t addr, int flags, int32_t pid);

/// shmdt: unmaps the segment attached at exactly `addr`. Errors: kInvalid.
kstd::Result<void> ShmDt(vm::VmAspace* aspace, uint64_t addr, int32_t pid);

/// shmctl IPC_STAT/SHM_STAT (fills *out), IPC_SET (mode, uid, gid from
/// *in), IPC_RMID. Returns 0, or the id for SHM_STAT (whose `id` is an
/// index). Errors: kInvalid (no such id, unknown cmd).
kstd::Result<int> ShmCtl(int id, int cmd, const linux_abi::ShmidDs* in, linux_abi::ShmidDs* out);

/// shmctl IPC_INFO (fills *limits) or SHM_INFO (fills *use): returns the
/// highest index in use (0 if none), as Linux.
int ShmInfo(linux_abi::Shminfo* limits, linux_abi::ShmInfo* use);

/// One segment as /proc/sysvipc/shm shows it.
struct ShmRow {
  Perm perm;  // as IPC_STAT shows it (a removed segment: IPC_PRIVATE, SHM_DEST)
  int id;
  uint64_t size;
  int32_t cpid, lpid;
  uint64_t nattch;
  int64_t atime, dtime, ctime;
  uint64_t rss_bytes;
};
/// Copies up to `max` segments with index >= `*from` into `rows`, moving
/// `*from` past the last one copied; returns how many.
size_t ListSegments(int* from, ShmRow* rows, size_t max);

}  // namespace core::sysv
