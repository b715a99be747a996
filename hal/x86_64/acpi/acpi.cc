#include "hal/x86_64/acpi/acpi.h"

#include "kstd/utility.h"

namespace hal::x86_64::acpi {
namespace {

using kstd::ByteSpan;
using kstd::Error;

/// RSDP structure, ACPI 6.5 §5.2.5.3.
struct [[gnu::packed]] RsdpLayout {
  char signature[8];  // "RSD PTR "
  uint8_t checksum;   // bytes [0, 20) sum to 0
  char oem_id[6];
  uint8_t revision;
  uint32_t rsdt_address;
  // Revision >= 2 only:
  uint32_t length;  // of the whole structure
  uint64_t xsdt_address;
  uint8_t extended_checksum;  // bytes [0, length) sum to 0
  uint8_t reserved[3];
};
static_assert(sizeof(RsdpLayout) == 36);
static_assert(__builtin_offsetof(RsdpLayout, rsdt_address) == 16);
static_assert(__builtin_offsetof(RsdpLayout, length) == 20);
static_assert(__builtin_offsetof(RsdpLayout, xsdt_address) == 24);

constexpr size_t kRsdpV1Size = 20;  // the part covered by `checksum`
constexpr size_t kRsdpV2Size = sizeof(RsdpLayout);
constexpr size_t kMaxRsdpLength = 4096;  // for the memory scan only
constexpr char kRsdpSignature[8] = {'R', 'S', 'D', ' ', 'P', 'T', 'R', ' '};

// §5.2.5.1: where IA-PC firmware may put the RSDP.
constexpr uint64_t kEbdaSegmentPointer = 0x40E;
constexpr uint64_t kEbdaSearchLength = 1024;
constexpr uint64_t kBiosAreaStart = 0xE0000;
constexpr uint64_t kBiosAreaEnd = 0x100000;
constexpr uint64_t kRsdpAlignment = 16;

enum class Status : uint8_t { kOk, kNull, kUnmapped, kBadLength, kBadChecksum };

bool HasRsdpSignature(ByteSpan bytes) {
  for (size_t i = 0; i < sizeof(kRsdpSignature); ++i) {
    if (bytes[i] != static_cast<uint8_t>(kRsdpSignature[i])) return false;
  }
  return true;
}

SdtHeader LoadHeader(ByteSpan bytes) { return kstd::LoadLe<SdtHeader>(bytes, 0); }

/// Maps and validates one table; `signature` is filled in whenever the header
/// could be read.
Status Probe(const PhysReader& reader, uint64_t phys, Table* out) {
  if (phys == 0) return Status::kNull;
  ByteSpan head = reader.Map(phys, sizeof(SdtHeader));
  if (head.empty()) return Status::kUnmapped;
  SdtHeader header = LoadHeader(head);
  out->signature = Signature::FromChars(header.signature);
  out->phys = phys;
  if (header.length < sizeof(SdtHeader) || header.length > kMaxTableLength) {
    return Status::kBadLength;
  }
  ByteSpan whole = reader.Map(phys, header.length);
  if (whole.empty()) return Status::kUnmapped;
  if (ByteSum(whole) != 0) return Status::kBadChecksum;
  out->bytes = whole;
  return Status::kOk;
}

/// Maps a candidate RSDP at `phys` during the memory scan: 20 bytes for
/// revision 0/1, else as many as its length field says (bounded).
ByteSpan MapRsdpCandidate(const PhysReader& reader, uint64_t phys) {
  ByteSpan v1 = reader.Map(phys, kRsdpV1Size);
  if (v1.empty() || !HasRsdpSignature(v1)) return {};
  if (v1[__builtin_offsetof(RsdpLayout, revision)] < 2) return v1;
  ByteSpan v2 = reader.Map(phys, kRsdpV2Size);
  if (v2.empty()) return {};
  uint32_t length = kstd::LoadLe<uint32_t>(v2, __builtin_offsetof(RsdpLayout, length));
  if (length <= kRsdpV2Size || length > kMaxRsdpLength) return v2;
  return reader.Map(phys, length);
}

kstd::Result<FoundRsdp> ScanForRsdp(const PhysReader& reader, uint64_t start, uint64_t end) {
  for (uint64_t phys = kstd::AlignUp(start, kRsdpAlignment); phys < end; phys += kRsdpAlignment) {
    ByteSpan bytes = MapRsdpCandidate(reader, phys);
    if (!bytes.empty() && ParseRsdp(bytes).ok()) return FoundRsdp{phys, bytes};
  }
  return Error::kNotFound;
}

}  // namespace

kstd::ByteSpan PhysReader::Map(uint64_t phys, size_t len) const {
  uint64_t last;
  if (map == nullptr || len == 0 || !kstd::CheckedAdd(phys, len - 1, &last)) return {};
  ByteSpan view = map(ctx, phys, len);
  if (view.size() != len || view.data() == nullptr) return {};
  return view;
}

uint8_t ByteSum(kstd::ByteSpan bytes) {
  uint8_t sum = 0;
  for (uint8_t b : bytes) sum = static_cast<uint8_t>(sum + b);
  return sum;
}

kstd::Result<Rsdp> ParseRsdp(kstd::ByteSpan bytes) {
  if (bytes.size() < kRsdpV1Size || !HasRsdpSignature(bytes)) return Error::kBadMessage;
  if (ByteSum(bytes.Subspan(0, kRsdpV1Size)) != 0) return Error::kBadMessage;

  RsdpLayout layout = {};
  __builtin_memcpy(&layout, bytes.data(), kstd::Min(bytes.size(), sizeof(layout)));
  Rsdp rsdp;
  rsdp.revision = layout.revision;
  __builtin_memcpy(rsdp.oem_id, layout.oem_id, sizeof(rsdp.oem_id));
  rsdp.rsdt_address = layout.rsdt_address;
  if (layout.revision < 2) return rsdp;

  if (bytes.size() < kRsdpV2Size) return Error::kBadMessage;
  if (layout.length < kRsdpV2Size || layout.length > bytes.size()) return Error::kBadMessage;
  if (ByteSum(bytes.Subspan(0, layout.length)) != 0) return Error::kBadMessage;
  rsdp.xsdt_address = layout.xsdt_address;
  return rsdp;
}

kstd::Result<FoundRsdp> FindRsdpInBiosArea(const PhysReader& reader) {
  ByteSpan segment = reader.Map(kEbdaSegmentPointer, sizeof(uint16_t));
  if (!segment.empty()) {
    uint64_t ebda = uint64_t{kstd::LoadLe<uint16_t>(segment, 0)} << 4;
    // The EBDA lies in conventional memory, below the VGA hole at 0xA0000.
    if (ebda != 0 && ebda < 0xA0000) {
      auto found = ScanForRsdp(reader, ebda, ebda + kEbdaSearchLength);
      if (found.ok()) return found;
    }
  }
  return ScanForRsdp(reader, kBiosAreaStart, kBiosAreaEnd);
}

SdtHeader Table::Header() const { return LoadHeader(bytes); }

kstd::Result<Table> MapTable(const PhysReader& reader, uint64_t phys) {
  Table table;
  switch (Probe(reader, phys, &table)) {
    case Status::kOk: return table;
    case Status::kNull:
    case Status::kUnmapped: return Error::kFault;
    case Status::kBadLength:
    case Status::kBadChecksum: break;
  }
  return Error::kBadMessage;
}

kstd::Result<kstd::ByteSpan> CheckTable(kstd::ByteSpan bytes, Signature expected) {
  if (bytes.size() < sizeof(SdtHeader)) return Error::kBadMessage;
  SdtHeader header = LoadHeader(bytes);
  if (Signature::FromChars(header.signature) != expected) return Error::kBadMessage;
  if (header.length < sizeof(SdtHeader) || header.length > kMaxTableLength ||
      header.length > bytes.size()) {
    return Error::kBadMessage;
  }
  ByteSpan table = bytes.Subspan(0, header.length);
  if (ByteSum(table) != 0) return Error::kBadMessage;
  return table;
}

const char* WarningKindName(WarningKind kind) {
  switch (kind) {
    case WarningKind::kXsdtUnusable: return "xsdt-unusable";
    case WarningKind::kNullEntry: return "null-entry";
    case WarningKind::kUnmapped: return "unmapped";
    case WarningKind::kBadLength: return "bad-length";
    case WarningKind::kBadChecksum: return "bad-checksum";
  }
  return "unknown";
}

kstd::Result<Tables> Tables::Discover(kstd::ByteSpan rsdp_bytes, const PhysReader& reader) {
  Tables tables;
  tables.reader_ = reader;
  tables.rsdp_ = TRY(ParseRsdp(rsdp_bytes));

  const Rsdp& r = tables.rsdp_;
  if (r.revision >= 2 && r.xsdt_address != 0) {
    auto xsdt = tables.UseRoot(r.xsdt_address, kXsdtSignature, sizeof(uint64_t));
    if (xsdt.is_error()) {
      if (r.rsdt_address == 0) return xsdt.error();
      tables.AddWarning(WarningKind::kXsdtUnusable, kXsdtSignature, r.xsdt_address);
      TRY(tables.UseRoot(r.rsdt_address, kRsdtSignature, sizeof(uint32_t)));
    }
  } else if (r.rsdt_address != 0) {
    TRY(tables.UseRoot(r.rsdt_address, kRsdtSignature, sizeof(uint32_t)));
  } else {
    return Error::kNotFound;
  }

  tables.CheckEntries();
  return tables;
}

kstd::Result<void> Tables::UseRoot(uint64_t phys, Signature signature, size_t entry_size) {
  Table root = TRY(MapTable(reader_, phys));
  if (root.signature != signature) return Error::kBadMessage;
  if ((root.bytes.size() - sizeof(SdtHeader)) % entry_size != 0) return Error::kBadMessage;
  root_ = root;
  entry_size_ = entry_size;
  return kstd::Ok();
}

kstd::Result<uint64_t> Tables::EntryAddress(size_t index) const {
  if (index >= entry_count()) return Error::kRange;
  size_t offset = sizeof(SdtHeader) + index * entry_size_;
  if (entry_size_ == sizeof(uint64_t)) return kstd::LoadLe<uint64_t>(root_.bytes, offset);
  return uint64_t{kstd::LoadLe<uint32_t>(root_.bytes, offset)};
}

kstd::Result<Table> Tables::Find(Signature signature, size_t instance) const {
  for (size_t i = 0; i < entry_count(); ++i) {
    uint64_t phys = EntryAddress(i).value();
    // Cheap signature test on the header before mapping and summing the table.
    ByteSpan head = phys == 0 ? ByteSpan() : reader_.Map(phys, sizeof(SdtHeader));
    if (head.empty() || Signature::FromChars(LoadHeader(head).signature) != signature) continue;
    Table table;
    if (Probe(reader_, phys, &table) != Status::kOk) continue;
    if (instance == 0) return table;
    --instance;
  }
  return Error::kNotFound;
}

void Tables::AddWarning(WarningKind kind, Signature signature, uint64_t phys) {
  if (warning_count_ == kMaxWarnings) {
    ++warnings_dropped_;
    return;
  }
  warnings_[warning_count_++] = Warning{kind, signature, phys};
}

void Tables::CheckEntries() {
  for (size_t i = 0; i < entry_count(); ++i) {
    uint64_t phys = EntryAddress(i).value();
    Table table;
    switch (Probe(reader_, phys, &table)) {
      case Status::kOk: break;
      case Status::kNull: AddWarning(WarningKind::kNullEntry, Signature(), phys); break;
      case Status::kUnmapped: AddWarning(WarningKind::kUnmapped, table.signature, phys); break;
      case Status::kBadLength: AddWarning(WarningKind::kBadLength, table.signature, phys); break;
      case Status::kBadChecksum:
        AddWarning(WarningKind::kBadChecksum, table.signature, phys);
        break;
    }
  }
}

}  // namespace hal::x86_64::acpi
