#include "klog/log.h"

#include <stdarg.h>

#include "hal/console.h"
#include "hal/cpu.h"
#include "hal/machine.h"
#include "klog/format.h"

namespace klog {
namespace {

constexpr size_t kLineMax = 512;
bool g_panic_halts = false;

void WriteV(const char* prefix, const char* fmt, va_list args, bool newline) {
  char line[kLineMax + 1];  // room for the newline after a full line
  size_t n = 0;
  if (prefix != nullptr) n = Format(line, kLineMax, "%s", prefix);
  if (n < kLineMax) FormatV(line + n, kLineMax - n, fmt, args);
  size_t len = 0;
  while (len < kLineMax && line[len] != '\0') ++len;
  if (newline) line[len++] = '\n';
  hal::ConsoleWrite(line, len);  // one call: the line is never interleaved
}

}  // namespace

void Log(const char* tag, const char* fmt, ...) {
  char prefix[32];
  Format(prefix, sizeof prefix, "[%s] ", tag);
  va_list args;
  va_start(args, fmt);
  WriteV(prefix, fmt, args, true);
  va_end(args);
}

void Print(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  WriteV(nullptr, fmt, args, false);
  va_end(args);
}

void SetPanicHalts(bool halt) { g_panic_halts = halt; }

void Panic(const char* fmt, ...) {
  hal::DisableInterrupts();
  va_list args;
  va_start(args, fmt);
  WriteV("KERNEL PANIC: ", fmt, args, true);
  va_end(args);
  if (g_panic_halts) {
    hal::ConsoleWrite("(panic=halt: CPU halted)\n", 25);
    hal::HaltForever();
  }
  hal::ExitMachine(kPanicExitCode);
}

}  // namespace klog
