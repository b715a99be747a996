#pragma once

// Linux clone(2) flags (include/uapi/linux/sched.h), also unshare(2)'s and
// setns(2)'s. The low byte of clone's flags is the signal sent to the
// parent when the child exits.

#include <stdint.h>

namespace linux_abi {

inline constexpr uint64_t kCloneSignalMask = 0xFF;  // CSIGNAL
inline constexpr uint64_t kCloneVm = 0x100;
inline constexpr uint64_t kCloneFs = 0x200;
inline constexpr uint64_t kCloneFiles = 0x400;
inline constexpr uint64_t kCloneSighand = 0x800;
inline constexpr uint64_t kCloneVfork = 0x4000;
inline constexpr uint64_t kCloneParent = 0x8000;
inline constexpr uint64_t kCloneThread = 0x10000;
inline constexpr uint64_t kCloneSysvsem = 0x40000;
inline constexpr uint64_t kCloneSetTls = 0x80000;
inline constexpr uint64_t kCloneParentSetTid = 0x100000;
inline constexpr uint64_t kCloneChildClearTid = 0x200000;
inline constexpr uint64_t kCloneDetached = 0x400000;  // ignored by Linux since 2.6
inline constexpr uint64_t kCloneChildSetTid = 0x1000000;

// Namespaces (clone, unshare, setns's nstype).
inline constexpr uint64_t kCloneNewTime = 0x80;  // unshare and clone3 only
inline constexpr uint64_t kCloneNewNs = 0x20000;
inline constexpr uint64_t kCloneNewCgroup = 0x2000000;
inline constexpr uint64_t kCloneNewUts = 0x4000000;
inline constexpr uint64_t kCloneNewIpc = 0x8000000;
inline constexpr uint64_t kCloneNewUser = 0x10000000;
inline constexpr uint64_t kCloneNewPid = 0x20000000;
inline constexpr uint64_t kCloneNewNet = 0x40000000;
inline constexpr uint64_t kCloneNewNamespaces = kCloneNewTime | kCloneNewNs | kCloneNewCgroup |
                                                kCloneNewUts | kCloneNewIpc | kCloneNewUser |
                                                kCloneNewPid | kCloneNewNet;

}  // namespace linux_abi
