#include "hal/x86_64/fault_kind.h"

#include <gtest/gtest.h>

namespace hal::x86_64 {
namespace {

TEST(ClassifyFault, EveryArchitecturalExceptionUserCodeCanRaise) {
  EXPECT_EQ(ClassifyFault(0), FaultKind::kDivideError);
  EXPECT_EQ(ClassifyFault(1), FaultKind::kDebugTrap);
  EXPECT_EQ(ClassifyFault(3), FaultKind::kDebugTrap);
  EXPECT_EQ(ClassifyFault(4), FaultKind::kOverflowOrBound);
  EXPECT_EQ(ClassifyFault(5), FaultKind::kOverflowOrBound);
  EXPECT_EQ(ClassifyFault(6), FaultKind::kInvalidOpcode);
  EXPECT_EQ(ClassifyFault(7), FaultKind::kFpuUnavailable);
  EXPECT_EQ(ClassifyFault(13), FaultKind::kGeneralProtection);
  EXPECT_EQ(ClassifyFault(14), FaultKind::kPageFault);
  EXPECT_EQ(ClassifyFault(16), FaultKind::kFloatingPoint);
  EXPECT_EQ(ClassifyFault(19), FaultKind::kFloatingPoint);
  EXPECT_EQ(ClassifyFault(17), FaultKind::kAlignmentCheck);
}

TEST(ClassifyFault, AnythingElseIsOther) {
  for (uint64_t v : {2, 8, 10, 11, 12, 18, 20, 21, 31, 32, 0x100}) {
    EXPECT_EQ(ClassifyFault(v), FaultKind::kOther) << v;
  }
}

TEST(DecodePageFault, ErrorCodeBits) {
  const PageFaultInfo read_missing = DecodePageFault(0x1000, 0x401000, 0x4);
  EXPECT_EQ(read_missing.address, 0x1000u);
  EXPECT_EQ(read_missing.rip, 0x401000u);
  EXPECT_FALSE(read_missing.present);
  EXPECT_FALSE(read_missing.write);
  EXPECT_FALSE(read_missing.execute);
  EXPECT_TRUE(read_missing.user);

  const PageFaultInfo write_protected = DecodePageFault(0x2000, 0, 0x7);
  EXPECT_TRUE(write_protected.present);
  EXPECT_TRUE(write_protected.write);
  EXPECT_TRUE(write_protected.user);

  const PageFaultInfo kernel_fetch = DecodePageFault(0x3000, 0, 0x11);
  EXPECT_TRUE(kernel_fetch.present);
  EXPECT_TRUE(kernel_fetch.execute);
  EXPECT_FALSE(kernel_fetch.user);
  EXPECT_FALSE(kernel_fetch.write);
}

}  // namespace
}  // namespace hal::x86_64
