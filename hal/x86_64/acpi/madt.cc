#include "hal/x86_64/acpi/madt.h"

#include "hal/x86_64/acpi/acpi.h"

namespace hal::x86_64::acpi {
namespace {

using kstd::ByteSpan;
using kstd::Error;

/// MADT fields after the SDT header, ACPI 6.5 §5.2.12.
struct [[gnu::packed]] MadtFixedLayout {
  uint32_t local_apic_address;
  uint32_t flags;
};
static_assert(sizeof(SdtHeader) + sizeof(MadtFixedLayout) == 44);

constexpr uint32_t kFlagPcatCompat = 1u << 0;  // §5.2.12, Multiple APIC Flags

/// Interrupt Controller Structure types, §5.2.12.
enum EntryType : uint8_t {
  kTypeLocalApic = 0,
  kTypeIoApic = 1,
  kTypeInterruptOverride = 2,
  kTypeNmiSource = 3,
  kTypeLocalApicNmi = 4,
  kTypeLocalApicAddressOverride = 5,
  kTypeLocalX2Apic = 9,
  kTypeLocalX2ApicNmi = 0xA,
};

struct [[gnu::packed]] EntryHeader {
  uint8_t type;
  uint8_t length;  // of the whole entry, this header included
};

/// Processor Local APIC Structure, §5.2.12.2.
struct [[gnu::packed]] LocalApicLayout {
  EntryHeader header;
  uint8_t acpi_processor_id;
  uint8_t apic_id;
  uint32_t flags;  // Local APIC Flags, below
};
static_assert(sizeof(LocalApicLayout) == 8);

/// Local APIC Flags (§5.2.12.2), shared by the x2APIC structure.
constexpr uint32_t kCpuEnabled = 1u << 0;
constexpr uint32_t kCpuOnlineCapable = 1u << 1;  // meaningful only when not enabled

/// I/O APIC Structure, §5.2.12.3.
struct [[gnu::packed]] IoApicLayout {
  EntryHeader header;
  uint8_t io_apic_id;
  uint8_t reserved;
  uint32_t address;
  uint32_t gsi_base;
};
static_assert(sizeof(IoApicLayout) == 12);

/// Interrupt Source Override Structure, §5.2.12.5.
struct [[gnu::packed]] InterruptOverrideLayout {
  EntryHeader header;
  uint8_t bus;
  uint8_t source;
  uint32_t gsi;
  uint16_t flags;  // MPS INTI flags
};
static_assert(sizeof(InterruptOverrideLayout) == 10);

/// Non-Maskable Interrupt (NMI) Source Structure, §5.2.12.6.
struct [[gnu::packed]] NmiSourceLayout {
  EntryHeader header;
  uint16_t flags;  // MPS INTI flags
  uint32_t gsi;
};
static_assert(sizeof(NmiSourceLayout) == 8);

/// Local APIC NMI Structure, §5.2.12.7.
struct [[gnu::packed]] LocalApicNmiLayout {
  EntryHeader header;
  uint8_t acpi_processor_uid;  // 0xFF = all processors
  uint16_t flags;              // MPS INTI flags
  uint8_t lint;
};
static_assert(sizeof(LocalApicNmiLayout) == 6);

/// Local APIC Address Override Structure, §5.2.12.8.
struct [[gnu::packed]] LocalApicAddressOverrideLayout {
  EntryHeader header;
  uint16_t reserved;
  uint64_t address;
};
static_assert(sizeof(LocalApicAddressOverrideLayout) == 12);

/// Processor Local x2APIC Structure, §5.2.12.12.
struct [[gnu::packed]] LocalX2ApicLayout {
  EntryHeader header;
  uint16_t reserved;
  uint32_t x2apic_id;
  uint32_t flags;  // Local APIC Flags
  uint32_t acpi_processor_uid;
};
static_assert(sizeof(LocalX2ApicLayout) == 16);

/// Local x2APIC NMI Structure, §5.2.12.13.
struct [[gnu::packed]] LocalX2ApicNmiLayout {
  EntryHeader header;
  uint16_t flags;               // MPS INTI flags
  uint32_t acpi_processor_uid;  // 0xFFFFFFFF = all processors
  uint8_t lint;
  uint8_t reserved[3];
};
static_assert(sizeof(LocalX2ApicNmiLayout) == 12);

constexpr uint8_t kAllProcessors8 = 0xFF;
constexpr uint32_t kAllProcessors32 = 0xFFFFFFFF;

/// Copies the layout T out of `entry`; kBadMessage if the entry is too short.
template <typename T>
kstd::Result<T> Load(ByteSpan entry) {
  if (entry.size() < sizeof(T)) return Error::kBadMessage;
  return kstd::LoadLe<T>(entry, 0);
}

Polarity PolarityOf(uint16_t inti_flags) { return static_cast<Polarity>(inti_flags & 0x3); }
Trigger TriggerOf(uint16_t inti_flags) { return static_cast<Trigger>((inti_flags >> 2) & 0x3); }

Cpu CpuFromFlags(uint32_t apic_id, uint32_t uid, uint32_t flags, bool x2apic) {
  Cpu cpu;
  cpu.apic_id = apic_id;
  cpu.acpi_uid = uid;
  cpu.enabled = (flags & kCpuEnabled) != 0;
  cpu.online_capable = !cpu.enabled && (flags & kCpuOnlineCapable) != 0;
  cpu.from_x2apic_entry = x2apic;
  return cpu;
}

/// Appends `value` to a fixed array; kNoSpace when full.
template <typename T, size_t N>
kstd::Result<void> Append(T (&array)[N], size_t* count, const T& value) {
  if (*count == N) return Error::kNoSpace;
  array[(*count)++] = value;
  return kstd::Ok();
}

}  // namespace

kstd::Result<Madt> Madt::Parse(kstd::ByteSpan bytes) {
  ByteSpan table = TRY(CheckTable(bytes, kMadtSignature));
  constexpr size_t kEntriesOffset = sizeof(SdtHeader) + sizeof(MadtFixedLayout);
  if (table.size() < kEntriesOffset) return Error::kBadMessage;

  Madt madt;
  auto fixed = kstd::LoadLe<MadtFixedLayout>(table, sizeof(SdtHeader));
  madt.local_apic_address_ = fixed.local_apic_address;
  madt.has_8259_ = (fixed.flags & kFlagPcatCompat) != 0;

  // Each step advances by at least sizeof(EntryHeader), so the walk ends.
  size_t offset = kEntriesOffset;
  while (offset < table.size()) {
    if (!table.Contains(offset, sizeof(EntryHeader))) return Error::kBadMessage;
    auto header = kstd::LoadLe<EntryHeader>(table, offset);
    if (header.length < sizeof(EntryHeader) || !table.Contains(offset, header.length)) {
      return Error::kBadMessage;
    }
    TRY(madt.ParseEntry(header.type, table.Subspan(offset, header.length)));
    offset += header.length;
  }
  return madt;
}

kstd::Result<void> Madt::ParseEntry(uint8_t type, kstd::ByteSpan entry) {
  switch (type) {
    case kTypeLocalApic: {
      auto e = TRY(Load<LocalApicLayout>(entry));
      AddCpu(CpuFromFlags(e.apic_id, e.acpi_processor_id, e.flags, /*x2apic=*/false));
      return kstd::Ok();
    }
    case kTypeLocalX2Apic: {
      auto e = TRY(Load<LocalX2ApicLayout>(entry));
      AddCpu(CpuFromFlags(e.x2apic_id, e.acpi_processor_uid, e.flags, /*x2apic=*/true));
      return kstd::Ok();
    }
    case kTypeIoApic: {
      auto e = TRY(Load<IoApicLayout>(entry));
      return Append(io_apics_, &io_apic_count_, IoApic{e.io_apic_id, e.address, e.gsi_base});
    }
    case kTypeInterruptOverride: {
      auto e = TRY(Load<InterruptOverrideLayout>(entry));
      return Append(
          overrides_, &override_count_,
          InterruptOverride{e.bus, e.source, e.gsi, PolarityOf(e.flags), TriggerOf(e.flags)});
    }
    case kTypeNmiSource: {
      auto e = TRY(Load<NmiSourceLayout>(entry));
      return Append(nmi_sources_, &nmi_source_count_,
                    NmiSource{e.gsi, PolarityOf(e.flags), TriggerOf(e.flags)});
    }
    case kTypeLocalApicNmi: {
      auto e = TRY(Load<LocalApicNmiLayout>(entry));
      bool all = e.acpi_processor_uid == kAllProcessors8;
      return Append(
          local_apic_nmis_, &local_apic_nmi_count_,
          LocalApicNmi{e.acpi_processor_uid, all, e.lint, PolarityOf(e.flags), TriggerOf(e.flags)});
    }
    case kTypeLocalX2ApicNmi: {
      auto e = TRY(Load<LocalX2ApicNmiLayout>(entry));
      bool all = e.acpi_processor_uid == kAllProcessors32;
      return Append(
          local_apic_nmis_, &local_apic_nmi_count_,
          LocalApicNmi{e.acpi_processor_uid, all, e.lint, PolarityOf(e.flags), TriggerOf(e.flags)});
    }
    case kTypeLocalApicAddressOverride: {
      auto e = TRY(Load<LocalApicAddressOverrideLayout>(entry));
      local_apic_address_ = e.address;
      return kstd::Ok();
    }
    default: return kstd::Ok();  // SAPIC, GIC, wakeup mailbox, future types: not ours
  }
}

void Madt::AddCpu(const Cpu& cpu) {
  if (!cpu.enabled && !cpu.online_capable) {
    ++unusable_cpus_;  // §5.2.12.2: OSPM shall ignore such entries
    return;
  }
  for (size_t i = 0; i < cpu_count_; ++i) {
    if (cpus_[i].apic_id == cpu.apic_id) return;  // listed as both APIC and x2APIC
  }
  if (cpu_count_ == kMaxCpus) {
    ++cpus_dropped_;
    return;
  }
  cpus_[cpu_count_++] = cpu;
}

kstd::Result<IrqRoute> Madt::IsaIrqToGsi(uint8_t irq) const {
  if (irq >= kIsaIrqCount) return Error::kInvalid;
  for (const InterruptOverride& o : overrides()) {
    if (o.bus != 0 || o.source_irq != irq) continue;
    IrqRoute route;
    route.gsi = o.gsi;
    route.polarity =
        o.polarity == Polarity::kActiveLow ? Polarity::kActiveLow : Polarity::kActiveHigh;
    route.trigger = o.trigger == Trigger::kLevel ? Trigger::kLevel : Trigger::kEdge;
    return route;
  }
  for (const InterruptOverride& o : overrides()) {
    if (o.gsi == irq) return Error::kNotFound;  // another source owns this input
  }
  return IrqRoute{irq, Polarity::kActiveHigh, Trigger::kEdge};
}

}  // namespace hal::x86_64::acpi
