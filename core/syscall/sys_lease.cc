// fcntl F_SETLEASE/F_GETLEASE (the leases are core/fd/lease.h; opens break
// them through core/fd/lease_break.h in sys_files.cc).

#include "core/syscall/sys_lease.h"

#include "abi/linux/capability.h"
#include "abi/linux/fcntl.h"
#include "core/fd/lease.h"
#include "core/syscall/sys_async.h"
#include "core/syscall/sys_common.h"
#include "core/vfs/vnode.h"

namespace core::syscall {

kstd::Result<uint64_t> FcntlLease(fd::FileDescription* file, int32_t fd, int32_t cmd,
                                  uint64_t arg) {
  if (cmd == linux_abi::kFGetLease) return static_cast<uint64_t>(fd::GetLease(file));
  // Linux's order: the type, the owner (EACCES), then the kind of file.
  const int type = static_cast<int>(arg);
  if (arg > 2) return kstd::Error::kInvalid;
  vfs::Vnode* v = file->vnode();
  Process* self = CurrentProcess();
  const posix::Credentials cred = self->credentials();
  if (v != nullptr && v->Ownership().uid != cred.fsuid && !cred.Has(linux_abi::kCapLease)) {
    return kstd::Error::kAccess;
  }
  if (v == nullptr) return kstd::Error::kInvalid;
  const int32_t pid = static_cast<int32_t>(self->pid());
  if (type != fd::kLeaseNone) TRY(EnableSender());  // the break signal's
  TRY(fd::SetLease(file, *v, type, pid, fd));
  if (type != fd::kLeaseNone) {
    // Linux's lease_setup: the break signal goes to the lease's setter.
    file->set_async_owner(fd::AsyncOwner{linux_abi::kFOwnerPid, pid});
  }
  return 0;
}

}  // namespace core::syscall
