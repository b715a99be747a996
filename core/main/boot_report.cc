#include "core/main/boot_report.h"

#include "core/elf/elf64.h"
#include "core/kernel/log.h"
#include "hal/memory.h"
#include "kstd/string.h"

namespace core {
namespace {

const char* MemoryTypeName(hal::MemoryRange::Type type) {
  switch (type) {
    case hal::MemoryRange::Type::kUsable: return "usable";
    case hal::MemoryRange::Type::kReserved: return "reserved";
    case hal::MemoryRange::Type::kAcpiReclaimable: return "ACPI reclaimable";
    case hal::MemoryRange::Type::kAcpiNvs: return "ACPI NVS";
    case hal::MemoryRange::Type::kBad: return "bad";
  }
  return "?";
}

}  // namespace

void ReportMemoryMap(const hal::BootInfo& boot_info) {
  uint64_t usable = 0;
  Log("mem", "memory map (%zu ranges):", boot_info.memory_count);
  for (size_t i = 0; i < boot_info.memory_count; ++i) {
    const hal::MemoryRange& r = boot_info.memory[i];
    Log("mem", "  %016lx-%016lx %s", r.base, r.base + r.length - 1, MemoryTypeName(r.type));
    if (r.type == hal::MemoryRange::Type::kUsable) usable += r.length;
  }
  Log("mem", "usable RAM: %lu KiB", usable / 1024);
}

void ReportModules(const hal::BootInfo& boot_info) {
  Log("modules", "%zu boot module(s)", boot_info.module_count);
  for (size_t i = 0; i < boot_info.module_count; ++i) {
    const hal::BootModule& m = boot_info.modules[i];
    char name[hal::BootModule::kMaxCmdline];
    hal::ModuleName(m, name, sizeof name);
    uint64_t size = m.phys_end - m.phys_start;
    kstd::ByteSpan bytes(static_cast<const uint8_t*>(hal::PhysToVirt(m.phys_start)), size);
    const char* why = nullptr;
    auto elf = elf::ParseElf64(bytes, &why);
    if (elf.ok()) {
      Log("modules",
          "  %s: %lu bytes at %lx, args \"%s\": valid ELF64 executable, entry %lx, %zu segment(s)",
          name, size, m.phys_start, m.cmdline, elf.value().entry, elf.value().load_count);
    } else {
      Log("modules", "  %s: %lu bytes at %lx, args \"%s\": not an ELF64 executable: %s", name, size,
          m.phys_start, m.cmdline, why ? why : "(no detail)");
    }
  }
  char name[hal::BootModule::kMaxCmdline];
  for (size_t i = 0; i < boot_info.module_count; ++i) {
    if (kstd::StringEqual(hal::ModuleName(boot_info.modules[i], name, sizeof name), "init")) return;
  }
  Log("modules", "no module named \"init\": nothing to start as PID 1");
}

}  // namespace core
