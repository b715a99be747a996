#pragma once

// The network interfaces as Linux shows them: names ("lo", "eth0"), the
// interface ioctls (SIOCGIFCONF, SIOC[GS]IF{FLAGS,ADDR,NETMASK,BRDADDR,MTU},
// SIOCGIFHWADDR, SIOCGIFINDEX, SIOCGIFNAME, SIOCADDRT/SIOCDELRT for the
// default route) and the /proc/net files (dev, route, arp, tcp, tcp6, udp,
// udp6, if_inet6, snmp) in Linux's formats, all over lwIP's netifs, pcbs
// and statistics; and Tessera's own /proc/net/frameproto (the NIC driver's
// frames per notification, from a source main.cc sets).
//
// Host-testable: lwIP only.

#include <stddef.h>
#include <stdint.h>

#include "abi/tessera/frameproto.h"

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

/// What /proc/net/frameproto shows for one interface with a NIC driver
/// behind it: the driver's figures as it publishes them (untrusted, shown
/// only) and the server's own end of the rings.
struct LinkFigures {
  frameproto::DriverFigures driver;
  uint64_t tx_signals;       // the server's signals to the driver
  uint64_t bad_descriptors;  // the driver's descriptors the server dropped
  uint64_t tx_dropped;       // frames lwIP sent while no driver was attached
};
/// Fills *out for `n` and returns true when `n` has a NIC driver.
using LinkFiguresSource = bool (*)(const struct netif* n, LinkFigures* out);
/// Where /proc/net/frameproto gets its figures (main.cc's NIC); without a
/// source the file holds only its header line.
void SetLinkFiguresSource(LinkFiguresSource source);

/// Renders /proc/net/<file> (netproto::ProcNetFile) into `out` (at most
/// `room` bytes, truncated at a line). Returns the length or -EINVAL.
int RenderProcNet(uint32_t file, char* out, uint32_t room);

}  // namespace netserver
