#include "hal/x86_64/acpi/acpi.h"

#include <gtest/gtest.h>

#include <random>

#include "hal/x86_64/acpi/acpi_testing.h"
#include "hal/x86_64/acpi/madt.h"
#include "hal/x86_64/acpi/mcfg.h"

namespace hal::x86_64::acpi {
namespace {

using kstd::Error;
using testing::Bytes;
using testing::FakePhysMemory;
using testing::MakeRsdp;
using testing::MakeRsdt;
using testing::MakeXsdt;
using testing::Span;
using testing::TableBuilder;

// Where the q35-shaped layout puts things (addresses like SeaBIOS's, in low RAM).
constexpr uint64_t kXsdtPhys = 0x7FE1000;
constexpr uint64_t kRsdtPhys = 0x7FE1800;
constexpr uint64_t kFadtPhys = 0x7FE2000;
constexpr uint64_t kMadtPhys = 0x7FE3000;
constexpr uint64_t kMcfgPhys = 0x7FE4000;

Bytes MakeFadt() { return TableBuilder("FACP", 6).U32(0).U32(0).Finish(); }

/// RSDP (rev 2) -> XSDT -> FACP, APIC, MCFG, all well formed; also an RSDT with
/// the same entries.
struct Q35Firmware {
  FakePhysMemory memory;
  Bytes rsdp = MakeRsdp(2, kRsdtPhys, kXsdtPhys);

  Q35Firmware() {
    memory.Place(kXsdtPhys, MakeXsdt({kFadtPhys, kMadtPhys, kMcfgPhys}));
    memory.Place(kRsdtPhys, MakeRsdt({kFadtPhys, kMadtPhys, kMcfgPhys}));
    memory.Place(kFadtPhys, MakeFadt());
    memory.Place(kMadtPhys, testing::MakeQemuQ35Madt());
    memory.Place(kMcfgPhys, testing::MakeQemuQ35Mcfg());
  }
  kstd::Result<Tables> Discover() { return Tables::Discover(Span(rsdp), memory.reader()); }
};

/// The table's bytes, or an empty span (failing the test) if it was not found.
kstd::ByteSpan BytesOf(const kstd::Result<Table>& table) {
  EXPECT_TRUE(table.ok());
  return table.ok() ? table.value().bytes : kstd::ByteSpan();
}

// ---- PhysReader ----

TEST(PhysReader, RejectsWrapAndWrongSizedAnswers) {
  static uint8_t backing[16];
  PhysReader short_answer{[](void*, uint64_t, size_t) { return kstd::ByteSpan(backing, 4); },
                          nullptr};
  EXPECT_TRUE(short_answer.Map(0x1000, 8).empty());
  EXPECT_EQ(short_answer.Map(0x1000, 4).size(), 4u);
  EXPECT_TRUE(short_answer.Map(UINT64_MAX - 1, 4).empty());  // wraps
  EXPECT_TRUE(short_answer.Map(0x1000, 0).empty());
  EXPECT_TRUE(PhysReader{}.Map(0x1000, 4).empty());
}

// ---- RSDP ----

TEST(ParseRsdp, AcceptsRevision2) {
  Bytes rsdp = MakeRsdp(2, 0x1234, 0x1122334455667788);
  auto parsed = ParseRsdp(Span(rsdp));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.value().revision, 2);
  EXPECT_EQ(parsed.value().rsdt_address, 0x1234u);
  EXPECT_EQ(parsed.value().xsdt_address, 0x1122334455667788u);
  EXPECT_EQ(std::string(parsed.value().oem_id, 6), "TESTOE");
}

TEST(ParseRsdp, AcceptsRevision0WithoutXsdt) {
  Bytes rsdp = MakeRsdp(0, 0x1234, 0);
  ASSERT_EQ(rsdp.size(), 20u);
  auto parsed = ParseRsdp(Span(rsdp));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.value().xsdt_address, 0u);
  // A revision-0 RSDP stored in a 36-byte buffer ignores the trailing bytes.
  rsdp.resize(36, 0xAB);
  EXPECT_TRUE(ParseRsdp(Span(rsdp)).ok());
  EXPECT_EQ(ParseRsdp(Span(rsdp)).value().xsdt_address, 0u);
}

