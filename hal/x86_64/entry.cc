// X86Main: the first C++ code. boot.S calls it on the boot stack in the higher
// half with the boot page tables; it brings up the console and the CPU tables,
// turns the multiboot2 information into hal::BootInfo and hands over to the
// portable kernel.

#include <stdint.h>

#include "hal/boot/boot_info.h"
#include "hal/boot/cmdline.h"
#include "hal/kernel_entry.h"
#include "hal/x86_64/address_space_layout.h"
#include "hal/x86_64/boot/multiboot2.h"
#include "hal/x86_64/gdt.h"
#include "hal/x86_64/interrupts.h"
#include "hal/x86_64/percpu.h"
#include "hal/x86_64/pit.h"
#include "hal/x86_64/serial.h"
#include "klog/log.h"

extern "C" {
using Constructor = void (*)();
extern Constructor __init_array_start[];
extern Constructor __init_array_end[];
}

namespace hal::x86_64 {
namespace {

constexpr uint32_t kMultiboot2BootMagic = 0x36D76289;
// The information block is small (a few KiB); refuse absurd sizes before mapping.
constexpr uint32_t kMaxBootInfoSize = 1 << 20;

hal::BootInfo g_boot_info;

void RunGlobalConstructors() {
  for (Constructor* c = __init_array_start; c != __init_array_end; ++c) (*c)();
}

}  // namespace
}  // namespace hal::x86_64

extern "C" [[noreturn]] void X86Main(uint32_t magic, uint64_t info_phys) {
  using namespace hal::x86_64;
  ConsoleUart().Init();
  RunGlobalConstructors();
  InitGdt();
  InitIdt();
  InitBootCpu();
  InitFpu();
  DisableLegacyPic();

  if (magic != kMultiboot2BootMagic) {
    klog::Panic("boot: bad multiboot2 magic 0x%x (expected 0x%x)", magic, kMultiboot2BootMagic);
  }
  // The boot page tables map the first 4 GiB in the direct map; GRUB puts the
  // information block below that.
  if (info_phys == 0 || info_phys >= (4ULL << 30) - 8) {
    klog::Panic("boot: multiboot2 information at %p is outside the first 4 GiB",
                reinterpret_cast<void*>(info_phys));
  }
  auto* info = static_cast<const uint8_t*>(PhysToVirt(info_phys));
  uint32_t total_size = *reinterpret_cast<const uint32_t*>(info);
  if (total_size > kMaxBootInfoSize || info_phys + total_size > (4ULL << 30)) {
    klog::Panic("boot: multiboot2 information claims %u bytes; refusing", total_size);
  }
  const char* why = nullptr;
  auto parsed = ParseMultiboot2(kstd::ByteSpan(info, total_size), info_phys, &g_boot_info, &why);
  if (parsed.is_error()) {
    klog::Panic("boot: malformed multiboot2 information: %s", why ? why : "(no detail)");
  }
  if (hal::CmdlineHas(g_boot_info.cmdline, "tessera.dump_mbi")) {
    // For capturing real loader data as test fixtures (hal/x86_64/boot/testdata).
    klog::Print("mbi-dump-begin %u\n", total_size);
    for (uint32_t i = 0; i < total_size; ++i) {
      klog::Print("%02x%s", info[i], (i % 32 == 31 || i + 1 == total_size) ? "\n" : "");
    }
    klog::Print("mbi-dump-end\n");
  }
  hal::KernelMain(g_boot_info);
}
