#pragma once

// The network interfaces as Linux shows them: names ("lo", "eth0"), the
// interface ioctls (SIOCGIFCONF, SIOC[GS]IF{FLAGS,ADDR,NETMASK,BRDADDR,MTU},
// SIOCGIFHWADDR, SIOCGIFINDEX, SIOCGIFNAME, SIOCADDRT/SIOCDELRT for the
// default route) and the /proc/net files (dev, route, arp, tcp, tcp6, udp,
// udp6, if_inet6, snmp) in Linux's formats, all over lwIP's netifs, pcbs
// and statistics.
//
// Host-testable: lwIP only.

#include <stddef.h>
#include <stdint.h>

struct netif;

namespace netserver {

/// Linux's name for a netif: "lo" for the loopback, "eth<N>" for the others.
void InterfaceName(const struct netif* n, char (&out)[16]);

/// The netif Linux would call `name` ("lo", "eth0"), or nullptr.
struct netif* FindInterface(const char* name);

/// Whether `n` is lwIP's loopback netif ("lo").
bool IsLoopbackInterface(const struct netif* n);

/// Linux's interface flags for `n` (IFF_UP, IFF_BROADCAST, IFF_LOOPBACK,
/// IFF_RUNNING, IFF_MULTICAST, IFF_LOWER_UP), as SIOCGIFFLAGS (the low 16
/// bits) and rtnetlink's ifi_flags report them.
uint32_t InterfaceFlags(const struct netif* n);

/// The MTU Linux reports: 65536 for lo, the netif's for the others.
uint32_t InterfaceMtu(const struct netif* n);

/// The transmit queue length reported for every interface (SIOCGIFTXQLEN,
/// IFLA_TXQLEN): Linux's default. lwIP itself queues nothing.
inline constexpr uint32_t kTxQueueLength = 1000;

/// One interface ioctl. `data` holds the struct ifreq (netproto::kIfreqSize
/// bytes, in and out); for SIOCGIFCONF it is room for the ifreq array
/// (`length` bytes) and `only_length` asks just for the length needed.
/// Sets *out_length to the bytes to copy back. Returns 0 or -errno
/// (-ENODEV: no such interface; -EINVAL; -EADDRNOTAVAIL: no address;
/// -ENOTTY: an ioctl this layer does not have).
int InterfaceIoctl(uint32_t request, uint8_t* data, uint32_t length, bool only_length,
                   uint32_t* out_length);

/// Renders /proc/net/<file> (netproto::ProcNetFile) into `out` (at most
/// `room` bytes, truncated at a line). Returns the length or -EINVAL.
int RenderProcNet(uint32_t file, char* out, uint32_t room);

}  // namespace netserver
