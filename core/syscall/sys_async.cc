// Signal-driven I/O: who an O_ASYNC description signals (F_SETOWN and its
// _EX form), with which signal (F_SETSIG), and the sender that core/fd
// calls when a pipe, socket or fifo becomes readable or writable. core/fd calls
// it with the file's locks held, so it only queues the signal; a kernel
// thread ("sigio") sends it with no lock held (as the console's terminal
// signals go through "tty-signals"). The queue holds kQueued signals; one
// more is dropped (a non-realtime SIGIO coalesces anyway).

#include "core/syscall/sys_async.h"

#include "abi/linux/fcntl.h"
#include "abi/linux/signal.h"
#include "core/proc/signals.h"
#include "core/sched/scheduler.h"
#include "core/sync/spin_lock.h"
#include "core/sync/thread_annotations.h"
#include "core/syscall/pid_view.h"
#include "core/syscall/sys_common.h"

namespace core::syscall {
namespace {

using fd::AsyncOwner;

kstd::Result<void> Deliver(AsyncOwner owner, int signo, const linux_abi::SigInfo& info) {
  switch (owner.type) {
    case linux_abi::kFOwnerTid:
      return SendSignalToThread(0, static_cast<uint64_t>(owner.id), signo, info);
    case linux_abi::kFOwnerPid:
      return SendSignalToProcess(static_cast<uint64_t>(owner.id), signo, info);
    default: return SendSignalToGroup(static_cast<uint64_t>(owner.id), signo, info);
  }
}

struct Queued {
  AsyncOwner owner;
  int signo;
  linux_abi::SigInfo info;
};

constexpr int kQueued = 64;
SpinLock g_queue_lock;
Queued g_queue[kQueued] GUARDED_BY(g_queue_lock);
int g_queue_head GUARDED_BY(g_queue_lock) = 0;
int g_queue_used GUARDED_BY(g_queue_lock) = 0;
sched::WaitQueue g_queue_wake;
int g_thread_state = 0;  // 0 none, 1 started; atomic

bool QueueEmpty(void*) {
  SpinLockGuard guard(g_queue_lock);
  return g_queue_used == 0;
}

void SigioThread(void*) {
  for (;;) {
    g_queue_wake.WaitIf(sched::kNoDeadline, QueueEmpty, nullptr);
    for (;;) {
      Queued q;
      {
        SpinLockGuard guard(g_queue_lock);
        if (g_queue_used == 0) break;
        q = g_queue[g_queue_head];
        g_queue_head = (g_queue_head + 1) % kQueued;
        --g_queue_used;
      }
      (void)Deliver(q.owner, q.signo, q.info);  // a vanished owner is ignored
    }
  }
}

kstd::Result<void> StartThreadOnce() {
  int expected = 0;
  if (!__atomic_compare_exchange_n(&g_thread_state, &expected, 1, false, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE)) {
    return kstd::Ok();
  }
  auto thread = sched::Thread::Create("sigio", nullptr, SigioThread, nullptr, sched::kPriorityHigh);
  if (thread.is_error()) {
    __atomic_store_n(&g_thread_state, 0, __ATOMIC_RELEASE);
    return thread.error();
  }
  sched::Start(thread.value().get());
  return kstd::Ok();
}

// core/fd's AsyncSignalSender: SIGIO as the kernel's own signal without
// F_SETSIG, else the chosen signal with si_code, si_band and si_fd (as
// Linux's send_sigio_to_task); queued for the sigio thread.
void SendAsync(AsyncOwner owner, int signo, int32_t code, int32_t fd, int64_t band) {
  Queued q;
  q.owner = owner;
  if (signo == 0) {
    signo = linux_abi::kSigIo;
    q.info.code = linux_abi::kSiKernel;
  } else {
    q.info.code = code;
    q.info.poll.band = band;
    q.info.poll.fd = fd;
  }
  q.signo = signo;
  q.info.signo = signo;
  {
    SpinLockGuard guard(g_queue_lock);
    if (g_queue_used == kQueued) return;
    g_queue[(g_queue_head + g_queue_used) % kQueued] = q;
    ++g_queue_used;
  }
  g_queue_wake.WakeOne();
}

// F_SETOWN and F_SETOWN_EX: the owner must exist (a probe with signal 0).
// Its id is the caller's PID namespace's number (kept as the kernel's id;
// one the caller cannot see is ESRCH).
kstd::Result<void> SetOwner(fd::FileDescription* file, AsyncOwner owner) {
  if (owner.id < 0) return kstd::Error::kSearch;
  if (owner.id != 0) {
    const uint64_t id = PidFromUser(owner.id);
    if (id == 0) return kstd::Error::kSearch;
    owner.id = static_cast<int32_t>(id);
  }
  if (owner.id != 0) TRY(Deliver(owner, 0, linux_abi::SigInfo{}));
  TRY(EnableSender());
  file->set_async_owner(owner);
  return kstd::Ok();
}

}  // namespace

kstd::Result<uint64_t> FcntlAsync(fd::FileDescription* file, int32_t cmd, uint64_t arg) {
  switch (cmd) {
    case linux_abi::kFSetOwn: {
      int32_t who = static_cast<int32_t>(arg);
      AsyncOwner owner{linux_abi::kFOwnerPid, who};
      if (who < 0) {
        if (who == INT32_MIN) return kstd::Error::kSearch;
        owner = AsyncOwner{linux_abi::kFOwnerPgrp, -who};
      }
      TRY(SetOwner(file, owner));
      return 0;
    }
    case linux_abi::kFGetOwn: {
      AsyncOwner owner = file->async_owner();
      const int64_t id = static_cast<int64_t>(PidToUser(static_cast<uint64_t>(owner.id)));
      int64_t who = owner.type == linux_abi::kFOwnerPgrp ? -id : id;
      return static_cast<uint64_t>(who);
    }
    case linux_abi::kFSetOwnEx: {
      linux_abi::FOwnerEx ex;
      TRY(UserPtr<linux_abi::FOwnerEx>(arg).CopyIn(&ex));
      if (ex.type != linux_abi::kFOwnerTid && ex.type != linux_abi::kFOwnerPid &&
          ex.type != linux_abi::kFOwnerPgrp) {
        return kstd::Error::kInvalid;
      }
      TRY(SetOwner(file, AsyncOwner{ex.type, ex.pid}));
      return 0;
    }
    case linux_abi::kFGetOwnEx: {
      AsyncOwner owner = file->async_owner();
      linux_abi::FOwnerEx ex{owner.type,
                             static_cast<int32_t>(PidToUser(static_cast<uint64_t>(owner.id)))};
      TRY(UserPtr<linux_abi::FOwnerEx>(arg).CopyOut(&ex));
      return 0;
    }
    case linux_abi::kFSetSig:
      if (arg > static_cast<uint64_t>(linux_abi::kNumSignals)) return kstd::Error::kInvalid;
      file->set_async_signal(static_cast<int>(arg));
      return 0;
    case linux_abi::kFGetSig: return static_cast<uint64_t>(file->async_signal());
    default: return kstd::Error::kInvalid;
  }
}

void NoteAsyncEnabled(fd::FileDescription* file, int32_t fd) { file->set_async_fd(fd); }

// The sender is installed once its thread runs.
kstd::Result<void> EnableSender() {
  TRY(StartThreadOnce());
  fd::SetAsyncSignalSender(&SendAsync);
  return kstd::Ok();
}

}  // namespace core::syscall
