// Linux System V IPC calls: shmget/shmat/shmdt/shmctl,
// semget/semop/semtimedop/semctl and msgget/msgsnd/msgrcv/msgctl (core/sysv
// does the work; this file copies the structures in and out).

#include "core/syscall/sys_sysv.h"
#include "abi/linux/sysv_ipc.h"
#include "abi/linux/time.h"
#include "core/syscall/deadline.h"
#include "core/syscall/pid_view.h"
#include "core/syscall/sys_common.h"
#include "core/sysv/ipc_perm.h"
#include "core/sysv/msg.h"
#include "core/sysv/sem.h"
#include "core/sysv/shm.h"
#include "core/unsupported/refusals.h"

namespace core::syscall {
namespace {

// The caller's kernel id: the IPC objects keep kernel ids (undo lists, the
// last sender, creator, ...) and show them through Shown.
int32_t Pid() { return static_cast<int32_t>(CurrentProcess()->pid()); }
// A kept kernel id as the caller's PID namespace numbers it (0: not
// visible to it, as Linux).
int32_t Shown(int32_t kernel_id) {
  return kernel_id > 0 ? static_cast<int32_t>(PidToUser(static_cast<uint64_t>(kernel_id)))
                       : kernel_id;
}

// Undo adjustments at a process's end (core/proc's hook).
void OnProcessEnd(uint64_t pid) { sysv::ApplyUndo(static_cast<int32_t>(pid)); }

kstd::Result<uint64_t> DoSemop(int32_t id, uint64_t user_ops, uint64_t nops, uint64_t deadline) {
  if (nops == 0) return kstd::Error::kInvalid;
  if (nops > static_cast<uint64_t>(linux_abi::kSemOpm)) return kstd::Error::kTooBig;
  linux_abi::Sembuf ops[linux_abi::kSemOpm];
  TRY(UserPtr<linux_abi::Sembuf>(user_ops).CopyIn(ops, nops));
  TRY(sysv::SemOp(id, kstd::Span<const linux_abi::Sembuf>(ops, nops), deadline, Pid()));
  return 0;
}

posix::Credentials CallerOfSysv() { return CurrentProcess()->credentials(); }

}  // namespace

void InitSysvCalls() {
  SetProcessEndHook(OnProcessEnd);
  sysv::SetCredentialsSource(CallerOfSysv);
}

kstd::Result<uint64_t> SysLinuxShmget(int32_t key, uint64_t size, int32_t flags) {
  return static_cast<uint64_t>(TRY(sysv::ShmGet(key, size, flags, Pid())));
}

kstd::Result<uint64_t> SysLinuxShmat(int32_t id, uint64_t addr, int32_t flags) {
  return TRY(sysv::ShmAt(CurrentProcess()->aspace(), id, addr, flags, Pid()));
}

kstd::Result<uint64_t> SysLinuxShmdt(uint64_t addr) {
  TRY(sysv::ShmDt(CurrentProcess()->aspace(), addr, Pid()));
  return 0;
}

kstd::Result<uint64_t> SysLinuxShmctl(int32_t id, int32_t cmd, UserPtr<void> buf) {
  cmd &= ~linux_abi::kIpc64;
  linux_abi::ShmidDs ds{};
  switch (cmd) {
    case linux_abi::kIpcRmid: return static_cast<uint64_t>(TRY(sysv::ShmCtl(id, cmd, &ds, &ds)));
    case linux_abi::kIpcSet:
      TRY(UserPtr<linux_abi::ShmidDs>(buf.address()).CopyIn(&ds));
      return static_cast<uint64_t>(TRY(sysv::ShmCtl(id, cmd, &ds, &ds)));
    case linux_abi::kIpcStat:
    case linux_abi::kShmStat: {
      int r = TRY(sysv::ShmCtl(id, cmd, nullptr, &ds));
      ds.shm_cpid = Shown(ds.shm_cpid);
      ds.shm_lpid = Shown(ds.shm_lpid);
      TRY(UserPtr<linux_abi::ShmidDs>(buf.address()).CopyOut(&ds));
      return static_cast<uint64_t>(r);
    }
    case linux_abi::kIpcInfo: {
      linux_abi::Shminfo limits{};
      int r = sysv::ShmInfo(&limits, nullptr);
      TRY(UserPtr<linux_abi::Shminfo>(buf.address()).CopyOut(&limits));
      return static_cast<uint64_t>(r);
    }
    case linux_abi::kShmInfo: {
      linux_abi::ShmInfo use{};
      int r = sysv::ShmInfo(nullptr, &use);
      TRY(UserPtr<linux_abi::ShmInfo>(buf.address()).CopyOut(&use));
      return static_cast<uint64_t>(r);
    }
    default:
      // SHM_LOCK/UNLOCK and the rest.
      return Refuse("shmctl", "cmd", static_cast<uint32_t>(cmd));
  }
}

kstd::Result<uint64_t> SysLinuxSemget(int32_t key, int32_t nsems, int32_t flags) {
  return static_cast<uint64_t>(TRY(sysv::SemGet(key, nsems, flags, Pid())));
}

kstd::Result<uint64_t> SysLinuxSemop(int32_t id, UserPtr<const void> ops, uint64_t nops) {
  return DoSemop(id, ops.address(), nops, sched::kNoDeadline);
}

kstd::Result<uint64_t> SysLinuxSemtimedop(int32_t id, UserPtr<const void> ops, uint64_t nops,
                                          UserPtr<const linux_abi::Timespec> timeout) {
  return DoSemop(id, ops.address(), nops, TRY(DeadlineAfterTimespec(timeout)));
}

kstd::Result<uint64_t> SysLinuxSemctl(int32_t id, int32_t num, int32_t cmd, uint64_t arg) {
  cmd &= ~linux_abi::kIpc64;
  linux_abi::SemidDs ds{};
  switch (cmd) {
    case linux_abi::kIpcStat:
    case linux_abi::kSemStat: {
      int r = TRY(sysv::SemCtl(id, num, cmd, 0, {}, &ds, Pid()));
      TRY(UserPtr<linux_abi::SemidDs>(arg).CopyOut(&ds));
      return static_cast<uint64_t>(r);
    }
    case linux_abi::kIpcSet:
      TRY(UserPtr<linux_abi::SemidDs>(arg).CopyIn(&ds));
      return static_cast<uint64_t>(TRY(sysv::SemCtl(id, num, cmd, 0, {}, &ds, Pid())));
    case linux_abi::kGetAll:
    case linux_abi::kSetAll: {
      int n = TRY(sysv::SemCount(id));
      uint16_t values[sysv::kMaxSemaphores];
      if (cmd == linux_abi::kSetAll) TRY(UserPtr<uint16_t>(arg).CopyIn(values, n));
      TRY(sysv::SemCtl(id, num, cmd, 0, kstd::Span<uint16_t>(values, n), &ds, Pid()));
      if (cmd == linux_abi::kGetAll) TRY(UserPtr<uint16_t>(arg).CopyOut(values, n));
      return 0;
    }
    case linux_abi::kGetPid:
      return static_cast<uint64_t>(
          Shown(TRY(sysv::SemCtl(id, num, cmd, static_cast<int32_t>(arg), {}, &ds, Pid()))));
    case linux_abi::kIpcRmid:
    case linux_abi::kGetVal:
    case linux_abi::kGetNcnt:
    case linux_abi::kGetZcnt:
    case linux_abi::kSetVal:
      // SETVAL's union semun passes the int in the argument's low bits.
      return static_cast<uint64_t>(
          TRY(sysv::SemCtl(id, num, cmd, static_cast<int32_t>(arg), {}, &ds, Pid())));
    case linux_abi::kIpcInfo:
    case linux_abi::kSemInfo: {
      // The fourth argument is a struct seminfo pointer.
      linux_abi::Seminfo info{};
      int r = sysv::SemInfo(cmd == linux_abi::kSemInfo, &info);
      TRY(UserPtr<linux_abi::Seminfo>(arg).CopyOut(&info));
      return static_cast<uint64_t>(r);
    }
    default: return Refuse("semctl", "cmd", static_cast<uint32_t>(cmd));
  }
}

kstd::Result<uint64_t> SysLinuxMsgget(int32_t key, int32_t flags) {
  return static_cast<uint64_t>(TRY(sysv::MsgGet(key, flags)));
}

// struct msgbuf { long mtype; char mtext[]; }.
kstd::Result<uint64_t> SysLinuxMsgsnd(int32_t id, UserPtr<const void> msg, uint64_t size,
                                      int32_t flags) {
  int64_t type = 0;
  TRY(UserPtr<const int64_t>(msg.address()).CopyIn(&type));  // EFAULT first, as Linux
  if (id < 0 || size > static_cast<uint64_t>(sysv::MsgMax())) return kstd::Error::kInvalid;
  sysv::Message* m = TRY(sysv::NewMessage(type, size));
  if (size > 0) {
    auto copied = UserPtr<const uint8_t>(msg.address() + sizeof(int64_t)).CopyIn(m->text, size);
    if (copied.is_error()) {
      sysv::FreeMessage(m);
      return copied.error();
    }
  }
  TRY(sysv::MsgSnd(id, m, flags, Pid()));
  return 0;
}

kstd::Result<uint64_t> SysLinuxMsgrcv(int32_t id, UserPtr<void> msg, uint64_t size, int64_t type,
                                      int32_t flags) {
  if (id < 0 || static_cast<int64_t>(size) < 0) return kstd::Error::kInvalid;
  sysv::Message* m = TRY(sysv::MsgRcv(id, size, type, flags, Pid()));
  // The message is out of the queue: a fault copying it loses it, as on Linux.
  struct Owner {
    sysv::Message* m;
    ~Owner() { sysv::FreeMessage(m); }
  } owner{m};
  TRY(UserPtr<int64_t>(msg.address()).CopyOut(&m->type));
  if (m->size > 0) {
    TRY(UserPtr<uint8_t>(msg.address() + sizeof(int64_t)).CopyOut(m->text, m->size));
  }
  return m->size;
}

kstd::Result<uint64_t> SysLinuxMsgctl(int32_t id, int32_t cmd, UserPtr<void> buf) {
  cmd &= ~linux_abi::kIpc64;
  linux_abi::MsqidDs ds{};
  switch (cmd) {
    case linux_abi::kIpcRmid:
      return static_cast<uint64_t>(TRY(sysv::MsgCtl(id, cmd, &ds, nullptr)));
    case linux_abi::kIpcSet:
      TRY(UserPtr<linux_abi::MsqidDs>(buf.address()).CopyIn(&ds));
      return static_cast<uint64_t>(TRY(sysv::MsgCtl(id, cmd, &ds, nullptr)));
    case linux_abi::kIpcStat:
    case linux_abi::kMsgStat:
    case linux_abi::kMsgStatAny: {
      int r = TRY(sysv::MsgCtl(id, cmd, &ds, nullptr));
      ds.msg_lspid = Shown(ds.msg_lspid);
      ds.msg_lrpid = Shown(ds.msg_lrpid);
      TRY(UserPtr<linux_abi::MsqidDs>(buf.address()).CopyOut(&ds));
      return static_cast<uint64_t>(r);
    }
    case linux_abi::kIpcInfo:
    case linux_abi::kMsgInfo: {
      linux_abi::Msginfo info{};
      int r = TRY(sysv::MsgCtl(id, cmd, nullptr, &info));
      TRY(UserPtr<linux_abi::Msginfo>(buf.address()).CopyOut(&info));
      return static_cast<uint64_t>(r);
    }
    default: return kstd::Error::kInvalid;
  }
}

}  // namespace core::syscall
