#pragma once

// Facade: page tables. core/vm builds every address space's translations
// through these types. Bound at compile time to the x86-64 four-level table
// (STYLE.md: hot paths bind at compile time); that code is pure, with injected
// table memory and no CR3 or TLB access, so host tests run the real tables
// over fake RAM. Making a table live and flushing its TLB entries is
// hal/tlb.h's business and hal::SwitchAddressSpace's (hal/thread.h).

#include "hal/x86_64/paging/page_table.h"
#include "hal/x86_64/paging/pte.h"

namespace hal {

using PageTable = x86_64::PageTable;
using TableAllocator = x86_64::TableAllocator;
using PhysWindow = x86_64::PhysWindow;
using Mapping = x86_64::Mapping;
using MappingVisitor = x86_64::MappingVisitor;
using MapOptions = x86_64::MapOptions;
using CachePolicy = x86_64::CachePolicy;
using PageAttrs = x86_64::PageAttrs;
/// The virtual range a page-table change left stale in the TLB.
using TlbFlush = x86_64::TlbFlush;

/// The kernel's page table; every address space shares its upper half
/// (PageTable::ShareKernelHalf). Kernel only (the x86-64 backend defines it).
PageTable* KernelPageTable();

// The raw entry format, for tests that inspect the tables core/vm built.
using Pte = x86_64::Pte;
using x86_64::LevelIndex;
/// The root table's level and the level whose entries map single pages.
inline constexpr int kRootTableLevel = x86_64::kPml4Level;
inline constexpr int kPageTableLevel = x86_64::kPtLevel;

}  // namespace hal
