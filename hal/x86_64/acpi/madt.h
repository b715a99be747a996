#pragma once

// The Multiple APIC Description Table, ACPI 6.5 §5.2.12: which CPUs exist (local
// APIC / x2APIC ids), where the I/O APICs are, and how ISA IRQs map onto global
// system interrupts (GSIs). Parsed once at boot into fixed-capacity arrays; the
// result is immutable and safe to read from any CPU.

#include <stddef.h>
#include <stdint.h>

#include "kstd/result.h"
#include "kstd/span.h"

namespace hal::x86_64::acpi {

/// MPS INTI flags, bits 1:0 (ACPI 6.5 §5.2.12.5, "MPS INTI Flags").
enum class Polarity : uint8_t {
  kBusDefault = 0,  // conforms to the bus (ISA: active high)
  kActiveHigh = 1,
  kReserved = 2,
  kActiveLow = 3,
};

/// MPS INTI flags, bits 3:2 (ACPI 6.5 §5.2.12.5).
enum class Trigger : uint8_t {
  kBusDefault = 0,  // conforms to the bus (ISA: edge)
  kEdge = 1,
  kReserved = 2,
  kLevel = 3,
};

/// A processor from a Processor Local APIC (§5.2.12.2) or Processor Local x2APIC
/// (§5.2.12.12) entry. Only usable processors are kept: enabled, or
/// online-capable (may be brought up later).
struct Cpu {
  uint32_t apic_id = 0;   // local APIC id (8-bit for type 0 entries)
  uint32_t acpi_uid = 0;  // ACPI processor UID / processor id
  bool enabled = false;   // ready for use now
  bool online_capable = false;
  bool from_x2apic_entry = false;
};

/// I/O APIC Structure, §5.2.12.3.
struct IoApic {
  uint8_t id = 0;
  uint32_t address = 0;   // physical MMIO base
  uint32_t gsi_base = 0;  // GSI of its input 0
};

/// Interrupt Source Override Structure, §5.2.12.5.
struct InterruptOverride {
  uint8_t bus = 0;         // 0 = ISA, the only value the spec defines
  uint8_t source_irq = 0;  // bus-relative IRQ
  uint32_t gsi = 0;
  Polarity polarity = Polarity::kBusDefault;
  Trigger trigger = Trigger::kBusDefault;
};

/// NMI Source Structure, §5.2.12.6: a GSI wired as NMI (not usable by devices).
struct NmiSource {
  uint32_t gsi = 0;
  Polarity polarity = Polarity::kBusDefault;
  Trigger trigger = Trigger::kBusDefault;
};

/// Local APIC NMI (§5.2.12.7) or Local x2APIC NMI (§5.2.12.13): which LINT pin
/// of which processor(s) is wired to NMI.
struct LocalApicNmi {
  uint32_t acpi_uid = 0;  // meaningless when all_cpus
  bool all_cpus = false;  // uid 0xFF (type 4) / 0xFFFFFFFF (type 0xA)
  uint8_t lint = 0;       // 0 = LINT0, 1 = LINT1
  Polarity polarity = Polarity::kBusDefault;
  Trigger trigger = Trigger::kBusDefault;
};

/// Where an ISA IRQ arrives: always resolved to a concrete polarity
/// (kActiveHigh/kActiveLow) and trigger (kEdge/kLevel).
struct IrqRoute {
  uint32_t gsi = 0;
  Polarity polarity = Polarity::kActiveHigh;
  Trigger trigger = Trigger::kEdge;
};

class Madt {
 public:
  static constexpr size_t kMaxCpus = 64;
  static constexpr size_t kMaxIoApics = 8;
  static constexpr size_t kMaxOverrides = 16;
  static constexpr size_t kMaxNmiSources = 8;
  static constexpr size_t kMaxLocalApicNmis = 16;
  static constexpr size_t kIsaIrqCount = 16;

  /// Parses a MADT (all of it, header included; CheckTable rules apply: the
  /// signature must be "APIC" and the checksum zero). Entries are walked within
  /// the header length; unknown entry types are skipped.
  ///
  /// Capacity: usable CPUs beyond kMaxCpus are counted in cpus_dropped() and
  /// otherwise ignored (the system runs on the first kMaxCpus, which is safe);
  /// disabled, not online-capable CPUs are only counted (unusable_cpus()); a
  /// processor listed in both a type 0 and a type 9 entry is kept once. Every
  /// other list is needed for correct interrupt routing, so overflowing it is an
  /// error.
  ///
  /// Errors: kBadMessage (CheckTable failure, table shorter than 44 bytes, an
  /// entry shorter than 2 bytes, an entry running past the table, a known entry
  /// type shorter than its layout); kNoSpace (more than kMaxIoApics I/O APICs,
  /// kMaxOverrides overrides, kMaxNmiSources NMI sources or kMaxLocalApicNmis
  /// local APIC NMIs).
  static kstd::Result<Madt> Parse(kstd::ByteSpan table);

  /// Physical base of the local APIC: the 64-bit override (§5.2.12.8) if
  /// present, else the header's 32-bit field.
  uint64_t local_apic_address() const { return local_apic_address_; }
  /// PCAT_COMPAT: a dual 8259 is present and must be masked (§5.2.12, Multiple APIC Flags).
  bool has_8259() const { return has_8259_; }

  kstd::Span<const Cpu> cpus() const { return {cpus_, cpu_count_}; }
  size_t cpus_dropped() const { return cpus_dropped_; }
  size_t unusable_cpus() const { return unusable_cpus_; }
  kstd::Span<const IoApic> io_apics() const { return {io_apics_, io_apic_count_}; }
  kstd::Span<const InterruptOverride> overrides() const { return {overrides_, override_count_}; }
  kstd::Span<const NmiSource> nmi_sources() const { return {nmi_sources_, nmi_source_count_}; }
  kstd::Span<const LocalApicNmi> local_apic_nmis() const {
    return {local_apic_nmis_, local_apic_nmi_count_};
  }

  /// The GSI, polarity and trigger of ISA IRQ `irq` (0-15). An override for bus 0
  /// wins; "conforms to bus" (and the reserved encoding) resolve to ISA's active
  /// high, edge. Without an override the IRQ is identity-mapped (GSI = irq), as
  /// §5.2.12.5 says, unless another IRQ's override already claims that GSI (the
  /// IRQ then has no input: IRQ2 when IRQ0 -> GSI2).
  /// Errors: kInvalid (irq > 15), kNotFound (the identity GSI is taken).
  kstd::Result<IrqRoute> IsaIrqToGsi(uint8_t irq) const;

 private:
  Madt() = default;
  kstd::Result<void> ParseEntry(uint8_t type, kstd::ByteSpan entry);
  void AddCpu(const Cpu& cpu);

  uint64_t local_apic_address_ = 0;
  bool has_8259_ = false;
  Cpu cpus_[kMaxCpus];
  size_t cpu_count_ = 0;
  size_t cpus_dropped_ = 0;
  size_t unusable_cpus_ = 0;
  IoApic io_apics_[kMaxIoApics];
  size_t io_apic_count_ = 0;
  InterruptOverride overrides_[kMaxOverrides];
  size_t override_count_ = 0;
  NmiSource nmi_sources_[kMaxNmiSources];
  size_t nmi_source_count_ = 0;
  LocalApicNmi local_apic_nmis_[kMaxLocalApicNmis];
  size_t local_apic_nmi_count_ = 0;
};

}  // namespace hal::x86_64::acpi
