#pragma once

// x86-64 paging-structure entries for 4-level paging.
//
// Layouts: Intel SDM vol. 3A §4.5.4, in the revisions that describe 5-level
// paging: Table 4-15 (PML4E), 4-16 (PDPTE that maps a 1-GByte page), 4-17 (PDPTE
// that references a page directory), 4-18 (PDE that maps a 2-MByte page), 4-19
// (PDE that references a page table), 4-20 (PTE that maps a 4-KByte page). Table
// 4-14 there is the PML5E, which Tessera does not use (CR4.LA57 = 0).
// Access rights: §4.6. Memory types through PAT/PCD/PWT: §4.9.2.

#include <stdint.h>

namespace hal::x86_64 {

/// Paging levels, counted from the leaf: a level-n entry maps LevelSize(n) bytes.
enum PagingLevel : int {
  kPtLevel = 1,    // page table: PTEs map 4 KiB
  kPdLevel = 2,    // page directory: PDEs map 2 MiB (PS=1) or reference a PT
  kPdptLevel = 3,  // PDPT: PDPTEs map 1 GiB (PS=1) or reference a PD
  kPml4Level = 4,  // PML4: PML4Es always reference a PDPT (bit 7 reserved)
};

inline constexpr int kEntriesPerTable = 512;
inline constexpr uint64_t kPageSize4K = uint64_t{1} << 12;
inline constexpr uint64_t kPageSize2M = uint64_t{1} << 21;
inline constexpr uint64_t kPageSize1G = uint64_t{1} << 30;

/// Bytes one entry at `level` covers: 4 KiB, 2 MiB, 1 GiB, 512 GiB.
constexpr uint64_t LevelSize(int level) { return uint64_t{1} << (12 + 9 * (level - 1)); }
/// Index of the entry for `virt` in the table at `level` (linear address bits
/// 47:39, 38:30, 29:21, 20:12; §4.5.4).
constexpr unsigned LevelIndex(uint64_t virt, int level) {
  return static_cast<unsigned>(virt >> (12 + 9 * (level - 1))) & (kEntriesPerTable - 1);
}

/// One 64-bit paging-structure entry (a value; tables hold raw uint64_t).
class Pte {
 public:
  // Bits common to all levels (Tables 4-15..4-20).
  static constexpr uint64_t kPresent = uint64_t{1} << 0;       // P
  static constexpr uint64_t kWritable = uint64_t{1} << 1;      // R/W
  static constexpr uint64_t kUser = uint64_t{1} << 2;          // U/S
  static constexpr uint64_t kWriteThrough = uint64_t{1} << 3;  // PWT
  static constexpr uint64_t kCacheDisable = uint64_t{1} << 4;  // PCD
  static constexpr uint64_t kAccessed = uint64_t{1} << 5;      // A
  // Leaf entries only.
  static constexpr uint64_t kDirty = uint64_t{1} << 6;                 // D
  static constexpr uint64_t kLargePage = uint64_t{1} << 7;             // PS (PDPTE, PDE)
  static constexpr uint64_t kPatSmall = uint64_t{1} << 7;              // PAT, in a PTE
  static constexpr uint64_t kGlobal = uint64_t{1} << 8;                // G (if CR4.PGE)
  static constexpr uint64_t kPatLarge = uint64_t{1} << 12;             // PAT, in a 2M/1G leaf
  static constexpr uint64_t kProtectionKeyMask = uint64_t{0xf} << 59;  // if CR4.PKE
  static constexpr uint64_t kNoExecute = uint64_t{1} << 63;            // XD (if EFER.NXE)
  // Physical address fields: bits M-1:12 (table or 4K page), M-1:21 (2M page),
  // M-1:30 (1G page), with M <= 52.
  static constexpr uint64_t kAddressMask = 0x000ffffffffff000;
  static constexpr uint64_t kAddressMask2M = 0x000fffffffe00000;
  static constexpr uint64_t kAddressMask1G = 0x000fffffc0000000;

  constexpr Pte() = default;
  constexpr explicit Pte(uint64_t raw) : raw_(raw) {}

  constexpr uint64_t raw() const { return raw_; }
  constexpr bool present() const { return (raw_ & kPresent) != 0; }
  constexpr bool writable() const { return (raw_ & kWritable) != 0; }
  constexpr bool user() const { return (raw_ & kUser) != 0; }
  constexpr bool accessed() const { return (raw_ & kAccessed) != 0; }
  constexpr bool dirty() const { return (raw_ & kDirty) != 0; }
  constexpr bool global() const { return (raw_ & kGlobal) != 0; }
  constexpr bool no_execute() const { return (raw_ & kNoExecute) != 0; }

  /// True if this present entry at `level` maps a page rather than a table.
  constexpr bool IsLeaf(int level) const {
    return level == kPtLevel || (level <= kPdptLevel && (raw_ & kLargePage) != 0);
  }
  /// Physical address of the table a non-leaf entry references.
  constexpr uint64_t table_address() const { return raw_ & kAddressMask; }
  /// Physical address of the page a leaf entry at `level` maps.
  constexpr uint64_t page_address(int level) const { return raw_ & AddressMask(level); }
  /// The PAT index (PAT:PCD:PWT, §4.9.2) of a leaf entry at `level`.
  constexpr unsigned pat_index(int level) const {
    const uint64_t pat = level == kPtLevel ? kPatSmall : kPatLarge;
    return ((raw_ & pat) ? 4u : 0u) | ((raw_ & kCacheDisable) ? 2u : 0u) |
           ((raw_ & kWriteThrough) ? 1u : 0u);
  }

  static constexpr uint64_t AddressMask(int level) {
    return level == kPtLevel ? kAddressMask : level == kPdLevel ? kAddressMask2M : kAddressMask1G;
  }

 private:
  uint64_t raw_ = 0;
};

}  // namespace hal::x86_64
