#include "hal/host/fake_hal.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hal/console.h"
#include "hal/cpu.h"
#include "hal/machine.h"
#include "hal/timer.h"

namespace hal {
namespace {

std::string& Console() {
  static std::string* console = new std::string();
  return *console;
}
uint64_t g_ticks = 0;
uint32_t g_hz = 0;
bool g_interrupts = false;

}  // namespace

void ConsoleWrite(const char* data, size_t len) { Console().append(data, len); }
void ConsoleWriteRaw(const char* data, size_t len) { Console().append(data, len); }
void SetConsoleInputHandler(void (*)(uint8_t)) {}

void EnableInterrupts() { g_interrupts = true; }
void DisableInterrupts() { g_interrupts = false; }
void WaitForInterrupt() { g_interrupts = true; }
bool SaveAndDisableInterrupts() {
  bool was = g_interrupts;
  g_interrupts = false;
  return was;
}
void RestoreInterrupts(bool were_enabled) {
  if (were_enabled) g_interrupts = true;
}

void HaltForever() {
  fprintf(stderr, "%s", Console().c_str());
  abort();
}

void ExitMachine(int code) {
  fprintf(stderr, "%s", Console().c_str());
  fflush(stderr);
  _exit(code);
}

uint64_t TimerTicks() { return g_ticks; }
uint32_t TimerHz() { return g_hz; }

namespace host {

const std::string& ConsoleOutput() { return Console(); }
void ResetConsole() { Console().clear(); }
void SetTimer(uint64_t ticks, uint32_t hz) {
  g_ticks = ticks;
  g_hz = hz;
}
bool InterruptsEnabled() { return g_interrupts; }

}  // namespace host
}  // namespace hal

namespace hal {
void* PhysToVirt(uint64_t phys) { return reinterpret_cast<void*>(phys); }
}  // namespace hal
