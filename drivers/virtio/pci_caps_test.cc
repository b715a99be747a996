#include "drivers/virtio/pci_caps.h"

#include <gtest/gtest.h>

#include <random>

#include "drivers/virtio/testing/fake_pci_config.h"
#include "drivers/virtio/testing/word_dump.h"

namespace virtio {
namespace {

using testing::FakePciConfig;

constexpr char kQemuConfig[] = "drivers/virtio/testdata/qemu72_virtio_blk_pci_config.txt";

// The BARs QEMU gave the captured function: BAR1 (MSI-X table), BAR4 (virtio).
BarSizes QemuBars() {
  BarSizes b;
  b.size[1] = 0x1000;
  b.size[4] = 0x4000;
  return b;
}

void LoadQemu(FakePciConfig& config) {
  std::vector<uint8_t> bytes = testing::ReadWordDump(kQemuConfig);
  ASSERT_EQ(bytes.size(), 256u);
  memcpy(config.bytes().data(), bytes.data(), 256);
}

// A well-formed list of our own: common, notify, ISR, device in BAR 2.
void Layout(FakePciConfig& c) {
  c.SetHeader(kPciVendorId, 0x1042, 0x40);
  c.PutVirtioCap(0x40, 0x50, pci_cap::kCommonCfg, 2, 0x000, 0x38);
  c.PutVirtioCap(0x50, 0x60, pci_cap::kNotifyCfg, 2, 0x100, 0x100, 4);
  c.PutVirtioCap(0x64, 0x74, pci_cap::kIsrCfg, 2, 0x200, 1);
  c.PutVirtioCap(0x74, 0x00, pci_cap::kDeviceCfg, 2, 0x300, 0x40);
  c.Put8(0x50 + 1, 0x64);
}

BarSizes Bar2() {
  BarSizes b;
  b.size[2] = 0x1000;
  return b;
}

TEST(PciCaps, ParsesRealQemuVirtioBlk) {
  FakePciConfig config;
  LoadQemu(config);
  EXPECT_EQ(IdentifyDevice(config).value(), kDeviceTypeBlock);
  auto caps = ParseCapabilities(config, QemuBars());
  ASSERT_TRUE(caps.ok()) << kstd::ErrorName(caps.error());
  const PciCapabilities& c = caps.value();
  EXPECT_TRUE(c.common.present);
  EXPECT_EQ(c.common.bar, 4);
  EXPECT_EQ(c.common.offset, 0x0u);
  EXPECT_EQ(c.common.length, 0x1000u);
  EXPECT_EQ(c.isr.offset, 0x1000u);
  EXPECT_EQ(c.device.offset, 0x2000u);
  EXPECT_EQ(c.notify.offset, 0x3000u);
  EXPECT_EQ(c.notify.length, 0x1000u);
  EXPECT_EQ(c.notify_off_multiplier, 4u);
  EXPECT_EQ(c.pci_cfg_cap, 0x84);
  EXPECT_EQ(c.msix_cap, 0x98);
  EXPECT_EQ(c.msix_table_size, 2);
  EXPECT_EQ(c.ignored, 0);
}

TEST(PciCaps, RealQemuLayoutRejectedWhenBarIsSmaller) {
  FakePciConfig config;
  LoadQemu(config);
  BarSizes bars = QemuBars();
  bars.size[4] = 0x3000;  // the notify structure would hang off the end
  EXPECT_EQ(ParseCapabilities(config, bars).error(), kstd::Error::kBadMessage);
  bars.size[4] = 0;  // the BAR is not there at all
  EXPECT_EQ(ParseCapabilities(config, bars).error(), kstd::Error::kBadMessage);
}

TEST(PciCaps, IdentifiesModernAndTransitionalIds) {
  FakePciConfig c;
  c.SetHeader(kPciVendorId, 0x1041, 0);
  EXPECT_EQ(IdentifyDevice(c).value(), kDeviceTypeNet);
  c.SetHeader(kPciVendorId, 0x1001, 0);
  c.Put16(pci::kSubsystemId, 2);
  EXPECT_EQ(IdentifyDevice(c).value(), kDeviceTypeBlock);
  c.SetHeader(kPciVendorId, 0x1080, 0);
  EXPECT_EQ(IdentifyDevice(c).error(), kstd::Error::kNotSupported);
  c.SetHeader(0x8086, 0x1042, 0);
  EXPECT_EQ(IdentifyDevice(c).error(), kstd::Error::kNotSupported);
}

TEST(PciCaps, OwnLayoutAndMissingOptionalDevice) {
  FakePciConfig c;
  Layout(c);
  auto caps = ParseCapabilities(c, Bar2());
  ASSERT_TRUE(caps.ok());
  EXPECT_EQ(caps.value().isr.offset, 0x200u);
  EXPECT_EQ(caps.value().device.length, 0x40u);
  EXPECT_EQ(caps.value().msix_cap, 0);
  c.Put8(0x64 + 1, 0);  // ISR is now the last capability: no device structure
  caps = ParseCapabilities(c, Bar2());
  ASSERT_TRUE(caps.ok());
  EXPECT_FALSE(caps.value().device.present);
}

TEST(PciCaps, NoCapabilityListIsNotSupported) {
  FakePciConfig c;
  Layout(c);
  c.Put16(pci::kStatus, 0);
  EXPECT_EQ(ParseCapabilities(c, Bar2()).error(), kstd::Error::kNotSupported);
}

TEST(PciCaps, PointerReservedBitsAreMasked) {
  FakePciConfig c;
  Layout(c);
  c.Put8(pci::kCapabilitiesPointer, 0x43);
  c.Put8(0x40 + 1, 0x52);  // next = 0x50 with reserved bits set
  EXPECT_TRUE(ParseCapabilities(c, Bar2()).ok());
}

TEST(PciCaps, PointerIntoHeaderIsMalformed) {
  FakePciConfig c;
  Layout(c);
  c.Put8(pci::kCapabilitiesPointer, 0x20);
  EXPECT_EQ(ParseCapabilities(c, Bar2()).error(), kstd::Error::kBadMessage);
  Layout(c);
  c.Put8(0x74 + 1, 0x3C);  // the last capability points back into the header
  EXPECT_EQ(ParseCapabilities(c, Bar2()).error(), kstd::Error::kBadMessage);
}

TEST(PciCaps, LoopsAreDetected) {
  FakePciConfig c;
  Layout(c);
  c.Put8(0x40 + 1, 0x40);  // a capability pointing at itself
  EXPECT_EQ(ParseCapabilities(c, Bar2()).error(), kstd::Error::kBadMessage);
  Layout(c);
  c.Put8(0x74 + 1, 0x50);  // device -> notify -> ISR -> device ...
  EXPECT_EQ(ParseCapabilities(c, Bar2()).error(), kstd::Error::kBadMessage);
}

TEST(PciCaps, LongestLoopIsBounded) {
  // Every dword slot from 0x40 to 0xFC in a chain, the last pointing to the first.
  FakePciConfig c;
  c.SetHeader(kPciVendorId, 0x1042, 0x40);
  for (int at = 0x40; at <= 0xFC; at += 4) c.PutCap(at, 0x01, at == 0xFC ? 0x40 : at + 4);
  EXPECT_EQ(ParseCapabilities(c, Bar2()).error(), kstd::Error::kBadMessage);
  EXPECT_LT(c.reads(), 200);
  // The same chain ending in 0 is a valid (if useless) list of 48 capabilities.
  c.PutCap(0xFC, 0x01, 0);
  EXPECT_EQ(ParseCapabilities(c, Bar2()).error(), kstd::Error::kNotSupported);
}

TEST(PciCaps, CapLenTooShortOrPastConfigSpaceIsIgnored) {
  FakePciConfig c;
  Layout(c);
  c.Put8(0x40 + pci_cap::kLen, 8);
  auto r = ParseCapabilities(c, Bar2());
  EXPECT_EQ(r.error(), kstd::Error::kBadMessage);  // the only common cfg is unusable

  Layout(c);
  c.Put8(0x50 + pci_cap::kLen, 16);  // notify needs 20 bytes
  EXPECT_EQ(ParseCapabilities(c, Bar2()).error(), kstd::Error::kBadMessage);

  // A device cfg capability at 0xF8 whose 16 bytes would run past 0x100.
  Layout(c);
  c.Put8(0x74 + 1, 0xF8);
  c.PutVirtioCap(0xF8, 0, pci_cap::kDeviceCfg, 2, 0x300, 0x40);
  c.Put8(0x74 + pci_cap::kCfgType, 0x30);  // the old device cap becomes a reserved type
  r = ParseCapabilities(c, Bar2());
  EXPECT_EQ(r.error(), kstd::Error::kBadMessage);
}

TEST(PciCaps, RegionsOutsideTheBarAreIgnored) {
  struct Case {
    uint8_t bar;
    uint32_t offset, length;
  } cases[] = {
      {2, 0xFF0, 0x20},        // ends past the BAR
      {2, 0xFFFFFFF0u, 0x20},  // offset + length overflows 32 bits
      {2, 0x0, 0xFFFFFFFFu},   // absurd length
      {3, 0x0, 0x40},          // a BAR of size 0
      {6, 0x0, 0x40},          // reserved BAR index
      {0xFF, 0x0, 0x40},       // reserved BAR index
  };
  for (const Case& k : cases) {
    FakePciConfig c;
    Layout(c);
    c.PutVirtioCap(0x74, 0x00, pci_cap::kDeviceCfg, k.bar, k.offset, k.length);
    auto r = ParseCapabilities(c, Bar2());
    EXPECT_EQ(r.error(), kstd::Error::kBadMessage) << int(k.bar) << " " << k.offset;
  }
}

TEST(PciCaps, FirstUsableInstanceWins) {
  FakePciConfig c;
  Layout(c);
  // An unusable ISR (past the BAR) before the good one.
  c.Put8(0x50 + 1, 0x88);
  c.PutVirtioCap(0x88, 0x64, pci_cap::kIsrCfg, 2, 0x2000, 1);
  auto r = ParseCapabilities(c, Bar2());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().isr.offset, 0x200u);
  EXPECT_EQ(r.value().ignored, 1);
  // A second, different, usable ISR after the first: the first stays.
  c.PutVirtioCap(0x88, 0x64, pci_cap::kIsrCfg, 2, 0x280, 1);
  c.Put8(0x50 + 1, 0x64);
  c.Put8(0x74 + 1, 0x88);
  c.Put8(0x88 + 1, 0x00);
  r = ParseCapabilities(c, Bar2());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().isr.offset, 0x200u);
}

