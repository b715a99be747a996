#pragma once

// System V message queues (msgget/msgsnd/msgrcv/msgctl), as Linux: queues
// named by a key or IPC_PRIVATE, each a list of typed messages in the order
// sent. A sender waits while the queue has no room (msg_qbytes bytes, and as
// many messages), a receiver while no message of the wanted type is there;
// IPC_NOWAIT gives EAGAIN / ENOMSG instead. A signal ends a wait
// (ERESTARTNOHAND, the syscall table's class for these calls: EINTR once a
// handler runs, SA_RESTART or not), IPC_RMID wakes every waiter with EIDRM.
// Everyone runs as root: the permission bits are kept and reported, not
// enforced.
//
// Limits: kernel.msgmax (largest message), kernel.msgmnb (a new queue's
// msg_qbytes), kernel.msgmni (most queues), Linux's defaults, settable
// (/proc/sys/kernel/msg*). Beyond Linux, all queued text together is bounded
// by kMaxQueuedBytes (a send past it fails with ENOMEM), so queues cannot
// take the kernel's memory.

#include <stddef.h>
#include <stdint.h>

#include "abi/linux/sysv_ipc.h"
#include "core/sysv/ipc_ids.h"
#include "kstd/intrusive_list.h"
#include "kstd/result.h"

namespace core::sysv {

inline constexpr uint64_t kMaxQueuedBytes = 64ull << 20;

/// One message: made by NewMessage, its text filled by the caller, then
/// given to MsgSnd (which owns it from then on) or to FreeMessage.
struct Message {
  kstd::ListNode node;
  int64_t type = 0;
  size_t size = 0;
  uint8_t* text = nullptr;  // size bytes
};

/// A message of `size` bytes of type `type`. Errors: kInvalid (type < 1,
/// size above kernel.msgmax), kNoMemory.
kstd::Result<Message*> NewMessage(int64_t type, size_t size);
void FreeMessage(Message* message);

/// msgget. Errors: kExists (IPC_CREAT|IPC_EXCL and the key exists),
/// kNotFound (no such key, no IPC_CREAT), kNoSpace (kernel.msgmni queues),
/// kNoMemory.
kstd::Result<int> MsgGet(int32_t key, int flags);

/// msgsnd: queues `message` (always taken: queued or freed). `flags`:
/// IPC_NOWAIT. Errors: kInvalid (no such queue), kAgain (full, IPC_NOWAIT),
/// kIdRemoved (removed while waiting), kRestartNoHand (a signal),
/// kNoMemory (kMaxQueuedBytes).
kstd::Result<void> MsgSnd(int id, Message* message, int flags, int32_t pid);

/// msgrcv: takes the first message that `type` selects (0: any; > 0: that
/// type, or any other with MSG_EXCEPT; < 0: the lowest type up to -type)
/// and returns it for the caller to copy out and free; with MSG_COPY, a
/// copy of the message at index `type` (which stays). `flags`: IPC_NOWAIT,
/// MSG_NOERROR (a message longer than `size` is cut, else E2BIG and it
/// stays), MSG_EXCEPT, MSG_COPY (needs IPC_NOWAIT, not MSG_EXCEPT).
/// Errors: kInvalid (no such queue, bad flags), kTooBig, kNoMessage
/// (IPC_NOWAIT), kIdRemoved, kRestartNoHand, kNoMemory (MSG_COPY).
kstd::Result<Message*> MsgRcv(int id, size_t size, int64_t type, int flags, int32_t pid);

/// msgctl: IPC_STAT, MSG_STAT, MSG_STAT_ANY (fill *ds; the STATs take an
/// index and return the id), IPC_SET (uid, gid, mode, msg_qbytes from *ds),
/// IPC_RMID, IPC_INFO and MSG_INFO (fill *info, return the highest index in
/// use). Errors: kInvalid (no such queue, unknown cmd).
kstd::Result<int> MsgCtl(int id, int cmd, linux_abi::MsqidDs* ds, linux_abi::Msginfo* info);

/// kernel.msgmax, kernel.msgmnb, kernel.msgmni: read and set (the caller
/// bounds the values: msgmni at most linux_abi::kIpcMni, all >= 0).
int MsgMax();
int MsgMnb();
int MsgMni();
void SetMsgMax(int value);
void SetMsgMnb(int value);
void SetMsgMni(int value);

/// One queue as /proc/sysvipc/msg shows it.
struct MsgRow {
  Perm perm;
  int id;
  uint64_t cbytes, qnum;
  int32_t lspid, lrpid;
  int64_t stime, rtime, ctime;
};
/// Copies up to `max` queues with index >= `*from` into `rows` and moves
/// `*from` past the last one copied; returns how many.
size_t ListQueues(int* from, MsgRow* rows, size_t max);

}  // namespace core::sysv
