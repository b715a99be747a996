// Linux fallocate(2): for memfds (core/fd/memfd.h). Other files refuse it
// with EOPNOTSUPP (counted), as Linux does for file systems without it:
// ramfs/tmpfs here cannot reserve space, and the ext2 server has no call
// for it.

#include "core/fd/memfd.h"
#include "core/syscall/file_size_limit.h"
#include "core/syscall/sys_common.h"
#include "core/unsupported/refusals.h"
#include "core/vfs/vnode.h"

namespace core::syscall {

kstd::Result<uint64_t> SysLinuxFallocate(int32_t fd, int32_t mode, int64_t offset, int64_t length) {
  // Linux's order (vfs_fallocate): the range, the mode, the access, the kind.
  if (offset < 0 || length <= 0) return kstd::Error::kInvalid;
  const uint32_t flags = static_cast<uint32_t>(mode);
  if ((flags & fd::kFallocPunchHole) != 0 && (flags & fd::kFallocKeepSize) == 0) {
    return kstd::Error::kOperationNotSupported;
  }
  auto file = TRY(CurrentProcess()->fds()->Get(fd));
  if (!file->writable()) return kstd::Error::kBadHandle;
  vfs::Vnode* v = file->vnode();
  if (v == nullptr) {
    const bool fifo = (file->StatMode() & linux_abi::kModeTypeMask) == linux_abi::kModeFifo;
    return fifo ? kstd::Error::kIllegalSeek : kstd::Error::kNoDevice;
  }
  if (v->type() == vfs::VnodeType::kFifo) return kstd::Error::kIllegalSeek;
  if (v->IsDirectory()) return kstd::Error::kIsDirectory;
  if (v->type() != vfs::VnodeType::kRegular) return kstd::Error::kNoDevice;
  fd::MemfdVnode* memfd = fd::MemfdVnode::From(v);
  if (memfd == nullptr) {
    return Refuse("fallocate", "file_system", flags, kstd::Error::kOperationNotSupported);
  }
  // RLIMIT_FSIZE (inode_newsize_ok) for a fallocate that grows the file.
  uint64_t end = static_cast<uint64_t>(offset) + static_cast<uint64_t>(length);
  if ((flags & fd::kFallocKeepSize) == 0 && end > v->GetAttr().size) TRY(CheckNewFileSize(end));
  TRY(memfd->Allocate(flags, static_cast<uint64_t>(offset), static_cast<uint64_t>(length)));
  v->NoteContentChanged();
  return 0;
}

}  // namespace core::syscall
