#include "hal/x86_64/acpi/mcfg.h"

#include <gtest/gtest.h>

#include "hal/x86_64/acpi/acpi_testing.h"

namespace hal::x86_64::acpi {
namespace {

using kstd::Error;
using testing::Bytes;
using testing::Span;
using testing::TableBuilder;

Bytes McfgWith(std::initializer_list<EcamAllocation> allocations) {
  TableBuilder t("MCFG");
  t.U64(0);  // reserved
  for (const EcamAllocation& a : allocations) {
    t.U64(a.base).U16(a.segment).U8(a.start_bus).U8(a.end_bus).U32(0);
  }
  return t.Finish();
}

// The build VM's real MCFG (Firecracker; testdata/README.md), decoded with xxd:
//   0x24 8 reserved bytes; 0x2C base 00000000EEC00000, 0x34 segment 0,
//   0x36 start bus 0, 0x37 end bus 0, 0x38 4 reserved bytes. Length 0x3C.
TEST(McfgFirecracker, ParsesTheRealTable) {
  Bytes bytes = testing::ReadFixture("firecracker_mcfg.bin");
  auto mcfg = Mcfg::Parse(Span(bytes));
  ASSERT_TRUE(mcfg.ok());
  ASSERT_EQ(mcfg.value().allocations().size(), 1u);
  const EcamAllocation& a = mcfg.value().allocations()[0];
  EXPECT_EQ(a.base, 0xEEC00000u);
  EXPECT_EQ(a.segment, 0);
  EXPECT_EQ(a.start_bus, 0);
  EXPECT_EQ(a.end_bus, 0);
  EXPECT_EQ(a.FunctionAddress(0, 1, 0).value(), 0xEEC08000u);
  EXPECT_EQ(a.FunctionAddress(1, 0, 0).error(), Error::kInvalid);  // only bus 0
}

TEST(McfgQ35, ParsesOneSegmentAllBuses) {
  Bytes bytes = testing::MakeQemuQ35Mcfg();
  auto mcfg = Mcfg::Parse(Span(bytes));
  ASSERT_TRUE(mcfg.ok());
  ASSERT_EQ(mcfg.value().allocations().size(), 1u);
  const EcamAllocation& a = mcfg.value().allocations()[0];
  EXPECT_EQ(a.base, 0xB0000000u);
  EXPECT_EQ(a.start_bus, 0);
  EXPECT_EQ(a.end_bus, 255);
  EXPECT_EQ(a.FunctionAddress(0, 0, 0).value(), 0xB0000000u);
  EXPECT_EQ(a.FunctionAddress(0, 31, 0).value(), 0xB00F8000u);  // q35 LPC bridge
  EXPECT_EQ(a.FunctionAddress(255, 31, 7).value(), 0xBFFFF000u);
  EXPECT_EQ(a.FunctionAddress(0, 32, 0).error(), Error::kInvalid);
  EXPECT_EQ(a.FunctionAddress(0, 0, 8).error(), Error::kInvalid);

  EXPECT_EQ(mcfg.value().Find(0, 7).value().base, 0xB0000000u);
  EXPECT_EQ(mcfg.value().Find(1, 0).error(), Error::kNotFound);
}

TEST(Mcfg, SeveralSegmentsAndBusRanges) {
  Bytes bytes = McfgWith({{0xE0000000, 0, 0, 0x7F}, {0xC0000000, 1, 0x80, 0xFF}});
  auto mcfg = Mcfg::Parse(Span(bytes));
  ASSERT_TRUE(mcfg.ok());
  ASSERT_EQ(mcfg.value().allocations().size(), 2u);
  EXPECT_EQ(mcfg.value().Find(0, 0x7F).value().base, 0xE0000000u);
  EXPECT_EQ(mcfg.value().Find(0, 0x80).error(), Error::kNotFound);
  auto seg1 = mcfg.value().Find(1, 0x80);
  ASSERT_TRUE(seg1.ok());
  // The base is bus 0's address even though the range starts at bus 0x80.
  EXPECT_EQ(seg1.value().FunctionAddress(0x80, 0, 0).value(), 0xC0000000u + (0x80ull << 20));
  EXPECT_EQ(seg1.value().FunctionAddress(0x7F, 0, 0).error(), Error::kInvalid);
}

TEST(Mcfg, NoAllocationsIsValid) {
  Bytes bytes = McfgWith({});
  auto mcfg = Mcfg::Parse(Span(bytes));
  ASSERT_TRUE(mcfg.ok());
  EXPECT_TRUE(mcfg.value().allocations().empty());
  EXPECT_EQ(mcfg.value().Find(0, 0).error(), Error::kNotFound);
}

TEST(McfgMalformed, EndBusBeforeStartBus) {
  Bytes bytes = McfgWith({{0xB0000000, 0, 10, 9}});
  EXPECT_EQ(Mcfg::Parse(Span(bytes)).error(), Error::kBadMessage);
}

TEST(McfgMalformed, BaseNotAlignedTo1MiB) {
  Bytes bytes = McfgWith({{0xB0080000, 0, 0, 255}});
  EXPECT_EQ(Mcfg::Parse(Span(bytes)).error(), Error::kBadMessage);
}

TEST(McfgMalformed, WindowWrapsAddressSpace) {
  Bytes bytes = McfgWith({{0xFFFFFFFFFFF00000, 0, 0, 1}});
  EXPECT_EQ(Mcfg::Parse(Span(bytes)).error(), Error::kBadMessage);
}

TEST(McfgMalformed, AllocationAreaNotAMultipleOf16) {
  TableBuilder t("MCFG");
  t.U64(0).U64(0xB0000000).U16(0).U8(0).U8(255);  // 12 of 16 bytes
  Bytes bytes = t.Finish();
  EXPECT_EQ(Mcfg::Parse(Span(bytes)).error(), Error::kBadMessage);
}

TEST(McfgMalformed, ShorterThanReservedField) {
  Bytes bytes = TableBuilder("MCFG").U32(0).Finish();  // 40 bytes
  EXPECT_EQ(Mcfg::Parse(Span(bytes)).error(), Error::kBadMessage);
}

TEST(McfgMalformed, BadChecksumOrSignature) {
  Bytes bytes = testing::MakeQemuQ35Mcfg();
  Bytes corrupt = bytes;
  corrupt[0x2F] ^= 0x01;
  EXPECT_EQ(Mcfg::Parse(Span(corrupt)).error(), Error::kBadMessage);
  Bytes madt = testing::MakeQemuQ35Madt();
  EXPECT_EQ(Mcfg::Parse(Span(madt)).error(), Error::kBadMessage);
}

TEST(McfgMalformed, TooManyAllocationsIsAnError) {
  TableBuilder t("MCFG");
  t.U64(0);
  for (uint16_t i = 0; i <= Mcfg::kMaxAllocations; ++i) {
    t.U64(0x100000000ull + i * 0x10000000ull).U16(i).U8(0).U8(255).U32(0);
  }
  Bytes bytes = t.Finish();
  EXPECT_EQ(Mcfg::Parse(Span(bytes)).error(), Error::kNoSpace);
}

}  // namespace
}  // namespace hal::x86_64::acpi
