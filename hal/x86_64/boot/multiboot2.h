#pragma once

// Multiboot2 boot information parser (Multiboot2 Specification 2.0, §3.6).
// GRUB leaves the information block's physical address in EBX; the early boot
// code maps it and hands its bytes here, and nothing but this parser reads them.
// The parser trusts nothing: every offset and length is bounds-checked, and a
// malformed block is an error, never a silently shortened BootInfo.

#include <stddef.h>
#include <stdint.h>

#include "hal/boot/boot_info.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace hal::x86_64 {

/// Tag types of the boot information (§3.6.2 .. §3.6.17). Only the ones the
/// parser uses are listed; all others are skipped.
enum class Multiboot2TagType : uint32_t {
  kEnd = 0,           // §3.6.2, terminates the tag list; size 8
  kCmdline = 1,       // §3.6.5
  kLoaderName = 2,    // §3.6.9
  kModule = 3,        // §3.6.6
  kMemoryMap = 6,     // §3.6.8
  kAcpiOldRsdp = 14,  // §3.6.16, ACPI 1.0 RSDP copy
  kAcpiNewRsdp = 15,  // §3.6.17, ACPI 2.0+ RSDP copy
};

/// §3.6.2: the fixed part at the start of the block.
struct Multiboot2InfoHeader {
  uint32_t total_size;  // of the whole block, including this header and the end tag
  uint32_t reserved;    // always 0, ignored
};

/// §3.6.2: every tag starts with this; tags start on 8-byte boundaries.
struct Multiboot2TagHeader {
  uint32_t type;
  uint32_t size;  // including this header, excluding padding to the next tag
};

/// §3.6.6: followed by the module's NUL-terminated command line.
struct Multiboot2ModuleTag {
  Multiboot2TagHeader header;
  uint32_t mod_start;  // physical address of the first byte
  uint32_t mod_end;    // physical address one past the last byte
};

/// §3.6.8: followed by (size - 16) / entry_size entries.
struct Multiboot2MemoryMapTag {
  Multiboot2TagHeader header;
  uint32_t entry_size;     // a multiple of 8, >= sizeof(Multiboot2MemoryMapEntry)
  uint32_t entry_version;  // 0 today; later versions only append fields
};

/// §3.6.8: one memory map entry (version 0 layout; a larger entry_size appends).
struct Multiboot2MemoryMapEntry {
  uint64_t base_addr;
  uint64_t length;
  uint32_t type;  // 1 usable, 2 reserved, 3 ACPI reclaimable, 4 ACPI NVS, 5 bad
  uint32_t reserved;
};

static_assert(sizeof(Multiboot2InfoHeader) == 8);
static_assert(sizeof(Multiboot2TagHeader) == 8);
static_assert(sizeof(Multiboot2ModuleTag) == 16);
static_assert(sizeof(Multiboot2MemoryMapTag) == 16);
static_assert(sizeof(Multiboot2MemoryMapEntry) == 24);

/// Value of EAX when a multiboot2 loader enters the kernel (§3.3).
inline constexpr uint32_t kMultiboot2BootloaderMagic = 0x36d76289;

/// Parses the boot information block `info` (its bytes; `info_phys` is where it
/// lies in physical memory) into `*out`, which is reset first.
///
/// Fills the memory map (tag 6; zero-length entries dropped, types other than
/// 1..5 read as reserved), modules (tag 3), kernel cmdline (tag 1), loader name
/// (tag 2), the RSDP copy (tag 15 preferred over tag 14) and
/// info_phys_start/end. Unknown tags are skipped.
///
/// Errors: kstd::Error::kBadMessage for any malformed block -- total_size
/// smaller than the header or larger than `info`, a tag that is shorter than its
/// own fields or overruns total_size, a missing or misplaced end tag, an
/// unterminated string, a string, module list or memory map that does not fit
/// BootInfo's fixed arrays, mod_end < mod_start, a bad entry_size, a range that
/// wraps past 2^64, a duplicated single-instance tag, a misaligned info_phys, no
/// memory map tag or one without non-empty entries. On error `*out` is reset to
/// an empty BootInfo and `*why` names the problem (a static string, rewritten
/// by the next call: this runs once, single-threaded, at boot). `why` may be
/// nullptr.
kstd::Result<void> ParseMultiboot2(kstd::ByteSpan info, uint64_t info_phys, hal::BootInfo* out,
                                   const char** why);

}  // namespace hal::x86_64
