// Native calls for user-mode drivers: PCI functions (identity, config
// space, BAR mapping, MSI-X and INTx interrupts) and DMA memory (physically
// contiguous memory objects whose device address the driver may learn).
//
// Rights rule: DMA memory needs a kDma resource (init's "dma" bootstrap
// handle, core/object/resource.h): kRightWrite to allocate it, kRightManage
// to learn device addresses. Without one: EACCES, counted in the process's
// privilege_refused. Allocations are charged to the process's pinned quota
// and the system's pool (vm/pinned_quota.h): ENOMEM past either limit.

#include "core/kernel/memory.h"
#include "core/object/resource.h"
#include "core/pci/pci_bus.h"
#include "core/pci/pci_device.h"
#include "core/syscall/sys_common.h"
#include "core/vm/vm_aspace.h"
#include "core/vm/vm_object.h"
#include "hal/memory.h"

namespace core::syscall {
namespace {

constexpr Rights kDeviceRights = kRightsBasic | kRightsIo | kRightMap | kRightManage;
constexpr Rights kInterruptRights = kRightsBasic | kRightRead;
constexpr Rights kDmaRights = kRightsBasic | kRightsIo | kRightMap | kRightManage;
constexpr uint64_t kMaxContiguous = 4ULL << 20;  // the pmm's largest block

kstd::Result<kstd::RefPtr<pci::PciDevice>> DeviceOf(tessera::handle_t h, Rights rights) {
  return CurrentProcess()->handles().GetTyped<pci::PciDevice>(h, ObjectType::kPciDevice, rights);
}

// A new handle to an interrupt object the device routed.
kstd::Result<uint64_t> AddInterruptHandle(kstd::Result<kstd::RefPtr<pci::Interrupt>> irq) {
  kstd::RefPtr<pci::Interrupt> interrupt = TRY(kstd::Move(irq));
  return TRY(CurrentProcess()->handles().Add(kstd::Move(interrupt), kInterruptRights));
}

// The caller's kDma resource with `rights`, else kAccess (counted).
kstd::Result<void> RequireDma(tessera::handle_t dma, Rights rights) {
  Process* self = CurrentProcess();
  auto held = RequireResource(self->handles(), dma, ResourceKind::kDma, rights);
  if (held.is_error()) __atomic_fetch_add(&self->counters().privilege_refused, 1, __ATOMIC_RELAXED);
  return held;
}

}  // namespace

kstd::Result<uint64_t> SysPciGetInfo(tessera::handle_t root, uint32_t index,
                                     UserPtr<tessera::PciFunctionInfo> out) {
  auto r = TRY(CurrentProcess()->handles().Get(root, kRightRead));
  if (r->type() != ObjectType::kPciRoot) return kstd::Error::kInvalid;
  const pci::Function* f = pci::FunctionAt(index);
  if (f == nullptr) return kstd::Error::kNotFound;
  tessera::PciFunctionInfo info{};
  info.bus = f->bus;
  info.device = f->device;
  info.function = f->function;
  info.header_type = f->header_type;
  info.vendor_id = f->vendor_id;
  info.device_id = f->device_id;
  info.class_code = f->class_code;
  info.subclass = f->subclass;
  info.prog_if = f->prog_if;
  info.revision = f->revision;
  info.interrupt_pin = f->interrupt_pin;
  info.interrupt_line = f->interrupt_line;
  for (int i = 0; i < 6; ++i) {
    const pci::Bar& b = f->bars[i];
    info.bars[i].base = b.base;
    info.bars[i].size = b.size;
    info.bars[i].flags = (b.io ? tessera::kPciBarIo : 0) | (b.is64 ? tessera::kPciBar64 : 0) |
                         (b.prefetchable ? tessera::kPciBarPrefetchable : 0);
  }
  TRY(out.CopyOut(&info));
  return 0;
}

kstd::Result<uint64_t> SysPciOpen(tessera::handle_t root, uint32_t index) {
  auto r = TRY(CurrentProcess()->handles().Get(root, kRightManage));
  if (r->type() != ObjectType::kPciRoot) return kstd::Error::kInvalid;
  auto d = pci::PciDevice::Create(pci::FunctionAt(index));
  if (d.is_error()) return d.error() == kstd::Error::kInvalid ? kstd::Error::kNotFound : d.error();
  auto h = TRY(CurrentProcess()->handles().Add(d.release_value(), kDeviceRights));
  return h;
}

kstd::Result<uint64_t> SysPciConfigRead(tessera::handle_t device, uint32_t offset, uint32_t width) {
  auto d = TRY(DeviceOf(device, kRightRead));
  auto v = TRY(d->ConfigRead(offset, width));
  return v;
}

kstd::Result<uint64_t> SysPciConfigWrite(tessera::handle_t device, uint32_t offset, uint32_t width,
                                         uint32_t value) {
  auto d = TRY(DeviceOf(device, kRightWrite));
  TRY(d->ConfigWrite(offset, width, value));
  return 0;
}

kstd::Result<uint64_t> SysPciMapBar(tessera::handle_t device, uint32_t bar) {
  auto d = TRY(DeviceOf(device, kRightMap));
  if (bar >= 6) return kstd::Error::kInvalid;
  const pci::Bar& b = d->function().bars[bar];
  if (b.size == 0 || b.io) return kstd::Error::kInvalid;
  if (d->BarHoldsMsixStructures(bar)) return kstd::Error::kPermission;
  uint64_t base = kstd::AlignDown(b.base, 4096);
  uint64_t size = kstd::AlignUp(b.base + b.size, 4096) - base;
  auto vmo = TRY(vm::VmObject::CreatePhysical(base, size, true, vm::CachePolicy::kUncached));
  auto addr = TRY(CurrentProcess()->aspace()->Map(
      kstd::Move(vmo), 0, size, vm::kProtRead | vm::kProtWrite, 0, vm::kMapShared));
  return addr + (b.base - base);
}

kstd::Result<uint64_t> SysPciRouteMsix(tessera::handle_t device, uint32_t entry) {
  auto d = TRY(DeviceOf(device, kRightManage));
  return AddInterruptHandle(d->RouteMsix(entry));
}

kstd::Result<uint64_t> SysPciRouteIntx(tessera::handle_t device) {
  auto d = TRY(DeviceOf(device, kRightManage));
  return AddInterruptHandle(d->RouteIntx());
}

kstd::Result<uint64_t> SysInterruptAck(tessera::handle_t interrupt) {
  auto irq = TRY(CurrentProcess()->handles().GetTyped<pci::Interrupt>(
      interrupt, ObjectType::kInterrupt, kRightRead));
  return irq->Ack();
}

kstd::Result<uint64_t> SysVmoCreateContiguous(tessera::handle_t dma, uint64_t size) {
  TRY(RequireDma(dma, kRightWrite));
  if (size == 0 || size > kMaxContiguous) return kstd::Error::kInvalid;
  uint64_t pages = kstd::AlignUp(size, 4096) / 4096;
  kstd::RefPtr<vm::PinnedQuota> quota = CurrentProcess()->pinned_quota();
  TRY(quota->Charge(pages));
  auto run = Pmm().AllocRun(pages);
  if (run.is_error()) {
    quota->Uncharge(pages);
    return run.error();
  }
  // Device memory starts zeroed like all memory a process receives.
  __builtin_memset(hal::PhysToVirt(run.value()), 0, pages * 4096);
  auto vmo = vm::VmObject::CreateContiguousOwned(&Pmm(), run.value(), pages, quota);
  if (vmo.is_error()) {
    (void)Pmm().FreeRun(run.value(), pages);
    quota->Uncharge(pages);
    return vmo.error();
  }
  // From here the memory object owns the run and the charge.
  auto h = TRY(CurrentProcess()->handles().Add(vmo.release_value(), kDmaRights));
  return h;
}

kstd::Result<uint64_t> SysVmoPhysicalAddress(tessera::handle_t dma, tessera::handle_t handle,
                                             uint64_t offset) {
  TRY(RequireDma(dma, kRightManage));
  auto vmo = TRY(CurrentProcess()->handles().GetTyped<vm::VmObject>(handle, ObjectType::kVmObject,
                                                                    kRightManage));
  if (!vmo->is_physical() || offset >= vmo->size()) return kstd::Error::kInvalid;
  return vmo->physical_base() + offset;
}

}  // namespace core::syscall
