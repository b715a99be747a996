#include "core/sysv/msg.h"
#include "core/sysv/ipc_perm.h"

#include "core/kernel/wall_clock.h"
#include "core/sched/scheduler.h"
#include "core/sync/spin_lock.h"
#include "core/sync/thread_annotations.h"
#include "core/sysv/change_wait.h"
#include "core/sysv/ipc_ids.h"
#include "kstd/new.h"
#include "kstd/utility.h"

namespace core::sysv {
namespace {

using MessageList = kstd::IntrusiveList<Message, &Message::node>;

struct Queue {
  Perm perm;
  uint64_t cbytes = 0, qnum = 0, qbytes = 0;
  int32_t lspid = 0, lrpid = 0;
  int64_t stime = 0, rtime = 0, ctime = 0;
  MessageList messages;
};

constexpr int kSlots = linux_abi::kIpcMni;

SpinLock g_lock;
Queue* g_queues[kSlots] GUARDED_BY(g_lock);
uint16_t g_seqs[kSlots] GUARDED_BY(g_lock);
int g_in_use GUARDED_BY(g_lock) = 0;
uint64_t g_total_bytes GUARDED_BY(g_lock) = 0;
uint64_t g_total_messages GUARDED_BY(g_lock) = 0;

int g_msgmax = linux_abi::kMsgMax;  // atomic, as the two below
int g_msgmnb = linux_abi::kMsgMnb;
int g_msgmni = linux_abi::kMsgMni;

// Every sender and receiver that waits sleeps here and looks again whenever
// any queue changes.
ChangeWait g_changes;

int64_t NowSeconds() { return WallClockNanos() / 1'000'000'000; }
int Load(const int* v) { return __atomic_load_n(v, __ATOMIC_RELAXED); }

void ChangedLocked() REQUIRES(g_lock) { g_changes.Changed(); }

Queue* FindLocked(int id) REQUIRES(g_lock) {
  if (id < 0) return nullptr;
  int slot = SlotOf(id);
  if (g_queues[slot] == nullptr || g_seqs[slot] != SeqOf(id)) return nullptr;
  return g_queues[slot];
}

// The message msgrcv's `type` and `flags` select, or nullptr.
Message* SelectLocked(Queue& q, int64_t type, int flags) REQUIRES(g_lock) {
  if (flags & linux_abi::kMsgCopy) {  // `type` is an index
    int64_t index = 0;
    for (Message* m = q.messages.Front(); m != nullptr; m = q.messages.Next(m), ++index) {
      if (index == type) return m;
    }
    return nullptr;
  }
  if (type == 0) return q.messages.Front();
  if (type > 0) {
    bool except = (flags & linux_abi::kMsgExcept) != 0;
    for (Message* m = q.messages.Front(); m != nullptr; m = q.messages.Next(m)) {
      if ((m->type == type) != except) return m;
    }
    return nullptr;
  }
  // The lowest type up to -type (INT64_MIN taken as INT64_MIN + 1, as Linux).
  int64_t bound = type == INT64_MIN ? INT64_MAX : -type;
  Message* best = nullptr;
  for (Message* m = q.messages.Front(); m != nullptr; m = q.messages.Next(m)) {
    if (m->type <= bound && (best == nullptr || m->type < best->type)) best = m;
  }
  return best;
}

void FreeAll(MessageList& list) {
  while (Message* m = list.PopFront()) FreeMessage(m);
}

}  // namespace

kstd::Result<Message*> NewMessage(int64_t type, size_t size) {
  if (type < 1 || size > static_cast<size_t>(Load(&g_msgmax))) return kstd::Error::kInvalid;
  auto* m = new (kstd::nothrow) Message();
  if (m == nullptr) return kstd::Error::kNoMemory;
  m->type = type;
  m->size = size;
  if (size > 0) {
    m->text = new (kstd::nothrow) uint8_t[size];
    if (m->text == nullptr) {
      delete m;
      return kstd::Error::kNoMemory;
    }
  }
  return m;
}

void FreeMessage(Message* message) {
  if (message == nullptr) return;
  delete[] message->text;
  delete message;
}

kstd::Result<int> MsgGet(int32_t key, int flags) {
  const posix::Credentials caller = CallerCredentials();
  Queue* fresh = nullptr;
  for (;;) {
    {
      SpinLockGuard guard(g_lock);
      if (key != linux_abi::kIpcPrivate) {
        for (int i = 0; i < kSlots; ++i) {
          Queue* q = g_queues[i];
          if (q == nullptr || q->perm.key != key) continue;
          delete fresh;
          if ((flags & linux_abi::kIpcCreat) && (flags & linux_abi::kIpcExcl)) {
            return kstd::Error::kExists;
          }
          TRY(CheckAccess(q->perm, caller, WantedByFlags(flags)));
          return MakeId(i, g_seqs[i]);
        }
        if ((flags & linux_abi::kIpcCreat) == 0) {
          delete fresh;
          return kstd::Error::kNotFound;
        }
      }
      if (fresh != nullptr) {
        if (g_in_use >= Load(&g_msgmni)) {
          delete fresh;
          return kstd::Error::kNoSpace;
        }
        for (int i = 0; i < kSlots; ++i) {
          if (g_queues[i] != nullptr) continue;
          g_seqs[i] = static_cast<uint16_t>(g_seqs[i] + 1);
          InitPerm(&fresh->perm, caller, key, flags);
          fresh->qbytes = static_cast<uint64_t>(Load(&g_msgmnb));
          fresh->ctime = NowSeconds();
          g_queues[i] = fresh;
          ++g_in_use;
          return MakeId(i, g_seqs[i]);
        }
        delete fresh;
        return kstd::Error::kNoSpace;
      }
    }
    // Allocated without the lock; the lookup then repeats.
    fresh = new (kstd::nothrow) Queue();
    if (fresh == nullptr) return kstd::Error::kNoMemory;
  }
}

kstd::Result<void> MsgSnd(int id, Message* message, int flags, int32_t pid) {
  struct Owner {
    Message* m;
    ~Owner() { FreeMessage(m); }
  } owner{message};
  const posix::Credentials caller = CallerCredentials();
  bool first = true;
  for (;;) {
    uint64_t seen = g_changes.Generation();
    {
      SpinLockGuard guard(g_lock);
      Queue* q = FindLocked(id);
      if (q == nullptr) return first ? kstd::Error::kInvalid : kstd::Error::kIdRemoved;
      TRY(CheckAccess(q->perm, caller, posix::kMayWrite));
      // Linux's msg_fits: the bytes, and one message per byte of msg_qbytes.
      if (message->size + q->cbytes <= q->qbytes && q->qnum + 1 <= q->qbytes) {
        if (g_total_bytes + message->size > kMaxQueuedBytes) return kstd::Error::kNoMemory;
        q->messages.PushBack(message);
        owner.m = nullptr;
        q->cbytes += message->size;
        ++q->qnum;
        g_total_bytes += message->size;
        ++g_total_messages;
        q->lspid = pid;
        q->stime = NowSeconds();
        ChangedLocked();
        return kstd::Ok();
      }
      if (flags & linux_abi::kIpcNoWait) return kstd::Error::kAgain;
    }
    first = false;
    sched::WakeReason why = g_changes.Wait(seen, sched::kNoDeadline);
    if (why == sched::WakeReason::kInterrupted) return kstd::Error::kRestartNoHand;
  }
}

kstd::Result<Message*> MsgRcv(int id, size_t size, int64_t type, int flags, int32_t pid) {
  if (flags & linux_abi::kMsgCopy) {
    if ((flags & linux_abi::kMsgExcept) || !(flags & linux_abi::kIpcNoWait)) {
      return kstd::Error::kInvalid;
    }
  }
  const posix::Credentials caller = CallerCredentials();
  Message* copy = nullptr;  // MSG_COPY's, made without the lock
  struct Owner {
    Message** m;
    ~Owner() { FreeMessage(*m); }
  } owner{&copy};
  bool first = true;
  for (;;) {
    uint64_t seen = g_changes.Generation();
    size_t copy_size = 0;
    {
      SpinLockGuard guard(g_lock);
      Queue* q = FindLocked(id);
      if (q == nullptr) return first ? kstd::Error::kInvalid : kstd::Error::kIdRemoved;
      TRY(CheckAccess(q->perm, caller, posix::kMayRead));
      Message* m = SelectLocked(*q, type, flags);
      if (m != nullptr) {
        if (m->size > size && !(flags & linux_abi::kMsgNoError)) return kstd::Error::kTooBig;
        if (flags & linux_abi::kMsgCopy) {
          if (copy != nullptr && copy->size >= kstd::Min(m->size, size)) {
            copy->type = m->type;
            copy->size = kstd::Min(m->size, size);
            if (copy->size > 0) __builtin_memcpy(copy->text, m->text, copy->size);
            Message* out = copy;
            copy = nullptr;
            return out;
          }
          copy_size = kstd::Min(m->size, size);  // allocate, then look again
        } else {
          q->messages.Remove(m);
          q->cbytes -= m->size;
          --q->qnum;
          g_total_bytes -= m->size;
          --g_total_messages;
          q->lrpid = pid;
          q->rtime = NowSeconds();
          ChangedLocked();
          if (m->size > size) m->size = size;  // MSG_NOERROR: the rest is lost
          return m;
        }
      } else if (flags & linux_abi::kIpcNoWait) {
        return kstd::Error::kNoMessage;
      }
    }
    if (copy_size > 0 || ((flags & linux_abi::kMsgCopy) && copy == nullptr)) {
      FreeMessage(copy);
      copy = nullptr;
      copy = TRY(NewMessage(1, 0));
      if (copy_size > 0) {
        copy->text = new (kstd::nothrow) uint8_t[copy_size];
        if (copy->text == nullptr) return kstd::Error::kNoMemory;
        copy->size = copy_size;
      }
      continue;
    }
    first = false;
    sched::WakeReason why = g_changes.Wait(seen, sched::kNoDeadline);
    if (why == sched::WakeReason::kInterrupted) return kstd::Error::kRestartNoHand;
  }
}

kstd::Result<int> MsgCtl(int id, int cmd, linux_abi::MsqidDs* ds, linux_abi::Msginfo* info) {
  MessageList dead;  // freed after the lock
  Queue* dead_queue = nullptr;
  struct Reaper {
    MessageList* list;
    Queue** queue;
    ~Reaper() {
      FreeAll(*list);
      delete *queue;
    }
  } reaper{&dead, &dead_queue};
  const posix::Credentials caller = CallerCredentials();
  SpinLockGuard guard(g_lock);
  if (cmd == linux_abi::kIpcInfo || cmd == linux_abi::kMsgInfo) {
    *info = linux_abi::Msginfo{};
    info->msgmni = Load(&g_msgmni);
    info->msgmax = Load(&g_msgmax);
    info->msgmnb = Load(&g_msgmnb);
    info->msgssz = linux_abi::kMsgSsz;
    info->msgseg = linux_abi::kMsgSeg;
    if (cmd == linux_abi::kMsgInfo) {
      info->msgpool = g_in_use;
      info->msgmap = static_cast<int32_t>(kstd::Min<uint64_t>(g_total_messages, INT32_MAX));
      info->msgtql = static_cast<int32_t>(kstd::Min<uint64_t>(g_total_bytes, INT32_MAX));
    } else {
      info->msgmap = linux_abi::kMsgMnb;
      info->msgpool = linux_abi::kMsgMni * linux_abi::kMsgMnb / 1024;
      info->msgtql = linux_abi::kMsgMnb;
    }
    int highest = 0;
    for (int i = 0; i < kSlots; ++i) {
      if (g_queues[i] != nullptr) highest = i;
    }
    return highest;
  }
  Queue* q = nullptr;
  int result = 0;
  if (cmd == linux_abi::kMsgStat || cmd == linux_abi::kMsgStatAny) {
    if (id < 0 || id >= kSlots || g_queues[id] == nullptr) return kstd::Error::kInvalid;
    q = g_queues[id];
    result = MakeId(id, g_seqs[id]);
    id = result;
  } else {
    q = FindLocked(id);
    if (q == nullptr) return kstd::Error::kInvalid;
  }
  switch (cmd) {
    case linux_abi::kIpcRmid:
      TRY(CheckOwner(q->perm, caller));
      while (Message* m = q->messages.PopFront()) {
        g_total_bytes -= m->size;
        --g_total_messages;
        dead.PushBack(m);
      }
      g_queues[SlotOf(id)] = nullptr;
      --g_in_use;
      dead_queue = q;
      ChangedLocked();  // waiters find it gone: EIDRM
      return 0;
    case linux_abi::kIpcStat:
    case linux_abi::kMsgStat:
    case linux_abi::kMsgStatAny:
      if (cmd != linux_abi::kMsgStatAny) TRY(CheckAccess(q->perm, caller, posix::kMayRead));
      *ds = linux_abi::MsqidDs{};
      ds->msg_perm = ToIpcPerm(q->perm, SeqOf(id));
      ds->msg_stime = q->stime;
      ds->msg_rtime = q->rtime;
      ds->msg_ctime = q->ctime;
      ds->msg_cbytes = q->cbytes;
      ds->msg_qnum = q->qnum;
      ds->msg_qbytes = q->qbytes;
      ds->msg_lspid = q->lspid;
      ds->msg_lrpid = q->lrpid;
      return result;
    case linux_abi::kIpcSet:
      TRY(CheckOwner(q->perm, caller));
      // Raising msg_qbytes past kernel.msgmnb needs CAP_SYS_RESOURCE.
      if (ds->msg_qbytes > static_cast<uint64_t>(Load(&g_msgmnb)) &&
          !caller.Has(linux_abi::kCapSysResource)) {
        return kstd::Error::kPermission;
      }
      SetOwner(&q->perm, ds->msg_perm);
      q->qbytes = ds->msg_qbytes;
      q->ctime = NowSeconds();
      ChangedLocked();  // senders may fit now
      return 0;
    default: return kstd::Error::kInvalid;
  }
}

int MsgMax() { return Load(&g_msgmax); }
int MsgMnb() { return Load(&g_msgmnb); }
int MsgMni() { return Load(&g_msgmni); }
void SetMsgMax(int value) { __atomic_store_n(&g_msgmax, value, __ATOMIC_RELAXED); }
void SetMsgMnb(int value) { __atomic_store_n(&g_msgmnb, value, __ATOMIC_RELAXED); }
void SetMsgMni(int value) { __atomic_store_n(&g_msgmni, value, __ATOMIC_RELAXED); }

size_t ListQueues(int* from, MsgRow* rows, size_t max) {
  SpinLockGuard guard(g_lock);
  Queue* const* queues = g_queues;  // read under the lock, by the callback below
  const uint16_t* seqs = g_seqs;
  return ListSlots(from, kSlots, rows, max, [queues, seqs](int i, MsgRow* row) {
    const Queue* q = queues[i];
    if (q == nullptr) return false;
    *row = MsgRow{q->perm,  MakeId(i, seqs[i]), q->cbytes, q->qnum, q->lspid,
                  q->lrpid, q->stime,           q->rtime,  q->ctime};
    return true;
  });
}

}  // namespace core::sysv
