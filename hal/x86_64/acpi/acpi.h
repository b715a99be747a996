#pragma once

// ACPI table discovery (ACPI 6.5 §5.2): validate the RSDP the boot loader handed
// over, walk the XSDT (or RSDT), and hand out checksum-verified tables by
// signature. Every byte read here is untrusted firmware data: lengths are bounded
// and checksums verified before anything in a table is believed. Tables that fail
// are skipped and reported as Warnings, never used.
//
// Physical memory is reached only through a PhysReader, so the same code runs in
// the kernel (over the direct map) and in host tests (over a fake memory).
//
// Typical kernel use:
//   auto tables = TRY(Tables::Discover(ByteSpan(bi.rsdp, bi.rsdp_size), reader));
//   for (const Warning& w : tables.warnings()) Log(...);
//   Madt madt = TRY(Madt::Parse(TRY(tables.Find(kMadtSignature)).bytes));

#include <stddef.h>
#include <stdint.h>

#include "kstd/result.h"
#include "kstd/span.h"

namespace hal::x86_64::acpi {

/// Readable views of physical memory. `map(ctx, phys, len)` must return a span of
/// `len` bytes holding physical [phys, phys+len), or an empty span if any byte of
/// that range is not readable. Views must stay valid while anything parsed from
/// them is in use (Tables, Table::bytes); the kernel's direct map satisfies this.
struct PhysReader {
  kstd::ByteSpan (*map)(void* ctx, uint64_t phys, size_t len) = nullptr;
  void* ctx = nullptr;

  /// [phys, phys+len), or empty if `len` is 0, the range wraps past 2^64, `map`
  /// is null, or `map` answered with a span of any size other than `len`.
  kstd::ByteSpan Map(uint64_t phys, size_t len) const;
};

/// A four-character table signature (§5.2.6, "Signature" field).
struct Signature {
  char chars[4] = {};

  constexpr Signature() = default;
  constexpr Signature(const char (&text)[5])  // NOLINT: Signature("APIC")
      : chars{text[0], text[1], text[2], text[3]} {}
  /// From the four bytes at `chars` (e.g. SdtHeader::signature).
  static constexpr Signature FromChars(const char* chars) {
    Signature s;
    for (int i = 0; i < 4; ++i) s.chars[i] = chars[i];
    return s;
  }
  constexpr bool operator==(const Signature& other) const {
    return chars[0] == other.chars[0] && chars[1] == other.chars[1] && chars[2] == other.chars[2] &&
           chars[3] == other.chars[3];
  }
  constexpr bool operator!=(const Signature& other) const { return !(*this == other); }
};

inline constexpr Signature kXsdtSignature("XSDT");  // §5.2.8
inline constexpr Signature kRsdtSignature("RSDT");  // §5.2.7
inline constexpr Signature kMadtSignature("APIC");  // §5.2.12
inline constexpr Signature kFadtSignature("FACP");  // §5.2.9
inline constexpr Signature kMcfgSignature("MCFG");  // PCI Firmware Spec 3.x §4.1.2

/// System Description Table Header, ACPI 6.5 §5.2.6. Every table
/// found through the XSDT/RSDT starts with it.
struct [[gnu::packed]] SdtHeader {
  char signature[4];  // Signature::FromChars(signature)
  uint32_t length;    // of the whole table, header included
  uint8_t revision;
  uint8_t checksum;  // makes the whole table sum to 0 (mod 256)
  char oem_id[6];
  char oem_table_id[8];
  uint32_t oem_revision;
  uint32_t creator_id;
  uint32_t creator_revision;
};
static_assert(sizeof(SdtHeader) == 36);

/// Longest table accepted (header `length`). Real tables are far smaller (a big
/// DSDT is a few hundred KiB); the cap stops a corrupt length from making us map
/// gigabytes.
inline constexpr uint32_t kMaxTableLength = 1u << 20;

/// Sum of all bytes mod 256; an ACPI structure is valid when this is 0.
uint8_t ByteSum(kstd::ByteSpan bytes);

/// What the RSDP says, after validation.
struct Rsdp {
  uint8_t revision = 0;  // 0 = ACPI 1.0 (RSDT only); >= 2 = ACPI 2.0+
  char oem_id[6] = {};
  uint32_t rsdt_address = 0;
  uint64_t xsdt_address = 0;  // 0 unless revision >= 2
};

/// Validates an RSDP (ACPI 6.5 §5.2.5.3): `bytes` holds at least the 20-byte
/// ACPI 1.0 part with signature "RSD PTR " and a zero checksum over those 20
/// bytes; when revision >= 2, also `length` (>= 36, <= bytes.size()) and the
/// extended checksum over `length` bytes. Revision 1 is undefined by the spec and
/// treated as 0. Errors: kBadMessage for any of those checks failing.
kstd::Result<Rsdp> ParseRsdp(kstd::ByteSpan bytes);

/// An RSDP found in memory.
struct FoundRsdp {
  uint64_t phys = 0;
  kstd::ByteSpan bytes;  // 20 bytes (revision 0) or `length` bytes (revision >= 2)
};

/// Searches where IA-PC firmware leaves the RSDP (ACPI 6.5 §5.2.5.1): the first
/// KiB of the EBDA (real-mode segment in the word at 0x40E), then 0xE0000-0xFFFFF,
/// on 16-byte boundaries; the first candidate that ParseRsdp accepts wins. For
/// boot paths that got no RSDP from the loader. Errors: kNotFound.
kstd::Result<FoundRsdp> FindRsdpInBiosArea(const PhysReader& reader);

/// A checksum-verified ACPI table.
struct Table {
  Signature signature;
  uint64_t phys = 0;
  kstd::ByteSpan bytes;  // the whole table, header included: exactly header.length bytes

