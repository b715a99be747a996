#include "core/vfs/mount_namespace.h"

#include "kstd/new.h"

namespace core::vfs {
namespace {

uint64_t g_next_id = MountNamespace::kFirstDynamicId;
// Its count never reaches 0 (the first reference is its own).
MountNamespace g_initial(MountNamespace::kInitialId);

}  // namespace

MountNamespace* MountNamespace::Initial() { return &g_initial; }

kstd::Result<kstd::RefPtr<MountNamespace>> MountNamespace::CopyOf(const MountNamespace& from) {
  kstd::RefPtr<MountNamespace> copy = kstd::AdoptRef(
      new (kstd::nothrow) MountNamespace(__atomic_fetch_add(&g_next_id, 1, __ATOMIC_RELAXED)));
  if (!copy) return kstd::Error::kNoMemory;
  TRY(copy->mounts_.CopyFrom(from.mounts_));
  return copy;
}

}  // namespace core::vfs
