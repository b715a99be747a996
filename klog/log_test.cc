#include "klog/log.h"

#include <gtest/gtest.h>

#include "hal/host/fake_hal.h"

namespace klog {
namespace {

TEST(Log, TagsEachLine) {
  hal::host::ResetConsole();
  Log("mm", "%d MiB free", 12);
  Log("irq", "vector %u", 32u);
  EXPECT_EQ(hal::host::ConsoleOutput(), "[mm] 12 MiB free\n[irq] vector 32\n");
}

TEST(Log, LongLinesAreTruncatedNotOverflowed) {
  hal::host::ResetConsole();
  std::string big(2000, 'x');
  Log("t", "%s", big.c_str());
  const std::string& out = hal::host::ConsoleOutput();
  EXPECT_LT(out.size(), 520u);
  EXPECT_EQ(out.back(), '\n');
}

TEST(LogDeathTest, PanicPrintsAndExitsWithPanicCode) {
  EXPECT_EXIT(Panic("page fault at %p", reinterpret_cast<void*>(0x1000)),
              testing::ExitedWithCode(kPanicExitCode),
              "KERNEL PANIC: page fault at 0x0000000000001000");
}

TEST(LogDeathTest, PanicHaltsWhenAsked) {
  // The host fake's HaltForever aborts (SIGABRT) instead of exiting with a code.
  EXPECT_DEATH(
      {
        SetPanicHalts(true);
        Panic("stop");
      },
      "KERNEL PANIC: stop\n\\(panic=halt: CPU halted\\)");
}

}  // namespace
}  // namespace klog