TEST(ParseRsdp, RejectsBadSignatureAndChecksum) {
  Bytes rsdp = MakeRsdp(2, 0x1234, 0x5678);
  Bytes bad_sig = rsdp;
  bad_sig[0] = 'X';
  EXPECT_EQ(ParseRsdp(Span(bad_sig)).error(), Error::kBadMessage);

  Bytes bad_sum = rsdp;
  bad_sum[16] ^= 1;  // RSDT address, covered by both checksums
  EXPECT_EQ(ParseRsdp(Span(bad_sum)).error(), Error::kBadMessage);

  EXPECT_EQ(ParseRsdp(Span(rsdp).Subspan(0, 19)).error(), Error::kBadMessage);
  EXPECT_EQ(ParseRsdp({}).error(), Error::kBadMessage);
}

TEST(ParseRsdp, RejectsBadExtendedChecksum) {
  Bytes rsdp = MakeRsdp(2, 0x1234, 0x5678);
  rsdp[24] ^= 0x10;  // XSDT address: only the extended checksum covers it
  EXPECT_EQ(ParseRsdp(Span(rsdp)).error(), Error::kBadMessage);
}

TEST(ParseRsdp, RejectsBadExtendedLength) {
  Bytes rsdp = MakeRsdp(2, 0x1234, 0x5678);
  // Truncated to the v1 part although revision says 2.
  EXPECT_EQ(ParseRsdp(Span(rsdp).Subspan(0, 20)).error(), Error::kBadMessage);

  Bytes short_length = rsdp;
  short_length[20] = 20;
  testing::FixChecksum(short_length, 32);
  EXPECT_EQ(ParseRsdp(Span(short_length)).error(), Error::kBadMessage);

  Bytes long_length = rsdp;
  long_length[20] = 40;  // more than the 36 bytes we have
  testing::FixChecksum(long_length, 32);
  EXPECT_EQ(ParseRsdp(Span(long_length)).error(), Error::kBadMessage);
}

// ---- CheckTable / MapTable ----

TEST(CheckTable, TrimsToHeaderLengthAndChecks) {
  Bytes madt = testing::MakeQemuQ35Madt();
  Bytes padded = madt;
  padded.resize(madt.size() + 100, 0xEE);
  auto table = CheckTable(Span(padded), kMadtSignature);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table.value().size(), madt.size());

  EXPECT_EQ(CheckTable(Span(madt), kMcfgSignature).error(), Error::kBadMessage);
  EXPECT_EQ(CheckTable(Span(madt).Subspan(0, madt.size() - 1), kMadtSignature).error(),
            Error::kBadMessage);
  EXPECT_EQ(CheckTable(Span(madt).Subspan(0, 35), kMadtSignature).error(), Error::kBadMessage);
  Bytes corrupt = madt;
  corrupt[50] ^= 0x40;
  EXPECT_EQ(CheckTable(Span(corrupt), kMadtSignature).error(), Error::kBadMessage);
  Bytes short_length = madt;
  short_length[4] = 35;
  short_length[5] = short_length[6] = short_length[7] = 0;
  testing::FixChecksum(short_length);
  EXPECT_EQ(CheckTable(Span(short_length), kMadtSignature).error(), Error::kBadMessage);
}