TEST(PciCaps, NotifyMultiplierAndAlignmentRules) {
  for (uint32_t m : {0u, 2u, 4u, 0x1000u}) {
    FakePciConfig c;
    Layout(c);
    c.Put32(0x50 + pci_cap::kNotifyOffMultiplier, m);
    auto r = ParseCapabilities(c, Bar2());
    ASSERT_TRUE(r.ok()) << m;
    EXPECT_EQ(r.value().notify_off_multiplier, m);
  }
  for (uint32_t m : {1u, 3u, 6u, 0x80000001u}) {
    FakePciConfig c;
    Layout(c);
    c.Put32(0x50 + pci_cap::kNotifyOffMultiplier, m);
    EXPECT_EQ(ParseCapabilities(c, Bar2()).error(), kstd::Error::kBadMessage) << m;
  }
  FakePciConfig c;
  Layout(c);
  c.Put32(0x40 + pci_cap::kOffset, 2);  // common cfg must be 4-byte aligned
  EXPECT_EQ(ParseCapabilities(c, Bar2()).error(), kstd::Error::kBadMessage);
  Layout(c);
  c.Put32(0x40 + pci_cap::kLength, 0x20);  // too short for the queue registers
  EXPECT_EQ(ParseCapabilities(c, Bar2()).error(), kstd::Error::kBadMessage);
  Layout(c);
  c.Put32(0x50 + pci_cap::kOffset, 0x101);  // notify must be 2-byte aligned
  EXPECT_EQ(ParseCapabilities(c, Bar2()).error(), kstd::Error::kBadMessage);
}

