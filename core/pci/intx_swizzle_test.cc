#include "core/pci/intx_swizzle.h"

#include <gtest/gtest.h>

namespace core::pci {
namespace {

TEST(IntxSwizzle, BridgeTable) {
  // PCI-to-PCI Bridge Architecture table 9-1: device 0 keeps its pin, each
  // further device number rotates it by one.
  EXPECT_EQ(BridgeSwizzle(0, 1), 1);
  EXPECT_EQ(BridgeSwizzle(0, 4), 4);
  EXPECT_EQ(BridgeSwizzle(1, 1), 2);
  EXPECT_EQ(BridgeSwizzle(1, 4), 1);
  EXPECT_EQ(BridgeSwizzle(2, 3), 1);
  EXPECT_EQ(BridgeSwizzle(5, 1), 2);
  EXPECT_EQ(BridgeSwizzle(31, 2), 1);
}

TEST(IntxSwizzle, RootBusFunctionIsItsOwnPin) {
  auto r = SwizzleToRoot(0, 0, 3, 1, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().slot, 3);
  EXPECT_EQ(r.value().pin, 1);
}

TEST(IntxSwizzle, TwoBridgesDeep) {
  // Root port 00:1c.0 -> bus 1; a bridge at 01:00.0 -> bus 2; device 02:03.0 INTB.
  const BridgeLink bridges[] = {{0, 0x1c, 1}, {1, 0, 2}};
  auto r = SwizzleToRoot(0, 2, 3, 2, bridges);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().slot, 0x1c);
  // Bus 2 -> bus 1: device 3 INTB -> INTA; bus 1 -> root: device 0 keeps INTA.
  EXPECT_EQ(r.value().pin, 1);
}

TEST(IntxSwizzle, PcieRootPortKeepsThePin) {
  const BridgeLink bridges[] = {{0, 2, 1}};  // a pcie-root-port at 00:02.0
  auto r = SwizzleToRoot(0, 1, 0, 3, bridges);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().slot, 2);
  EXPECT_EQ(r.value().pin, 3);
}

TEST(IntxSwizzle, NonZeroRootBus) {
  const BridgeLink bridges[] = {{0x80, 1, 0x81}};
  auto r = SwizzleToRoot(0x80, 0x81, 1, 1, bridges);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().slot, 1);
  EXPECT_EQ(r.value().pin, 2);
}

TEST(IntxSwizzle, BadInputIsRefused) {
  EXPECT_EQ(SwizzleToRoot(0, 0, 3, 0, {}).error(), kstd::Error::kInvalid);
  EXPECT_EQ(SwizzleToRoot(0, 0, 3, 5, {}).error(), kstd::Error::kInvalid);
  // No bridge leads to bus 4.
  const BridgeLink bridges[] = {{0, 1, 1}};
  EXPECT_EQ(SwizzleToRoot(0, 4, 0, 1, bridges).error(), kstd::Error::kNotFound);
  // A loop (corrupt bus numbers): 1 behind 2 behind 1.
  const BridgeLink loop[] = {{2, 0, 1}, {1, 0, 2}};
  EXPECT_EQ(SwizzleToRoot(0, 1, 0, 1, loop).error(), kstd::Error::kNotFound);
}

}  // namespace
}  // namespace core::pci