  /// The header (copied out; `bytes` may be unaligned).
  SdtHeader Header() const;
};

/// Maps and validates the table at `phys`: header readable, length within
/// [36, kMaxTableLength], whole table readable, checksum zero. Also the way to
/// follow pointers that are not in the XSDT (FADT -> DSDT).
/// Errors: kFault (unreadable), kBadMessage (bad length or checksum).
kstd::Result<Table> MapTable(const PhysReader& reader, uint64_t phys);

/// Validates a table already in memory (a fixture, a table from MapTable):
/// signature == `expected`, 36 <= header length <= min(bytes.size(),
/// kMaxTableLength), checksum zero over the header length. Returns `bytes`
/// trimmed to the header length. Errors: kBadMessage.
kstd::Result<kstd::ByteSpan> CheckTable(kstd::ByteSpan bytes, Signature expected);

/// Why a table (or the XSDT) was not used.
enum class WarningKind : uint8_t {
  kXsdtUnusable,  // XSDT unreadable or malformed; fell back to the RSDT
  kNullEntry,     // root table entry holds address 0
  kUnmapped,      // entry points at memory the PhysReader cannot read
  kBadLength,     // header length < 36 or > kMaxTableLength
  kBadChecksum,   // table bytes do not sum to 0
};

/// A short stable name for logs ("bad-checksum").
const char* WarningKindName(WarningKind kind);

struct Warning {
  WarningKind kind = WarningKind::kBadChecksum;
  Signature signature;  // from the table's header; all zero if it was unreadable
  uint64_t phys = 0;    // where the table is (or was claimed to be)
};

/// The root of the ACPI tables: a validated RSDP and XSDT/RSDT. Cheap to copy
/// (no table list is stored: Find walks the root table, which has no capacity
/// limit). Immutable after Discover, so safe to read from any CPU.
class Tables {
 public:
  static constexpr size_t kMaxWarnings = 16;

  /// Validates `rsdp` (see ParseRsdp), picks the XSDT when revision >= 2 and its
  /// address is non-zero, else the RSDT, validates the root table (signature,
  /// length, checksum, length - 36 a multiple of the entry size), then checks
  /// every entry once and records a Warning for each that is unusable. If the
  /// XSDT is unusable and the RSDP also names an RSDT, uses the RSDT (with a
  /// kXsdtUnusable warning). Errors: kBadMessage (bad RSDP or root table),
  /// kNotFound (no root table address), kFault (root table unreadable).
  static kstd::Result<Tables> Discover(kstd::ByteSpan rsdp, const PhysReader& reader);

  const Rsdp& rsdp() const { return rsdp_; }
  bool uses_xsdt() const { return entry_size_ == 8; }
  /// The root table itself (XSDT or RSDT).
  const Table& root() const { return root_; }
  /// Number of entries in the root table, usable or not.
  size_t entry_count() const { return (root_.bytes.size() - sizeof(SdtHeader)) / entry_size_; }

  /// Physical address in root entry `index` (0 for a null entry). Errors: kRange.
  kstd::Result<uint64_t> EntryAddress(size_t index) const;

  /// The `instance`-th (0 = first) usable table whose signature is `signature`,
  /// in root-table order. Unusable entries are skipped. Errors: kNotFound.
  kstd::Result<Table> Find(Signature signature, size_t instance = 0) const;

  /// Unusable tables found by Discover, at most kMaxWarnings of them.
  kstd::Span<const Warning> warnings() const { return {warnings_, warning_count_}; }
  /// Warnings that did not fit in warnings().
  size_t warnings_dropped() const { return warnings_dropped_; }

 private:
  Tables() = default;
  kstd::Result<void> UseRoot(uint64_t phys, Signature signature, size_t entry_size);
  void AddWarning(WarningKind kind, Signature signature, uint64_t phys);
  void CheckEntries();

  PhysReader reader_;
  Rsdp rsdp_;
  Table root_;
  size_t entry_size_ = 8;  // 8 for the XSDT, 4 for the RSDT
  Warning warnings_[kMaxWarnings];
  size_t warning_count_ = 0;
  size_t warnings_dropped_ = 0;
};

}  // namespace hal::x86_64::acpi