TEST(PciCaps, MissingRequiredStructureIsNotSupported) {
  FakePciConfig c;
  Layout(c);
  c.Put8(0x50 + 1, 0x74);  // skip the ISR capability
  EXPECT_EQ(ParseCapabilities(c, Bar2()).error(), kstd::Error::kNotSupported);
}

class FailingConfig final : public PciConfig {
 public:
  explicit FailingConfig(FakePciConfig& inner, int fail_at) : inner_(inner), left_(fail_at) {}
  kstd::Result<uint8_t> Read8(uint16_t o) override {
    return Tick() ? inner_.Read8(o) : kstd::Error::kAccess;
  }
  kstd::Result<uint16_t> Read16(uint16_t o) override {
    return Tick() ? inner_.Read16(o) : kstd::Error::kAccess;
  }
  kstd::Result<uint32_t> Read32(uint16_t o) override {
    return Tick() ? inner_.Read32(o) : kstd::Error::kAccess;
  }
  kstd::Result<void> Write8(uint16_t o, uint8_t v) override { return inner_.Write8(o, v); }
  kstd::Result<void> Write16(uint16_t o, uint16_t v) override { return inner_.Write16(o, v); }
  kstd::Result<void> Write32(uint16_t o, uint32_t v) override { return inner_.Write32(o, v); }

