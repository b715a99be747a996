#include "core/vfs/kernel_mounts.h"

namespace core::vfs {
namespace {

MountTable g_mounts;

}  // namespace

MountTable& Mounts() { return g_mounts; }

}  // namespace core::vfs