TEST(MapTable, ReportsUnreadableAndMalformed) {
  Q35Firmware fw;
  auto madt = MapTable(fw.memory.reader(), kMadtPhys);
  ASSERT_TRUE(madt.ok());
  EXPECT_EQ(madt.value().signature, kMadtSignature);
  EXPECT_EQ(madt.value().phys, kMadtPhys);
  EXPECT_EQ(madt.value().Header().length, madt.value().bytes.size());
  EXPECT_EQ(MapTable(fw.memory.reader(), 0x5000).error(), Error::kFault);
  EXPECT_EQ(MapTable(fw.memory.reader(), 0).error(), Error::kFault);
  fw.memory.At(kMadtPhys)[40] ^= 1;
  EXPECT_EQ(MapTable(fw.memory.reader(), kMadtPhys).error(), Error::kBadMessage);
}

// ---- Discovery ----

TEST(Tables, DiscoversQ35LayoutThroughXsdt) {
  Q35Firmware fw;
  auto tables = fw.Discover();
  ASSERT_TRUE(tables.ok());
  const Tables& t = tables.value();
  EXPECT_TRUE(t.uses_xsdt());
  EXPECT_EQ(t.root().phys, kXsdtPhys);
  EXPECT_EQ(t.entry_count(), 3u);
  EXPECT_TRUE(t.warnings().empty());
  EXPECT_EQ(t.EntryAddress(1).value(), kMadtPhys);
  EXPECT_EQ(t.EntryAddress(3).error(), Error::kRange);

  auto madt_table = t.Find(kMadtSignature);
  ASSERT_TRUE(madt_table.ok());
  EXPECT_EQ(madt_table.value().phys, kMadtPhys);
  auto madt = Madt::Parse(madt_table.value().bytes);
  ASSERT_TRUE(madt.ok());
  EXPECT_EQ(madt.value().cpus().size(), 2u);

  auto mcfg = Mcfg::Parse(BytesOf(t.Find(kMcfgSignature)));
  ASSERT_TRUE(mcfg.ok());
  EXPECT_EQ(mcfg.value().allocations()[0].base, 0xB0000000u);

  EXPECT_EQ(t.Find(kFadtSignature).value().phys, kFadtPhys);
  EXPECT_EQ(t.Find(Signature("HPET")).error(), Error::kNotFound);
  EXPECT_EQ(t.Find(kMadtSignature, 1).error(), Error::kNotFound);
}

TEST(Tables, UsesRsdtForRevision0) {
  Q35Firmware fw;
  fw.rsdp = MakeRsdp(0, kRsdtPhys, 0);
  auto tables = fw.Discover();
  ASSERT_TRUE(tables.ok());
  EXPECT_FALSE(tables.value().uses_xsdt());
  EXPECT_EQ(tables.value().root().phys, kRsdtPhys);
  EXPECT_EQ(tables.value().entry_count(), 3u);
  EXPECT_EQ(tables.value().Find(kMcfgSignature).value().phys, kMcfgPhys);
}

TEST(Tables, UsesRsdtWhenRevision2HasNoXsdt) {
  Q35Firmware fw;
  fw.rsdp = MakeRsdp(2, kRsdtPhys, 0);
  auto tables = fw.Discover();
  ASSERT_TRUE(tables.ok());
  EXPECT_FALSE(tables.value().uses_xsdt());
  EXPECT_TRUE(tables.value().warnings().empty());
}

TEST(Tables, RejectsBadRsdp) {
  Q35Firmware fw;
  fw.rsdp[16] ^= 1;
  EXPECT_EQ(fw.Discover().error(), Error::kBadMessage);
}

TEST(Tables, NoRootTableIsNotFound) {
  Q35Firmware fw;
  fw.rsdp = MakeRsdp(2, 0, 0);
  EXPECT_EQ(fw.Discover().error(), Error::kNotFound);
  fw.rsdp = MakeRsdp(0, 0, 0);
  EXPECT_EQ(fw.Discover().error(), Error::kNotFound);
}

TEST(Tables, UnreadableRootIsFault) {
  Q35Firmware fw;
  fw.rsdp = MakeRsdp(2, 0, 0x9000000);
  EXPECT_EQ(fw.Discover().error(), Error::kFault);
}

