#pragma once

// The MCFG table (PCI Firmware Specification 3.x §4.1.2): where each PCI segment
// group's memory-mapped configuration space (ECAM, PCIe Base Spec §7.2.2) lies.
// Parsed once at boot; immutable afterwards and safe to read from any CPU.

#include <stddef.h>
#include <stdint.h>

#include "kstd/result.h"
#include "kstd/span.h"

namespace hal::x86_64::acpi {

/// One "configuration space base address allocation structure".
struct EcamAllocation {
  /// ECAM size of one bus: 32 devices x 8 functions x 4 KiB.
  static constexpr uint64_t kBusSize = 1u << 20;

  uint64_t base = 0;  // physical address of bus 0's space, even when start_bus > 0
  uint16_t segment = 0;
  uint8_t start_bus = 0;
  uint8_t end_bus = 0;  // inclusive

  /// True if this allocation decodes (segment, bus).
  bool Covers(uint16_t segment_group, uint8_t bus) const {
    return segment_group == segment && bus >= start_bus && bus <= end_bus;
  }
  /// Physical address of the 4 KiB configuration space of bus:device.function.
  /// Errors: kInvalid (bus outside [start_bus, end_bus], device > 31, function > 7).
  kstd::Result<uint64_t> FunctionAddress(uint8_t bus, uint8_t device, uint8_t function) const;
};

class Mcfg {
 public:
  static constexpr size_t kMaxAllocations = 16;

  /// Parses an MCFG (all of it, header included; CheckTable rules apply: the
  /// signature must be "MCFG" and the checksum zero). Each allocation must have
  /// end_bus >= start_bus and a base aligned to EcamAllocation::kBusSize, and
  /// its ECAM window must not wrap past 2^64.
  /// Errors: kBadMessage (CheckTable failure, table shorter than 44 bytes,
  /// allocation area not a multiple of 16 bytes, an invalid allocation);
  /// kNoSpace (more than kMaxAllocations allocations).
  static kstd::Result<Mcfg> Parse(kstd::ByteSpan table);

  kstd::Span<const EcamAllocation> allocations() const { return {allocations_, count_}; }

  /// The first allocation that covers (segment, bus). Errors: kNotFound.
  kstd::Result<EcamAllocation> Find(uint16_t segment, uint8_t bus) const;

 private:
  Mcfg() = default;

  EcamAllocation allocations_[kMaxAllocations];
  size_t count_ = 0;
};

}  // namespace hal::x86_64::acpi
