#pragma once

// VfsMountRight: the capability to mount a user-space file system (the
// fs_mount native call, core/fs). The kernel makes one
// at boot and gives it to init as the bootstrap handle named "vfs"; init
// hands duplicates (kRightManage kept) to the file-system servers it starts.
// A process without a handle to it cannot mount anything. It has no state:
// holding it with kRightManage is the whole permission.

#include "core/object/kernel_object.h"
#include "kstd/new.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::vfs {

class VfsMountRight final : public KernelObject {
 public:
  /// Errors: kNoMemory.
  static kstd::Result<kstd::RefPtr<VfsMountRight>> Create() {
    kstd::RefPtr<VfsMountRight> r = kstd::AdoptRef(new (kstd::nothrow) VfsMountRight());
    if (!r) return kstd::Error::kNoMemory;
    return r;
  }

 private:
  VfsMountRight() : KernelObject(ObjectType::kVfsMount) {}
};

}  // namespace core::vfs