TEST(Tables, RejectsXsdtWhoseLengthIsNotAMultipleOf8) {
  Q35Firmware fw;
  fw.rsdp = MakeRsdp(2, 0, kXsdtPhys);                               // no RSDT to fall back on
  Bytes xsdt = TableBuilder("XSDT").U64(kMadtPhys).U32(0).Finish();  // 36 + 12
  fw.memory.Place(kXsdtPhys, xsdt);
  EXPECT_EQ(fw.Discover().error(), Error::kBadMessage);
}

TEST(Tables, RejectsXsdtShorterThanHeader) {
  Q35Firmware fw;
  fw.rsdp = MakeRsdp(2, 0, kXsdtPhys);
  Bytes xsdt = MakeXsdt({});
  xsdt[4] = 20;  // length 20 < 36
  testing::FixChecksum(xsdt);
  fw.memory.Place(kXsdtPhys, xsdt);
  EXPECT_EQ(fw.Discover().error(), Error::kBadMessage);
}

TEST(Tables, RejectsXsdtWithBadChecksumOrSignature) {
  Q35Firmware fw;
  fw.rsdp = MakeRsdp(2, 0, kXsdtPhys);
  fw.memory.At(kXsdtPhys)[40] ^= 1;
  EXPECT_EQ(fw.Discover().error(), Error::kBadMessage);

  fw.memory.Place(kXsdtPhys, MakeRsdt({kMadtPhys}));  // an RSDT where the XSDT should be
  EXPECT_EQ(fw.Discover().error(), Error::kBadMessage);
}

TEST(Tables, RejectsXsdtOverrunningMemory) {
  Q35Firmware fw;
  fw.rsdp = MakeRsdp(2, 0, kXsdtPhys);
  Bytes xsdt = MakeXsdt({kMadtPhys});
  xsdt[4] = 36 + 16;  // claims two entries; memory holds one
  testing::FixChecksum(xsdt);
  fw.memory.Place(kXsdtPhys, xsdt);
  EXPECT_EQ(fw.Discover().error(), Error::kFault);
}

TEST(Tables, FallsBackToRsdtWhenXsdtIsBroken) {
  Q35Firmware fw;
  fw.memory.At(kXsdtPhys)[40] ^= 1;
  auto tables = fw.Discover();
  ASSERT_TRUE(tables.ok());
  EXPECT_FALSE(tables.value().uses_xsdt());
  ASSERT_EQ(tables.value().warnings().size(), 1u);
  const Warning& w = tables.value().warnings()[0];
  EXPECT_EQ(w.kind, WarningKind::kXsdtUnusable);
  EXPECT_EQ(w.phys, kXsdtPhys);
  EXPECT_STREQ(WarningKindName(w.kind), "xsdt-unusable");
  EXPECT_TRUE(tables.value().Find(kMadtSignature).ok());
}

