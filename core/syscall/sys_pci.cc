// Native calls for user-mode drivers: PCI functions (identity, config
// space, BAR mapping, MSI-X and INTx interrupts) and DMA memory (physically
// contiguous memory objects whose device address the driver may learn).

#include "core/kernel/memory.h"
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

// A new handle to an interrupt object the device routed, or -errno.
int64_t AddInterruptHandle(kstd::Result<kstd::RefPtr<pci::Interrupt>> irq) {
  if (irq.is_error()) return Errno(irq.error());
  auto h = CurrentProcess()->handles().Add(irq.release_value(), kInterruptRights);
  return h.ok() ? static_cast<int64_t>(h.value()) : Errno(h.error());
}

}  // namespace

int64_t SysPciGetInfo(tessera::handle_t root, uint32_t index, UserPtr<tessera::PciFunctionInfo> out) {
  auto r = CurrentProcess()->handles().Get(root, kRightRead);
  if (r.is_error()) return Errno(r.error());
  if (r.value()->type() != ObjectType::kPciRoot) return Errno(kstd::Error::kInvalid);
  const pci::Function* f = pci::FunctionAt(index);
  if (f == nullptr) return Errno(kstd::Error::kNotFound);
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
  return out.CopyOut(&info).ok() ? 0 : Errno(kstd::Error::kFault);
}

int64_t SysPciOpen(tessera::handle_t root, uint32_t index) {
  auto r = CurrentProcess()->handles().Get(root, kRightManage);
  if (r.is_error()) return Errno(r.error());
  if (r.value()->type() != ObjectType::kPciRoot) return Errno(kstd::Error::kInvalid);
  auto d = pci::PciDevice::Create(pci::FunctionAt(index));
  if (d.is_error()) return Errno(d.error() == kstd::Error::kInvalid ? kstd::Error::kNotFound : d.error());
  auto h = CurrentProcess()->handles().Add(d.release_value(), kDeviceRights);
  return h.ok() ? static_cast<int64_t>(h.value()) : Errno(h.error());
}

int64_t SysPciConfigRead(tessera::handle_t device, uint32_t offset, uint32_t width) {
  auto d = DeviceOf(device, kRightRead);
  if (d.is_error()) return Errno(d.error());
  auto v = d.value()->ConfigRead(offset, width);
  return v.ok() ? static_cast<int64_t>(v.value()) : Errno(v.error());
}

int64_t SysPciConfigWrite(tessera::handle_t device, uint32_t offset, uint32_t width, uint32_t value) {
  auto d = DeviceOf(device, kRightWrite);
  if (d.is_error()) return Errno(d.error());
  auto r = d.value()->ConfigWrite(offset, width, value);
  return r.ok() ? 0 : Errno(r.error());
}

int64_t SysPciMapBar(tessera::handle_t device, uint32_t bar) {
  auto d = DeviceOf(device, kRightMap);
  if (d.is_error()) return Errno(d.error());
  if (bar >= 6) return Errno(kstd::Error::kInvalid);
  const pci::Bar& b = d.value()->function().bars[bar];
  if (b.size == 0 || b.io) return Errno(kstd::Error::kInvalid);
  if (d.value()->BarHoldsMsixStructures(bar)) return Errno(kstd::Error::kPermission);
  uint64_t base = kstd::AlignDown(b.base, 4096);
  uint64_t size = kstd::AlignUp(b.base + b.size, 4096) - base;
  auto vmo = vm::VmObject::CreatePhysical(base, size, true, vm::CachePolicy::kUncached);
  if (vmo.is_error()) return Errno(vmo.error());
  auto addr = CurrentProcess()->aspace()->Map(vmo.release_value(), 0, size,
                                              vm::kProtRead | vm::kProtWrite, 0, vm::kMapShared);
  if (addr.is_error()) return Errno(addr.error());
  return static_cast<int64_t>(addr.value() + (b.base - base));
}

int64_t SysPciRouteMsix(tessera::handle_t device, uint32_t entry) {
  auto d = DeviceOf(device, kRightManage);
  if (d.is_error()) return Errno(d.error());
  return AddInterruptHandle(d.value()->RouteMsix(entry));
}

int64_t SysPciRouteIntx(tessera::handle_t device) {
  auto d = DeviceOf(device, kRightManage);
  if (d.is_error()) return Errno(d.error());
  return AddInterruptHandle(d.value()->RouteIntx());
}

int64_t SysInterruptAck(tessera::handle_t interrupt) {
  auto irq = CurrentProcess()->handles().GetTyped<pci::Interrupt>(interrupt, ObjectType::kInterrupt, kRightRead);
  if (irq.is_error()) return Errno(irq.error());
  return static_cast<int64_t>(irq.value()->Ack());
}

int64_t SysVmoCreateContiguous(uint64_t size) {
  if (size == 0 || size > kMaxContiguous) return Errno(kstd::Error::kInvalid);
  uint64_t pages = kstd::AlignUp(size, 4096) / 4096;
  auto run = Pmm().AllocRun(pages);
  if (run.is_error()) return Errno(run.error());
  // Device memory starts zeroed like all memory a process receives.
  __builtin_memset(hal::PhysToVirt(run.value()), 0, pages * 4096);
  auto vmo = vm::VmObject::CreateContiguousOwned(&Pmm(), run.value(), pages);
  if (vmo.is_error()) {
    (void)Pmm().FreeRun(run.value(), pages);
    return Errno(vmo.error());
  }
  auto h = CurrentProcess()->handles().Add(vmo.release_value(), kDmaRights);
  return h.ok() ? static_cast<int64_t>(h.value()) : Errno(h.error());
}

int64_t SysVmoPhysicalAddress(tessera::handle_t handle, uint64_t offset) {
  auto vmo = CurrentProcess()->handles().GetTyped<vm::VmObject>(handle, ObjectType::kVmObject, kRightManage);
  if (vmo.is_error()) return Errno(vmo.error());
  if (!vmo.value()->is_physical() || offset >= vmo.value()->size()) return Errno(kstd::Error::kInvalid);
  return static_cast<int64_t>(vmo.value()->physical_base() + offset);
}

}  // namespace core::syscall
