// hal/irq.h for x86-64, the INTx half: where a root-bus PCI pin arrives
// (ICH9 PIRQ routing, read from the chipset) and the level-triggered GSIs.

#include "hal/x86_64/pci_intx.h"

#include "hal/irq.h"
#include "hal/x86_64/address_space_layout.h"
#include "hal/x86_64/ich9_intx.h"
#include "hal/x86_64/interrupts.h"
#include "hal/x86_64/ioapic.h"
#include "hal/x86_64/kernel_map.h"
#include "hal/x86_64/lapic.h"
#include "klog/log.h"

namespace hal {
namespace {

constexpr uint16_t kVendorId = 0x00;
constexpr uint16_t kDeviceId = 0x02;

// Callers (core/pci) serialize Enable/Disable under their own lock with
// interrupts off; the handler only reads.
struct LevelLine {
  bool used = false;
  uint32_t gsi = 0;
};
LevelLine g_lines[x86_64::kLevelGsiVectorCount];
void (*g_handler)(uint32_t) = nullptr;

constexpr int kMaxIsaOverrides = 16;
struct IsaOverride {
  uint8_t irq;
  uint32_t gsi;
};
IsaOverride g_isa_overrides[kMaxIsaOverrides];
int g_isa_override_count = 0;

// The ICH9 DnIR registers, read once from the chipset configuration block.
bool g_routes_read = false;
x86_64::Ich9InterruptRoutes g_routes;

uint16_t Read16(volatile uint8_t* base, uint32_t offset) {
  return *reinterpret_cast<volatile uint16_t*>(base + offset);
}

kstd::Result<void> ReadIch9Routes(const PciEcamWindow& window) {
  if (g_routes_read) return kstd::Ok();
  auto lpc =
      TRY(PciConfigSpace(window, window.start_bus, x86_64::kIch9LpcSlot, x86_64::kIch9LpcFunction));
  if (Read16(lpc, kVendorId) != x86_64::kIch9LpcVendor ||
      Read16(lpc, kDeviceId) != x86_64::kIch9LpcDevice) {
    klog::Log("irq", "no ICH9 LPC bridge at 00:1f.0 (found %04x:%04x): PCI INTx routing unknown",
              Read16(lpc, kVendorId), Read16(lpc, kDeviceId));
    return kstd::Error::kNotSupported;
  }
  uint32_t rcba = *reinterpret_cast<volatile uint32_t*>(lpc + x86_64::kIch9LpcRcba);
  if ((rcba & x86_64::kIch9RcbaEnable) == 0) {
    // The firmware left the block off: the registers hold their reset values.
    klog::Log("irq", "ICH9: chipset configuration block disabled (RCBA %x): DnIR reset defaults",
              rcba);
  } else {
    uint64_t block = rcba & x86_64::kIch9RcbaBaseMask;
    constexpr uint64_t kDnIrPage = 0x3000;  // DnIR live at 0x3140..0x3151
    TRY(x86_64::MapMmio(block + kDnIrPage, 4096));
    auto* page = static_cast<volatile uint8_t*>(x86_64::PhysToVirt(block + kDnIrPage));
    for (int i = 0; i < 7; ++i) {
      if (i + x86_64::kIch9FirstRoutedSlot == x86_64::kIch9BridgeSlot) continue;
      g_routes.dnir[i] = Read16(page, x86_64::kIch9DnIrOffsets[i] - kDnIrPage);
    }
    klog::Log("irq",
              "ICH9 INTx routes (RCBA %lx): D25IR %04x D26IR %04x D27IR %04x D28IR %04x "
              "D29IR %04x D31IR %04x, other slots PIRQ E-H swizzled",
              block, g_routes.dnir[0], g_routes.dnir[1], g_routes.dnir[2], g_routes.dnir[3],
              g_routes.dnir[4], g_routes.dnir[6]);
  }
  g_routes_read = true;
  return kstd::Ok();
}

void OnLevelVector(x86_64::InterruptFrame* frame) {
  const LevelLine& line = g_lines[frame->vector - x86_64::kFirstLevelGsiVector];
  if (line.used && g_handler != nullptr) g_handler(line.gsi);
}

LevelLine* FindLine(uint32_t gsi) {
  for (LevelLine& l : g_lines) {
    if (l.used && l.gsi == gsi) return &l;
  }
  return nullptr;
}

uint8_t VectorOf(const LevelLine* line) {
  return static_cast<uint8_t>(x86_64::kFirstLevelGsiVector + (line - g_lines));
}

}  // namespace

kstd::Result<uint32_t> PciRootIntxGsi(const PciEcamWindow& window, uint8_t slot, uint8_t pin) {
  if (slot > 31 || pin < 1 || pin > 4) return kstd::Error::kInvalid;
  TRY(ReadIch9Routes(window));
  uint8_t pirq = TRY(x86_64::Ich9Pirq(slot, pin, g_routes));
  return x86_64::Ich9PirqToGsi(pirq);
}

void SetLevelGsiHandler(void (*handler)(uint32_t gsi)) {
  g_handler = handler;
  for (uint8_t i = 0; i < x86_64::kLevelGsiVectorCount; ++i) {
    x86_64::SetInterruptHandler(static_cast<uint8_t>(x86_64::kFirstLevelGsiVector + i),
                                OnLevelVector);
  }
}

kstd::Result<uint8_t> EnableLevelGsi(uint32_t gsi) {
  for (int i = 0; i < g_isa_override_count; ++i) {
    if (g_isa_overrides[i].gsi == gsi) {
      klog::Log("irq", "GSI %u carries ISA IRQ %u (MADT override): not a PCI line", gsi,
                g_isa_overrides[i].irq);
      return kstd::Error::kBusy;
    }
  }
  if (FindLine(gsi) != nullptr) return kstd::Error::kExists;
  LevelLine* line = nullptr;
  for (LevelLine& l : g_lines) {
    if (!l.used) {
      line = &l;
      break;
    }
  }
  if (line == nullptr) return kstd::Error::kNoSpace;
  uint8_t vector = VectorOf(line);
  line->gsi = gsi;
  line->used = true;
  // PCI INTx# is active low and level sensitive (PCI Local Bus 3.0 §2.2.6).
  x86_64::IoApicRoute route{gsi, vector, static_cast<uint8_t>(x86_64::LapicId()), true, true};
  auto routed = x86_64::RouteGsi(route);
  if (routed.is_error()) {
    line->used = false;
    return routed.error();
  }
  return vector;
}

void MaskLevelGsi(uint32_t gsi) {
  if (FindLine(gsi) != nullptr) (void)x86_64::MaskGsi(gsi);
}

void DisableLevelGsi(uint32_t gsi) {
  LevelLine* line = FindLine(gsi);
  if (line == nullptr) return;
  (void)x86_64::MaskGsi(gsi);
  line->used = false;
}

namespace x86_64 {

void NoteIsaOverride(uint8_t irq, uint32_t gsi) {
  if (g_isa_override_count < kMaxIsaOverrides) g_isa_overrides[g_isa_override_count++] = {irq, gsi};
}

}  // namespace x86_64
}  // namespace hal
