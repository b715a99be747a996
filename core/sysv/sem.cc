#include "core/sysv/sem.h"
#include "core/sysv/ipc_perm.h"

#include "core/kernel/wall_clock.h"
#include "core/sched/scheduler.h"
#include "core/sync/spin_lock.h"
#include "core/sync/thread_annotations.h"
#include "core/sysv/change_wait.h"
#include "core/sysv/ipc_ids.h"
#include "kstd/intrusive_list.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::sysv {
namespace {

struct Semaphore {
  uint16_t value = 0;
  int32_t pid = 0;            // the last process that changed it (GETPID)
  uint32_t waiting_more = 0;  // GETNCNT: waiters for a larger value
  uint32_t waiting_zero = 0;  // GETZCNT: waiters for zero
};

struct Set {
  bool used = false;
  uint16_t seq = 0;
  Perm perm;
  int nsems = 0;
  Semaphore* sems = nullptr;  // nsems of them
  int64_t otime = 0, ctime = 0;
};

// A process's SEM_UNDO adjustments for one set.
struct Undo {
  kstd::ListNode node;
  int32_t pid = 0;
  int id = 0;
  int32_t adjust[kMaxSemaphores] = {};
};

SpinLock g_lock;
Set g_sets[kMaxSets] GUARDED_BY(g_lock);
kstd::IntrusiveList<Undo, &Undo::node> g_undos GUARDED_BY(g_lock);

// Every semop waiter sleeps here and tries again whenever any set changes.
ChangeWait g_changes;

int64_t NowSeconds() { return WallClockNanos() / 1'000'000'000; }

void ChangedLocked() REQUIRES(g_lock) { g_changes.Changed(); }

Set* FindLocked(int id) REQUIRES(g_lock) {
  if (id < 0) return nullptr;
  int slot = SlotOf(id);
  if (slot >= kMaxSets) return nullptr;
  Set& s = g_sets[slot];
  if (!s.used || s.seq != SeqOf(id)) return nullptr;
  return &s;
}

Undo* FindUndoLocked(int32_t pid, int id) REQUIRES(g_lock) {
  return g_undos.FindIf([&](Undo* u) { return u->pid == pid && u->id == id; });
}

// SETVAL/SETALL forget every process's adjustments of what they set (as
// Linux); `num` < 0: the whole set.
void ClearUndoLocked(int id, int num) REQUIRES(g_lock) {
  g_undos.ForEach([&](Undo* u) {
    if (u->id != id) return;
    if (num < 0) {
      for (int32_t& a : u->adjust) a = 0;
    } else {
      u->adjust[num] = 0;
    }
  });
}

// Removes (and frees) every undo record of set `id`.
void DropUndosLocked(int id) REQUIRES(g_lock) {
  while (Undo* u = g_undos.FindIf([&](Undo* x) { return x->id == id; })) {
    g_undos.Remove(u);
    delete u;
  }
}

}  // namespace

kstd::Result<int> SemGet(int32_t key, int nsems, int flags, int32_t pid) {
  if (nsems < 0 || nsems > kMaxSemaphores) return kstd::Error::kInvalid;
  const posix::Credentials caller = CallerCredentials();
  Semaphore* fresh = nullptr;
  for (;;) {
    {
      SpinLockGuard guard(g_lock);
      if (key != linux_abi::kIpcPrivate) {
        for (int i = 0; i < kMaxSets; ++i) {
          Set& s = g_sets[i];
          if (!s.used || s.perm.key != key) continue;
          delete[] fresh;
          if ((flags & linux_abi::kIpcCreat) && (flags & linux_abi::kIpcExcl)) {
            return kstd::Error::kExists;
          }
          if (nsems > s.nsems) return kstd::Error::kInvalid;
          TRY(CheckAccess(s.perm, caller, WantedByFlags(flags)));
          return MakeId(i, s.seq);
        }
        if ((flags & linux_abi::kIpcCreat) == 0) {
          delete[] fresh;
          return kstd::Error::kNotFound;
        }
      }
      if (nsems == 0) {
        delete[] fresh;
        return kstd::Error::kInvalid;
      }
      if (fresh != nullptr) {
        for (int i = 0; i < kMaxSets; ++i) {
          Set& s = g_sets[i];
          if (s.used) continue;
          uint16_t seq = static_cast<uint16_t>(s.seq + 1);
          s = Set{};
          s.used = true;
          s.seq = seq;
          InitPerm(&s.perm, caller, key, flags);
          s.nsems = nsems;
          s.sems = fresh;
          s.ctime = NowSeconds();
          (void)pid;
          return MakeId(i, seq);
        }
        delete[] fresh;
        return kstd::Error::kNoSpace;
      }
    }
    // Allocated without the lock; the lookup then repeats.
    fresh = new (kstd::nothrow) Semaphore[nsems];
    if (fresh == nullptr) return kstd::Error::kNoMemory;
  }
}

kstd::Result<void> SemOp(int id, kstd::Span<const linux_abi::Sembuf> ops, uint64_t deadline,
                         int32_t pid) {
  if (ops.empty()) return kstd::Error::kInvalid;
  if (ops.size() > static_cast<size_t>(linux_abi::kSemOpm)) return kstd::Error::kTooBig;
  bool undo_wanted = false, alter = false;
  for (const auto& op : ops) {
    undo_wanted |= (op.sem_flg & linux_abi::kSemUndo) != 0;
    alter |= op.sem_op != 0;
  }
  const posix::Credentials caller = CallerCredentials();
  Undo* spare = nullptr;  // a record made without the lock, if one is needed
  struct SpareGuard {
    Undo** p;
    ~SpareGuard() { delete *p; }
  } spare_guard{&spare};
  bool first = true;
  for (;;) {
    if (undo_wanted && spare == nullptr) {
      // A record for this process's adjustments, made without the lock in
      // case the set has none for it yet (freed unused otherwise).
      bool have = false;
      {
        SpinLockGuard guard(g_lock);
        have = FindUndoLocked(pid, id) != nullptr;
      }
      if (!have) {
        spare = new (kstd::nothrow) Undo();
        if (spare == nullptr) return kstd::Error::kNoMemory;
      }
    }
    uint64_t seen = g_changes.Generation();
    int blocked_num = -1;
    bool blocked_on_zero = false;
    uint16_t seq = 0;
    {
      SpinLockGuard guard(g_lock);
      Set* s = FindLocked(id);
      if (s == nullptr) return first ? kstd::Error::kInvalid : kstd::Error::kIdRemoved;
      seq = s->seq;
      for (const auto& op : ops) {
        if (op.sem_num >= s->nsems) return kstd::Error::kFileTooBig;
      }
      TRY(CheckAccess(s->perm, caller, alter ? posix::kMayWrite : posix::kMayRead));
      if (undo_wanted && spare == nullptr && FindUndoLocked(pid, id) == nullptr) {
        continue;  // its record went away meanwhile (the set was reset): make one
      }
      // Try every operation on a copy; apply all or none.
      int32_t values[kMaxSemaphores];
      for (int i = 0; i < s->nsems; ++i) values[i] = s->sems[i].value;
      for (const auto& op : ops) {
        int32_t v = values[op.sem_num];
        if (op.sem_op > 0) {
          if (v + op.sem_op > linux_abi::kSemVmx) return kstd::Error::kRange;
          values[op.sem_num] = v + op.sem_op;
        } else if (op.sem_op < 0) {
          if (v + op.sem_op < 0) {
            blocked_num = op.sem_num;
            break;
          }
          values[op.sem_num] = v + op.sem_op;
        } else if (v != 0) {
          blocked_num = op.sem_num;
          blocked_on_zero = true;
          break;
        }
        if (blocked_num >= 0) break;
      }
      if (blocked_num < 0) {
        Undo* undo = undo_wanted ? FindUndoLocked(pid, id) : nullptr;
        if (undo_wanted && undo == nullptr) {
          undo = spare;
          spare = nullptr;
          undo->pid = pid;
          undo->id = id;
          g_undos.PushBack(undo);
        }
        for (const auto& op : ops) {
          s->sems[op.sem_num].pid = pid;
          if (op.sem_flg & linux_abi::kSemUndo) undo->adjust[op.sem_num] -= op.sem_op;
        }
        for (int i = 0; i < s->nsems; ++i) s->sems[i].value = static_cast<uint16_t>(values[i]);
        s->otime = NowSeconds();
        ChangedLocked();
        return kstd::Ok();
      }
      for (const auto& op : ops) {
        if (op.sem_num == blocked_num && (op.sem_flg & linux_abi::kIpcNoWait)) {
          return kstd::Error::kAgain;
        }
      }
      if (blocked_on_zero) {
        ++s->sems[blocked_num].waiting_zero;
      } else {
        ++s->sems[blocked_num].waiting_more;
      }
    }
    first = false;
    sched::WakeReason why = g_changes.Wait(seen, deadline);
    {
      SpinLockGuard guard(g_lock);
      Set* s = FindLocked(id);
      if (s != nullptr && s->seq == seq) {
        if (blocked_on_zero) {
          --s->sems[blocked_num].waiting_zero;
        } else {
          --s->sems[blocked_num].waiting_more;
        }
      }
    }
    if (why == sched::WakeReason::kTimedOut) return kstd::Error::kAgain;
    if (why == sched::WakeReason::kInterrupted) return kstd::Error::kInterrupted;
  }
}

kstd::Result<int> SemCount(int id) {
  SpinLockGuard guard(g_lock);
  Set* s = FindLocked(id);
  if (s == nullptr) return kstd::Error::kInvalid;
  return s->nsems;
}

kstd::Result<int> SemCtl(int id, int semnum, int cmd, int value, kstd::Span<uint16_t> values,
                         linux_abi::SemidDs* ds, int32_t pid) {
  Semaphore* dead = nullptr;  // freed after the lock
  struct DeadGuard {
    Semaphore** p;
    ~DeadGuard() { delete[] * p; }
  } dead_guard{&dead};
  const posix::Credentials caller = CallerCredentials();
  SpinLockGuard guard(g_lock);
  Set* s = nullptr;
  int result = 0;
  if (cmd == linux_abi::kSemStat) {
    if (id < 0 || id >= kMaxSets || !g_sets[id].used) return kstd::Error::kInvalid;
    s = &g_sets[id];
    result = MakeId(id, s->seq);
    id = result;
  } else {
    s = FindLocked(id);
    if (s == nullptr) return kstd::Error::kInvalid;
  }
  auto one = [&]() -> Semaphore* {
    return semnum >= 0 && semnum < s->nsems ? &s->sems[semnum] : nullptr;
  };
  // Linux's semctl: IPC_SET and IPC_RMID for the owner or creator, the
  // setters need write permission, every reader read permission.
  switch (cmd) {
    case linux_abi::kIpcRmid:
    case linux_abi::kIpcSet: TRY(CheckOwner(s->perm, caller)); break;
    case linux_abi::kSetVal:
    case linux_abi::kSetAll: TRY(CheckAccess(s->perm, caller, posix::kMayWrite)); break;
    default: TRY(CheckAccess(s->perm, caller, posix::kMayRead)); break;
  }
  switch (cmd) {
    case linux_abi::kIpcRmid:
      dead = s->sems;
      s->sems = nullptr;
      s->used = false;
      DropUndosLocked(id);
      ChangedLocked();  // waiters find it gone: EIDRM
      return 0;
    case linux_abi::kIpcStat:
    case linux_abi::kSemStat:
      *ds = linux_abi::SemidDs{};
      ds->sem_perm = ToIpcPerm(s->perm, s->seq);
      ds->sem_otime = s->otime;
      ds->sem_ctime = s->ctime;
      ds->sem_nsems = static_cast<uint64_t>(s->nsems);
      return result;
    case linux_abi::kIpcSet:
      SetOwner(&s->perm, ds->sem_perm);
      s->ctime = NowSeconds();
      return 0;
    case linux_abi::kGetVal:
      if (Semaphore* m = one()) return m->value;
      return kstd::Error::kInvalid;
    case linux_abi::kGetPid:
      if (Semaphore* m = one()) return m->pid;
      return kstd::Error::kInvalid;
    case linux_abi::kGetNcnt:
      if (Semaphore* m = one()) return static_cast<int>(m->waiting_more);
      return kstd::Error::kInvalid;
    case linux_abi::kGetZcnt:
      if (Semaphore* m = one()) return static_cast<int>(m->waiting_zero);
      return kstd::Error::kInvalid;
    case linux_abi::kSetVal: {
      Semaphore* m = one();
      if (m == nullptr) return kstd::Error::kInvalid;
      if (value < 0 || value > linux_abi::kSemVmx) return kstd::Error::kRange;
      m->value = static_cast<uint16_t>(value);
      m->pid = pid;
      ClearUndoLocked(id, semnum);
      s->ctime = NowSeconds();
      ChangedLocked();
      return 0;
    }
    case linux_abi::kGetAll:
      if (values.size() < static_cast<size_t>(s->nsems)) return kstd::Error::kInvalid;
      for (int i = 0; i < s->nsems; ++i) values[i] = s->sems[i].value;
      return 0;
    case linux_abi::kSetAll:
      if (values.size() < static_cast<size_t>(s->nsems)) return kstd::Error::kInvalid;
      for (int i = 0; i < s->nsems; ++i) {
        if (values[i] > linux_abi::kSemVmx) return kstd::Error::kRange;
      }
      for (int i = 0; i < s->nsems; ++i) {
        s->sems[i].value = values[i];
        s->sems[i].pid = pid;
      }
      ClearUndoLocked(id, -1);
      s->ctime = NowSeconds();
      ChangedLocked();
      return 0;
    default: return kstd::Error::kInvalid;
  }
}

int SemInfo(bool in_use, linux_abi::Seminfo* info) {
  SpinLockGuard guard(g_lock);
  int highest = 0, sets = 0, semaphores = 0;
  for (int i = 0; i < kMaxSets; ++i) {
    if (!g_sets[i].used) continue;
    highest = i;
    ++sets;
    semaphores += g_sets[i].nsems;
  }
  constexpr int kSemMns = kMaxSets * kMaxSemaphores;
  *info = linux_abi::Seminfo{};
  info->semmni = kMaxSets;
  info->semmns = kSemMns;
  info->semmsl = kMaxSemaphores;
  info->semopm = linux_abi::kSemOpm;
  info->semvmx = linux_abi::kSemVmx;
  info->semmnu = kSemMns;                                   // Linux's SEMMNU = SEMMNS
  info->semmap = kSemMns;                                   // SEMMAP = SEMMNS
  info->semume = linux_abi::kSemOpm;                        // SEMUME = SEMOPM
  info->semusz = in_use ? sets : 20;                        // SEMUSZ
  info->semaem = in_use ? semaphores : linux_abi::kSemVmx;  // SEMAEM = SEMVMX
  return highest;
}

size_t ListSets(int* from, SemRow* rows, size_t max) {
  SpinLockGuard guard(g_lock);
  const Set* sets = g_sets;  // read under the lock, by the callback below
  return ListSlots(from, kMaxSets, rows, max, [sets](int i, SemRow* row) {
    const Set& s = sets[i];
    if (!s.used) return false;
    *row = SemRow{s.perm, MakeId(i, s.seq), s.nsems, s.otime, s.ctime};
    return true;
  });
}

void ApplyUndo(int32_t pid) {
  kstd::IntrusiveList<Undo, &Undo::node> done;
  {
    SpinLockGuard guard(g_lock);
    while (Undo* u = g_undos.FindIf([&](Undo* x) { return x->pid == pid; })) {
      g_undos.Remove(u);
      if (Set* s = FindLocked(u->id)) {
        for (int i = 0; i < s->nsems; ++i) {
          if (u->adjust[i] == 0) continue;
          int32_t v = s->sems[i].value + u->adjust[i];
          s->sems[i].value = static_cast<uint16_t>(kstd::Max(0, kstd::Min(v, linux_abi::kSemVmx)));
          s->sems[i].pid = pid;
        }
        ChangedLocked();
      }
      done.PushBack(u);
    }
  }
  while (Undo* u = done.PopFront()) delete u;
}

}  // namespace core::sysv
