#pragma once

// BootInfo: what the boot loader told us, copied out of the loader's own format
// (multiboot2 on x86-64) into fixed-size, validated fields before anything uses it.
// Produced once by the HAL's boot code; read-only for the rest of the kernel.

#include <stddef.h>
#include <stdint.h>

namespace hal {

struct MemoryRange {
  enum class Type : uint8_t {
    kUsable,           // free RAM
    kReserved,         // firmware/device reserved
    kAcpiReclaimable,  // ACPI tables; reusable once they are parsed
    kAcpiNvs,          // must be preserved
    kBad,              // defective RAM
  };
  uint64_t base = 0;
  uint64_t length = 0;
  Type type = Type::kReserved;
};

struct BootModule {
  static constexpr size_t kMaxCmdline = 128;
  uint64_t phys_start = 0;  // first byte
  uint64_t phys_end = 0;    // one past the last byte
  // The module's command line as given to `module2` (first word = module name).
  char cmdline[kMaxCmdline] = {};
};

struct BootInfo {
  static constexpr size_t kMaxMemoryRanges = 64;
  static constexpr size_t kMaxModules = 32;
  static constexpr size_t kMaxCmdline = 256;
  static constexpr size_t kMaxLoaderName = 64;
  static constexpr size_t kMaxRsdp = 36;  // ACPI 2.0+ RSDP size

  MemoryRange memory[kMaxMemoryRanges];
  size_t memory_count = 0;

  BootModule modules[kMaxModules];
  size_t module_count = 0;

  char cmdline[kMaxCmdline] = {};  // kernel command line
  char loader_name[kMaxLoaderName] = {};

  // A copy of the ACPI RSDP (v1: 20 bytes, v2+: 36 bytes); rsdp_size 0 if absent.
  uint8_t rsdp[kMaxRsdp] = {};
  size_t rsdp_size = 0;

  // Where the loader's information block itself lies (must not be allocated over
  // until it has been parsed).
  uint64_t info_phys_start = 0;
  uint64_t info_phys_end = 0;
};

/// Copies the module's name -- the first blank-separated word of its cmdline --
/// into `buf` (NUL-terminated) and returns `buf`. Returns nullptr if the name
/// (plus its NUL) does not fit in `len` bytes; a buffer of
/// BootModule::kMaxCmdline bytes always fits. An empty cmdline yields "".
const char* ModuleName(const BootModule& module, char* buf, size_t len);

}  // namespace hal
