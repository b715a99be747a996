// Native calls on memory objects: create anonymous memory and map memory
// objects (shared memory between processes, boot modules) into the caller;
// and the calling thread's priority (above the default only with a kPriority
// resource, init's "sched" handle: core/object/resource.h).

#include "abi/linux/mman.h"
#include "core/kernel/memory.h"
#include "core/object/resource.h"
#include "core/syscall/sys_common.h"
#include "core/vm/vm_aspace.h"
#include "core/vm/vm_object.h"
#include "kstd/utility.h"

namespace core::syscall {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kMaxVmoSize = 1ULL << 36;  // 64 GiB
constexpr Rights kVmoRights = kRightsBasic | kRightRead | kRightWrite | kRightMap;

}  // namespace

kstd::Result<uint64_t> SysVmoCreate(uint64_t size) {
  if (size == 0 || size > kMaxVmoSize) return kstd::Error::kInvalid;
  auto vmo = TRY(vm::VmObject::CreateAnonymous(&Pmm(), kstd::AlignUp(size, kPage)));
  auto h = TRY(CurrentProcess()->handles().Add(kstd::Move(vmo), kVmoRights));
  return h;
}

kstd::Result<uint64_t> SysVmoMap(tessera::handle_t handle, uint64_t offset, uint64_t size,
                                 uint32_t prot, uint64_t addr, uint32_t flags) {
  if ((prot & ~(linux_abi::kProtRead | linux_abi::kProtWrite | linux_abi::kProtExec)) != 0 ||
      (flags & ~(tessera::kVmoMapFixed | tessera::kVmoMapShared)) != 0) {
    return kstd::Error::kInvalid;
  }
  Rights needed = kRightMap;
  if (prot & linux_abi::kProtRead) needed |= kRightRead;
  if (prot & linux_abi::kProtWrite) needed |= kRightWrite;
  if (prot & linux_abi::kProtExec) needed |= kRightExecute;
  auto vmo = TRY(
      CurrentProcess()->handles().GetTyped<vm::VmObject>(handle, ObjectType::kVmObject, needed));
  vm::Prot vprot = vm::kProtNone;
  if (prot & linux_abi::kProtRead) vprot |= vm::kProtRead;
  if (prot & linux_abi::kProtWrite) vprot |= vm::kProtRead | vm::kProtWrite;
  if (prot & linux_abi::kProtExec) vprot |= vm::kProtRead | vm::kProtExec;
  vm::MapFlags mflags = 0;
  if (flags & tessera::kVmoMapFixed) mflags |= vm::kMapFixed;
  if (flags & tessera::kVmoMapShared) mflags |= vm::kMapShared;
  auto mapped = TRY(CurrentProcess()->aspace()->Map(vmo, offset, size, vprot, addr, mflags));
  return mapped;
}

kstd::Result<uint64_t> SysThreadSetPriority(tessera::handle_t sched, uint32_t priority) {
  if (priority < tessera::kPriorityMin || priority > tessera::kPriorityMax) {
    return kstd::Error::kInvalid;
  }
  if (priority > tessera::kPriorityDefault) {
    Process* self = CurrentProcess();
    auto held = RequireResource(self->handles(), sched, ResourceKind::kPriority, kRightManage);
    if (held.is_error()) {
      __atomic_fetch_add(&self->counters().privilege_refused, 1, __ATOMIC_RELAXED);
      return held.error();
    }
  }
  sched::SetPriority(CurrentThread(), static_cast<int>(priority));
  return 0;
}

}  // namespace core::syscall
