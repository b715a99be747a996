#include "core/pci/pci_bus.h"

#include "core/kernel/log.h"
#include "core/pci/intx_swizzle.h"
#include "hal/irq.h"

namespace core::pci {
namespace {

// Configuration header offsets (PCI Local Bus 3.0 §6.1, type 0 header).
constexpr uint16_t kVendorId = 0x00;
constexpr uint16_t kDeviceId = 0x02;
constexpr uint16_t kCommand = 0x04;
constexpr uint16_t kRevision = 0x08;
constexpr uint16_t kProgIf = 0x09;
constexpr uint16_t kSubclass = 0x0A;
constexpr uint16_t kClass = 0x0B;
constexpr uint16_t kHeaderType = 0x0E;
constexpr uint16_t kBar0 = 0x10;
constexpr uint16_t kInterruptLine = 0x3C;
constexpr uint16_t kInterruptPin = 0x3D;
constexpr uint16_t kSecondaryBus = 0x19;  // type 1 header (PCI-to-PCI Bridge 1.2 §3.2.5.4)
constexpr uint16_t kCommandIoSpace = 1u << 0;
constexpr uint16_t kCommandMemorySpace = 1u << 1;

constexpr size_t kMaxFunctions = 64;
Function g_functions[kMaxFunctions];
size_t g_count = 0;

uint16_t Read16(volatile uint8_t* c, uint16_t off) {
  return *reinterpret_cast<volatile uint16_t*>(c + off);
}
uint32_t Read32(volatile uint8_t* c, uint16_t off) {
  return *reinterpret_cast<volatile uint32_t*>(c + off);
}
void Write16(volatile uint8_t* c, uint16_t off, uint16_t v) {
  *reinterpret_cast<volatile uint16_t*>(c + off) = v;
}
void Write32(volatile uint8_t* c, uint16_t off, uint32_t v) {
  *reinterpret_cast<volatile uint32_t*>(c + off) = v;
}

// BAR sizing (PCI 3.0 §6.2.5.1): write all ones, read the mask back, restore.
void SizeBars(Function& f) {
  if ((f.header_type & 0x7F) != 0) return;  // bridges: their own BARs are not for drivers
  volatile uint8_t* c = f.config;
  uint16_t command = Read16(c, kCommand);
  Write16(c, kCommand, command & ~(kCommandIoSpace | kCommandMemorySpace));
  for (int i = 0; i < 6; ++i) {
    uint16_t off = kBar0 + 4 * i;
    uint32_t original = Read32(c, off);
    Write32(c, off, 0xFFFFFFFF);
    uint32_t mask = Read32(c, off);
    Write32(c, off, original);
    Bar& bar = f.bars[i];
    if (mask == 0 || mask == 0xFFFFFFFF) continue;
    if (original & 1) {
      bar.io = true;
      bar.base = original & ~3u;
      bar.size = (~(mask & ~3u) + 1) & 0xFFFF;
      continue;
    }
    bar.prefetchable = (original & 8) != 0;
    uint64_t base = original & ~0xFu;
    uint64_t size_mask = mask & ~0xFu;
    if (((original >> 1) & 3) == 2 && i < 5) {  // 64-bit BAR: the next holds the high half
      uint32_t high = Read32(c, off + 4);
      Write32(c, off + 4, 0xFFFFFFFF);
      uint32_t high_mask = Read32(c, off + 4);
      Write32(c, off + 4, high);
      base |= static_cast<uint64_t>(high) << 32;
      size_mask |= static_cast<uint64_t>(high_mask) << 32;
      bar.is64 = true;
      bar.base = base;
      bar.size = ~size_mask + 1;
      ++i;  // skip the high half
      continue;
    }
    bar.base = base;
    bar.size = static_cast<uint32_t>(~static_cast<uint32_t>(size_mask) + 1);
  }
  Write16(c, kCommand, command);
}

void Probe(const hal::PciEcamWindow& w, uint8_t bus, uint8_t dev, uint8_t fn) {
  auto config = hal::PciConfigSpace(w, bus, dev, fn);
  if (config.is_error()) return;
  volatile uint8_t* c = config.value();
  uint16_t vendor = Read16(c, kVendorId);
  if (vendor == 0xFFFF || g_count == kMaxFunctions) return;
  Function& f = g_functions[g_count++];
  f.window = w;
  f.bus = bus;
  f.device = dev;
  f.function = fn;
  f.config = c;
  f.vendor_id = vendor;
  f.device_id = Read16(c, kDeviceId);
  f.revision = c[kRevision];
  f.prog_if = c[kProgIf];
  f.subclass = c[kSubclass];
  f.class_code = c[kClass];
  f.header_type = c[kHeaderType];
  f.interrupt_line = c[kInterruptLine];
  f.interrupt_pin = c[kInterruptPin];
  if ((f.header_type & 0x7F) == 1) f.secondary_bus = c[kSecondaryBus];
  SizeBars(f);
  Log("pci", "  %02x:%02x.%u %04x:%04x class %02x.%02x.%02x%s", bus, dev, fn, f.vendor_id,
      f.device_id, f.class_code, f.subclass, f.prog_if,
      (f.header_type & 0x7F) == 1 ? " (bridge)" : "");
  for (int i = 0; i < 6; ++i) {
    const Bar& b = f.bars[i];
    if (b.size == 0) continue;
    Log("pci", "      BAR%d %s %lx size %lx%s", i, b.io ? "io" : (b.is64 ? "mem64" : "mem32"),
        b.base, b.size, b.prefetchable ? " prefetchable" : "");
  }
}

}  // namespace

kstd::Result<void> Enumerate() {
  hal::PciEcamWindow windows[4];
  int n = hal::PciEcamWindows(windows, 4);
  if (n == 0) {
    Log("pci", "no ECAM window: no PCI devices");
    return kstd::Ok();
  }
  for (int w = 0; w < n; ++w) {
    for (unsigned bus = windows[w].start_bus; bus <= windows[w].end_bus; ++bus) {
      for (uint8_t dev = 0; dev < 32; ++dev) {
        auto config = hal::PciConfigSpace(windows[w], static_cast<uint8_t>(bus), dev, 0);
        if (config.is_error() || Read16(config.value(), kVendorId) == 0xFFFF) continue;
        bool multi = (config.value()[kHeaderType] & 0x80) != 0;
        for (uint8_t fn = 0; fn < (multi ? 8 : 1); ++fn)
          Probe(windows[w], static_cast<uint8_t>(bus), dev, fn);
      }
    }
  }
  Log("pci", "%zu PCI function(s)", g_count);
  return kstd::Ok();
}

size_t FunctionCount() { return g_count; }
const Function* FunctionAt(size_t index) { return index < g_count ? &g_functions[index] : nullptr; }

kstd::Result<uint32_t> IntxGsi(const Function& f) {
  if (f.interrupt_pin == 0) return kstd::Error::kNotSupported;
  if (f.interrupt_pin > 4) return kstd::Error::kInvalid;
  BridgeLink bridges[kMaxFunctions];
  size_t n = 0;
  for (size_t i = 0; i < g_count; ++i) {
    const Function& b = g_functions[i];
    if ((b.header_type & 0x7F) != 1 || b.window.base != f.window.base) continue;
    bridges[n++] = BridgeLink{b.bus, b.device, b.secondary_bus};
  }
  RootPin root = TRY(SwizzleToRoot(f.window.start_bus, f.bus, f.device, f.interrupt_pin,
                                   kstd::Span<const BridgeLink>(bridges, n)));
  return hal::PciRootIntxGsi(f.window, root.slot, root.pin);
}

const Function* Find(uint16_t vendor, uint16_t device) {
  for (size_t i = 0; i < g_count; ++i) {
    if (g_functions[i].vendor_id == vendor && g_functions[i].device_id == device)
      return &g_functions[i];
  }
  return nullptr;
}

}  // namespace core::pci
