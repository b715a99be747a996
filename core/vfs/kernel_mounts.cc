#include "core/vfs/kernel_mounts.h"

namespace core::vfs {

MountTable& Mounts() { return MountNamespace::Initial()->mounts(); }

}  // namespace core::vfs
