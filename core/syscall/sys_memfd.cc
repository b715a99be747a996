// Linux memfd_create(2) (the file is core/fd/memfd.h) and fcntl's
// F_ADD_SEALS/F_GET_SEALS.

#include "core/syscall/sys_memfd.h"
#include "abi/linux/fcntl.h"
#include "core/fd/memfd.h"
#include "core/fd/vnode_file.h"
#include "core/kernel/memory.h"
#include "core/syscall/sys_common.h"
#include "core/unsupported/refusals.h"
#include "core/user/user_ptr.h"

namespace core::syscall {

kstd::Result<uint64_t> SysLinuxMemfdCreate(UserPtr<const char> name, uint32_t flags) {
  // Linux's order: flags, then the name (EFAULT; EINVAL when too long).
  if ((flags & ~fd::kMfdAll) != 0) return kstd::Error::kInvalid;
  if ((flags & fd::kMfdHugetlb) != 0) {
    return Refuse("memfd_create", "MFD_HUGETLB", fd::kMfdHugetlb);
  }
  if ((flags & fd::kMfdExec) != 0 && (flags & fd::kMfdNoexecSeal) != 0) {
    return kstd::Error::kInvalid;
  }
  char text[fd::kMemfdNameMax + 1];
  auto length = CopyStringIn(name.address(), text, fd::kMemfdNameMax);
  if (length.is_error()) {
    return length.error() == kstd::Error::kNameTooLong ? kstd::Error::kInvalid : length.error();
  }
  const posix::Credentials cred = CurrentProcess()->credentials();
  auto vnode = TRY(fd::MemfdVnode::Create(&Pmm(), vfs::Name(text, length.value()), flags,
                                          cred.fsuid, cred.fsgid));
  auto file = TRY(vnode->Open(linux_abi::kORdWr));
  kstd::RefPtr<fd::FileDescription> d = kstd::AdoptRef<fd::FileDescription>(new (
      kstd::nothrow) fd::VnodeFile(kstd::Move(file), linux_abi::kORdWr | linux_abi::kOLargeFile));
  if (!d) return kstd::Error::kNoMemory;
  return TRY(CurrentProcess()->fds()->Install(kstd::Move(d), (flags & fd::kMfdCloexec) != 0));
}

kstd::Result<uint64_t> FcntlSeals(fd::FileDescription* file, int32_t cmd, uint64_t arg) {
  if (cmd == linux_abi::kFAddSeals) {
    // Linux checks the access mode before anything else.
    if (!file->writable()) return kstd::Error::kPermission;
    if ((arg & ~static_cast<uint64_t>(fd::kSealAll)) != 0) return kstd::Error::kInvalid;
    fd::MemfdVnode* memfd = fd::MemfdVnode::From(file->vnode());
    if (memfd == nullptr) return kstd::Error::kInvalid;
    TRY(memfd->AddSeals(static_cast<uint32_t>(arg)));
    return 0;
  }
  fd::MemfdVnode* memfd = fd::MemfdVnode::From(file->vnode());
  if (memfd == nullptr) return kstd::Error::kInvalid;
  return memfd->seals();
}

}  // namespace core::syscall