TEST(Tables, SkipsAndReportsBadTables) {
  Q35Firmware fw;
  constexpr uint64_t kBadSum = 0x7FE5000;
  constexpr uint64_t kOverrun = 0x7FE6000;
  constexpr uint64_t kTooLong = 0x7FE7000;
  constexpr uint64_t kTooShort = 0x7FE8000;
  constexpr uint64_t kNowhere = 0xDEAD0000;
  constexpr uint64_t kGoodMadt = 0x7FE9000;

  Bytes bad_sum = testing::MakeQemuQ35Madt();
  bad_sum[44] ^= 0xFF;
  fw.memory.Place(kBadSum, bad_sum);

  Bytes overrun = testing::MakeQemuQ35Mcfg();
  overrun[4] += 16;  // length says one more allocation than memory holds
  testing::FixChecksum(overrun);
  fw.memory.Place(kOverrun, overrun);

  Bytes too_long = TableBuilder("SSDT").Finish();
  too_long[6] = 0x20;  // length 0x200024 > 1 MiB
  testing::FixChecksum(too_long);
  fw.memory.Place(kTooLong, too_long);

  Bytes too_short = TableBuilder("SSDT").Finish();
  too_short[4] = 8;
  testing::FixChecksum(too_short);
  fw.memory.Place(kTooShort, too_short);

  fw.memory.Place(kGoodMadt, testing::MakeQemuQ35Madt());
  fw.memory.Place(kXsdtPhys,
                  MakeXsdt({kBadSum, kOverrun, 0, kTooLong, kTooShort, kNowhere, kGoodMadt}));

  auto tables = fw.Discover();
  ASSERT_TRUE(tables.ok());
  const Tables& t = tables.value();
  ASSERT_EQ(t.warnings().size(), 6u);
  EXPECT_EQ(t.warnings()[0].kind, WarningKind::kBadChecksum);
  EXPECT_EQ(t.warnings()[0].signature, kMadtSignature);
  EXPECT_EQ(t.warnings()[0].phys, kBadSum);
  EXPECT_EQ(t.warnings()[1].kind, WarningKind::kUnmapped);
  EXPECT_EQ(t.warnings()[1].signature, kMcfgSignature);
  EXPECT_EQ(t.warnings()[2].kind, WarningKind::kNullEntry);
  EXPECT_EQ(t.warnings()[3].kind, WarningKind::kBadLength);
  EXPECT_EQ(t.warnings()[3].signature, Signature("SSDT"));
  EXPECT_EQ(t.warnings()[4].kind, WarningKind::kBadLength);
  EXPECT_EQ(t.warnings()[5].kind, WarningKind::kUnmapped);
  EXPECT_EQ(t.warnings()[5].signature, Signature());
  EXPECT_EQ(t.warnings()[5].phys, kNowhere);
  EXPECT_EQ(t.warnings_dropped(), 0u);

  // The bad-checksum MADT comes first but is never handed out.
  auto madt = t.Find(kMadtSignature);
  ASSERT_TRUE(madt.ok());
  EXPECT_EQ(madt.value().phys, kGoodMadt);
  EXPECT_EQ(t.Find(kMadtSignature, 1).error(), Error::kNotFound);
  EXPECT_EQ(t.Find(kMcfgSignature).error(), Error::kNotFound);
  EXPECT_EQ(t.Find(Signature("SSDT")).error(), Error::kNotFound);
}

TEST(Tables, FindsLaterInstances) {
  Q35Firmware fw;
  constexpr uint64_t kSsdt0 = 0x7FE5000;
  constexpr uint64_t kSsdt1 = 0x7FE6000;
  fw.memory.Place(kSsdt0, TableBuilder("SSDT").U32(0).Finish());
  fw.memory.Place(kSsdt1, TableBuilder("SSDT").U32(1).Finish());
  fw.memory.Place(kXsdtPhys, MakeXsdt({kSsdt0, kMadtPhys, kSsdt1}));
  auto tables = fw.Discover();
  ASSERT_TRUE(tables.ok());
  EXPECT_EQ(tables.value().Find(Signature("SSDT"), 0).value().phys, kSsdt0);
  EXPECT_EQ(tables.value().Find(Signature("SSDT"), 1).value().phys, kSsdt1);
  EXPECT_EQ(tables.value().Find(Signature("SSDT"), 2).error(), Error::kNotFound);
}

TEST(Tables, CountsWarningsBeyondCapacity) {
  Q35Firmware fw;
  std::vector<uint64_t> entries(Tables::kMaxWarnings + 5, 0);
  entries.push_back(kMadtPhys);
  fw.memory.Place(kXsdtPhys, MakeXsdt(entries));
  auto tables = fw.Discover();
  ASSERT_TRUE(tables.ok());
  EXPECT_EQ(tables.value().warnings().size(), Tables::kMaxWarnings);
  EXPECT_EQ(tables.value().warnings_dropped(), 5u);
  EXPECT_TRUE(tables.value().Find(kMadtSignature).ok());
}

