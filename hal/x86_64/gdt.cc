#include "hal/x86_64/gdt.h"

namespace hal::x86_64 {
namespace {

constexpr uint64_t kIstStackSize = 16 * 1024;

// Descriptor bits (SDM vol. 3A §3.4.5): present, DPL, S (code/data), type,
// L (64-bit code), G/D/B for data.
constexpr uint64_t kPresent = 1ULL << 47;
constexpr uint64_t kCodeData = 1ULL << 44;
constexpr uint64_t kExecutable = 1ULL << 43;
constexpr uint64_t kReadWrite = 1ULL << 41;
constexpr uint64_t kLongMode = 1ULL << 53;
constexpr uint64_t kDpl3 = 3ULL << 45;

constexpr uint64_t kCode64 = kPresent | kCodeData | kExecutable | kReadWrite | kLongMode;
constexpr uint64_t kData = kPresent | kCodeData | kReadWrite;

struct [[gnu::packed]] DescriptorPointer {
  uint16_t limit;
  uint64_t base;
};

alignas(16) uint64_t g_gdt[8];
alignas(16) Tss g_tss;
alignas(16) uint8_t g_ist_stacks[3][kIstStackSize];

}  // namespace

void InitGdt() {
  g_gdt[0] = 0;
  g_gdt[kKernelCode / 8] = kCode64;
  g_gdt[kKernelData / 8] = kData;
  g_gdt[3] = 0;  // 0x18: unused (no 32-bit user code); SYSRET's STAR base
  g_gdt[(kUserData & ~3) / 8] = kData | kDpl3;
  g_gdt[(kUserCode & ~3) / 8] = kCode64 | kDpl3;

  for (int i = 0; i < 3; ++i) {
    g_tss.ist[i] = reinterpret_cast<uint64_t>(g_ist_stacks[i] + kIstStackSize);
  }
  g_tss.iomap_base = sizeof(Tss);  // no I/O permission bitmap

  // 16-byte TSS descriptor (SDM vol. 3A §7.2.3): type 9 = available 64-bit TSS.
  uint64_t base = reinterpret_cast<uint64_t>(&g_tss);
  uint64_t limit = sizeof(Tss) - 1;
  g_gdt[kTssSelector / 8] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (9ULL << 40) | kPresent |
                            (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
  g_gdt[kTssSelector / 8 + 1] = base >> 32;

  DescriptorPointer pointer{sizeof(g_gdt) - 1, reinterpret_cast<uint64_t>(g_gdt)};
  asm volatile(
      "lgdt %0\n"
      "mov %1, %%ds\n"
      "mov %1, %%es\n"
      "mov %1, %%ss\n"
      "xor %%eax, %%eax\n"
      "mov %%ax, %%fs\n"
      "mov %%ax, %%gs\n"
      // Reload CS with a far return.
      "pushq %2\n"
      "leaq 1f(%%rip), %%rax\n"
      "pushq %%rax\n"
      "lretq\n"
      "1:\n"
      "ltr %w3\n"
      :
      : "m"(pointer), "r"(static_cast<uint64_t>(kKernelData)),
        "i"(static_cast<uint64_t>(kKernelCode)), "r"(static_cast<uint64_t>(kTssSelector))
      : "rax", "memory");
}

void SetKernelStack(uint64_t rsp0) { g_tss.rsp[0] = rsp0; }

bool IsOnIstStack(uint64_t address) {
  auto start = reinterpret_cast<uint64_t>(&g_ist_stacks[0][0]);
  return address >= start && address < start + sizeof(g_ist_stacks);
}

}  // namespace hal::x86_64
