#include "klog/log.h"

#include <stdarg.h>

#include "hal/console.h"
#include "hal/cpu.h"
#include "hal/machine.h"
#include "klog/format.h"
#include "klog/log_buffer.h"

namespace klog {
namespace {

constexpr size_t kLineMax = 512;
bool g_panic_halts = false;

// Formats prefix + fmt into `line` (NUL-terminated, no newline); returns the length.
size_t FormatLine(char (&line)[kLineMax + 1], const char* prefix, const char* fmt, va_list args) {
  size_t n = 0;
  if (prefix != nullptr) n = Format(line, kLineMax, "%s", prefix);
  if (n < kLineMax) FormatV(line + n, kLineMax - n, fmt, args);
  size_t len = 0;
  while (len < kLineMax && line[len] != '\0') ++len;
  return len;
}

void LogV(uint8_t level, const char* tag, const char* fmt, va_list args) {
  char prefix[32];
  Format(prefix, sizeof prefix, "[%s] ", tag);
  char line[kLineMax + 1];  // room for the newline after a full line
  size_t len = FormatLine(line, prefix, fmt, args);
  StoreRecord(kFacilityKernel, level, line, len);
  if (!ShouldPrint(level)) return;
  line[len++] = '\n';
  hal::ConsoleWrite(line, len);  // one call: the line is never interleaved
}

}  // namespace

void Log(const char* tag, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  LogV(kLevelInfo, tag, fmt, args);
  va_end(args);
}

void LogAt(uint8_t level, const char* tag, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  LogV(level > kLevelDebug ? kLevelDebug : level, tag, fmt, args);
  va_end(args);
}

void Print(const char* fmt, ...) {
  char line[kLineMax + 1];
  va_list args;
  va_start(args, fmt);
  size_t len = FormatLine(line, nullptr, fmt, args);
  va_end(args);
  StorePrintText(line, len);
  if (ShouldPrint(kLevelInfo)) hal::ConsoleWrite(line, len);
}

void SetPanicHalts(bool halt) { g_panic_halts = halt; }

void Panic(const char* fmt, ...) {
  hal::DisableInterrupts();
  char line[kLineMax + 1];
  va_list args;
  va_start(args, fmt);
  size_t len = FormatLine(line, "KERNEL PANIC: ", fmt, args);
  va_end(args);
  StoreRecord(kFacilityKernel, kLevelEmerg, line, len, /*from_panic=*/true);
  line[len++] = '\n';
  hal::ConsoleWrite(line, len);
  if (g_panic_halts) {
    hal::ConsoleWrite("(panic=halt: CPU halted)\n", 25);
    hal::HaltForever();
  }
  hal::ExitMachine(kPanicExitCode);
}

}  // namespace klog
