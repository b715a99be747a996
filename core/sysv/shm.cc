#include "core/sysv/shm.h"
#include "core/sysv/ipc_perm.h"

#include "core/kernel/memory.h"
#include "core/kernel/wall_clock.h"
#include "core/sync/spin_lock.h"
#include "core/sync/thread_annotations.h"
#include "core/sysv/change_wait.h"
#include "core/sysv/ipc_ids.h"
#include "core/vm/vm_object.h"
#include "kstd/utility.h"

namespace core::sysv {
namespace {

constexpr uint64_t kPage = 4096;

struct Segment {
  bool used = false;
  bool removed = false;  // IPC_RMID: no key, gone with its last mapping
  uint16_t seq = 0;
  Perm perm;
  uint64_t size = 0;
  kstd::RefPtr<vm::VmObject> vmo;
  int32_t cpid = 0, lpid = 0;
  int64_t atime = 0, dtime = 0, ctime = 0;
};

SpinLock g_lock;
Segment g_segments[kMaxSegments] GUARDED_BY(g_lock);
uint64_t g_total_bytes GUARDED_BY(g_lock) = 0;

int64_t NowSeconds() { return WallClockNanos() / 1'000'000'000; }

uint64_t Attachments(const Segment& s) {
  int refs = s.vmo ? s.vmo->ref_count() : 1;
  return refs > 1 ? static_cast<uint64_t>(refs - 1) : 0;
}

// What IPC_STAT shows: a removed segment that is still attached has no key
// and SHM_DEST (01000) in its mode.
Perm ShownPerm(const Segment& s) {
  Perm p = s.perm;
  if (s.removed) {
    p.key = linux_abi::kIpcPrivate;
    p.mode |= 01000u;
  }
  return p;
}

// Frees removed segments nobody maps any more (their memory objects are
// then released; `dead` takes the references to drop without the lock).
void ReapLocked(kstd::RefPtr<vm::VmObject>* dead, int* dead_count) REQUIRES(g_lock) {
  for (Segment& s : g_segments) {
    if (s.used && s.removed && Attachments(s) == 0 && *dead_count < kMaxSegments) {
      g_total_bytes -= s.size;
      dead[(*dead_count)++] = kstd::Move(s.vmo);
      s.used = false;
      s.removed = false;
    }
  }
}

// The segment named by id. REQUIRES the lock.
Segment* FindLocked(int id) REQUIRES(g_lock) {
  if (id < 0) return nullptr;
  int slot = SlotOf(id);
  if (slot >= kMaxSegments) return nullptr;
  Segment& s = g_segments[slot];
  if (!s.used || s.seq != SeqOf(id)) return nullptr;
  return &s;
}

// Runs ReapLocked and drops the references after the lock.
class Reaper {
 public:
  ~Reaper() {
    for (int i = 0; i < count_; ++i) dead_[i].reset();
  }
  void Run() REQUIRES(g_lock) { ReapLocked(dead_, &count_); }

 private:
  kstd::RefPtr<vm::VmObject> dead_[kMaxSegments];
  int count_ = 0;
};

}  // namespace

kstd::Result<int> ShmGet(int32_t key, uint64_t size, int flags, int32_t pid) {
  const posix::Credentials caller = CallerCredentials();
  kstd::RefPtr<vm::VmObject> vmo;
  uint64_t rounded = (size + kPage - 1) & ~(kPage - 1);
  Reaper reaper;
  for (;;) {
    {
      SpinLockGuard guard(g_lock);
      reaper.Run();
      if (key != linux_abi::kIpcPrivate) {
        for (int i = 0; i < kMaxSegments; ++i) {
          Segment& s = g_segments[i];
          if (!s.used || s.removed || s.perm.key != key) continue;
          if ((flags & linux_abi::kIpcCreat) && (flags & linux_abi::kIpcExcl)) {
            return kstd::Error::kExists;
          }
          if (size > s.size) return kstd::Error::kInvalid;
          TRY(CheckAccess(s.perm, caller, WantedByFlags(flags)));
          return MakeId(i, s.seq);
        }
        if ((flags & linux_abi::kIpcCreat) == 0) return kstd::Error::kNotFound;
      }
      if (size < 1 || size > kMaxSegmentBytes) return kstd::Error::kInvalid;
      if (g_total_bytes + size > kMaxTotalBytes) return kstd::Error::kNoSpace;
      if (vmo) {
        for (int i = 0; i < kMaxSegments; ++i) {
          Segment& s = g_segments[i];
          if (s.used) continue;
          uint16_t seq = static_cast<uint16_t>(s.seq + 1);
          s = Segment{};
          s.used = true;
          s.seq = seq;
          InitPerm(&s.perm, caller, key, flags);
          s.size = size;
          s.vmo = kstd::Move(vmo);
          s.cpid = pid;
          s.ctime = NowSeconds();
          g_total_bytes += size;
          return MakeId(i, seq);
        }
        return kstd::Error::kNoSpace;
      }
    }
    // The memory object is made without the lock, then the lookup repeats
    // (another process may have made the key meanwhile).
    vmo = TRY(vm::VmObject::CreateAnonymous(&Pmm(), rounded));
  }
}

kstd::Result<uint64_t> ShmAt(vm::VmAspace* aspace, int id, uint64_t addr, int flags, int32_t pid) {
  if (addr != 0) {
    if (flags & linux_abi::kShmRnd) addr &= ~(linux_abi::kShmLba - 1);
    if ((addr & (kPage - 1)) != 0) return kstd::Error::kInvalid;
  } else if (flags & linux_abi::kShmRemap) {
    return kstd::Error::kInvalid;  // Linux: SHM_REMAP needs an address
  }
  kstd::RefPtr<vm::VmObject> vmo;
  uint64_t size = 0;
  const posix::Credentials caller = CallerCredentials();
  uint32_t want = posix::kMayRead;
  if ((flags & linux_abi::kShmRdonly) == 0) want |= posix::kMayWrite;
  if (flags & linux_abi::kShmExec) want |= posix::kMayExec;
  {
    SpinLockGuard guard(g_lock);
    Segment* s = FindLocked(id);
    if (s == nullptr) return kstd::Error::kInvalid;
    TRY(CheckAccess(s->perm, caller, want));
    vmo = s->vmo;
    size = (s->size + kPage - 1) & ~(kPage - 1);
  }
  vm::Prot prot = vm::kProtRead;
  if ((flags & linux_abi::kShmRdonly) == 0) prot = prot | vm::kProtWrite;
  if (flags & linux_abi::kShmExec) prot = prot | vm::kProtExec;
  kstd::Result<uint64_t> mapped = kstd::Error::kInvalid;
  if (addr != 0 && (flags & linux_abi::kShmRemap)) {
    mapped = aspace->MapFixedReplace(addr, kstd::Move(vmo), 0, size, prot, vm::kMapShared);
  } else {
    vm::MapFlags mflags = vm::kMapShared | (addr != 0 ? vm::kMapFixed : 0);
    mapped = aspace->Map(kstd::Move(vmo), 0, size, prot, addr, mflags);
  }
  if (mapped.is_error()) {
    return mapped.error() == kstd::Error::kNoMemory ? kstd::Error::kNoMemory
                                                    : kstd::Error::kInvalid;
  }
  SpinLockGuard guard(g_lock);
  if (Segment* s = FindLocked(id)) {
    s->atime = NowSeconds();
    s->lpid = pid;
  }
  return mapped.value();
}

kstd::Result<void> ShmDt(vm::VmAspace* aspace, uint64_t addr, int32_t pid) {
  if ((addr & (kPage - 1)) != 0) return kstd::Error::kInvalid;
  vm::RegionInfo region = TRY(aspace->NextRegion(addr));
  if (region.base != addr || region.guard || region.vmo_offset != 0) return kstd::Error::kInvalid;
  Segment* found = nullptr;
  {
    SpinLockGuard guard(g_lock);
    for (Segment& s : g_segments) {
      if (s.used && s.vmo && s.vmo->koid() == region.vmo_koid) found = &s;
    }
    if (found == nullptr) return kstd::Error::kInvalid;
    found->dtime = NowSeconds();
    found->lpid = pid;
  }
  auto r = aspace->Unmap(addr, region.size);
  if (r.is_error()) return kstd::Error::kInvalid;
  Reaper reaper;
  SpinLockGuard guard(g_lock);
  reaper.Run();
  return kstd::Ok();
}

kstd::Result<int> ShmCtl(int id, int cmd, const linux_abi::ShmidDs* in, linux_abi::ShmidDs* out) {
  const posix::Credentials caller = CallerCredentials();
  Reaper reaper;
  SpinLockGuard guard(g_lock);
  reaper.Run();
  Segment* s = nullptr;
  int result = 0;
  if (cmd == linux_abi::kShmStat) {
    // SHM_STAT takes a slot index and answers the segment's id.
    if (id < 0 || id >= kMaxSegments || !g_segments[id].used) return kstd::Error::kInvalid;
    s = &g_segments[id];
    result = MakeId(id, s->seq);
  } else {
    s = FindLocked(id);
    if (s == nullptr) return kstd::Error::kInvalid;
  }
  switch (cmd) {
    case linux_abi::kIpcStat:
    case linux_abi::kShmStat: {
      TRY(CheckAccess(s->perm, caller, posix::kMayRead));
      *out = linux_abi::ShmidDs{};
      out->shm_perm = ToIpcPerm(ShownPerm(*s), s->seq);
      out->shm_segsz = s->size;
      out->shm_atime = s->atime;
      out->shm_dtime = s->dtime;
      out->shm_ctime = s->ctime;
      out->shm_cpid = s->cpid;
      out->shm_lpid = s->lpid;
      out->shm_nattch = Attachments(*s);
      return result;
    }
    case linux_abi::kIpcSet:
      TRY(CheckOwner(s->perm, caller));
      SetOwner(&s->perm, in->shm_perm);
      s->ctime = NowSeconds();
      return 0;
    case linux_abi::kIpcRmid:
      TRY(CheckOwner(s->perm, caller));
      s->removed = true;
      s->ctime = NowSeconds();
      reaper.Run();
      return 0;
    default: return kstd::Error::kInvalid;
  }
}

int ShmInfo(linux_abi::Shminfo* limits, linux_abi::ShmInfo* use) {
  SpinLockGuard guard(g_lock);
  int highest = 0;
  int used = 0;
  uint64_t pages = 0, resident = 0;
  for (int i = 0; i < kMaxSegments; ++i) {
    const Segment& s = g_segments[i];
    if (!s.used) continue;
    highest = i;
    ++used;
    pages += (s.size + kPage - 1) / kPage;
    if (s.vmo) resident += s.vmo->resident_pages();
  }
  if (limits != nullptr) {
    *limits = linux_abi::Shminfo{};
    limits->shmmax = kMaxSegmentBytes;
    limits->shmmin = 1;
    limits->shmmni = kMaxSegments;
    limits->shmseg = kMaxSegments;  // per process: no tighter limit than the system's
    limits->shmall = kMaxTotalBytes / kPage;
  }
  if (use != nullptr) {
    *use = linux_abi::ShmInfo{};
    use->used_ids = used;
    use->shm_tot = pages;
    use->shm_rss = resident;
  }
  return highest;
}

size_t ListSegments(int* from, ShmRow* rows, size_t max) {
  SpinLockGuard guard(g_lock);
  const Segment* segments = g_segments;  // read under the lock, by the callback below
  return ListSlots(from, kMaxSegments, rows, max, [segments](int i, ShmRow* row) {
    const Segment& s = segments[i];
    if (!s.used) return false;
    *row = ShmRow{ShownPerm(s), MakeId(i, s.seq),
                  s.size,       s.cpid,
                  s.lpid,       Attachments(s),
                  s.atime,      s.dtime,
                  s.ctime,      s.vmo ? s.vmo->resident_pages() * kPage : 0};
    return true;
  });
}

}  // namespace core::sysv
