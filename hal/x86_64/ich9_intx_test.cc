#include "hal/x86_64/ich9_intx.h"

#include <gtest/gtest.h>

namespace hal::x86_64 {
namespace {

uint32_t Gsi(uint8_t slot, uint8_t pin, const Ich9InterruptRoutes& routes = {}) {
  auto pirq = Ich9Pirq(slot, pin, routes);
  EXPECT_TRUE(pirq.ok());
  return pirq.ok() ? Ich9PirqToGsi(pirq.value()) : 0;
}

// The _PRT QEMU 7.2 builds for \_SB.PCI0 in APIC mode (PRTA, GSIA..GSIH =
// GSI 16..23): slots 0-0x17 swizzle over PIRQE-H, 0x18 and 0x1e start at
// PIRQE, 0x19-0x1d and 0x1f start at PIRQA.
TEST(Ich9Intx, PluggedSlotsSwizzleOverPirqEToH) {
  EXPECT_EQ(Gsi(0, 1), 20u);  // slot 0 INTA -> PIRQE
  EXPECT_EQ(Gsi(1, 1), 21u);  // slot 1 INTA -> PIRQF
  EXPECT_EQ(Gsi(2, 1), 22u);  // e1000e's default slot
  EXPECT_EQ(Gsi(3, 1), 23u);  // the first free slot: a -device virtio-blk-pci
  EXPECT_EQ(Gsi(4, 1), 20u);
  EXPECT_EQ(Gsi(3, 2), 20u);  // INTB one further, wrapping within E-H
  EXPECT_EQ(Gsi(3, 4), 22u);
  EXPECT_EQ(Gsi(0x17, 1), 23u);
  EXPECT_EQ(Gsi(0x18, 1), 20u);
  EXPECT_EQ(Gsi(0x18, 4), 23u);
}

TEST(Ich9Intx, ChipsetSlotsFollowDefaultDnIr) {
  for (uint8_t slot : {25, 26, 27, 28, 29, 31}) {
    for (uint8_t pin = 1; pin <= 4; ++pin) {
      EXPECT_EQ(Gsi(slot, pin), 16u + pin - 1) << "slot " << int(slot) << " pin " << int(pin);
    }
  }
}

TEST(Ich9Intx, BridgeSlotIsFixedToPirqEToH) {
  for (uint8_t pin = 1; pin <= 4; ++pin) EXPECT_EQ(Gsi(30, pin), 20u + pin - 1);
}

TEST(Ich9Intx, ProgrammedDnIrIsFollowed) {
  Ich9InterruptRoutes routes;
  routes.dnir[31 - 25] = 0x0765;  // INTA->F, INTB->G, INTC->H, INTD->A
  routes.dnir[29 - 25] = 0x7F7F;  // bit 3 of each field is reserved: ignored
  EXPECT_EQ(Gsi(31, 1, routes), 21u);
  EXPECT_EQ(Gsi(31, 2, routes), 22u);
  EXPECT_EQ(Gsi(31, 3, routes), 23u);
  EXPECT_EQ(Gsi(31, 4, routes), 16u);
  EXPECT_EQ(Gsi(29, 1, routes), 23u);
  EXPECT_EQ(Gsi(29, 2, routes), 23u);
  EXPECT_EQ(Gsi(25, 1, routes), 16u);  // untouched registers keep the default
  EXPECT_EQ(Gsi(3, 1, routes), 23u);   // plugged slots have no register
}

TEST(Ich9Intx, BadInputIsRefused) {
  Ich9InterruptRoutes routes;
  EXPECT_EQ(Ich9Pirq(3, 0, routes).error(), kstd::Error::kInvalid);  // no pin
  EXPECT_EQ(Ich9Pirq(3, 5, routes).error(), kstd::Error::kInvalid);
  EXPECT_EQ(Ich9Pirq(3, 0xFF, routes).error(), kstd::Error::kInvalid);
  EXPECT_EQ(Ich9Pirq(32, 1, routes).error(), kstd::Error::kInvalid);
}

}  // namespace
}  // namespace hal::x86_64
