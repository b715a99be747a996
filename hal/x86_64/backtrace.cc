#include "hal/x86_64/backtrace.h"

#include "hal/x86_64/gdt.h"
#include "klog/log.h"

extern "C" char boot_stack_bottom[];
extern "C" char boot_stack_top[];

namespace hal::x86_64 {
namespace {

constexpr int kMaxFrames = 16;
uint64_t g_stack_bottom = 0;
uint64_t g_stack_top = 0;

bool IsKnownStack(uint64_t address) {
  auto boot_bottom = reinterpret_cast<uint64_t>(boot_stack_bottom);
  auto boot_top = reinterpret_cast<uint64_t>(boot_stack_top);
  if (address >= boot_bottom && address + 16 <= boot_top) return true;
  if (address >= g_stack_bottom && address + 16 <= g_stack_top) return true;
  return IsOnIstStack(address) && IsOnIstStack(address + 15);
}

}  // namespace

void SetBacktraceStack(uint64_t bottom, uint64_t top) {
  g_stack_bottom = bottom;
  g_stack_top = top;
}

void PrintBacktrace(uint64_t rip, uint64_t rbp) {
  klog::Print("backtrace (addr2line -e tessera.elf):\n  %016lx\n", rip);
  for (int i = 0; i < kMaxFrames; ++i) {
    if ((rbp & 7) != 0 || !IsKnownStack(rbp)) break;
    auto* frame = reinterpret_cast<const uint64_t*>(rbp);
    uint64_t return_address = frame[1];
    if (return_address == 0) break;
    klog::Print("  %016lx\n", return_address);
    if (frame[0] <= rbp) break;  // the chain must move up the stack
    rbp = frame[0];
  }
}

}  // namespace hal::x86_64
