#include "hal/x86_64/ioapic_entry.h"

#include <gtest/gtest.h>

namespace hal::x86_64 {
namespace {

TEST(IoApicEntry, PciIntxIsLevelActiveLowFixedPhysical) {
  RedirectionEntry e;
  e.vector = 0x57;
  e.destination_apic_id = 3;
  e.level_triggered = true;
  e.active_low = true;
  // vector 0x57, fixed (000), physical, active low (bit 13), level (bit 15),
  // unmasked, destination APIC id 3 in bits 63:56.
  EXPECT_EQ(EncodeRedirectionEntry(e), 0x030000000000A057ULL);
}

TEST(IoApicEntry, IsaEdgeActiveHighAndMasked) {
  RedirectionEntry e;
  e.vector = 0x44;
  EXPECT_EQ(EncodeRedirectionEntry(e), 0x44ULL);
  e.masked = true;
  EXPECT_EQ(EncodeRedirectionEntry(e), 0x10044ULL);
}

TEST(IoApicEntry, DecodeIgnoresReadOnlyBits) {
  uint64_t raw = 0x010000000000A057ULL | kRedirectionRemoteIrr | (1ULL << 12);  // + delivery status
  RedirectionEntry e = DecodeRedirectionEntry(raw);
  EXPECT_EQ(e.vector, 0x57);
  EXPECT_EQ(e.destination_apic_id, 1);
  EXPECT_TRUE(e.level_triggered);
  EXPECT_TRUE(e.active_low);
  EXPECT_FALSE(e.masked);
  EXPECT_EQ(EncodeRedirectionEntry(e), 0x010000000000A057ULL);
}

}  // namespace
}  // namespace hal::x86_64
