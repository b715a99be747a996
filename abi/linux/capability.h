#pragma once

// Linux capabilities ABI (include/uapi/linux/capability.h, prctl.h's
// capability options): capability numbers, capget/capset's header and data
// layouts and versions. Checked against the host's headers in
// capability_test.cc.

#include <stdint.h>

namespace linux_abi {

// Capability numbers.
inline constexpr uint32_t kCapChown = 0;
inline constexpr uint32_t kCapDacOverride = 1;
inline constexpr uint32_t kCapDacReadSearch = 2;
inline constexpr uint32_t kCapFowner = 3;
inline constexpr uint32_t kCapFsetid = 4;
inline constexpr uint32_t kCapKill = 5;
inline constexpr uint32_t kCapSetgid = 6;
inline constexpr uint32_t kCapSetuid = 7;
inline constexpr uint32_t kCapSetpcap = 8;
inline constexpr uint32_t kCapLinuxImmutable = 9;
inline constexpr uint32_t kCapNetBindService = 10;
inline constexpr uint32_t kCapNetBroadcast = 11;
inline constexpr uint32_t kCapNetAdmin = 12;
inline constexpr uint32_t kCapNetRaw = 13;
inline constexpr uint32_t kCapIpcLock = 14;
inline constexpr uint32_t kCapIpcOwner = 15;
inline constexpr uint32_t kCapSysModule = 16;
inline constexpr uint32_t kCapSysRawio = 17;
inline constexpr uint32_t kCapSysChroot = 18;
inline constexpr uint32_t kCapSysPtrace = 19;
inline constexpr uint32_t kCapSysPacct = 20;
inline constexpr uint32_t kCapSysAdmin = 21;
inline constexpr uint32_t kCapSysBoot = 22;
inline constexpr uint32_t kCapSysNice = 23;
inline constexpr uint32_t kCapSysResource = 24;
inline constexpr uint32_t kCapSysTime = 25;
inline constexpr uint32_t kCapSysTtyConfig = 26;
inline constexpr uint32_t kCapMknod = 27;
inline constexpr uint32_t kCapLease = 28;
inline constexpr uint32_t kCapAuditWrite = 29;
inline constexpr uint32_t kCapAuditControl = 30;
inline constexpr uint32_t kCapSetfcap = 31;
inline constexpr uint32_t kCapMacOverride = 32;
inline constexpr uint32_t kCapMacAdmin = 33;
inline constexpr uint32_t kCapSyslog = 34;
inline constexpr uint32_t kCapWakeAlarm = 35;
inline constexpr uint32_t kCapBlockSuspend = 36;
inline constexpr uint32_t kCapAuditRead = 37;
inline constexpr uint32_t kCapPerfmon = 38;
inline constexpr uint32_t kCapBpf = 39;
inline constexpr uint32_t kCapCheckpointRestore = 40;
/// The highest capability (/proc/sys/kernel/cap_last_cap).
inline constexpr uint32_t kCapLastCap = kCapCheckpointRestore;

// capget/capset versions: version 1 moves one 32-bit data record, versions 2
// and 3 two (the low and high 32 bits of each set).
inline constexpr uint32_t kCapVersion1 = 0x19980330;
inline constexpr uint32_t kCapVersion2 = 0x20071026;
inline constexpr uint32_t kCapVersion3 = 0x20080522;

struct CapUserHeader {
  uint32_t version;
  int32_t pid;
};

struct CapUserData {
  uint32_t effective;
  uint32_t permitted;
  uint32_t inheritable;
};

// prctl options about credentials.
inline constexpr int32_t kPrGetKeepCaps = 7;
inline constexpr int32_t kPrSetKeepCaps = 8;
inline constexpr int32_t kPrCapBsetRead = 23;
inline constexpr int32_t kPrCapBsetDrop = 24;
inline constexpr int32_t kPrCapAmbient = 47;
inline constexpr uint64_t kPrCapAmbientIsSet = 1;
inline constexpr uint64_t kPrCapAmbientRaise = 2;
inline constexpr uint64_t kPrCapAmbientLower = 3;
inline constexpr uint64_t kPrCapAmbientClearAll = 4;

/// NGROUPS_MAX: the most supplementary groups setgroups takes.
inline constexpr uint32_t kNgroupsMax = 65536;

}  // namespace linux_abi
