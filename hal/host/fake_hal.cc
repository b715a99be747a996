#include "hal/host/fake_hal.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hal/console.h"
#include "hal/cpu.h"
#include "hal/cpu_id.h"
#include "hal/entropy.h"
#include "hal/machine.h"
#include "hal/timer.h"
#include "hal/tlb.h"

namespace hal {
namespace {

std::string& Console() {
  static std::string* console = new std::string();
  return *console;
}
uint64_t g_ticks = 0;
uint32_t g_hz = 0;
bool g_interrupts = false;
CpuIdRegisters (*g_cpuid)(uint32_t leaf, uint32_t subleaf) = nullptr;
uint64_t g_cycles = 0;
std::string& Entropy() {
  static std::string* entropy = new std::string();
  return *entropy;
}
bool g_entropy_real = false;
size_t g_tlb_flushes = 0;

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

CpuIdRegisters ReadCpuId(uint32_t leaf, uint32_t subleaf) {
  return g_cpuid != nullptr ? g_cpuid(leaf, subleaf) : CpuIdRegisters{0, 0, 0, 0};
}
uint64_t ReadCycleCounter() { return g_cycles; }

size_t GatherEntropy(kstd::Span<uint8_t> out) {
  const std::string& bytes = Entropy();
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = bytes.empty() ? 0 : static_cast<uint8_t>(bytes[i % bytes.size()]);
  }
  return g_entropy_real && !bytes.empty() ? out.size() : 0;
}

void FlushTlb(uint64_t, const TlbFlush& flush) {
  if (flush.needed) ++g_tlb_flushes;
}

namespace host {

const std::string& ConsoleOutput() { return Console(); }
void ResetConsole() { Console().clear(); }
void SetTimer(uint64_t ticks, uint32_t hz) {
  g_ticks = ticks;
  g_hz = hz;
}
bool InterruptsEnabled() { return g_interrupts; }
void SetCpuId(CpuIdRegisters (*cpuid)(uint32_t leaf, uint32_t subleaf)) { g_cpuid = cpuid; }
void SetCycleCounter(uint64_t cycles) { g_cycles = cycles; }
void SetEntropy(const std::string& bytes, bool real) {
  Entropy() = bytes;
  g_entropy_real = real;
}
size_t TlbFlushCount() { return g_tlb_flushes; }

}  // namespace host
}  // namespace hal

namespace hal {
void* PhysToVirt(uint64_t phys) { return reinterpret_cast<void*>(phys); }
}  // namespace hal
