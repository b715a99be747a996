#pragma once

// ICMP errors for UDP sockets: lwIP does not tell UDP pcbs about ICMP
// destination-unreachable messages, so the server watches them on a raw
// pcb of its own and reports a port unreachable to the connected UDP
// socket it answers (ECONNREFUSED from its next recv or send, POLLERR), as
// Linux does. Unconnected sockets are not told (Linux: only with
// IP_RECVERR). IPv4 only for now.

#include "servers/net/socket.h"

namespace netserver {

/// Starts watching (after lwip_init). Returns false when lwIP has no raw
/// pcb to spare (then nothing is reported).
bool WatchIcmpErrors(Sockets* sockets);

}  // namespace netserver
