#include "klog/log.h"

#include <gtest/gtest.h>

#include "hal/cpu.h"
#include "hal/host/fake_hal.h"
#include "klog/log_buffer.h"

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

std::string RecordText(uint64_t seq, RecordInfo* info) {
  char buf[RecordRing::kMaxText];
  if (!ReadRecord(seq, info, buf, sizeof buf)) return "<none>";
  return std::string(buf, info->length);
}

uint64_t g_fake_nanos = 0;
int g_hook_calls = 0;

TEST(LogBuffer, KeepsEveryLogLineAsARecord) {
  ResetBufferForTest();
  hal::host::ResetConsole();
  g_fake_nanos = 1234567000;
  SetClock([] { return g_fake_nanos; });
  g_hook_calls = 0;
  SetAppendHook([] { ++g_hook_calls; });
  hal::EnableInterrupts();  // the fake starts with them off
  Log("boot", "hello %d", 7);
  LogAt(kLevelErr, "disk", "broken");
  RecordInfo info;
  EXPECT_EQ(RecordText(0, &info), "[boot] hello 7");
  EXPECT_EQ(info.level, kLevelInfo);
  EXPECT_EQ(info.facility, kFacilityKernel);
  EXPECT_EQ(info.usec, 1234567u);
  EXPECT_EQ(RecordText(1, &info), "[disk] broken");
  EXPECT_EQ(info.level, kLevelErr);
  EXPECT_EQ(NextSeq(), 2u);
  EXPECT_EQ(g_hook_calls, 2);
  // With interrupts off (a spin lock held, an interrupt handler) the record
  // is kept but nobody is woken from there.
  hal::DisableInterrupts();
  Log("irq", "from a handler");
  EXPECT_EQ(NextSeq(), 3u);
  EXPECT_EQ(g_hook_calls, 2);
  SetAppendHook(nullptr);
  SetClock(nullptr);
}

TEST(LogBuffer, PrintKeepsFinishedLines) {
  ResetBufferForTest();
  Print("a table: ");
  Print("%d\nsecond", 1);
  EXPECT_EQ(NextSeq(), 1u);
  Print(" line\n");
  RecordInfo info;
  EXPECT_EQ(RecordText(0, &info), "a table: 1");
  EXPECT_EQ(RecordText(1, &info), "second line");
  // An unfinished line becomes a record of its own before the next Log line.
  Print("dangling");
  Log("t", "next");
  EXPECT_EQ(RecordText(2, &info), "dangling");
  EXPECT_EQ(RecordText(3, &info), "[t] next");
}

TEST(LogBuffer, ConsoleLevelFiltersTheConsoleNotTheBuffer) {
  ResetBufferForTest();
  hal::host::ResetConsole();
  LogAt(kLevelDebug, "d", "quiet");  // 7 is not below the default 7
  EXPECT_EQ(hal::host::ConsoleOutput(), "");
  ConsoleOff();
  EXPECT_EQ(ConsoleLevel(), kMinimumConsoleLevel);
  Log("i", "also quiet");
  LogAt(kLevelEmerg, "e", "loud");
  EXPECT_EQ(hal::host::ConsoleOutput(), "[e] loud\n");
  ConsoleOn();
  EXPECT_EQ(ConsoleLevel(), kDefaultConsoleLevel);
  SetConsoleLevel(0);
  EXPECT_EQ(ConsoleLevel(), kMinimumConsoleLevel);
  SetConsoleLevel(8);
  Log("i", "shown");
  EXPECT_EQ(NextSeq(), 4u);
  EXPECT_EQ(hal::host::ConsoleOutput(), "[e] loud\n[i] shown\n");
  ResetBufferForTest();
}

TEST(LogBuffer, ClearMovesTheMark) {
  ResetBufferForTest();
  Log("a", "1");
  Log("a", "2");
  ClearBuffer();
  EXPECT_EQ(ClearSeq(), 2u);
  EXPECT_EQ(FirstSeq(), 0u);
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
