#pragma once

// The layout of an ELF core file (what Linux writes for a crashed process;
// gdb, readelf and eu-stack read it): the ELF header (ET_CORE, x86-64), one
// PT_NOTE program header and one PT_LOAD per memory region, the notes
// (NT_PRSTATUS with the crashing thread's registers and signal, NT_PRPSINFO
// with the process's name and ids), padded to a page; then each region's
// bytes at its page-aligned p_offset. Portable and host-tested: the kernel's
// core dumper (core/syscall/core_dump.h) fills the descriptions and copies
// the memory.

#include <stddef.h>
#include <stdint.h>

#include "kstd/result.h"
#include "kstd/span.h"

namespace core::elf {

inline constexpr size_t kMaxCoreRegions = 4096;
inline constexpr uint64_t kCorePage = 4096;

// p_flags
inline constexpr uint32_t kCoreExec = 1, kCoreWrite = 2, kCoreRead = 4;

struct CoreRegion {
  uint64_t base = 0;  // page aligned
  uint64_t size = 0;  // page multiple
  uint32_t flags = 0;
  bool dumped = true;  // false: p_filesz 0 (not readable, or a guard)
};

/// Linux's struct user_regs_struct, in its order.
enum CoreReg : int {
  kR15,
  kR14,
  kR13,
  kR12,
  kRbp,
  kRbx,
  kR11,
  kR10,
  kR9,
  kR8,
  kRax,
  kRcx,
  kRdx,
  kRsi,
  kRdi,
  kOrigRax,
  kRip,
  kCs,
  kEflags,
  kRsp,
  kSs,
  kFsBase,
  kGsBase,
  kDs,
  kEs,
  kFs,
  kGs,
  kCoreRegCount
};

struct CoreThread {
  int32_t signo = 0;
  uint32_t pid = 0, ppid = 0, pgrp = 0, sid = 0;
  uint64_t regs[kCoreRegCount] = {};
};

struct CoreProcess {
  uint32_t uid = 0, gid = 0;
  char fname[16] = {};   // comm
  char psargs[80] = {};  // the command line, spaces between arguments
};

/// Bytes of the header part (ELF header, program headers, notes, padding to
/// a page) for `regions` regions.
uint64_t CoreHeaderBytes(size_t regions);

/// Writes the header part into `out` (at least CoreHeaderBytes bytes) and
/// each region's file offset into `offsets` (regions not dumped get the
/// offset where the next one starts, and no bytes). Returns the file's
/// total size. Errors: kInvalid (too many regions, unaligned, `out` or
/// `offsets` too small).
kstd::Result<uint64_t> BuildCoreHeader(kstd::Span<const CoreRegion> regions,
                                       const CoreThread& thread, const CoreProcess& process,
                                       kstd::Span<uint8_t> out, kstd::Span<uint64_t> offsets);

}  // namespace core::elf
