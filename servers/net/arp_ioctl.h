#pragma once

// The ARP table ioctls (busybox `arp -s`, `arp -d`): SIOCSARP adds a
// permanent entry, SIOCDARP removes an entry (permanent or learnt),
// SIOCGARP reads one; struct arpreq in Linux's x86-64 layout. Entries are
// lwIP's etharp table (static entries for the ones set here).
//
// The caller (the kernel) has checked CAP_NET_ADMIN for SIOCSARP/SIOCDARP.
// Host-testable: lwIP only.

#include <stdint.h>

namespace netserver {

inline constexpr uint32_t kSiocDArp = 0x8953;
inline constexpr uint32_t kSiocGArp = 0x8954;
inline constexpr uint32_t kSiocSArp = 0x8955;
/// sizeof(struct arpreq) on x86-64 Linux.
inline constexpr uint32_t kArpreqSize = 68;

/// Linux's arp_flags bits.
inline constexpr int32_t kAtfCom = 0x02;   // the hardware address is known
inline constexpr int32_t kAtfPerm = 0x04;  // a permanent entry
inline constexpr int32_t kAtfPubl = 0x08;  // proxy ARP (refused: lwIP has none)

/// One of the three calls on the arpreq at `req` (`length` bytes; in and
/// out). Sets *out_length to the bytes to copy back. Returns 0 or -errno:
/// -EPFNOSUPPORT (arp_pa not AF_INET), -EINVAL (short request, a hardware
/// family other than Ethernet, a broadcast or multicast hardware address,
/// lo), -ENODEV (no such device), -ENETUNREACH (no route to the address),
/// -ENXIO (no such entry),
/// -EOPNOTSUPP (ATF_PUBL), -ENOMEM (the table is full of permanent entries).
int ArpIoctl(uint32_t request, uint8_t* req, uint32_t length, uint32_t* out_length);

/// Whether `ip` (network order) is a permanent entry set by SIOCSARP
/// (/proc/net/arp shows its flags as 0x6).
bool IsPermanentArpEntry(uint32_t ip);

}  // namespace netserver
