#pragma once

// NETLINK_ROUTE requests over lwIP's netifs (rtnetlink(7)): what `ip link`,
// `ip addr` and `ip route` ask, answered as Linux answers them.
//
//   RTM_GETLINK   dump, or one link by index or IFLA_IFNAME
//   RTM_GETADDR   dump: IPv4 and IPv6 addresses
//   RTM_GETROUTE  dump of the main table: IPv4 default and subnet routes,
//                 IPv6 connected, on-link (RA) and default (RA) routes
//   RTM_NEWADDR / RTM_DELADDR   the IPv4 address of an Ethernet netif
//   RTM_NEWROUTE / RTM_DELROUTE the IPv4 default route (gateway)
//   RTM_NEWLINK / RTM_SETLINK   IFF_UP and the MTU of an existing link
//
// What lwIP cannot hold is refused, never faked: a netif has one IPv4
// address, so RTM_NEWADDR of a second one *replaces* the first (Linux would
// add a secondary); IPv6 address and route changes, routes other than the
// default one, creating or renaming links, and non-dump RTM_GETADDR /
// RTM_GETROUTE are EOPNOTSUPP.
//
// Host-testable: lwIP only. Single-threaded, like the rest of the server.

#include <stdint.h>

namespace netserver {

/// Where one request's answers go (NetlinkSocket packs them into datagrams).
class NetlinkOutput {
 public:
  /// Appends one whole message (`length` bytes, nlmsg_len set). False: no
  /// room (the request then fails with ENOBUFS).
  virtual bool Put(const uint8_t* message, uint32_t length) = 0;

 protected:
  ~NetlinkOutput() = default;
};

/// Handles one rtnetlink request: `message` is its `length` bytes, header
/// included, already checked to hold a whole header and to lie within the
/// send; its type is at least NLMSG_MIN_TYPE and NLM_F_REQUEST is set.
/// Answers carry the request's seq and `port`. A dump's messages carry
/// NLM_F_MULTI and *dumped is set: the caller ends it with NLMSG_DONE.
/// Returns 0 or -errno: -EINVAL (short body, malformed attributes, bad
/// values), -EOPNOTSUPP (a type or change this server does not make),
/// -ENODEV, -EEXIST, -ENOENT, -ESRCH, -EADDRNOTAVAIL, -ENETUNREACH,
/// -ENOBUFS (`out` is full).
int HandleRouteRequest(const uint8_t* message, uint32_t length, uint32_t port, NetlinkOutput* out,
                       bool* dumped);

}  // namespace netserver
