#include "hal/x86_64/interrupts.h"

#include "hal/x86_64/backtrace.h"
#include "hal/x86_64/cpu.h"
#include "hal/x86_64/gdt.h"
#include "hal/x86_64/lapic.h"
#include "klog/log.h"

extern "C" char interrupt_stubs[];
extern "C" char interrupt_stubs_end[];

namespace hal::x86_64 {
namespace {

constexpr int kVectorCount = 256;
constexpr uint64_t kStubSize = 16;

// 64-bit interrupt gate (SDM vol. 3A §6.14.1, figure 6-8).
struct [[gnu::packed]] IdtGate {
  uint16_t offset_low;
  uint16_t selector;
  uint8_t ist;
  uint8_t type_attributes;  // P | DPL | 0 | type (0xE = interrupt gate)
  uint16_t offset_mid;
  uint32_t offset_high;
  uint32_t reserved;
};
static_assert(sizeof(IdtGate) == 16);

struct [[gnu::packed]] IdtPointer {
  uint16_t limit;
  uint64_t base;
};

alignas(16) IdtGate g_idt[kVectorCount];
InterruptHandler g_handlers[kVectorCount];
uint64_t g_counts[kVectorCount];

const char* const kExceptionNames[32] = {"divide error (#DE)",
                                         "debug (#DB)",
                                         "non-maskable interrupt",
                                         "breakpoint (#BP)",
                                         "overflow (#OF)",
                                         "bound range exceeded (#BR)",
                                         "invalid opcode (#UD)",
                                         "device not available (#NM)",
                                         "double fault (#DF)",
                                         "coprocessor segment overrun",
                                         "invalid TSS (#TS)",
                                         "segment not present (#NP)",
                                         "stack-segment fault (#SS)",
                                         "general protection fault (#GP)",
                                         "page fault (#PF)",
                                         "reserved (15)",
                                         "x87 floating-point error (#MF)",
                                         "alignment check (#AC)",
                                         "machine check (#MC)",
                                         "SIMD floating-point exception (#XM)",
                                         "virtualization exception (#VE)",
                                         "control protection exception (#CP)",
                                         "reserved (22)",
                                         "reserved (23)",
                                         "reserved (24)",
                                         "reserved (25)",
                                         "reserved (26)",
                                         "reserved (27)",
                                         "hypervisor injection (#HV)",
                                         "VMM communication (#VC)",
                                         "security exception (#SX)",
                                         "reserved (31)"};

void SetGate(int vector, uint64_t address, uint8_t ist) {
  IdtGate& gate = g_idt[vector];
  gate.offset_low = address & 0xFFFF;
  gate.selector = kKernelCode;
  gate.ist = ist;
  gate.type_attributes = 0x8E;  // present, DPL 0, interrupt gate
  gate.offset_mid = (address >> 16) & 0xFFFF;
  gate.offset_high = static_cast<uint32_t>(address >> 32);
  gate.reserved = 0;
}

bool g_in_exception_report = false;
void (*g_exit_callback)() = nullptr;

[[noreturn]] void ReportKernelException(const InterruptFrame& frame) {
  if (g_in_exception_report) {
    klog::Panic("exception %lu (%s) at RIP %p while reporting an exception", frame.vector,
                kExceptionNames[frame.vector & 31], reinterpret_cast<void*>(frame.rip));
  }
  g_in_exception_report = true;
  klog::Print("\n==== KERNEL EXCEPTION: %s, vector %lu, error code 0x%lx ====\n",
              kExceptionNames[frame.vector & 31], frame.vector, frame.error_code);
  DumpExceptionFrame(frame);
  klog::Panic("%s at RIP %p (address %p) in the kernel (no process)",
              kExceptionNames[frame.vector & 31], reinterpret_cast<void*>(frame.rip),
              reinterpret_cast<void*>(ReadCr2()));
}

}  // namespace

void InitIdt() {
  uint64_t base = reinterpret_cast<uint64_t>(interrupt_stubs);
  if (reinterpret_cast<uint64_t>(interrupt_stubs_end) - base != kVectorCount * kStubSize) {
    klog::Panic("interrupt stubs are not %lu bytes apart", kStubSize);
  }
  for (int v = 0; v < kVectorCount; ++v) {
    uint8_t ist = 0;
    if (v == 8) ist = kIstDoubleFault;
    if (v == 2) ist = kIstNmi;
    if (v == 18) ist = kIstMachineCheck;
    SetGate(v, base + v * kStubSize, ist);
  }
  IdtPointer pointer{sizeof(g_idt) - 1, reinterpret_cast<uint64_t>(g_idt)};
  asm volatile("lidt %0" : : "m"(pointer));
}

void SetInterruptHandler(uint8_t vector, InterruptHandler handler) { g_handlers[vector] = handler; }

void SetInterruptExitCallback(void (*callback)()) { g_exit_callback = callback; }

uint64_t InterruptCount(uint8_t vector) {
  return __atomic_load_n(&g_counts[vector], __ATOMIC_RELAXED);
}

void DumpExceptionFrame(const InterruptFrame& f) {
  if (f.vector == 14) {
    uint64_t e = f.error_code;
    klog::Print(
        "page fault at %p: %s, %s access, %s mode%s%s\n", reinterpret_cast<void*>(ReadCr2()),
        (e & 1) ? "protection violation" : "page not present",
        (e & 16) ? "instruction fetch" : ((e & 2) ? "write" : "read"), (e & 4) ? "user" : "kernel",
        (e & 8) ? ", reserved bit set" : "", (e & 32) ? ", protection key" : "");
  }
  klog::Print("RIP %016lx  CS %04lx  RFLAGS %016lx\n", f.rip, f.cs, f.rflags);
  klog::Print("RSP %016lx  SS %04lx  CR2 %016lx  CR3 %016lx\n", f.rsp, f.ss, ReadCr2(), ReadCr3());
  klog::Print("RAX %016lx  RBX %016lx  RCX %016lx  RDX %016lx\n", f.rax, f.rbx, f.rcx, f.rdx);
  klog::Print("RSI %016lx  RDI %016lx  RBP %016lx  R8  %016lx\n", f.rsi, f.rdi, f.rbp, f.r8);
  klog::Print("R9  %016lx  R10 %016lx  R11 %016lx  R12 %016lx\n", f.r9, f.r10, f.r11, f.r12);
  klog::Print("R13 %016lx  R14 %016lx  R15 %016lx\n", f.r13, f.r14, f.r15);
  PrintBacktrace(f.rip, f.rbp);
}

}  // namespace hal::x86_64

extern "C" void X86InterruptDispatch(hal::x86_64::InterruptFrame* frame) {
  using namespace hal::x86_64;
  uint64_t vector = frame->vector & 0xFF;
  __atomic_fetch_add(&g_counts[vector], 1, __ATOMIC_RELAXED);
  if (vector < kFirstExternalVector) {
    // Page faults the kernel can resolve, user copies that fault, and faults
    // of user code are handled by the trap layer; anything else is a bug.
    if (!HandleTrap(frame)) ReportKernelException(*frame);
    if ((frame->cs & 3) == 3) BeforeReturnToUser(frame);
    return;
  }
  if (vector == kSpuriousVector) return;  // LAPIC spurious: no EOI (SDM §10.9)
  if (vector >= kLegacyPicBase && vector < kLegacyPicBase + 16) return;  // masked 8259
  if (g_handlers[vector] != nullptr) {
    g_handlers[vector](frame);
  } else {
    klog::Log("irq", "unexpected interrupt vector %lu", vector);
  }
  LapicEndOfInterrupt();
  if (g_exit_callback != nullptr) g_exit_callback();
  if ((frame->cs & 3) == 3) BeforeReturnToUser(frame);
}
