#include "core/syscall/file_size_limit.h"

#include "abi/linux/fcntl.h"
#include "abi/linux/resource.h"
#include "abi/linux/signal.h"
#include "core/proc/process.h"
#include "core/proc/signals.h"
#include "core/syscall/caller.h"
#include "core/vfs/vnode.h"

namespace core::syscall {
namespace {

uint64_t SoftLimit() { return CurrentProcess()->resource_limit(linux_abi::kRlimitFsize).cur; }

}  // namespace

void SignalFileSizeExceeded() {
  SendSignal(CurrentProcess(), linux_abi::kSigXfsz,
             linux_abi::SigInfo::FromKernel(linux_abi::kSigXfsz));
}

namespace {

kstd::Error TooBig() {
  SignalFileSizeExceeded();
  return kstd::Error::kFileTooBig;
}

}  // namespace

kstd::Result<uint64_t> FileSizeLimited(fd::FileDescription* file, bool positional, uint64_t offset,
                                       uint64_t count) {
  vfs::Vnode* v = file->vnode();
  if (count == 0 || v == nullptr || v->type() != vfs::VnodeType::kRegular) return count;
  uint64_t limit = SoftLimit();
  if (limit == linux_abi::kRlimInfinity) return count;
  uint64_t start = offset;
  if (!positional) {
    if ((file->status_flags() & linux_abi::kOAppend) != 0) {
      start = v->GetAttr().size;
    } else {
      auto at = file->Seek(0, linux_abi::kSeekCur);
      start = at.ok() ? static_cast<uint64_t>(at.value()) : 0;
    }
  }
  if (start >= limit) return TooBig();
  return count < limit - start ? count : limit - start;
}

kstd::Result<void> CheckNewFileSize(uint64_t size) {
  uint64_t limit = SoftLimit();
  if (limit != linux_abi::kRlimInfinity && size > limit) return TooBig();
  return kstd::Ok();
}

}  // namespace core::syscall