 private:
  bool Tick() { return left_-- > 0; }
  FakePciConfig& inner_;
  int left_;
};

TEST(PciCaps, ConfigReadErrorsPropagate) {
  FakePciConfig c;
  LoadQemu(c);
  int total = 0;
  {
    FailingConfig counting(c, 1 << 30);
    ASSERT_TRUE(ParseCapabilities(counting, QemuBars()).ok());
  }
  total = c.reads();
  ASSERT_GT(total, 10);
  for (int fail_at = 0; fail_at < total; ++fail_at) {
    FailingConfig f(c, fail_at);
    EXPECT_EQ(ParseCapabilities(f, QemuBars()).error(), kstd::Error::kAccess) << fail_at;
  }
}

// Random corruption of the captured space: the parser always terminates
// within a bounded number of reads, and whatever it accepts fits its BAR.
TEST(PciCaps, RandomCorruptionNeverEscapesTheBars) {
  FakePciConfig original;
  LoadQemu(original);
  std::mt19937 rng(5);
  int accepted = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    FakePciConfig c;
    c.bytes() = original.bytes();
    int flips = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < flips; ++i) {
      size_t at = (iter % 3 == 0) ? 0x34 + rng() % (256 - 0x34) : 0x40 + rng() % 0x60;
      c.bytes()[at] = static_cast<uint8_t>(rng());
    }
    BarSizes bars = QemuBars();
    auto r = ParseCapabilities(c, bars);
    EXPECT_LT(c.reads(), 48 * 12 + 8);
    if (!r.ok()) continue;
    ++accepted;
    for (const PciRegion* region :
         {&r.value().common, &r.value().notify, &r.value().isr, &r.value().device}) {
      if (!region->present) continue;
      ASSERT_LT(region->bar, pci::kBarCount);
      ASSERT_LE(uint64_t{region->offset} + region->length, bars.size[region->bar]);
    }
    EXPECT_GE(r.value().common.length, common_cfg::kMinimumLength);
  }
  EXPECT_GT(accepted, 100);  // plenty of corruptions hit bytes that do not matter
}

}  // namespace
}  // namespace virtio
