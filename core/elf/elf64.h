#pragma once

// ELF64 validation for boot modules and the program loader. The layouts are
// those of the System V gABI, chapters 4 ("ELF Header") and 5 ("Program
// Header"), with the x86-64 psABI's machine number. ParseElf64 is the
// "decode" half of exec: it checks everything about a file before a single page
// is mapped, so the loader that follows cannot fail halfway on a bad header.

#include <stddef.h>
#include <stdint.h>

#include "kstd/result.h"
#include "kstd/span.h"

namespace core::elf {

// gABI "ELF Identification": indexes into e_ident and their accepted values.
inline constexpr size_t kEiNident = 16;
inline constexpr size_t kEiClass = 4;
inline constexpr size_t kEiData = 5;
inline constexpr size_t kEiVersion = 6;
inline constexpr uint8_t kElfMagic[4] = {0x7f, 'E', 'L', 'F'};  // EI_MAG0..EI_MAG3
inline constexpr uint8_t kElfClass64 = 2;                       // ELFCLASS64
inline constexpr uint8_t kElfData2Lsb = 1;                      // ELFDATA2LSB
inline constexpr uint8_t kEvCurrent = 1;                        // EV_CURRENT

inline constexpr uint16_t kEtExec = 2;       // ET_EXEC
inline constexpr uint16_t kEtDyn = 3;        // ET_DYN (PIE / static-pie)
inline constexpr uint16_t kEmX86_64 = 62;    // EM_X86_64
inline constexpr uint16_t kPnXnum = 0xffff;  // PN_XNUM: count lives in section 0

// gABI "Segment Types" (p_type), plus the GNU extension the loader reads.
inline constexpr uint32_t kPtLoad = 1;               // PT_LOAD
inline constexpr uint32_t kPtDynamic = 2;            // PT_DYNAMIC
inline constexpr uint32_t kPtInterp = 3;             // PT_INTERP
inline constexpr uint32_t kPtPhdr = 6;               // PT_PHDR
inline constexpr uint32_t kPtTls = 7;                // PT_TLS
inline constexpr uint32_t kPtGnuStack = 0x6474e551;  // PT_GNU_STACK

// gABI "Segment Flag Bits" (p_flags).
inline constexpr uint32_t kPfX = 1;  // PF_X
inline constexpr uint32_t kPfW = 2;  // PF_W
inline constexpr uint32_t kPfR = 4;  // PF_R

/// gABI "ELF Header" (Elf64_Ehdr).
struct Ehdr {
  uint8_t e_ident[kEiNident];  // magic, class, data encoding, version, OS ABI
  uint16_t e_type;             // object file type (ET_*)
  uint16_t e_machine;          // architecture (EM_*)
  uint32_t e_version;          // object file version (EV_CURRENT)
  uint64_t e_entry;            // virtual address of the entry point
  uint64_t e_phoff;            // file offset of the program header table
  uint64_t e_shoff;            // file offset of the section header table
  uint32_t e_flags;            // processor-specific flags
  uint16_t e_ehsize;           // size of this header
  uint16_t e_phentsize;        // size of one program header
  uint16_t e_phnum;            // number of program headers
  uint16_t e_shentsize;        // size of one section header
  uint16_t e_shnum;            // number of section headers
  uint16_t e_shstrndx;         // section index of the section name table
};

/// gABI "Program Header" (Elf64_Phdr).
struct Phdr {
  uint32_t p_type;    // segment type (PT_*)
  uint32_t p_flags;   // PF_R / PF_W / PF_X
  uint64_t p_offset;  // file offset of the segment's first byte
  uint64_t p_vaddr;   // virtual address of the segment's first byte
  uint64_t p_paddr;   // physical address (unused on x86-64)
  uint64_t p_filesz;  // bytes present in the file
  uint64_t p_memsz;   // bytes in memory; the tail beyond p_filesz is zero
  uint64_t p_align;   // 0 or 1 (none) or a power of two; vaddr % align == offset % align
};

static_assert(sizeof(Ehdr) == 64);
static_assert(sizeof(Phdr) == 56);

/// A validated segment: [vaddr, vaddr + memsz) in memory, of which the first
/// filesz bytes come from [offset, offset + filesz) in the file.
struct Segment {
  uint64_t vaddr = 0;
  uint64_t memsz = 0;
  uint64_t filesz = 0;
  uint64_t offset = 0;
  uint64_t align = 0;
  uint32_t flags = 0;  // kPfR | kPfW | kPfX

  bool readable() const { return (flags & kPfR) != 0; }
  bool writable() const { return (flags & kPfW) != 0; }
  bool executable() const { return (flags & kPfX) != 0; }
};

/// The longest PT_INTERP path (Linux refuses one past PATH_MAX).
inline constexpr uint64_t kMaxInterpPath = 4095;

/// What the loader needs from a validated ELF64 file. Addresses of an ET_DYN
/// image are relative to the load base the loader picks.
struct ElfImage {
  static constexpr size_t kMaxLoadSegments = 16;

  uint16_t type = 0;   // kEtExec or kEtDyn
  uint64_t entry = 0;  // inside an executable PT_LOAD's file-backed bytes
  uint64_t phoff = 0;  // program header table, for AT_PHDR / AT_PHNUM
  uint16_t phnum = 0;
  uint64_t phdr_vaddr = 0;  // where a PT_LOAD maps the table; 0 if none does

  Segment loads[kMaxLoadSegments];  // sorted by vaddr, non-overlapping
  size_t load_count = 0;            // >= 1

  bool has_interp = false;     // PT_INTERP: wants a dynamic linker
  uint64_t interp_offset = 0;  // its path: file bytes [offset, offset + length), NUL after them
  uint64_t interp_length = 0;  // 1..kMaxInterpPath
  bool has_tls = false;        // PT_TLS: the initial TLS image
  Segment tls;
  bool has_gnu_stack = false;  // PT_GNU_STACK; stack_flags are its p_flags
  uint32_t stack_flags = 0;
};

/// Validates `file` (a whole ELF file in memory) as an x86-64 ELF64 executable
/// and returns what the loader needs. Checks e_ident (magic, ELFCLASS64,
/// ELFDATA2LSB, EV_CURRENT), e_version, e_machine, e_type (ET_EXEC or ET_DYN),
/// e_ehsize, e_phentsize and that the program header table lies in the file;
/// every PT_LOAD (p_filesz <= p_memsz, file bytes inside the file, no address
/// overflow, power-of-two p_align with p_vaddr % p_align == p_offset % p_align, ascending and
/// non-overlapping), PT_TLS likewise, at least one PT_LOAD and e_entry inside
/// an executable PT_LOAD. PT_INTERP is reported (one at most, its path inside
/// the file, 1..kMaxInterpPath bytes and NUL-terminated), not rejected. Section headers
/// are not read. Safe to call concurrently; reads only `file`.
///
/// Errors: kstd::Error::kBadExecutable (ENOEXEC) on any failed check, with
/// `*why` set to a static string naming the field (`why` may be nullptr).
kstd::Result<ElfImage> ParseElf64(kstd::ByteSpan file, const char** why);

}  // namespace core::elf
