#pragma once

// Facade: the calling CPU's translation caches. core/vm reports every
// page-table change that leaves translations stale (a TlbFlush); the kernel
// passes it here. Backends: hal/x86_64/tlb.cc (INVLPG or a CR3 reload),
// hal/host (records the calls for tests).

#include <stdint.h>

#include "hal/page_table.h"

namespace hal {

/// Drops the calling CPU's cached translations for `flush` if the page tables
/// rooted at physical address `root` are the ones loaded on it (tables that
/// are not loaded cache nothing here). Page by page for short ranges, the
/// whole non-global TLB for long ones. Call after the page-table change and
/// before any page it unmapped is reused. Never blocks; cannot fail.
void FlushTlb(uint64_t root, const TlbFlush& flush);

}  // namespace hal
