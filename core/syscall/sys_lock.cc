// File locks: fcntl's record locks (F_GETLK, F_SETLK, F_SETLKW, and the
// F_OFD_ forms owned by the open description) and flock(2). The locks
// themselves are core/fd's (file_lock.h); this file decodes the calls.

#include "core/syscall/sys_lock.h"

#include "abi/linux/fcntl.h"
#include "core/fd/fd_table.h"
#include "core/fd/file_lock.h"
#include "core/fd/file_lock_wait.h"
#include "core/syscall/pid_view.h"
#include "core/syscall/sys_common.h"
#include "core/unsupported/refusals.h"
#include "core/vfs/vnode.h"

namespace core::syscall {
namespace {

using fd::FileDescription;
using fd::kLockEof;
using fd::LockClass;
using fd::LockRequest;
using fd::LockType;

bool IsOfd(int32_t cmd) {
  return cmd == linux_abi::kFOfdGetLk || cmd == linux_abi::kFOfdSetLk ||
         cmd == linux_abi::kFOfdSetLkW;
}

// The byte range of `fl` on `file` as Linux computes it (flock64_to_posix_lock):
// relative to 0, the offset or the size; l_len 0 runs to the end, a
// negative l_len ends just before the start. Errors: kInvalid, kOverflow.
kstd::Result<void> DecodeRange(FileDescription* file, const linux_abi::Flock& fl,
                               LockRequest* out) {
  int64_t base = 0;
  switch (fl.l_whence) {
    case linux_abi::kSeekSet: break;
    case linux_abi::kSeekCur: {
      auto at = file->Seek(0, linux_abi::kSeekCur);
      base = at.ok() ? at.value() : 0;
      break;
    }
    case linux_abi::kSeekEnd:
      base = static_cast<int64_t>(file->vnode()->GetAttr().size);
      if (base < 0) return kstd::Error::kOverflow;
      break;
    default: return kstd::Error::kInvalid;
  }
  if (fl.l_start > kLockEof - base) return kstd::Error::kOverflow;
  int64_t start = base + fl.l_start;
  if (start < 0) return kstd::Error::kInvalid;
  int64_t end = kLockEof;
  if (fl.l_len > 0) {
    if (fl.l_len - 1 > kLockEof - start) return kstd::Error::kOverflow;
    end = start + (fl.l_len - 1);
  } else if (fl.l_len < 0) {
    if (start + fl.l_len < 0) return kstd::Error::kInvalid;
    end = start - 1;
    start += fl.l_len;
  }
  out->start = start;
  out->end = end;
  return kstd::Ok();
}

kstd::Result<LockRequest> Decode(FileDescription* file, int32_t cmd, const linux_abi::Flock& fl) {
  if (file->vnode() == nullptr) {
    // Pipes, sockets and other kernel-made files have no lock identity yet.
    return Refuse("fcntl", "lock on a file with no vnode", static_cast<uint32_t>(cmd));
  }
  LockRequest request;
  request.file = TRY(fd::LockKeyOf(file));
  TRY(DecodeRange(file, fl, &request));
  switch (fl.l_type) {
    case linux_abi::kFRdLck: request.type = LockType::kRead; break;
    case linux_abi::kFWrLck: request.type = LockType::kWrite; break;
    case linux_abi::kFUnLck: request.unlock = true; break;
    default: return kstd::Error::kInvalid;
  }
  if (IsOfd(cmd)) {
    request.cls = LockClass::kOfd;
    request.owner = file;
    request.pid = -1;  // as Linux reports OFD locks' owners
  } else {
    request.cls = LockClass::kPosix;
    request.owner = CurrentProcess()->fds();
    request.pid = static_cast<int32_t>(CurrentProcess()->pid());
  }
  return request;
}

kstd::Result<uint64_t> GetLock(FileDescription* file, int32_t cmd, UserPtr<linux_abi::Flock> user,
                               linux_abi::Flock fl) {
  if (fl.l_type != linux_abi::kFRdLck && fl.l_type != linux_abi::kFWrLck) {
    return kstd::Error::kInvalid;
  }
  LockRequest request = TRY(Decode(file, cmd, fl));
  if (IsOfd(cmd) && fl.l_pid != 0) return kstd::Error::kInvalid;
  fd::LockInfo conflict;
  if (!fd::TestLock(request, &conflict)) {
    fl.l_type = linux_abi::kFUnLck;
  } else {
    fl.l_type = conflict.type == LockType::kWrite ? linux_abi::kFWrLck : linux_abi::kFRdLck;
    fl.l_whence = linux_abi::kSeekSet;
    fl.l_start = conflict.start;
    fl.l_len = conflict.end == kLockEof ? 0 : conflict.end - conflict.start + 1;
    // The holder as the caller's PID namespace numbers it (OFD locks: -1).
    fl.l_pid = conflict.pid > 0
                   ? static_cast<int32_t>(PidToUser(static_cast<uint64_t>(conflict.pid)))
                   : conflict.pid;
  }
  TRY(user.CopyOut(&fl));
  return 0;
}

kstd::Result<uint64_t> SetLock(FileDescription* file, int32_t cmd, const linux_abi::Flock& fl) {
  LockRequest request = TRY(Decode(file, cmd, fl));
  if (!request.unlock) {
    if (request.type == LockType::kRead && !file->readable()) return kstd::Error::kBadHandle;
    if (request.type == LockType::kWrite && !file->writable()) return kstd::Error::kBadHandle;
  }
  if (IsOfd(cmd) && fl.l_pid != 0) return kstd::Error::kInvalid;
  if (cmd == linux_abi::kFSetLkW || cmd == linux_abi::kFOfdSetLkW) {
    TRY(fd::SetLockWaiting(request));
  } else {
    TRY(fd::TrySetLock(request, nullptr, nullptr));
  }
  return 0;
}

}  // namespace

kstd::Result<uint64_t> FcntlLock(FileDescription* file, int32_t cmd, uint64_t arg) {
  UserPtr<linux_abi::Flock> user(arg);
  linux_abi::Flock fl;
  TRY(user.CopyIn(&fl));
  if (cmd == linux_abi::kFGetLk || cmd == linux_abi::kFOfdGetLk) {
    return GetLock(file, cmd, user, fl);
  }
  return SetLock(file, cmd, fl);
}

kstd::Result<uint64_t> SysLinuxFlock(int32_t fd, int32_t operation) {
  auto file = TRY(CurrentProcess()->fds()->Get(fd));
  LockRequest request;
  switch (operation & ~linux_abi::kLockNb) {
    case linux_abi::kLockSh: request.type = LockType::kRead; break;
    case linux_abi::kLockEx: request.type = LockType::kWrite; break;
    case linux_abi::kLockUn: request.unlock = true; break;
    default: return kstd::Error::kInvalid;
  }
  if (file->vnode() == nullptr) {
    return Refuse("flock", "file with no vnode", static_cast<uint32_t>(operation));
  }
  request.file = TRY(fd::LockKeyOf(file.get()));
  request.cls = LockClass::kFlock;
  request.owner = file.get();
  request.pid = static_cast<int32_t>(CurrentProcess()->pid());
  if (request.unlock || (operation & linux_abi::kLockNb) != 0) {
    TRY(fd::TrySetLock(request, nullptr, nullptr));
  } else {
    TRY(fd::SetLockWaiting(request));
  }
  return 0;
}

}  // namespace core::syscall
