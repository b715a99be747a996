#pragma once

// VmMapping: one region of a VmAspace, [base, base + size) showing the bytes
// [vmo_offset, vmo_offset + size) of a VmObject (or nothing, for a guard).
//
// A region is registered with its VMO (VmObject::mappings_) so the VMO can
// write-protect or unmap its pages in every address space that shows them.
// Fields are written only with both the aspace lock and the VMO lock held, so
// either lock is enough to read them.

#include <stdint.h>

#include "core/vm/vm_types.h"
#include "kstd/intrusive_list.h"
#include "kstd/ref_ptr.h"

namespace core::vm {

class UserPageTable;
class VmObject;

struct VmMapping {
  UserPageTable* page_table = nullptr;  // the owning aspace's
  uint64_t base = 0;
  uint64_t size = 0;
  uint64_t vmo_offset = 0;
  Prot prot = kProtNone;
  bool shared = false;         // kMapShared: Fork shares the VMO instead of cloning
  bool no_write = false;       // kMapNoWrite: never writable (Protect gives kAccess)
  kstd::RefPtr<VmObject> vmo;  // nullptr: a guard region (no access, ever)
  kstd::ListNode vmo_node;     // on vmo->mappings_ (guarded by the VMO lock)

  uint64_t end() const { return base + size; }
  bool is_guard() const { return !vmo; }
};

}  // namespace core::vm
