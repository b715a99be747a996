#pragma once

// AF_UNIX sockets, served in the kernel (unix(7)): SOCK_STREAM (a byte
// stream), SOCK_DGRAM (datagrams, connected or not) and SOCK_SEQPACKET
// (connected, message boundaries kept); names in the file system (bind makes
// an S_IFSOCK node in any file system, the ext2 disk included), in the
// abstract namespace, or none; SCM_RIGHTS (passed files travel as references
// with the data and are released if the data is never received) and
// SCM_CREDENTIALS / SO_PEERCRED.
//
// Limits as Linux's defaults: a sender may have SO_SNDBUF bytes unread at
// its receivers (then it blocks, or EAGAIN); a datagram receiver holds at
// most 10 datagrams from senders it is not connected to
// (net.unix.max_dgram_qlen); a listener holds backlog + 1 connections not
// yet accepted (connect then blocks, or EAGAIN).
//
// Locking: one lock guards every AF_UNIX socket's state (queues, peers,
// names); each socket's own object lock (its signals) nests inside it. A
// single lock is the simple correct first step; a per-connection lock is
// the refinement when many CPUs run sockets at once.

#include <stdint.h>

#include "core/net/socket.h"
#include "core/net/unix_address.h"
#include "kstd/ref_ptr.h"
#include "kstd/result.h"

namespace core::net {

/// socket(AF_UNIX, type, protocol): `status_flags` may hold O_NONBLOCK.
/// Errors: kSocketTypeNotSupported (a type other than the three),
/// kProtocolNotSupported (protocol not 0 or PF_UNIX), kNoMemory.
kstd::Result<kstd::RefPtr<Socket>> CreateUnixSocket(int type, int protocol, uint32_t status_flags,
                                                    const Credentials& creator);

struct SocketPair {
  kstd::RefPtr<Socket> first;
  kstd::RefPtr<Socket> second;
};

/// socketpair(AF_UNIX, ...): two connected, unnamed sockets.
kstd::Result<SocketPair> CreateUnixSocketPair(int type, int protocol, uint32_t status_flags,
                                              const Credentials& creator);

/// One row of /proc/net/unix.
struct UnixSocketInfo {
  uint64_t inode = 0;  // the socket's koid, as fstat's st_ino
  int ref_count = 0;
  int type = 0;
  int state = 0;  // SS_UNCONNECTED 1, SS_CONNECTED 3
  bool listening = false;
  UnixAddress name;
};

/// Calls fn for every open AF_UNIX socket, oldest first, with the sockets'
/// lock held (fn must only copy).
void ForEachUnixSocket(void (*fn)(const UnixSocketInfo& info, void* context), void* context);

/// For tests: how many AF_UNIX endpoints (sockets, accepted-not-yet
/// connections) exist, to find leaks.
size_t UnixEndpointCount();

}  // namespace core::net
