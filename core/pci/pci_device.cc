#include "core/pci/pci_device.h"

#include "core/kernel/log.h"
#include "core/pci/intx_line.h"
#include "hal/irq.h"
#include "hal/memory.h"
#include "kstd/new.h"

namespace core::pci {
namespace {

// Capability IDs and MSI-X layout (PCI Local Bus 3.0 §6.7, §6.8.2).
constexpr uint16_t kCommandMemorySpace = 1u << 1;
constexpr uint16_t kCommandBusMaster = 1u << 2;
constexpr uint16_t kStandardHeaderEnd = 0x40;
constexpr uint16_t kStatus = 0x06;
constexpr uint16_t kStatusCapList = 1u << 4;
constexpr uint16_t kCapPointer = 0x34;
constexpr uint8_t kCapMsix = 0x11;
constexpr uint16_t kMsixControlEnable = 1u << 15;
constexpr uint16_t kMsixControlFunctionMask = 1u << 14;
constexpr uint32_t kMsixVectorMasked = 1u << 0;

constexpr int kMaxVectors = 64;
SpinLock g_vectors_lock;
Interrupt* g_by_slot[kMaxVectors];  // weak: cleared by ~Interrupt

void OnDeviceVector(uint8_t slot) {
  Interrupt* irq = nullptr;
  {
    SpinLockGuard guard(g_vectors_lock);
    irq = g_by_slot[slot];
  }
  if (irq != nullptr) irq->Fire();
}

// The MSI-X capability's config offset, or 0.
uint16_t FindMsix(volatile uint8_t* c) {
  if ((*reinterpret_cast<volatile uint16_t*>(c + kStatus) & kStatusCapList) == 0) return 0;
  uint8_t ptr = c[kCapPointer] & 0xFC;
  for (int hops = 0; ptr >= 0x40 && hops < 48; ++hops) {
    if (c[ptr] == kCapMsix) return ptr;
    ptr = c[ptr + 1] & 0xFC;
  }
  return 0;
}

// The functions a PciDevice object currently owns (one owner at a time).
constexpr int kMaxOpen = 64;
SpinLock g_open_lock;
const Function* g_open[kMaxOpen];

bool ClaimFunction(const Function* f) {
  SpinLockGuard guard(g_open_lock);
  int free_slot = -1;
  for (int i = 0; i < kMaxOpen; ++i) {
    if (g_open[i] == f) return false;
    if (g_open[i] == nullptr && free_slot < 0) free_slot = i;
  }
  if (free_slot < 0) return false;
  g_open[free_slot] = f;
  return true;
}

void ReleaseFunction(const Function* f) {
  SpinLockGuard guard(g_open_lock);
  for (int i = 0; i < kMaxOpen; ++i) {
    if (g_open[i] == f) g_open[i] = nullptr;
  }
}

}  // namespace

kstd::Result<kstd::RefPtr<PciRoot>> PciRoot::Create() {
  kstd::RefPtr<PciRoot> r = kstd::AdoptRef(new (kstd::nothrow) PciRoot());
  if (!r) return kstd::Error::kNoMemory;
  return r;
}

kstd::Result<kstd::RefPtr<Interrupt>> Interrupt::CreateIntx() {
  kstd::RefPtr<Interrupt> irq = kstd::AdoptRef(new (kstd::nothrow) Interrupt(true));
  if (!irq) return kstd::Error::kNoMemory;
  return irq;
}

kstd::Result<kstd::RefPtr<Interrupt>> Interrupt::Create() {
  kstd::RefPtr<Interrupt> irq = kstd::AdoptRef(new (kstd::nothrow) Interrupt(false));
  if (!irq) return kstd::Error::kNoMemory;
  SpinLockGuard guard(g_vectors_lock);
  for (int slot = 0; slot < kMaxVectors; ++slot) {
    if (g_by_slot[slot] == nullptr) {
      g_by_slot[slot] = irq.get();
      irq->vector_ = hal::DeviceVector(static_cast<uint8_t>(slot));
      return irq;
    }
  }
  return kstd::Error::kNoSpace;
}

Interrupt::~Interrupt() {
  if (intx_) {
    UnbindIntx(this);
    return;
  }
  SpinLockGuard guard(g_vectors_lock);
  for (auto& slot : g_by_slot) {
    if (slot == this) slot = nullptr;
  }
}

void Interrupt::Fire() {
  SpinLockGuard guard(lock_);
  ++pending_;
  UpdateSignalsLocked(0, kSignalNotified);
}

uint64_t Interrupt::Ack() {
  uint64_t n = 0;
  {
    SpinLockGuard guard(lock_);
    n = pending_;
    pending_ = 0;
    UpdateSignalsLocked(kSignalNotified, 0);
  }
  // After the signal is cleared: a device still asserting fires anew.
  if (intx_) UnmaskIntx(this);
  return n;
}

kstd::Result<kstd::RefPtr<PciDevice>> PciDevice::Create(const Function* f) {
  if (f == nullptr) return kstd::Error::kInvalid;
  if (!ClaimFunction(f)) return kstd::Error::kBusy;
  kstd::RefPtr<PciDevice> d = kstd::AdoptRef(new (kstd::nothrow) PciDevice(f));
  if (!d) {
    ReleaseFunction(f);
    return kstd::Error::kNoMemory;
  }
  // The owner may reach the device's registers and let it master the bus;
  // its INTx stays off until the owner routes it.
  UpdateCommand(f, kCommandMemorySpace | kCommandBusMaster | kCommandIntxDisable, 0);
  return d;
}

PciDevice::~PciDevice() {
  // The owner is gone (closed, exited or crashed): stop the device from
  // writing into memory that is about to be reused, and silence MSI-X and
  // INTx (an INTx object some process still holds never fires again).
  if (intx_) UnbindIntx(intx_.get());
  UpdateCommand(function_, kCommandIntxDisable, kCommandBusMaster);
  if (uint16_t cap = FindMsix(function_->config); cap != 0) {
    volatile uint16_t* control = reinterpret_cast<volatile uint16_t*>(function_->config + cap + 2);
    *control = static_cast<uint16_t>(*control & ~kMsixControlEnable);
  }
  ReleaseFunction(function_);
}

bool PciDevice::ConfigWriteAllowed(uint32_t offset, uint32_t width) const {
  // The standard header (command, BARs, ROM, interrupt line) and the MSI-X
  // capability are the kernel's: they decide where the device decodes and
  // where its interrupts and DMA go.
  if (offset < kStandardHeaderEnd) return false;
  if (uint16_t cap = FindMsix(function_->config); cap != 0) {
    if (offset < cap + 12u && offset + width > cap) return false;
  }
  return true;
}

bool PciDevice::BarHoldsMsixStructures(uint32_t bar) const {
  uint16_t cap = FindMsix(function_->config);
  if (cap == 0) return false;
  uint32_t table = *reinterpret_cast<volatile uint32_t*>(function_->config + cap + 4);
  uint32_t pba = *reinterpret_cast<volatile uint32_t*>(function_->config + cap + 8);
  return (table & 7) == bar || (pba & 7) == bar;
}

kstd::Result<uint32_t> PciDevice::ConfigRead(uint32_t offset, uint32_t width) const {
  if ((width != 1 && width != 2 && width != 4) || offset >= 4096 || offset % width != 0) {
    return kstd::Error::kInvalid;
  }
  volatile uint8_t* c = function_->config + offset;
  SpinLockGuard guard(lock_);
  switch (width) {
    case 1: return uint32_t{*c};
    case 2: return uint32_t{*reinterpret_cast<volatile uint16_t*>(c)};
    default: return uint32_t{*reinterpret_cast<volatile uint32_t*>(c)};
  }
}

kstd::Result<void> PciDevice::ConfigWrite(uint32_t offset, uint32_t width, uint32_t value) {
  if ((width != 1 && width != 2 && width != 4) || offset >= 4096 || offset % width != 0) {
    return kstd::Error::kInvalid;
  }
  if (!ConfigWriteAllowed(offset, width)) return kstd::Error::kPermission;
  volatile uint8_t* c = function_->config + offset;
  SpinLockGuard guard(lock_);
  switch (width) {
    case 1: *c = static_cast<uint8_t>(value); break;
    case 2: *reinterpret_cast<volatile uint16_t*>(c) = static_cast<uint16_t>(value); break;
    default: *reinterpret_cast<volatile uint32_t*>(c) = value; break;
  }
  return kstd::Ok();
}

kstd::Result<kstd::RefPtr<Interrupt>> PciDevice::RouteMsix(uint32_t entry) {
  volatile uint8_t* c = function_->config;
  uint16_t cap = FindMsix(c);
  if (cap == 0) return kstd::Error::kNotSupported;
  volatile uint16_t* control = reinterpret_cast<volatile uint16_t*>(c + cap + 2);
  uint32_t table_size = (*control & 0x7FF) + 1;
  if (entry >= table_size) return kstd::Error::kInvalid;
  uint32_t table = *reinterpret_cast<volatile uint32_t*>(c + cap + 4);
  uint32_t bir = table & 7;
  uint64_t table_offset = table & ~7u;
  if (bir >= 6 || function_->bars[bir].size == 0 || function_->bars[bir].io ||
      table_offset + 16ULL * table_size > function_->bars[bir].size) {
    return kstd::Error::kInvalid;
  }
  kstd::RefPtr<Interrupt> irq = TRY(Interrupt::Create());
  uint64_t entry_phys = function_->bars[bir].base + table_offset + 16ULL * entry;
  volatile uint32_t* e = TRY(hal::MapDeviceRegisters(entry_phys, 16));
  hal::MsiMessage msg = hal::ComposeMsi(irq->vector());
  e[3] = kMsixVectorMasked;  // vector control: masked while programming
  e[0] = static_cast<uint32_t>(msg.address);
  e[1] = static_cast<uint32_t>(msg.address >> 32);
  e[2] = msg.data;
  e[3] = 0;  // unmasked
  *control = static_cast<uint16_t>((*control | kMsixControlEnable) & ~kMsixControlFunctionMask);
  Log("pci", "%02x:%02x.%u MSI-X entry %u -> vector %u", function_->bus, function_->device,
      function_->function, entry, irq->vector());
  return irq;
}

kstd::Result<kstd::RefPtr<Interrupt>> PciDevice::RouteIntx() {
  const Function* f = function_;
  if (f->interrupt_pin == 0) return kstd::Error::kNotSupported;
  if (f->interrupt_pin > 4) return kstd::Error::kInvalid;
  {
    SpinLockGuard guard(lock_);
    if (intx_) return kstd::Error::kBusy;
  }
  // Without Interrupt Disable (PCI 2.3) a shared level line could not be
  // quieted per function.
  if (!IntxMaskable(f)) {
    Log("pci", "%02x:%02x.%u has no INTx Interrupt Disable bit: INTx not offered", f->bus,
        f->device, f->function);
    return kstd::Error::kNotSupported;
  }
  uint32_t gsi = TRY(IntxGsi(*f));
  kstd::RefPtr<Interrupt> irq = TRY(Interrupt::CreateIntx());
  {
    SpinLockGuard guard(lock_);
    if (intx_) return kstd::Error::kBusy;  // a racing RouteIntx won
    intx_ = irq;
  }
  auto bound = BindIntx(f, gsi, irq.get());
  if (bound.is_error()) {
    SpinLockGuard guard(lock_);
    intx_.reset();
    return bound.error();
  }
  return irq;
}

void InitDeviceInterrupts() {
  hal::SetDeviceVectorHandler(OnDeviceVector);
  InitIntxLines();
}

}  // namespace core::pci
