#pragma once

// The link tap: how packet sockets (AF_PACKET, packet_socket.cc) see and
// send the Ethernet frames of a netif.
//
// The NIC glue calls LinkFrameIn() for every frame the NIC received, before
// lwIP sees it, and LinkFrameOut() for every frame it handed to the driver
// (Linux's outgoing tap, seen by ETH_P_ALL sockets). Packet sockets
// transmit through the netif's own `linkoutput`, so their frames reach the
// driver, and the outgoing tap, exactly as lwIP's do. main.cc is the glue
// for eth0; a host test plays it with a fake netif.
//
// Both calls copy what they keep and return at once (no socket: nothing to
// do). Single-threaded, with lwIP.

#include <stddef.h>
#include <stdint.h>

struct netif;
struct pbuf;

namespace netserver {

/// A frame (destination MAC first) the NIC behind `n` received.
void LinkFrameIn(struct netif* n, const uint8_t* frame, size_t length);

/// A frame `n`'s driver took to send.
void LinkFrameOut(struct netif* n, const struct pbuf* frame);

}  // namespace netserver