// ---- The build VM's firmware (Firecracker), reconstructed ----
//
// The MADT, MCFG and FADT are the VM's real tables (testdata/README.md). Linux
// logged where the firmware put them (RSDP 0xE0000 rev 2, XSDT 0xA0E2F, FACP
// 0xA0C97, APIC 0xA0DAB, MCFG 0xA0DF3); /sys does not export the RSDP and XSDT,
// so those two are rebuilt here at the logged addresses.

constexpr uint64_t kFcRsdp = 0xE0000;
constexpr uint64_t kFcXsdt = 0xA0E2F;
constexpr uint64_t kFcFacp = 0xA0C97;
constexpr uint64_t kFcApic = 0xA0DAB;
constexpr uint64_t kFcMcfg = 0xA0DF3;

struct FirecrackerFirmware {
  FakePhysMemory memory;
  FirecrackerFirmware() {
    memory.Place(kFcRsdp, MakeRsdp(2, 0, kFcXsdt));
    memory.Place(kFcXsdt, MakeXsdt({kFcFacp, kFcApic, kFcMcfg}));
    memory.Place(kFcFacp, testing::ReadFixture("firecracker_facp.bin"));
    memory.Place(kFcApic, testing::ReadFixture("firecracker_apic.bin"));
    memory.Place(kFcMcfg, testing::ReadFixture("firecracker_mcfg.bin"));
  }
};

TEST(Firecracker, FixturesHaveTheLoggedSizesAndValidChecksums) {
  Bytes facp = testing::ReadFixture("firecracker_facp.bin");
  Bytes apic = testing::ReadFixture("firecracker_apic.bin");
  Bytes mcfg = testing::ReadFixture("firecracker_mcfg.bin");
  EXPECT_EQ(facp.size(), 0x114u);
  EXPECT_EQ(apic.size(), 0x48u);
  EXPECT_EQ(mcfg.size(), 0x3Cu);
  EXPECT_TRUE(CheckTable(Span(facp), kFadtSignature).ok());
  EXPECT_TRUE(CheckTable(Span(apic), kMadtSignature).ok());
  EXPECT_TRUE(CheckTable(Span(mcfg), kMcfgSignature).ok());
}

TEST(Firecracker, RsdpIsFoundInTheBiosArea) {
  FirecrackerFirmware fw;
  auto found = FindRsdpInBiosArea(fw.memory.reader());
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found.value().phys, kFcRsdp);
  EXPECT_EQ(found.value().bytes.size(), 36u);
}

TEST(Firecracker, DiscoversRealTables) {
  FirecrackerFirmware fw;
  auto found = FindRsdpInBiosArea(fw.memory.reader());
  ASSERT_TRUE(found.ok());
  auto tables = Tables::Discover(found.value().bytes, fw.memory.reader());
  ASSERT_TRUE(tables.ok());
  EXPECT_TRUE(tables.value().warnings().empty());
  auto facp = tables.value().Find(kFadtSignature);
  ASSERT_TRUE(facp.ok());
  EXPECT_EQ(facp.value().Header().revision, 6);
  EXPECT_EQ(std::string(facp.value().Header().oem_id, 6), "FIRECK");
  EXPECT_EQ(std::string(facp.value().Header().oem_table_id, 8), "FCVMFADT");
  EXPECT_EQ(facp.value().Header().creator_revision, 0x20240119u);

  auto madt = Madt::Parse(BytesOf(tables.value().Find(kMadtSignature)));
  ASSERT_TRUE(madt.ok());
  EXPECT_EQ(madt.value().cpus().size(), 2u);
  auto mcfg = Mcfg::Parse(BytesOf(tables.value().Find(kMcfgSignature)));
  ASSERT_TRUE(mcfg.ok());
  EXPECT_EQ(mcfg.value().allocations().size(), 1u);
}

