#include "core/fs/block_ioctl.h"

#include "abi/linux/block.h"
#include "core/user/user_ptr.h"

namespace core::fs {
namespace {

template <typename T>
kstd::Result<int64_t> Answer(uint64_t arg, T value) {
  TRY(UserPtr<T>(arg).CopyOut(&value));
  return int64_t{0};
}

}  // namespace

kstd::Result<int64_t> AnswerGeometryIoctl(uint32_t request, uint64_t arg, const BlockGeometry& g) {
  switch (request) {
    case linux_abi::kBlkGetSize64: return Answer<uint64_t>(arg, g.capacity_bytes);
    case linux_abi::kBlkGetSize: return Answer<uint64_t>(arg, g.capacity_bytes / 512);
    case linux_abi::kBlkSszGet: return Answer<int32_t>(arg, static_cast<int32_t>(g.block_size));
    case linux_abi::kBlkBszGet:
      // The "soft" block size Linux's buffer cache uses: the page size for
      // a device that has not been given another.
      return Answer<int32_t>(arg, 4096);
    case linux_abi::kBlkPbszGet:
    case linux_abi::kBlkIoMin: return Answer<uint32_t>(arg, g.block_size);
    case linux_abi::kBlkIoOpt: return Answer<uint32_t>(arg, 0);  // none given
    case linux_abi::kBlkRoGet: return Answer<int32_t>(arg, g.read_only ? 1 : 0);
    default: return kstd::Error::kNotTty;
  }
}

}  // namespace core::fs
