#include "hal/host/fake_hal.h"

#include <gtest/gtest.h>

#include "hal/entropy.h"
#include "hal/tlb.h"

namespace hal {
namespace {

CpuIdRegisters OneLeaf(uint32_t leaf, uint32_t subleaf) {
  return leaf == 1 ? CpuIdRegisters{leaf, subleaf, 0x40000000u, 0x178bfbffu} : CpuIdRegisters{};
}

TEST(FakeHal, CpuIdAndCycleCounterAreWhatTheTestSets) {
  EXPECT_EQ(ReadCpuId(1).edx, 0u);
  host::SetCpuId(OneLeaf);
  EXPECT_EQ(ReadCpuId(1).edx, 0x178bfbffu);
  EXPECT_EQ(ReadCpuId(1, 7).ebx, 7u);
  EXPECT_EQ(ReadCpuId(2).ecx, 0u);
  host::SetCpuId(nullptr);
  host::SetCycleCounter(12345);
  EXPECT_EQ(ReadCycleCounter(), 12345u);
}

TEST(FakeHal, EntropyRepeatsTheSetBytesAndCountsThemOnlyWhenReal) {
  uint8_t out[5];
  host::SetEntropy("ab", false);
  EXPECT_EQ(GatherEntropy(kstd::Span<uint8_t>(out, sizeof out)), 0u);
  EXPECT_EQ(out[0], 'a');
  EXPECT_EQ(out[3], 'b');
  EXPECT_EQ(out[4], 'a');
  host::SetEntropy("xyz", true);
  EXPECT_EQ(GatherEntropy(kstd::Span<uint8_t>(out, sizeof out)), sizeof out);
  host::SetEntropy("", true);
  EXPECT_EQ(GatherEntropy(kstd::Span<uint8_t>(out, sizeof out)), 0u);
  EXPECT_EQ(out[2], 0);
}

TEST(FakeHal, CountsTlbFlushesThatHaveWorkToDo) {
  const size_t before = host::TlbFlushCount();
  TlbFlush nothing;
  FlushTlb(0x1000, nothing);
  EXPECT_EQ(host::TlbFlushCount(), before);
  TlbFlush one;
  one.Add(0x400000, 4096, false);
  FlushTlb(0x1000, one);
  EXPECT_EQ(host::TlbFlushCount(), before + 1);
}

}  // namespace
}  // namespace hal
