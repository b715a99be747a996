#pragma once

// Resource: a capability to a privileged kernel service that is not an object
// of its own (Zircon's resource objects). It has no state: holding a handle to
// a resource of the right kind, with the right rights, is the whole permission.
// The kernel makes one of each kind at boot and gives them to init (bootstrap
// handles "dma", "sched" and "net"); init hands duplicates, narrowed where it can, to
// the drivers and servers it starts. A process without one cannot use the
// service.
//
//   kDma       kRightWrite: allocate physically contiguous (pinned) memory
//              objects (VmoCreateContiguous); kRightManage: learn the physical
//              (device) address of such an object (VmoPhysicalAddress).
//   kPriority  kRightManage: raise a thread above kPriorityDefault
//              (ThreadSetPriority). Lowering needs no resource.
//   kNet       kRightManage: serve AF_INET/AF_INET6 sockets (NetServe).

#include "core/object/handle_table.h"
#include "core/object/kernel_object.h"
#include "kstd/new.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core {

enum class ResourceKind : uint8_t {
  kDma,
  kPriority,
  kNet,
};

class Resource final : public KernelObject {
 public:
  /// Errors: kNoMemory.
  static kstd::Result<kstd::RefPtr<Resource>> Create(ResourceKind kind) {
    kstd::RefPtr<Resource> r = kstd::AdoptRef(new (kstd::nothrow) Resource(kind));
    if (!r) return kstd::Error::kNoMemory;
    return r;
  }

  ResourceKind kind() const { return kind_; }

 private:
  explicit Resource(ResourceKind kind) : KernelObject(ObjectType::kResource), kind_(kind) {}

  const ResourceKind kind_;
};

/// The check of every call a resource gates: `value` must name, in `table`,
/// a resource of `kind` whose handle has every right in `required`.
/// Errors: kAccess for anything else (no handle, a closed or foreign one,
/// another object or resource kind, a missing right): to the caller they all
/// mean "you do not hold this privilege".
kstd::Result<void> RequireResource(const HandleTable& table, HandleValue value, ResourceKind kind,
                                   Rights required);

}  // namespace core
