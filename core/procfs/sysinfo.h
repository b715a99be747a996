#pragma once

// What sysinfo(2) reports from procfs: the load averages (busybox uptime
// reads them from sysinfo, not from /proc/loadavg).

#include <stdint.h>

namespace core::procfs {

/// struct sysinfo's loads are fixed point with this many fraction bits
/// (SI_LOAD_SHIFT).
inline constexpr int kSysinfoLoadShift = 16;

/// The 1, 5 and 15 minute load averages, << kSysinfoLoadShift (procfs.cc).
void SysinfoLoads(uint64_t loads[3]);

}  // namespace core::procfs