// ---- BIOS-area scan ----

TEST(FindRsdpInBiosArea, PrefersTheEbda) {
  FakePhysMemory memory;
  memory.Place(0x400, Bytes(0x100, 0));
  memory.At(0x400)[0x0E] = 0xC0;  // EBDA segment 0x9FC0 -> 0x9FC00
  memory.At(0x400)[0x0F] = 0x9F;
  Bytes ebda(1024, 0);
  Bytes rsdp = MakeRsdp(0, 0x1111, 0);
  std::copy(rsdp.begin(), rsdp.end(), ebda.begin() + 0x30);
  memory.Place(0x9FC00, ebda);
  Bytes bios(0x20000, 0);
  Bytes other = MakeRsdp(2, 0x2222, 0x3333);
  std::copy(other.begin(), other.end(), bios.begin() + 0x10);
  memory.Place(0xE0000, bios);

  auto found = FindRsdpInBiosArea(memory.reader());
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found.value().phys, 0x9FC30u);
  EXPECT_EQ(ParseRsdp(found.value().bytes).value().rsdt_address, 0x1111u);
}

TEST(FindRsdpInBiosArea, SkipsCandidatesThatFailValidation) {
  FakePhysMemory memory;
  Bytes bios(0x20000, 0);
  Bytes bad = MakeRsdp(2, 0x2222, 0x3333);
  bad[30] ^= 1;  // extended checksum wrong
  std::copy(bad.begin(), bad.end(), bios.begin() + 0x100);
  Bytes misaligned = MakeRsdp(0, 0x4444, 0);
  std::copy(misaligned.begin(), misaligned.end(), bios.begin() + 0x208);
  Bytes good = MakeRsdp(2, 0x5555, 0x6666);
  std::copy(good.begin(), good.end(), bios.begin() + 0x1FFD0);  // ends at 0xFFFF4
  memory.Place(0xE0000, bios);

  auto found = FindRsdpInBiosArea(memory.reader());
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found.value().phys, 0xFFFD0u);
  EXPECT_EQ(ParseRsdp(found.value().bytes).value().xsdt_address, 0x6666u);
}

TEST(FindRsdpInBiosArea, NotFound) {
  FakePhysMemory memory;
  EXPECT_EQ(FindRsdpInBiosArea(memory.reader()).error(), Error::kNotFound);
  memory.Place(0xE0000, Bytes(0x20000, 0));
  EXPECT_EQ(FindRsdpInBiosArea(memory.reader()).error(), Error::kNotFound);
}

// ---- Robustness ----

TEST(Tables, SurvivesRandomCorruptionOfEveryStructure) {
  std::mt19937 rng(0xAC01);
  for (int iteration = 0; iteration < 3000; ++iteration) {
    Q35Firmware fw;
    uint64_t targets[] = {kXsdtPhys, kRsdtPhys, kFadtPhys, kMadtPhys, kMcfgPhys};
    int flips = 1 + rng() % 4;
    for (int i = 0; i < flips; ++i) {
      if (rng() % 6 == 0) {
        fw.rsdp[rng() % fw.rsdp.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
        continue;
      }
      Bytes& region = fw.memory.At(targets[rng() % 5]);
      region[rng() % region.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
      if (rng() % 2) testing::FixChecksum(region);  // get past the checksum sometimes
    }
    auto tables = fw.Discover();
    if (!tables.ok()) continue;
    for (Signature s : {kMadtSignature, kMcfgSignature, kFadtSignature}) {
      auto table = tables.value().Find(s);
      if (!table.ok()) continue;
      EXPECT_EQ(ByteSum(table.value().bytes), 0);
      EXPECT_EQ(table.value().signature, s);
      (void)Madt::Parse(table.value().bytes);
      (void)Mcfg::Parse(table.value().bytes);
    }
  }
}

}  // namespace
}  // namespace hal::x86_64::acpi
