#include "hal/x86_64/acpi/madt.h"

#include <gtest/gtest.h>

#include <random>

#include "hal/x86_64/acpi/acpi_testing.h"

namespace hal::x86_64::acpi {
namespace {

using kstd::Error;
using testing::Bytes;
using testing::Span;
using testing::TableBuilder;

/// A MADT header (LAPIC 0xFEE00000, PCAT_COMPAT) that tests append entries to.
TableBuilder MadtBuilder() {
  TableBuilder t("APIC", 5);
  t.U32(0xFEE00000).U32(1);
  return t;
}

TableBuilder& AddLocalApic(TableBuilder& t, uint8_t uid, uint8_t apic_id, uint32_t flags) {
  return t.U8(0).U8(8).U8(uid).U8(apic_id).U32(flags);
}

TableBuilder& AddIoApic(TableBuilder& t, uint8_t id, uint32_t address, uint32_t gsi_base) {
  return t.U8(1).U8(12).U8(id).U8(0).U32(address).U32(gsi_base);
}

TableBuilder& AddOverride(TableBuilder& t, uint8_t irq, uint32_t gsi, uint16_t flags) {
  return t.U8(2).U8(10).U8(0).U8(irq).U32(gsi).U16(flags);
}

// ---- The build VM's real MADT (Firecracker; see testdata/README.md) ----
//
// Decoded by hand with xxd:
//   0x24 local APIC address FEE00000, 0x28 flags 0 (no 8259)
//   0x2C type 1 len 12: I/O APIC id 0, address FEC00000, GSI base 0
//   0x38 type 0 len 8: processor id 0, APIC id 0, flags 1 (enabled)
//   0x40 type 0 len 8: processor id 1, APIC id 1, flags 1 (enabled)

TEST(MadtFirecracker, ParsesTheRealTable) {
  Bytes apic = testing::ReadFixture("firecracker_apic.bin");
  auto madt = Madt::Parse(Span(apic));
  ASSERT_TRUE(madt.ok());
  const Madt& m = madt.value();
  EXPECT_EQ(m.local_apic_address(), 0xFEE00000u);
  EXPECT_FALSE(m.has_8259());
  ASSERT_EQ(m.cpus().size(), 2u);
  for (uint32_t i = 0; i < 2; ++i) {
    EXPECT_EQ(m.cpus()[i].apic_id, i);
    EXPECT_EQ(m.cpus()[i].acpi_uid, i);
    EXPECT_TRUE(m.cpus()[i].enabled);
    EXPECT_FALSE(m.cpus()[i].online_capable);
    EXPECT_FALSE(m.cpus()[i].from_x2apic_entry);
  }
  ASSERT_EQ(m.io_apics().size(), 1u);
  EXPECT_EQ(m.io_apics()[0].id, 0);
  EXPECT_EQ(m.io_apics()[0].address, 0xFEC00000u);
  EXPECT_EQ(m.io_apics()[0].gsi_base, 0u);
  EXPECT_TRUE(m.overrides().empty());
  EXPECT_TRUE(m.nmi_sources().empty());
  EXPECT_TRUE(m.local_apic_nmis().empty());
  EXPECT_EQ(m.unusable_cpus(), 0u);
  EXPECT_EQ(m.cpus_dropped(), 0u);

  // No overrides at all: even the timer is identity-mapped.
  auto timer = m.IsaIrqToGsi(0);
  ASSERT_TRUE(timer.ok());
  EXPECT_EQ(timer.value().gsi, 0u);
  EXPECT_EQ(timer.value().polarity, Polarity::kActiveHigh);
  EXPECT_EQ(timer.value().trigger, Trigger::kEdge);
}

// ---- QEMU q35 shape ----

TEST(MadtQ35, ParsesCpusIoApicOverridesAndNmi) {
  Bytes bytes = testing::MakeQemuQ35Madt();
  auto madt = Madt::Parse(Span(bytes));
  ASSERT_TRUE(madt.ok());
  const Madt& m = madt.value();
  EXPECT_TRUE(m.has_8259());
  EXPECT_EQ(m.local_apic_address(), 0xFEE00000u);
  ASSERT_EQ(m.cpus().size(), 2u);
  EXPECT_EQ(m.cpus()[1].apic_id, 1u);
  ASSERT_EQ(m.io_apics().size(), 1u);
  EXPECT_EQ(m.io_apics()[0].address, 0xFEC00000u);
  ASSERT_EQ(m.overrides().size(), 5u);
  EXPECT_EQ(m.overrides()[0].source_irq, 0);
  EXPECT_EQ(m.overrides()[0].gsi, 2u);
  EXPECT_EQ(m.overrides()[0].polarity, Polarity::kBusDefault);
  EXPECT_EQ(m.overrides()[2].source_irq, 9);
  EXPECT_EQ(m.overrides()[2].polarity, Polarity::kActiveHigh);
  EXPECT_EQ(m.overrides()[2].trigger, Trigger::kLevel);
  ASSERT_EQ(m.local_apic_nmis().size(), 1u);
  EXPECT_TRUE(m.local_apic_nmis()[0].all_cpus);
  EXPECT_EQ(m.local_apic_nmis()[0].lint, 1);
}

TEST(MadtQ35, IsaIrqToGsiAppliesOverridesAndDefaults) {
  Bytes bytes = testing::MakeQemuQ35Madt();
  auto madt = Madt::Parse(Span(bytes));
  ASSERT_TRUE(madt.ok());
  const Madt& m = madt.value();

  auto timer = m.IsaIrqToGsi(0);
  ASSERT_TRUE(timer.ok());
  EXPECT_EQ(timer.value().gsi, 2u);
  EXPECT_EQ(timer.value().polarity, Polarity::kActiveHigh);  // "conforms" on ISA
  EXPECT_EQ(timer.value().trigger, Trigger::kEdge);

  auto sci = m.IsaIrqToGsi(9);
  ASSERT_TRUE(sci.ok());
  EXPECT_EQ(sci.value().gsi, 9u);
  EXPECT_EQ(sci.value().polarity, Polarity::kActiveHigh);
  EXPECT_EQ(sci.value().trigger, Trigger::kLevel);

  auto keyboard = m.IsaIrqToGsi(1);
  ASSERT_TRUE(keyboard.ok());
  EXPECT_EQ(keyboard.value().gsi, 1u);
  EXPECT_EQ(keyboard.value().trigger, Trigger::kEdge);

  auto com1 = m.IsaIrqToGsi(4);
  ASSERT_TRUE(com1.ok());
  EXPECT_EQ(com1.value().gsi, 4u);

  EXPECT_EQ(m.IsaIrqToGsi(2).error(), Error::kNotFound);  // GSI2 belongs to IRQ0
  EXPECT_EQ(m.IsaIrqToGsi(16).error(), Error::kInvalid);
}

TEST(Madt, ActiveLowOverride) {
  TableBuilder t = MadtBuilder();
  AddIoApic(t, 0, 0xFEC00000, 0);
  AddOverride(t, 11, 20, 0x000F);  // level, active low
  Bytes bytes = t.Finish();
  auto madt = Madt::Parse(Span(bytes));
  ASSERT_TRUE(madt.ok());
  auto route = madt.value().IsaIrqToGsi(11);
  ASSERT_TRUE(route.ok());
  EXPECT_EQ(route.value().gsi, 20u);
  EXPECT_EQ(route.value().polarity, Polarity::kActiveLow);
  EXPECT_EQ(route.value().trigger, Trigger::kLevel);
}

TEST(Madt, ReservedInterruptFlagsResolveToIsaDefaults) {
  TableBuilder t = MadtBuilder();
  AddOverride(t, 3, 3, 0x000A);  // polarity 10b, trigger 10b: both reserved
  Bytes bytes = t.Finish();
  auto madt = Madt::Parse(Span(bytes));
  ASSERT_TRUE(madt.ok());
  EXPECT_EQ(madt.value().overrides()[0].polarity, Polarity::kReserved);
  auto route = madt.value().IsaIrqToGsi(3);
  ASSERT_TRUE(route.ok());
  EXPECT_EQ(route.value().polarity, Polarity::kActiveHigh);
  EXPECT_EQ(route.value().trigger, Trigger::kEdge);
}

TEST(Madt, OverrideOnOtherBusIsIgnoredForIsa) {
  TableBuilder t = MadtBuilder();
  t.U8(2).U8(10).U8(1).U8(4).U32(30).U16(0);  // bus 1, not ISA
  Bytes bytes = t.Finish();
  auto madt = Madt::Parse(Span(bytes));
  ASSERT_TRUE(madt.ok());
  EXPECT_EQ(madt.value().IsaIrqToGsi(4).value().gsi, 4u);
}

TEST(Madt, X2ApicEntriesAndNmi) {
  TableBuilder t = MadtBuilder();
  AddLocalApic(t, 0, 0, 1);
  t.U8(9).U8(16).U16(0).U32(0).U32(1).U32(0);    // x2APIC id 0 again: duplicate
  t.U8(9).U8(16).U16(0).U32(300).U32(1).U32(7);  // x2APIC id 300, uid 7
  t.U8(9).U8(16).U16(0).U32(301).U32(2).U32(8);  // online capable
  t.U8(0xA).U8(12).U16(0x5).U32(0xFFFFFFFF).U8(1).U8(0).U8(0).U8(0);  // all, LINT1
  t.U8(0xA).U8(12).U16(0).U32(7).U8(0).U8(0).U8(0).U8(0);             // uid 7, LINT0
  Bytes bytes = t.Finish();
  auto madt = Madt::Parse(Span(bytes));
  ASSERT_TRUE(madt.ok());
  const Madt& m = madt.value();
  ASSERT_EQ(m.cpus().size(), 3u);
  EXPECT_FALSE(m.cpus()[0].from_x2apic_entry);
  EXPECT_EQ(m.cpus()[1].apic_id, 300u);
  EXPECT_EQ(m.cpus()[1].acpi_uid, 7u);
  EXPECT_TRUE(m.cpus()[1].from_x2apic_entry);
  EXPECT_TRUE(m.cpus()[1].enabled);
  EXPECT_FALSE(m.cpus()[2].enabled);
  EXPECT_TRUE(m.cpus()[2].online_capable);
  ASSERT_EQ(m.local_apic_nmis().size(), 2u);
  EXPECT_TRUE(m.local_apic_nmis()[0].all_cpus);
  EXPECT_EQ(m.local_apic_nmis()[0].lint, 1);
  EXPECT_EQ(m.local_apic_nmis()[0].polarity, Polarity::kActiveHigh);
  EXPECT_EQ(m.local_apic_nmis()[0].trigger, Trigger::kEdge);
  EXPECT_FALSE(m.local_apic_nmis()[1].all_cpus);
  EXPECT_EQ(m.local_apic_nmis()[1].acpi_uid, 7u);
}

TEST(Madt, LocalApicAddressOverrideWins) {
  TableBuilder t = MadtBuilder();
  t.U8(5).U8(12).U16(0).U64(0x0000000FEE000000);
  Bytes bytes = t.Finish();
  auto madt = Madt::Parse(Span(bytes));
  ASSERT_TRUE(madt.ok());
  EXPECT_EQ(madt.value().local_apic_address(), 0x0000000FEE000000u);
}

TEST(Madt, NmiSource) {
  TableBuilder t = MadtBuilder();
  t.U8(3).U8(8).U16(0x000F).U32(23);
  Bytes bytes = t.Finish();
  auto madt = Madt::Parse(Span(bytes));
  ASSERT_TRUE(madt.ok());
  ASSERT_EQ(madt.value().nmi_sources().size(), 1u);
  EXPECT_EQ(madt.value().nmi_sources()[0].gsi, 23u);
  EXPECT_EQ(madt.value().nmi_sources()[0].polarity, Polarity::kActiveLow);
  EXPECT_EQ(madt.value().nmi_sources()[0].trigger, Trigger::kLevel);
}

TEST(Madt, DisabledCpusAreCountedNotKept) {
  TableBuilder t = MadtBuilder();
  AddLocalApic(t, 0, 0, 1);
  AddLocalApic(t, 1, 1, 0);  // unusable
  AddLocalApic(t, 2, 2, 2);  // online capable
  AddLocalApic(t, 3, 3, 3);  // enabled; online-capable bit is then reserved
  Bytes bytes = t.Finish();
  auto madt = Madt::Parse(Span(bytes));
  ASSERT_TRUE(madt.ok());
  const Madt& m = madt.value();
  ASSERT_EQ(m.cpus().size(), 3u);
  EXPECT_EQ(m.unusable_cpus(), 1u);
  EXPECT_EQ(m.cpus()[1].apic_id, 2u);
  EXPECT_TRUE(m.cpus()[1].online_capable);
  EXPECT_TRUE(m.cpus()[2].enabled);
  EXPECT_FALSE(m.cpus()[2].online_capable);
}

TEST(Madt, UnknownAndLongerEntriesAreSkippedOrAccepted) {
  TableBuilder t = MadtBuilder();
  t.U8(0x7F).U8(5).U8(1).U8(2).U8(3);  // unknown type
  t.U8(0xB).U8(2);                     // GICC with just a header: not ours
  t.U8(1).U8(16).U8(4).U8(0).U32(0xFEC01000).U32(24).U32(0xFFFFFFFF);  // longer IOAPIC
  Bytes bytes = t.Finish();
  auto madt = Madt::Parse(Span(bytes));
  ASSERT_TRUE(madt.ok());
  ASSERT_EQ(madt.value().io_apics().size(), 1u);
  EXPECT_EQ(madt.value().io_apics()[0].id, 4);
  EXPECT_EQ(madt.value().io_apics()[0].gsi_base, 24u);
}

TEST(Madt, EmptyEntryListIsValid) {
  Bytes bytes = MadtBuilder().Finish();
  auto madt = Madt::Parse(Span(bytes));
  ASSERT_TRUE(madt.ok());
  EXPECT_TRUE(madt.value().cpus().empty());
}

// ---- Malformed tables ----

TEST(MadtMalformed, EntryOfLengthZeroOrOneIsRejected) {
  for (uint8_t length : {0, 1}) {
    TableBuilder t = MadtBuilder();
    AddLocalApic(t, 0, 0, 1);
    t.U8(0).U8(length).U8(0).U8(0).U32(0);
    Bytes bytes = t.Finish();
    EXPECT_EQ(Madt::Parse(Span(bytes)).error(), Error::kBadMessage) << int{length};
  }
}

TEST(MadtMalformed, EntryOverrunningTheTableIsRejected) {
  TableBuilder t = MadtBuilder();
  AddLocalApic(t, 0, 0, 1);
  t.U8(1).U8(12).U8(0).U8(0).U32(0xFEC00000);  // 8 of 12 bytes present
  Bytes bytes = t.Finish();
  EXPECT_EQ(Madt::Parse(Span(bytes)).error(), Error::kBadMessage);
}

TEST(MadtMalformed, LoneTrailingByteIsRejected) {
  TableBuilder t = MadtBuilder();
  t.U8(0);
  Bytes bytes = t.Finish();
  EXPECT_EQ(Madt::Parse(Span(bytes)).error(), Error::kBadMessage);
}

TEST(MadtMalformed, KnownEntryShorterThanItsLayoutIsRejected) {
  TableBuilder t = MadtBuilder();
  t.U8(1).U8(8).U8(0).U8(0).U32(0xFEC00000);  // IOAPIC needs 12
  Bytes bytes = t.Finish();
  EXPECT_EQ(Madt::Parse(Span(bytes)).error(), Error::kBadMessage);
}

TEST(MadtMalformed, EntryCannotReadPastHeaderLength) {
  // Memory continues after the table with bytes that would complete the entry.
  TableBuilder t = MadtBuilder();
  t.U8(1).U8(12).U8(0).U8(0);
  Bytes bytes = t.Finish();
  bytes.insert(bytes.end(), {0, 0, 0xC0, 0xFE, 0, 0, 0, 0});
  EXPECT_EQ(Madt::Parse(Span(bytes)).error(), Error::kBadMessage);
}

TEST(MadtMalformed, HeaderProblemsAreRejected) {
  Bytes good = testing::MakeQemuQ35Madt();
  Bytes bad_sum = good;
  bad_sum[45] ^= 1;
  EXPECT_EQ(Madt::Parse(Span(bad_sum)).error(), Error::kBadMessage);
  Bytes mcfg = testing::MakeQemuQ35Mcfg();
  EXPECT_EQ(Madt::Parse(Span(mcfg)).error(), Error::kBadMessage);
  Bytes no_fixed_part = TableBuilder("APIC").U32(0xFEE00000).Finish();  // 40 bytes
  EXPECT_EQ(Madt::Parse(Span(no_fixed_part)).error(), Error::kBadMessage);
  EXPECT_EQ(Madt::Parse({}).error(), Error::kBadMessage);
}

TEST(MadtMalformed, TooManyIoApicsIsAnError) {
  TableBuilder t = MadtBuilder();
  for (uint8_t i = 0; i <= Madt::kMaxIoApics; ++i) AddIoApic(t, i, 0xFEC00000 + i * 0x1000, i * 24);
  Bytes bytes = t.Finish();
  EXPECT_EQ(Madt::Parse(Span(bytes)).error(), Error::kNoSpace);
}

TEST(MadtMalformed, TooManyOverridesIsAnError) {
  TableBuilder t = MadtBuilder();
  for (uint8_t i = 0; i <= Madt::kMaxOverrides; ++i) AddOverride(t, i, i, 0);
  Bytes bytes = t.Finish();
  EXPECT_EQ(Madt::Parse(Span(bytes)).error(), Error::kNoSpace);
}

TEST(MadtMalformed, TooManyNmisIsAnError) {
  TableBuilder sources = MadtBuilder();
  for (size_t i = 0; i <= Madt::kMaxNmiSources; ++i) sources.U8(3).U8(8).U16(0).U32(i);
  Bytes bytes = sources.Finish();
  EXPECT_EQ(Madt::Parse(Span(bytes)).error(), Error::kNoSpace);

  TableBuilder lapic = MadtBuilder();
  for (size_t i = 0; i <= Madt::kMaxLocalApicNmis; ++i) lapic.U8(4).U8(6).U8(i).U16(0).U8(1);
  bytes = lapic.Finish();
  EXPECT_EQ(Madt::Parse(Span(bytes)).error(), Error::kNoSpace);
}

TEST(MadtMalformed, CpusBeyondCapacityAreCountedAsDropped) {
  TableBuilder t = MadtBuilder();
  for (uint32_t i = 0; i < Madt::kMaxCpus + 6; ++i) {
    t.U8(9).U8(16).U16(0).U32(i).U32(1).U32(i);
  }
  Bytes bytes = t.Finish();
  auto madt = Madt::Parse(Span(bytes));
  ASSERT_TRUE(madt.ok());
  EXPECT_EQ(madt.value().cpus().size(), Madt::kMaxCpus);
  EXPECT_EQ(madt.value().cpus_dropped(), 6u);
  EXPECT_EQ(madt.value().cpus()[0].apic_id, 0u);  // the first ones (the BSP) are kept
}

// Random byte flips in a valid MADT, with the checksum repaired so the entry
// walk is exercised: Parse must return (no crash, no hang) and, on success,
// keep its invariants.
TEST(MadtMalformed, FuzzedTablesNeverCrashOrHang) {
  const Bytes base = testing::MakeQemuQ35Madt();
  std::mt19937 rng(0x3ADF);
  size_t accepted = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    Bytes bytes = base;
    if (rng() % 4 == 0) bytes.resize(bytes.size() + rng() % 32, static_cast<uint8_t>(rng()));
    int flips = 1 + rng() % 6;
    for (int i = 0; i < flips; ++i) {
      // Mostly the entries, sometimes the header (length field included).
      size_t at = rng() % 8 == 0 ? rng() % 44 : 44 + rng() % (bytes.size() - 44);
      bytes[at] ^= static_cast<uint8_t>(1 + rng() % 255);
    }
    if (rng() % 8 != 0) testing::FixChecksum(bytes);
    auto madt = Madt::Parse(Span(bytes));
    if (!madt.ok()) {
      EXPECT_TRUE(madt.error() == Error::kBadMessage || madt.error() == Error::kNoSpace);
      continue;
    }
    ++accepted;
    const Madt& m = madt.value();
    EXPECT_LE(m.cpus().size(), Madt::kMaxCpus);
    EXPECT_LE(m.io_apics().size(), Madt::kMaxIoApics);
    EXPECT_LE(m.overrides().size(), Madt::kMaxOverrides);
    for (uint8_t irq = 0; irq < 16; ++irq) (void)m.IsaIrqToGsi(irq);
  }
  EXPECT_GT(accepted, 100u);  // the fuzzer does reach the entry decoder
}

}  // namespace
}  // namespace hal::x86_64::acpi
