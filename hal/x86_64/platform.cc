// hal/platform.h for x86-64: ACPI discovery, local APIC, IOAPICs, the timer.

#include "hal/platform.h"
#include "hal/pci.h"

#include "hal/x86_64/acpi/acpi.h"
#include "hal/x86_64/acpi/madt.h"
#include "hal/x86_64/acpi/mcfg.h"
#include "hal/x86_64/address_space_layout.h"
#include "hal/x86_64/interrupts.h"
#include "hal/x86_64/ioapic.h"
#include "hal/x86_64/kernel_map.h"
#include "hal/x86_64/lapic.h"
#include "hal/x86_64/pci_intx.h"
#include "hal/x86_64/serial.h"
#include "hal/x86_64/timer.h"
#include "klog/log.h"

extern "C" char __kernel_phys_start[];
extern "C" char __kernel_end[];
extern "C" char boot_stack_bottom[];
extern "C" char boot_stack_top[];

namespace hal {
namespace {

namespace acpi = x86_64::acpi;

constexpr int kMaxEcam = 4;
PciEcamWindow g_ecam[kMaxEcam];
int g_ecam_count = 0;

// ACPI tables are read through the direct map, and only inside ranges the
// loader's memory map lists, so a bad pointer in a table is refused instead
// of faulting the kernel.
kstd::ByteSpan MapAcpi(void*, uint64_t phys, size_t len) {
  if (x86_64::MapFirmware(phys, len).is_error()) return {};
  return kstd::ByteSpan(static_cast<const uint8_t*>(x86_64::PhysToVirt(phys)), len);
}

kstd::Result<acpi::Tables> DiscoverAcpi(const hal::BootInfo& boot_info,
                                        const acpi::PhysReader& reader) {
  if (boot_info.rsdp_size != 0) {
    return acpi::Tables::Discover(kstd::ByteSpan(boot_info.rsdp, boot_info.rsdp_size), reader);
  }
  klog::Log("acpi", "the loader passed no RSDP; scanning the BIOS area");
  auto found = TRY(acpi::FindRsdpInBiosArea(reader));
  return acpi::Tables::Discover(found.bytes, reader);
}

void LogWarnings(const acpi::Tables& tables) {
  for (const acpi::Warning& w : tables.warnings()) {
    klog::Log("acpi", "ignoring table \"%.4s\" at %lx: %s", w.signature.chars, w.phys,
              acpi::WarningKindName(w.kind));
  }
}

}  // namespace

kstd::Result<void> InitInterrupts(const hal::BootInfo& boot_info, uint32_t timer_hz) {
  acpi::PhysReader reader{MapAcpi, nullptr};
  auto tables = DiscoverAcpi(boot_info, reader);
  if (tables.is_error()) {
    klog::Log("acpi", "no usable ACPI tables: %s", kstd::ErrorName(tables.error()));
    return tables.error();
  }
  LogWarnings(tables.value());
  klog::Log("acpi", "RSDP revision %u, %s with %zu entries", tables.value().rsdp().revision,
            tables.value().uses_xsdt() ? "XSDT" : "RSDT", tables.value().entry_count());

  auto madt_table = tables.value().Find(acpi::kMadtSignature);
  if (madt_table.is_error()) {
    klog::Log("acpi", "no MADT: cannot find the interrupt controllers");
    return kstd::Error::kNotFound;
  }
  auto madt = acpi::Madt::Parse(madt_table.value().bytes);
  if (madt.is_error()) {
    klog::Log("acpi", "MADT rejected: %s", kstd::ErrorName(madt.error()));
    return madt.error();
  }
  const acpi::Madt& m = madt.value();
  klog::Log("acpi", "MADT: %zu CPU(s), %zu IOAPIC(s), %zu ISA override(s), local APIC at %lx",
            m.cpus().size(), m.io_apics().size(), m.overrides().size(), m.local_apic_address());
  for (const acpi::Cpu& cpu : m.cpus()) {
    klog::Log("acpi", "  CPU: APIC id %u%s", cpu.apic_id, cpu.enabled ? "" : " (online-capable)");
  }

  TRY(x86_64::MapMmio(m.local_apic_address(), 4096));
  x86_64::InitLapic(m.local_apic_address());
  klog::Log("irq", "local APIC id %u enabled", x86_64::LapicId());

  for (const acpi::IoApic& io : m.io_apics()) {
    TRY(x86_64::MapMmio(io.address, 4096));
    auto added = x86_64::AddIoApic(io.id, io.address, io.gsi_base);
    if (added.is_error()) {
      klog::Log("irq", "IOAPIC %u at %x unusable: %s", io.id, io.address,
                kstd::ErrorName(added.error()));
      return added.error();
    }
    klog::Log("irq", "IOAPIC %u at %x: GSIs from %u, all masked", io.id, io.address, io.gsi_base);
  }
  for (const acpi::InterruptOverride& o : m.overrides()) {
    klog::Log("irq", "  ISA IRQ %u -> GSI %u", o.source_irq, o.gsi);
    x86_64::NoteIsaOverride(o.source_irq, o.gsi);
  }

  // The console's receive interrupt: COM1 is ISA IRQ 4.
  auto com1 = m.IsaIrqToGsi(4);
  if (com1.ok()) {
    constexpr uint8_t kCom1Irq = 4;
    x86_64::SetInterruptHandler(x86_64::kFirstIsaIrqVector + kCom1Irq,
                                [](x86_64::InterruptFrame*) { x86_64::OnConsoleInterrupt(); });
    x86_64::IoApicRoute route{
        com1.value().gsi, static_cast<uint8_t>(x86_64::kFirstIsaIrqVector + kCom1Irq),
        static_cast<uint8_t>(x86_64::LapicId()), com1.value().trigger == acpi::Trigger::kLevel,
        com1.value().polarity == acpi::Polarity::kActiveLow};
    if (x86_64::RouteGsi(route).ok()) {
      x86_64::ConsoleUart().EnableReceiveInterrupt();
      klog::Log("irq", "console input: ISA IRQ 4 -> GSI %u -> vector %u", route.gsi, route.vector);
    }
  }

  auto mcfg_table = tables.value().Find(acpi::kMcfgSignature);
  if (mcfg_table.ok()) {
    auto mcfg = acpi::Mcfg::Parse(mcfg_table.value().bytes);
    if (mcfg.ok()) {
      for (const acpi::EcamAllocation& a : mcfg.value().allocations()) {
        klog::Log("pci", "ECAM segment %u buses %u-%u at %lx", a.segment, a.start_bus, a.end_bus,
                  a.base);
        if (g_ecam_count < kMaxEcam) {
          g_ecam[g_ecam_count++] = PciEcamWindow{a.base, a.segment, a.start_bus, a.end_bus};
        }
      }
    } else {
      klog::Log("pci", "MCFG rejected: %s", kstd::ErrorName(mcfg.error()));
    }
  }

  if (!x86_64::StartSystemTimer(timer_hz)) return kstd::Error::kNotFound;
  return kstd::Ok();
}

int PciEcamWindows(PciEcamWindow* out, int capacity) {
  int n = g_ecam_count < capacity ? g_ecam_count : capacity;
  for (int i = 0; i < n; ++i) out[i] = g_ecam[i];
  return n;
}

kstd::Result<volatile uint8_t*> PciConfigSpace(const PciEcamWindow& window, uint8_t bus,
                                               uint8_t device, uint8_t function) {
  if (bus < window.start_bus || bus > window.end_bus || device >= 32 || function >= 8) {
    return kstd::Error::kInvalid;
  }
  uint64_t phys = window.base + ((static_cast<uint64_t>(bus - window.start_bus) << 20) |
                                 (static_cast<uint64_t>(device) << 15) |
                                 (static_cast<uint64_t>(function) << 12));
  TRY(x86_64::MapMmio(phys, 4096));
  return static_cast<volatile uint8_t*>(x86_64::PhysToVirt(phys));
}

StackRange BootStack() {
  return {reinterpret_cast<uintptr_t>(boot_stack_bottom),
          static_cast<size_t>(boot_stack_top - boot_stack_bottom)};
}

PhysRange KernelImagePhysRange() {
  return {reinterpret_cast<uint64_t>(__kernel_phys_start),
          x86_64::KernelImageVirtToPhys(__kernel_end)};
}

}  // namespace hal
