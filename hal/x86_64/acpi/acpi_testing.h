#pragma once

// Host-test helpers for the ACPI parsers (testonly): a fake physical memory that
// serves bytes from a dictionary of "physical" addresses, a builder for ACPI
// tables with correct lengths and checksums, and fixture loading.

#include <stdint.h>

#include <map>
#include <string>
#include <vector>

#include "hal/x86_64/acpi/acpi.h"

namespace hal::x86_64::acpi::testing {

using Bytes = std::vector<uint8_t>;

/// Regions of "physical memory" at fixed addresses; everything else is unmapped.
/// Regions must not overlap. reader() stays valid as long as this object lives
/// and no region is replaced.
class FakePhysMemory {
 public:
  /// Places `bytes` at [phys, phys + bytes.size()); replaces a region that starts
  /// at the same address.
  void Place(uint64_t phys, Bytes bytes) { regions_[phys] = std::move(bytes); }
  /// The stored region starting at `phys` (must exist), for in-place corruption.
  Bytes& At(uint64_t phys) { return regions_.at(phys); }

  PhysReader reader() { return PhysReader{&FakePhysMemory::Map, this}; }
  /// Number of map calls served so far (to check that walks stay bounded).
  size_t map_calls() const { return map_calls_; }

 private:
  static kstd::ByteSpan Map(void* ctx, uint64_t phys, size_t len);

  std::map<uint64_t, Bytes> regions_;
  size_t map_calls_ = 0;
};

/// Builds an ACPI table: a 36-byte SDT header, then whatever is appended.
/// Finish() fills in length and checksum (unless told otherwise).
class TableBuilder {
 public:
  explicit TableBuilder(const char (&signature)[5], uint8_t revision = 1);

  TableBuilder& U8(uint8_t v);
  TableBuilder& U16(uint16_t v);
  TableBuilder& U32(uint32_t v);
  TableBuilder& U64(uint64_t v);
  TableBuilder& Raw(const Bytes& bytes);

  /// The table with its length field = size and a correct checksum.
  Bytes Finish() const;

 private:
  Bytes bytes_;
};

/// Makes the bytes of `table` sum to 0 by adjusting the byte at
/// `checksum_offset` (9 for an SDT header).
void FixChecksum(Bytes& table, size_t checksum_offset = 9);

/// An RSDP: revision 0 gives the 20-byte form, 2 the 36-byte form.
Bytes MakeRsdp(uint8_t revision, uint32_t rsdt, uint64_t xsdt);

/// An XSDT (8-byte entries) or RSDT (4-byte entries) listing `entries`.
Bytes MakeXsdt(const std::vector<uint64_t>& entries);
Bytes MakeRsdt(const std::vector<uint32_t>& entries);

/// The MADT that QEMU's q35 machine builds for `-smp 2` (shape of
/// hw/i386/acpi-common.c output): PCAT_COMPAT, LAPIC 0xFEE00000, CPUs with APIC
/// ids 0 and 1, IOAPIC id 0 at 0xFEC00000 GSI base 0, overrides IRQ0 -> GSI2
/// (bus default) and IRQ5/9/10/11 level/active-high, LAPIC NMI to all CPUs on
/// LINT1.
Bytes MakeQemuQ35Madt();
/// QEMU q35's MCFG: one allocation, base 0xB0000000, segment 0, buses 0-255.
Bytes MakeQemuQ35Mcfg();

/// Reads hal/x86_64/acpi/testdata/`name` from the test's runfiles.
Bytes ReadFixture(const std::string& name);

inline kstd::ByteSpan Span(const Bytes& bytes) { return {bytes.data(), bytes.size()}; }

}  // namespace hal::x86_64::acpi::testing
