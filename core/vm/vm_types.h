#pragma once

// Vocabulary shared by VmObject and VmAspace: protections, fault kinds, map
// flags, the user address range, and the TLB hook through which core/vm asks
// the kernel to invalidate translations (core/vm never executes invlpg).

#include <stdint.h>

#include "core/mm/phys_map.h"
#include "hal/page_table.h"

namespace core::vm {

/// core/vm is bound to the HAL's page table at compile time (STYLE.md,
/// "hot paths bind at compile time"); the page table is pure code, so host
/// tests run it over fake RAM.
using ArchPageTable = hal::PageTable;
using hal::CachePolicy;
using hal::PageAttrs;
using hal::TlbFlush;

using mm::kPageShift;
using mm::kPageSize;
using mm::PhysAddr;

/// One past the top of user space (48-bit canonical lower half). Equal to
/// hal/x86_64/address_space_layout.h's kUserTop, which lives in a board-only
/// target that host tests cannot depend on.
inline constexpr uint64_t kUserTop = uint64_t{1} << 47;

/// Lowest address a region may start at: pages below it stay unmapped so null
/// dereferences (even at small offsets) fault (Linux's mmap_min_addr).
inline constexpr uint64_t kUserBase = 0x10000;
/// One past the highest address a region may cover. The last page below the
/// canonical hole is never mapped: a SYSRET to a user RIP that runs off it
/// would fault in ring 0 on Intel CPUs (Linux's TASK_SIZE_MAX does the same).
inline constexpr uint64_t kUserEnd = kUserTop - kPageSize;

/// Region protections, bit-compatible with Linux PROT_READ/WRITE/EXEC.
using Prot = uint32_t;
inline constexpr Prot kProtNone = 0;
inline constexpr Prot kProtRead = 1u << 0;
inline constexpr Prot kProtWrite = 1u << 1;
inline constexpr Prot kProtExec = 1u << 2;
inline constexpr Prot kProtAll = kProtRead | kProtWrite | kProtExec;

/// Map flags.
using MapFlags = uint32_t;
/// Place the region exactly at `addr`; kExists if anything is mapped there.
inline constexpr MapFlags kMapFixed = 1u << 0;
/// Share the VMO: writes are seen by every mapping of it, and Fork gives the
/// child the same VMO. Without it the mapping is private (copy-on-write).
inline constexpr MapFlags kMapShared = 1u << 1;
/// The region may never become writable (Linux's VMA without VM_MAYWRITE: a
/// shared mapping of a file not open for writing, or of a write-sealed
/// memfd): Map with kProtWrite and Protect adding it give kAccess.
inline constexpr MapFlags kMapNoWrite = 1u << 2;
inline constexpr MapFlags kMapFlagsAll = kMapFixed | kMapShared | kMapNoWrite;

/// VmAspace::Remap flags (mremap's MREMAP_MAYMOVE and MREMAP_FIXED).
using RemapFlags = uint32_t;
/// The mapping may move when it cannot grow where it is.
inline constexpr RemapFlags kRemapMayMove = 1u << 0;
/// Move to exactly the given address (replacing what is there); needs kRemapMayMove.
inline constexpr RemapFlags kRemapFixed = 1u << 1;
inline constexpr RemapFlags kRemapFlagsAll = kRemapMayMove | kRemapFixed;

/// What a faulting instruction tried to do.
enum class Access : uint8_t { kRead, kWrite, kExecute };

/// Asks the kernel to invalidate `flush` in the address space whose PML4 is at
/// physical address `root` (its CR3 value) on every CPU that may cache it.
/// Called synchronously after each page-table change that needs it, with the
/// page-table lock (and possibly the aspace and VMO locks) held, and before any
/// page the change unmapped is freed: it must not block and must not call back
/// into core/vm. (Exception: paging-structure pages an unmap empties go back
/// to the pmm inside the page-table call, just before the hook. Safe on one
/// CPU, since nothing allocates in between; an SMP kernel must delay their
/// reuse until its shootdown is done, see TableAllocator::FreeTable.)
struct TlbHook {
  void (*flush)(void* context, uint64_t root, const TlbFlush& flush) = nullptr;
  void* context = nullptr;

  void operator()(uint64_t root, const TlbFlush& tlb) const {
    if (flush != nullptr && tlb.needed) flush(context, root, tlb);
  }
};

/// The page-table attributes of a user page in a region with `prot`, before
/// copy-on-write removes write access. x86-64 cannot express write- or
/// execute-only pages: every present page is readable.
constexpr PageAttrs UserPageAttrs(Prot prot, CachePolicy cache) {
  PageAttrs attrs;
  attrs.writable = (prot & kProtWrite) != 0;
  attrs.user = true;
  attrs.executable = (prot & kProtExec) != 0;
  attrs.cache = cache;
  return attrs;
}

}  // namespace core::vm
