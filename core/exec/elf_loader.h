#pragma once

// The ELF loader: turns a static x86-64 ELF executable (ET_EXEC, or a
// static-pie ET_DYN) into a runnable user image in a LoadTarget. It is the
// "invoke" half of exec: ParseElf64 and the checks here decide everything
// before the first page is mapped, so only the target (out of memory) can fail
// after that.
//
// Policy, and why:
// - PT_INTERP is reported (LoadedImage::has_interp), not followed: exec
//   (core/proc/program_image.h) loads the dynamic linker it names as a
//   second image.
// - W^X: a PT_LOAD that is writable and executable is refused, and so is a page
//   that a writable and an executable PT_LOAD would share. Linkers of this
//   decade (bfd with -z separate-code, lld, gold) never produce either; busybox
//   has R, R+X, R, R+W segments on separate pages. `ld -N` (OMAGIC) output is
//   the one real producer, and it is refused with a message that says so.
// - Segments are placed in [kUserMin, kUserEnd). kUserEnd leaves the last page
//   below the canonical hole unmapped, as Linux's TASK_SIZE does: a SYSCALL
//   whose next instruction is at 2^47 would make SYSRET fault in ring 0.
// - Pages two segments share get both protections (R|RX -> RX, R|RW -> RW).
//   Only the file bytes of each segment are copied; the rest of every page is
//   zero (Linux would show the neighbouring file bytes there; nothing relies
//   on that). A target that holds the file as a memory object (the exec image
//   cache) maps file pages instead when no page is shared (FileMappable);
//   those show the neighbouring bytes, as Linux does.
// - Memory is mapped with its final protection at once and filled through
//   LoadTarget::Write, so no Protect step is needed.

#include <stddef.h>
#include <stdint.h>

#include "core/elf/elf64.h"
#include "core/exec/load_target.h"
#include "kstd/result.h"
#include "kstd/span.h"

namespace core::exec {

/// Lowest address a segment may occupy: page zero and its neighbours stay
/// unmapped so that null-pointer dereferences fault (Linux's mmap_min_addr).
inline constexpr uint64_t kUserMin = 0x10000;
/// One past the highest address a segment may occupy (2^47 minus one page).
inline constexpr uint64_t kUserEnd = 0x0000800000000000ULL - kPageSize;

/// Where the image landed, and what the initial stack's auxv needs.
struct LoadedImage {
  uint64_t entry = 0;  // first instruction (biased)
  uint64_t phdr = 0;   // AT_PHDR: the program headers in memory; 0 if no PT_LOAD maps them
  uint64_t phent = 0;  // AT_PHENT: sizeof(Elf64_Phdr) = 56
  uint64_t phnum = 0;  // AT_PHNUM: 0 when phdr is 0, so a libc walks nothing rather than faulting
  uint64_t base = 0;   // the load bias: 0 for ET_EXEC, load_bias_for_dyn for ET_DYN
  uint64_t start = 0;  // lowest mapped address (page-aligned)
  uint64_t brk = 0;    // page-aligned end of the highest segment: the program break starts here
  bool stack_executable = false;  // PT_GNU_STACK has PF_X (absent: not executable, as Linux x86-64)
  bool has_interp = false;        // PT_INTERP: the program wants a dynamic linker
};

/// Loads the static ELF executable `file` into `target`: for every PT_LOAD with
/// p_memsz > 0 maps zeroed pages covering [vaddr, vaddr + memsz) with the
/// segment's protection (R -> kProtRead, W -> kProtWrite, X -> kProtExec;
/// shared pages get the union) and writes its p_filesz bytes from the file;
/// the rest (bss) stays zero. ET_EXEC is loaded at its own addresses;
/// ET_DYN (static-pie) at its addresses plus `load_bias_for_dyn`, which must
/// be page-aligned (ignored for ET_EXEC). `file` must stay valid during the
/// call only. Not thread-safe with respect to `target`.
///
/// On error `*why` (may be nullptr) is set to a static message. Errors:
/// - kBadExecutable: ParseElf64 refused the file (its message); a W+X
///   segment or page; a segment outside [kUserMin, kUserEnd) after biasing.
/// - kInvalid: ET_DYN with `load_bias_for_dyn` not page-aligned.
/// - Whatever target.MapZeroed / target.Write return (kNoMemory, ...). Then
///   the target may hold part of the image: exec builds it in a fresh address
///   space and discards that space on failure.
kstd::Result<LoadedImage> LoadElf(kstd::ByteSpan file, LoadTarget& target,
                                  uint64_t load_bias_for_dyn, const char** why);

/// Whether every PT_LOAD of `image` can show file pages directly: p_vaddr and
/// p_offset congruent modulo kPageSize, and no page holding parts of two
/// segments. Linkers produce such images (busybox-static, musl -static).
bool FileMappable(const core::elf::ElfImage& image);

/// LoadElf for an image ParseElf64 already accepted. When the target can map
/// the file (CanMapFile) and the image is FileMappable, each segment's file
/// pages are mapped from the file (copy-on-write; the rest of a segment's
/// last file page shows the neighbouring file bytes, as on Linux, except that
/// a bss starting there is zeroed) and only bss pages are anonymous; `file`
/// is not read then and may be empty. Otherwise `file` must be the whole file
/// and the image is copied as LoadElf does. Errors: as LoadElf.
kstd::Result<LoadedImage> LoadParsedElf(const core::elf::ElfImage& image, kstd::ByteSpan file,
                                        LoadTarget& target, uint64_t load_bias_for_dyn,
                                        const char** why);

}  // namespace core::exec
