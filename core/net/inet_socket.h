#pragma once

// AF_INET, AF_INET6, AF_NETLINK and AF_PACKET sockets: kernel file
// descriptions whose protocol work is done by the network server
// (servers/net) over netproto (net_transport.h). The kernel knows nothing of
// each family's addresses beyond their length; the server parses them.
//
// Each call is one request to the server, answered at once from the
// socket's state there. A call that must wait (blocking recv, send, accept,
// connect) waits here, on the socket's own signals, which the server keeps
// current with readiness events, and then asks again: signals (EINTR or a
// restart), SO_RCVTIMEO/SO_SNDTIMEO (EAGAIN), poll, select and epoll are all
// handled in the kernel. Streams send everything unless non-blocking, as
// Linux does; MSG_WAITALL receives until the buffer is full, end of stream or
// an error.
//
// A dead server (crashed, restarted) resets every socket made on it:
// ECONNRESET for calls, POLLERR|POLLHUP for poll; new sockets use the new
// server. Without a network server, socket(AF_INET) gives EAFNOSUPPORT.

#include <stdint.h>

#include "core/net/socket.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::net {

/// socket(2) for the server's families. `type` without SOCK_NONBLOCK /
/// SOCK_CLOEXEC. Errors: kFamilyNotSupported (no network server),
/// kPermission (raw IP and packet sockets need root, as CAP_NET_RAW), the
/// server's (kSocketTypeNotSupported, kProtocolNotSupported, ...),
/// kConnectionReset, kNoMemory.
kstd::Result<kstd::RefPtr<Socket>> CreateInetSocket(int family, int type, int protocol,
                                                    uint32_t status_flags);

/// Whether a network server is registered and alive.
bool NetworkServerPresent();

/// Linux's socket ioctls for interfaces and routes (0x8900..0x89ff, less
/// the process-group ones), which any socket takes, as Linux's sock_ioctl.
bool IsInterfaceIoctl(uint32_t request);
/// Serves one of them through the network server: struct ifreq (or
/// rtentry, ifconf) at user address `arg`. Errors: kNoDevice (no server),
/// kFault, kNotTty (not an interface ioctl), the server's.
kstd::Result<int64_t> InterfaceIoctl(uint32_t request, uint64_t arg);

/// /proc/net/<file> as the network server renders it (netproto::ProcNetFile)
/// into `out`; returns its length. Errors: kNoDevice (no server),
/// kConnectionReset, the server's.
kstd::Result<size_t> ReadProcNet(uint32_t file, kstd::Span<uint8_t> out);

}  // namespace core::net
